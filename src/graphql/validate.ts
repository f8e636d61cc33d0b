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

/** Bidirectional embeddings, overrides and isolates: they reorder what a reader sees (`‮**` hides a surname). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;
/** Every bidirectional formatting character, marks included (none belongs in a name). */
const BIDI_ANY = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** Characters that show nothing: format characters, spaces, fillers, variation selectors. */
const INVISIBLE = /[\p{Cf}\p{Z}\u115F\u1160\u3164\uFFA0\u2800\u034F\u180B-\u180F\uFE00-\uFE0F]/gu;

/**
 * Trimmed text in Unicode NFC, non-empty, with a maximum length, without bidirectional
 * overrides. (Control characters never get this far: the HTTP layer refuses them.)
 */
export const text = (max: number) =>
  z
    .string()
    .normalize('NFC')
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !BIDI_CONTROLS.test(v), 'must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069)');

/**
 * A name (of a person, project, company): {@link text}, plus no bidirectional formatting
 * characters at all and something visible once invisible characters are removed.
 */
export const name = (max: number) =>
  text(max)
    .refine((v) => !BIDI_ANY.test(v), 'must not contain bidirectional formatting characters')
    .refine((v) => v.replace(INVISIBLE, '').length > 0, 'must contain visible characters, not only spaces or invisible ones');

/** Longest free-text search, in characters. */
export const SEARCH_MAX_LENGTH = 100;

/**
 * A list filter's free-text `search`: NFC, trimmed, at most {@link SEARCH_MAX_LENGTH}
 * characters (BAD_USER_INPUT beyond); null when blank.
 */
export function searchText(value: string | null | undefined, field = 'filter.search'): string | null {
  if (value == null) return null;
  const v = value.normalize('NFC').trim();
  if (!v) return null;
  if ([...v].length > SEARCH_MAX_LENGTH) throw AppError.badInput(field, `must be at most ${SEARCH_MAX_LENGTH} characters`, { max: SEARCH_MAX_LENGTH });
  return v;
}

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

/** An http(s) URL of at most 1000 characters (attachments, evidence). */
export const httpUrl = z
  .string()
  .max(1000, 'must be at most 1000 characters')
  .refine((u) => {
    try {
      return ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');
