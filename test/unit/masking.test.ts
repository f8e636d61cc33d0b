import { describe, expect, it } from 'vitest';
import { maskEmail, maskIdNumber, maskName, maskPhone } from '../../src/auth/masking.js';

describe('maskName', () => {
  it.each([
    ['two chars', '张三', '张*'],
    ['three chars', '张三丰', '张**'],
    ['four chars', '爱新觉罗', '爱***'],
    ['compound surname', '欧阳修', '欧阳*'],
    ['compound surname, four chars', '司马相如', '司马**'],
    ['another compound surname', '诸葛亮', '诸葛*'],
    ['compound surname alone (2 chars) keeps one', '欧阳', '欧*'],
    ['not a compound surname', '王小明', '王**'],
    ['single char is left as is', '张', '张'],
    ['empty', '', ''],
    ['surrounding spaces trimmed', ' 张三 ', '张*'],
    ['Latin name keeps first letter', 'John Smith', 'J*********'],
    ['Latin single word', 'Alice', 'A****'],
    ['astral-plane char counts as one', '𠮷野家', '𠮷**'],
  ])('%s: %j → %j', (_what, input, expected) => {
    expect(maskName(input)).toBe(expected);
  });
});

describe('maskPhone', () => {
  it.each([
    ['mobile', '13812345678', '138****5678'],
    ['3-digit area landline', '010-12345678', '010-****5678'],
    ['4-digit area landline, 7 local digits', '0755-1234567', '0755-***4567'],
    ['4-digit area landline, 8 local digits', '0755-12345678', '0755-****5678'],
    ['short number fully masked', '1234567', '*******'],
    ['empty', '', ''],
  ])('%s: %j → %j', (_what, input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });

  it('never leaves more than the last 4 local digits of a normalised number', () => {
    for (const phone of ['13812345678', '010-12345678', '0755-1234567']) {
      const masked = maskPhone(phone);
      expect(masked).toHaveLength(phone.length);
      expect(masked.slice(-4)).toBe(phone.slice(-4));
      expect(masked).toContain('***');
    }
  });
});

describe('maskIdNumber', () => {
  it.each([
    ['18 digits', '110101199003071234', '110***********1234'],
    ['check char X', '11010519491231002X', '110***********002X'],
    ['15 digits', '110105491231002', '110********1002'],
    ['short fully masked', '1234567', '*******'],
    ['empty', '', ''],
  ])('%s: %j → %j', (_what, input, expected) => {
    expect(maskIdNumber(input)).toBe(expected);
  });

  it('hides the birth date', () => {
    expect(maskIdNumber('110101199003071234')).not.toContain('19900307');
  });
});

describe('maskEmail', () => {
  it.each([
    ['ordinary', 'zhang.san@example.com', 'z***@example.com'],
    ['one-char local part', 'a@b.cn', 'a***@b.cn'],
    ['@ in the local part: last @ wins', '"a@b"@example.com', '"***@example.com'],
    ['no @', 'not-an-email', '***'],
    ['@ first', '@example.com', '***'],
    ['empty', '', '***'],
  ])('%s: %j → %j', (_what, input, expected) => {
    expect(maskEmail(input)).toBe(expected);
  });
});
