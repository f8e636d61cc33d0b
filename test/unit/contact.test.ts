import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { idCheckChar, normaliseIdNumber, normalisePhone } from '../../src/domain/contact.js';

describe('normalisePhone', () => {
  describe('mobile numbers (13x–19x) normalise to 11 bare digits', () => {
    it.each([
      ['13812345678', '13812345678'],
      ['14712345678', '14712345678'],
      ['15012345678', '15012345678'],
      ['16612345678', '16612345678'],
      ['17712345678', '17712345678'],
      ['18612345678', '18612345678'],
      ['19912345678', '19912345678'],
      ['+8613812345678', '13812345678'],
      ['+86 138 1234 5678', '13812345678'],
      ['+86-138-1234-5678', '13812345678'],
      ['008613812345678', '13812345678'],
      ['0086 138 1234 5678', '13812345678'],
      ['8613812345678', '13812345678'],
      ['86 138-1234-5678', '13812345678'],
      ['138 1234 5678', '13812345678'],
      ['138-1234-5678', '13812345678'],
      ['  13812345678  ', '13812345678'],
    ])('%j → %s', (input, expected) => {
      expect(normalisePhone(input)).toBe(expected);
    });
  });

  describe('landlines normalise to 0AA(A)-NNNNNNN(N)', () => {
    it.each([
      ['010-12345678', '010-12345678'],
      ['0755-1234567', '0755-1234567'],
      ['0755-12345678', '0755-12345678'],
      ['021 12345678', '021-12345678'],
      ['021 1234 5678', '021-12345678'],
      ['02112345678', '021-12345678'],
      ['01012345678', '010-12345678'],
      ['075512345678', '0755-12345678'],
      ['07551234567', '0755-1234567'],
      ['+86 010 12345678', '010-12345678'],
    ])('%j → %s', (input, expected) => {
      expect(normalisePhone(input)).toBe(expected);
    });

    // Regression (fixed): the first guard /^[+\d][\d\s()-]*$/ requires the
    // first character to be "+" or a digit, so the usual "(021) 12345678" spelling is
    // rejected although the separator regex further down was written to accept it.
    it.each([
      ['(021) 12345678', '021-12345678'],
      ['(021)12345678', '021-12345678'],
      ['(0755) 1234567', '0755-1234567'],
    ])('regression: %j → %s', (input, expected) => {
      expect(normalisePhone(input)).toBe(expected);
    });
  });

  describe('rejects what is not a Chinese phone number', () => {
    it.each([
      ['12 digits', '138123456789'],
      ['10 digits', '1381234567'],
      ['12x prefix', '12812345678'],
      ['11x prefix', '11812345678'],
      ['10x prefix', '10812345678'],
      ['letters', '1381234567a'],
      ['letters only', 'phone'],
      ['empty', ''],
      ['blank', '   '],
      ['only a plus', '+'],
      ['400 hotline with dashes', '400-820-8820'],
      ['400 hotline bare', '4008208820'],
      ['800 number', '800-820-8820'],
      ['foreign country code', '+1 415 555 0100'],
      ['+86 with a 12x mobile', '+8612812345678'],
      ['landline local part too short', '010-123456'],
      ['landline local part too long', '010-123456789'],
      ['3-digit area code with 7 local digits and no separator', '0201234567'],
      ['plus in the middle', '138+12345678'],
      ['dots', '138.1234.5678'],
    ])('%s: %j → null', (_what, input) => {
      expect(normalisePhone(input)).toBeNull();
    });
  });
});

/** A valid 18-digit ID number from its first 17 digits. */
const withCheck = (first17: string) => first17 + idCheckChar(first17);

describe('idCheckChar (ISO 7064 MOD 11-2)', () => {
  it.each([
    ['11010519491231002', 'X'], // the well-known GB 11643 sample
    ['44052418800101001', '4'],
    ['11010119900307123', '3'],
  ])('%s → %s', (first17, expected) => {
    expect(idCheckChar(first17)).toBe(expected);
  });

  it('always yields one of 0-9 or X', () => {
    for (let seq = 0; seq < 1000; seq++) {
      expect(idCheckChar(`11010519900101${String(seq).padStart(3, '0')}`)).toMatch(/^[0-9X]$/);
    }
  });
});

describe('normaliseIdNumber', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-06-15T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('accepts valid numbers, upper-cased and trimmed', () => {
    it.each([
      ['well-known sample', '11010519491231002X', '11010519491231002X'],
      ['lowercase x', '11010519491231002x', '11010519491231002X'],
      ['surrounding spaces', ' 11010519491231002X ', '11010519491231002X'],
      ['computed, Shenzhen', withCheck('44030519851120001'), withCheck('44030519851120001')],
      ['computed, leap day', withCheck('31010120000229002'), withCheck('31010120000229002')],
      ['computed, 1900-01-01', withCheck('51010119000101003'), withCheck('51010119000101003')],
      ['computed, born today', withCheck('11010520250615004'), withCheck('11010520250615004')],
    ])('%s: %j', (_what, input, expected) => {
      expect(normaliseIdNumber(input)).toBe(expected);
    });
  });

  describe('rejects', () => {
    /** Replaces the check char of a valid number with a different one. */
    const wrongCheck = (first17: string) => {
      const good = idCheckChar(first17);
      return first17 + (good === '0' ? '1' : '0');
    };
    it.each([
      ['wrong check char', wrongCheck('11010519491231002')],
      ['wrong check char (X where a digit belongs)', '11010119900307123X'],
      ['one digit changed', '11010519491231012X'],
      ['two digits swapped', '11010519491213002X'],
      ['valid check char but born 1880', '440524188001010014'],
      ['impossible date 1990-02-30', withCheck('11010119900230123')],
      ['29 Feb in a non-leap year', withCheck('11010119010229123')],
      ['month 13', withCheck('11010119901301123')],
      ['day 00', withCheck('11010119900100123')],
      ['year before 1900', withCheck('11010118991231123')],
      ['future birth date (tomorrow)', withCheck('11010520250616004')],
      ['future birth date (next year)', withCheck('11010520260101004')],
      ['15-digit first-generation number', '110105491231002'],
      ['17 digits', '11010519491231002'],
      ['19 digits', '11010519491231002X1'],
      ['leading zero region', withCheck('01010519491231002')],
      ['X not in last position', '1101051949123100X2'],
      ['letters', '11010519491231002Y'],
      ['empty', ''],
    ])('%s: %j → null', (_what, input) => {
      expect(normaliseIdNumber(input)).toBeNull();
    });
  });
});
