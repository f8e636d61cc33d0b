import { describe, expect, it } from 'vitest';
import { maskContactText, maskEmail, maskIdNumber, maskName, maskPhone } from '../../src/auth/masking.js';

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

describe('maskContactText', () => {
  it.each([
    ['a mobile number', '客户来电 13812345678 反映', '客户来电 138****5678 反映'],
    ['a mobile with +86 and spaces', '回拨 +86 138 1234 5678', '回拨 138****5678'],
    ['a mobile with dashes', '电话138-1234-5678。', '电话138****5678。'],
    ['a landline', '座机0755-88881234', '座机0755-****1234'],
    ['a landline in parentheses', '(021)12345678', '021-****5678'],
    ['an ID number', '身份证11010119900307123x核对', '身份证110***********123X核对'],
    ['an email', '发邮件到 zhang.san@example.com 了', '发邮件到 z***@example.com 了'],
    ['another long digit run', '卡号6222021234567890123', '卡号***************0123'],
    ['short numbers stay', '3栋2单元1201，2026年5月', '3栋2单元1201，2026年5月'],
    ['nothing personal', '已发送恭贺短信', '已发送恭贺短信'],
  ])('%s: %j → %j', (_what, input, expected) => {
    expect(maskContactText(input)).toBe(expected);
  });

  it('masks the given names wherever they occur, compound surnames kept', () => {
    expect(maskContactText('欧阳娜娜女士确认，欧阳娜娜的家人在场', ['欧阳娜娜'])).toBe('欧阳**女士确认，欧阳**的家人在场');
    expect(maskContactText('张三丰来电', ['张三丰', '王'])).toBe('张**来电');
  });
});
