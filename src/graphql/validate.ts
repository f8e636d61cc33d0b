import { z } from 'zod';
import { normaliseIdNumber, normalisePhone } from '../domain/contact.js';
import { AppError } from './errors.js';

/**
 * Validates a mutation input with a zod schema; the first problem becomes a
 * BAD_USER_INPUT naming its field, and every problem is listed in `extensions.issues`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = 'input'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = issues[0]!;
  throw AppError.badInput(first.field, first.message, { issues });
}

/** Trimmed text, non-empty, with a maximum length. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

/** A Chinese mobile or landline number, normalised. */
export const phone = z.string().transform((v, ctx) => {
  const n = normalisePhone(v);
  if (!n) {
    ctx.addIssue({ code: 'custom', message: 'must be a Chinese mobile (e.g. 13812345678) or landline (e.g. 010-12345678) number' });
    return z.NEVER;
  }
  return n;
});

/** An 18-digit resident identity number with a valid check character. */
export const idNumber = z.string().transform((v, ctx) => {
  const n = normaliseIdNumber(v);
  if (!n) {
    ctx.addIssue({ code: 'custom', message: 'must be an 18-digit resident ID number with a valid birth date and check character' });
    return z.NEVER;
  }
  return n;
});

/** A calendar date `YYYY-MM-DD` that exists. */
export const localDate = z.string().refine((v) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}, 'must be a date YYYY-MM-DD');

/** Tolerated clock skew between clients and the server for "not in the future/past" checks. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** BAD_USER_INPUT when `at` is later than now (beyond the tolerated skew). */
export function assertNotFuture(field: string, at: Date | null | undefined, now: Date): void {
  if (at && at.getTime() > now.getTime() + CLOCK_SKEW_MS) throw AppError.badInput(field, 'must not be in the future');
}

/** BAD_USER_INPUT when `at` is earlier than now (beyond the tolerated skew). */
export function assertNotPast(field: string, at: Date | null | undefined, now: Date): void {
  if (at && at.getTime() < now.getTime() - CLOCK_SKEW_MS) throw AppError.badInput(field, 'must not be in the past');
}

/** An idempotency key: 1–200 printable characters. */
export const idempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
