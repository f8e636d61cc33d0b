import { sql, type SQL } from 'drizzle-orm';

/**
 * A SQL string literal, for configuration values and constants only (never user input): where the
 * same expression must appear as the same text, e.g. in SELECT and GROUP BY (two parameters are
 * two different values to PostgreSQL).
 */
export function sqlLiteral(s: string): SQL {
  return sql.raw(`'${s.replace(/'/g, "''")}'`);
}
