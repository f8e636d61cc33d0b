/** Pure validation and normalisation of Chinese contact data. */

/**
 * Normalises a Chinese phone number, or returns null when it is not one.
 * Mobile: 11 digits starting 13–19 (an optional +86/0086/86 prefix and spaces or dashes are dropped).
 * Landline: area code 0 + 2–3 digits and a 7–8 digit local number, stored `0AA-NNNNNNNN`.
 */
export function normalisePhone(input: string): string | null {
  const raw = input.trim();
  if (!/^[+\d(][\d\s()-]*$/.test(raw)) return null;
  if ((raw.match(/\(/g)?.length ?? 0) !== (raw.match(/\)/g)?.length ?? 0)) return null;
  let digits = raw.replace(/[\s()-]/g, '');
  digits = digits.replace(/^(\+86|0086)/, '');
  if (/^861[3-9]\d{9}$/.test(digits)) digits = digits.slice(2);
  if (/^1[3-9]\d{9}$/.test(digits)) return digits;
  // Landline: prefer the original separator when present; else infer the area-code length.
  const sep = /^(?:\((0\d{2,3})\)[\s-]*|(0\d{2,3})[\s-]+)(\d{7,8})$/.exec(raw);
  if (sep) return `${sep[1] ?? sep[2]}-${sep[3]}`;
  const m = /^(0(?:10|2\d))(\d{8})$/.exec(digits) ?? /^(0[3-9]\d{2})(\d{7,8})$/.exec(digits);
  if (m) return `${m[1]}-${m[2]}`;
  return null;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * Validates an 18-digit PRC resident identity number (GB 11643-1999): no leading zero,
 * a real birth date, and the ISO 7064 MOD 11-2 check character. Returns it upper-cased, or null.
 */
export function normaliseIdNumber(input: string): string | null {
  const id = input.trim().toUpperCase();
  if (!/^[1-9]\d{16}[\dX]$/.test(id)) return null;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (date.getTime() > Date.now()) return null;
  return idCheckChar(id.slice(0, 17)) === id[17] ? id : null;
}

/** The check character for the first 17 digits of an ID number (used by the demo seeder). */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}
