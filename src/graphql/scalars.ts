import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';

/**
 * Years accepted in dates and timestamps. PostgreSQL has no year 0, arithmetic near the
 * ends of its range fails, and no customer-relations date lies outside these.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

function inRange(year: number, shown: string): void {
  if (!(year >= MIN_YEAR && year <= MAX_YEAR)) {
    throw new GraphQLError(`${shown} is out of range: use a date between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31`);
  }
}

/**
 * A scalar like `base` that also refuses years outside {@link MIN_YEAR}–{@link MAX_YEAR}, and
 * answers what `base` answers as `serialize` gives it (by default, `base`'s own value).
 */
function bounded<T>(
  base: GraphQLScalarType,
  yearOf: (v: T) => number,
  description: string,
  serialize: (v: unknown) => unknown = (v) => base.serialize(v),
): GraphQLScalarType {
  const check = (v: T, raw: unknown) => {
    inRange(yearOf(v), JSON.stringify(raw));
    return v;
  };
  return new GraphQLScalarType({
    name: base.name,
    description,
    specifiedByURL: base.specifiedByURL,
    serialize,
    parseValue: (v) => check(base.parseValue(v) as T, v),
    parseLiteral: (ast: ValueNode, vars) => check(base.parseLiteral(ast, vars) as T, 'value' in ast ? ast.value : ast.kind),
  });
}

/** ISO-8601 timestamp in UTC (`2026-11-25T08:00:00.000Z`), years 1900–2999. */
export const DateTimeScalar = bounded<Date>(
  GraphQLDateTime,
  (d) => d.getUTCFullYear(),
  'A date-time string at UTC, such as 2026-11-25T08:00:00.000Z (RFC 3339), between 1900 and 2999.',
  serializeDateTime,
);

/**
 * A timestamp as its ISO-8601 string, the text `JSON.stringify` would write for the `Date`
 * `GraphQLDateTime` answers. Written here, a response holds strings: `JSON.stringify` reaches a
 * `Date`'s `toJSON` through a slow call of its own (about 0.8 µs a value against 0.04 for the
 * string; a complaint page of 50 with its clocks holds 250), and {@link isoString} writes the
 * string in a third of `toISOString`'s time (see BENCHMARKS.md).
 */
function serializeDateTime(v: unknown): string {
  // GraphQLDateTime checks a Date or a date-time string and answers a valid Date; from a number
  // it makes a Date unchecked, refused here as an invalid Date is (serialize throws).
  const ms = (GraphQLDateTime.serialize(v) as Date).getTime();
  return ms === ms ? isoString(ms) : (GraphQLDateTime.serialize(new Date(ms)) as never);
}

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: `toISOString` writes other years with a sign and six digits. */
const MIN_ISO_MS = -62_167_219_200_000;
const MAX_ISO_MS = 253_402_300_799_999;
const ZERO = 48;

/**
 * `new Date(ms).toISOString()`, written from the digits: the civil date by Howard Hinnant's
 * `civil_from_days` (http://howardhinnant.github.io/date_algorithms.html), the string made flat in
 * one call. `toISOString` formats through V8's C++ printf at about 0.4 µs a value; this takes
 * about a tenth of a microsecond. Years outside 0–9999 go to `toISOString`.
 */
export function isoString(ms: number): string {
  if (!(ms >= MIN_ISO_MS && ms <= MAX_ISO_MS)) return new Date(ms).toISOString();
  ms = Math.trunc(ms); // as a Date keeps its time (a Date's own time is whole already)
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1_000);
  rest -= s * 1_000;
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000),
    ZERO + (Math.floor(year / 100) % 10),
    ZERO + (Math.floor(year / 10) % 10),
    ZERO + (year % 10),
    45,
    ZERO + Math.floor(month / 10),
    ZERO + (month % 10),
    45,
    ZERO + Math.floor(day / 10),
    ZERO + (day % 10),
    84,
    ZERO + Math.floor(h / 10),
    ZERO + (h % 10),
    58,
    ZERO + Math.floor(m / 10),
    ZERO + (m % 10),
    58,
    ZERO + Math.floor(s / 10),
    ZERO + (s % 10),
    46,
    ZERO + Math.floor(rest / 100),
    ZERO + (Math.floor(rest / 10) % 10),
    ZERO + (rest % 10),
    90,
  );
}

/** Calendar date `YYYY-MM-DD`, years 1900–2999. */
export const LocalDateScalar = bounded<string>(
  GraphQLLocalDate,
  (s) => Number(String(s).slice(0, 4)),
  'A calendar date YYYY-MM-DD (RFC 3339 full-date), between 1900-01-01 and 2999-12-31.',
);
