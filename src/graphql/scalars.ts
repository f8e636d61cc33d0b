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

/** A scalar like `base` that also refuses years outside {@link MIN_YEAR}–{@link MAX_YEAR}. */
function bounded<T>(base: GraphQLScalarType, yearOf: (v: T) => number, description: string): GraphQLScalarType {
  const check = (v: T, raw: unknown) => {
    inRange(yearOf(v), JSON.stringify(raw));
    return v;
  };
  return new GraphQLScalarType({
    name: base.name,
    description,
    specifiedByURL: base.specifiedByURL,
    serialize: (v) => base.serialize(v),
    parseValue: (v) => check(base.parseValue(v) as T, v),
    parseLiteral: (ast: ValueNode, vars) => check(base.parseLiteral(ast, vars) as T, 'value' in ast ? ast.value : ast.kind),
  });
}

/** ISO-8601 timestamp in UTC (`2026-11-25T08:00:00.000Z`), years 1900–2999. */
export const DateTimeScalar = bounded<Date>(
  GraphQLDateTime,
  (d) => d.getUTCFullYear(),
  'A date-time string at UTC, such as 2026-11-25T08:00:00.000Z (RFC 3339), between 1900 and 2999.',
);
/** Calendar date `YYYY-MM-DD`, years 1900–2999. */
export const LocalDateScalar = bounded<string>(
  GraphQLLocalDate,
  (s) => Number(String(s).slice(0, 4)),
  'A calendar date YYYY-MM-DD (RFC 3339 full-date), between 1900-01-01 and 2999-12-31.',
);
