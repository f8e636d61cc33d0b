/** Pure masking of personal data (seed 001, 客户信息保密). */
import { normalisePhone } from '../domain/contact.js';

const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙',
  '宇文', '司徒', '夏侯', '令狐', '端木', '轩辕', '南宫', '西门', '独孤', '百里',
]);

/** `张三丰` → `张**`; compound surnames kept (`欧阳修` → `欧阳*`); Latin names keep the first letter. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('');
  const keep = chars.length > 2 && COMPOUND_SURNAMES.has(chars.slice(0, 2).join('')) ? 2 : 1;
  return chars.slice(0, keep).join('') + '*'.repeat(chars.length - keep);
}

/** `13812345678` → `138****5678`; `010-12345678` → `010-****5678`. */
export function maskPhone(phone: string): string {
  const dash = phone.indexOf('-');
  if (dash > 0) {
    const local = phone.slice(dash + 1);
    return `${phone.slice(0, dash)}-${'*'.repeat(Math.max(local.length - 4, 0))}${local.slice(-4)}`;
  }
  if (phone.length <= 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

/** `110101199003071234` → `110***********1234`. */
export function maskIdNumber(id: string): string {
  if (id.length <= 7) return '*'.repeat(id.length);
  return `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`;
}

/** `zhang.san@example.com` → `z***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** An 18-character ID number not inside a longer run of digits or letters. */
const ID_IN_TEXT = /(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])/g;
/** A mobile number, also written with +86/86 and spaces or dashes between digit groups. */
const MOBILE_IN_TEXT = /(?<!\d)(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)/g;
/** A landline with area code (010-12345678, 0755 8888 1234, (021)12345678). */
const LANDLINE_IN_TEXT = /(?<!\d)\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)/g;
/** Any other run of 7 or more digits (a local number, a card or account number). */
const DIGITS_IN_TEXT = /\d{7,}/g;

const lastFour = (digits: string) => `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
/** A phone number quoted in text, masked as the phone field is; digits only if it does not normalise. */
const maskQuotedPhone = (m: string) => {
  const n = normalisePhone(m);
  return n ? maskPhone(n) : lastFour(m.replace(/\D/g, ''));
};

/**
 * Free text with the contact data it quotes masked the way the fields are (seed 001, 客户信息保密):
 * emails, 18-digit ID numbers, mobile and landline numbers (however spaced), any other run of 7+
 * digits (only the last 4 kept), and the given names of the people it concerns (`names`, e.g. the
 * customer's full name, masked as {@link maskName} does; a name shorter than 2 characters is left).
 */
export function maskContactText(text: string, names: readonly string[] = []): string {
  let out = text
    .replace(EMAIL_IN_TEXT, (m) => maskEmail(m))
    .replace(ID_IN_TEXT, (m) => maskIdNumber(m.toUpperCase()))
    .replace(MOBILE_IN_TEXT, maskQuotedPhone)
    .replace(LANDLINE_IN_TEXT, maskQuotedPhone)
    .replace(DIGITS_IN_TEXT, lastFour);
  for (const n of names) {
    const whole = n.trim();
    if ([...whole].length < 2) continue;
    out = out.split(whole).join(maskName(whole));
  }
  return out;
}
