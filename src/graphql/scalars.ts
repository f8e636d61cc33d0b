import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';

/** ISO-8601 timestamp in UTC (`2026-11-25T08:00:00.000Z`). */
export const DateTimeScalar = GraphQLDateTime;
/** Calendar date `YYYY-MM-DD`. */
export const LocalDateScalar = GraphQLLocalDate;
