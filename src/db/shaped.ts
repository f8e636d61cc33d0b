import * as drizzle from 'drizzle-orm';
import { is, Param, Placeholder, SQL, sql, type Query } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { mayPrepare } from './rows.js';

/**
 * The values of a statement written with placeholders, and the shape they give it: which
 * columns are set, which are null, how many rows. Statements of the same shape have the same
 * SQL text, so it is built once (see {@link runShaped}); only the values change.
 */
export class Slots {
  readonly values: Record<string, unknown> = {};
  private readonly parts: string[] = [];
  /** False once a value is SQL: its text is part of the statement, which is then built every time. */
  reusable = true;
  /** SQL values made by {@link Slots.ref}, with what they read (`cte.column`): their text never changes, so the statement stays reusable. */
  private readonly refs = new WeakMap<SQL, string>();

  /**
   * A value of {@link Slots.row} that reads `column` of the one row of the CTE `cte` (such as
   * the id of a row the same statement inserts): SQL text the same for every statement of the
   * shape, with no parameters, so unlike other SQL it leaves the statement's text reusable.
   */
  ref(cte: string, column: string): SQL {
    for (const name of [cte, column]) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Slots.ref: "${name}" is not a plain identifier`);
    const s = sql.raw(`(select "${column}" from "${cte}")`);
    this.refs.set(s, `${cte}.${column}`);
    return s;
  }

  /** A placeholder named `name` for `value`. Raw values (no column encoder): pass dates as ISO strings. */
  put(name: string, value: unknown): Placeholder<string> {
    this.values[name] = value;
    return sql.placeholder(name);
  }

  /** Adds `part` to the shape (a choice the statement's text depends on). */
  note(part: string): this {
    this.parts.push(part);
    return this;
  }

  /**
   * `row` for an INSERT or UPDATE with each value behind a placeholder named `prefix.key`
   * (drizzle encodes it with its column), nulls as SQL NULL (an encoder would turn a JSON
   * null into the JSON value `null`), undefined keys left out (the column's default).
   */
  row<T extends Record<string, unknown>>(prefix: string, row: T): T {
    const out: Record<string, unknown> = {};
    const keys: string[] = [];
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue;
      if (v === null) {
        keys.push(`${k}=null`);
        out[k] = sql`null`;
      } else if (is(v, SQL) && this.refs.has(v)) {
        // Identifiers only (see ref): the text cannot run into the shape's separators.
        keys.push(`${k}=ref:${this.refs.get(v)}`);
        out[k] = v;
      } else if (is(v, SQL) || is(v, Param) || is(v, Placeholder)) {
        this.reusable = false;
        keys.push(`${k}=sql`);
        out[k] = v;
      } else {
        keys.push(k);
        out[k] = this.put(`${prefix}.${k}`, v);
      }
    }
    this.parts.push(`${prefix}(${keys.join(',')})`);
    return out as T;
  }

  get shape(): string {
    return this.parts.join('|');
  }
}

/** A statement's text and what maps its rows: the RETURNING or selected fields, and a SELECT's nullability of joined tables. */
type Built = { query: Query; fields: unknown; joins: unknown };
/** drizzle's ordering of a select's fields into the list its prepared queries map rows with (a drizzle internal). */
const orderSelectedFields = (drizzle as unknown as { orderSelectedFields(fields: unknown): unknown }).orderSelectedFields;
/** A drizzle query builder as far as this module uses it (`config` and `getSQL` are drizzle internals). */
type Builder<T> = PromiseLike<T> & { getSQL(): SQL; execute(values?: Record<string, unknown>): Promise<T> };
/** The parts of a drizzle database or transaction this module uses (internals of drizzle-orm 0.45). */
type Internals = {
  dialect: { sqlToQuery(s: SQL): Query };
  session: { prepareQuery(q: Query, fields: unknown, name: string | undefined, arrayMode: boolean): { execute(values: Record<string, unknown>): Promise<unknown>; joinsNotNullableMap?: unknown } };
};

const built = new Map<string, Built | null>();
/** Statements served from a text built earlier (tests and metrics). */
export const shapedStats = { reused: 0, built: 0 };

/**
 * Runs the statement `build()` makes with `slots`' placeholders, building its SQL text only
 * the first time its `kind` and shape are seen: building SQL is most of what drizzle costs a
 * write (about a fifth of an intake's CPU). The text is reused only when every parameter is
 * a placeholder, so no value of one request can end up in another's statement; otherwise,
 * or when a value is SQL, it is built every time, as drizzle does.
 */
export async function runShaped<T>(db: Db | Tx, kind: string, slots: Slots, build: () => Builder<T>): Promise<T> {
  const key = `${kind}|${slots.shape}`;
  let b = slots.reusable ? built.get(key) : null;
  if (b === undefined) {
    const builder = build();
    const query = (db as unknown as Internals).dialect.sqlToQuery(builder.getSQL());
    const placeholdersOnly = query.params.every((p) => is(p, Placeholder) || (is(p, Param) && is(p.value, Placeholder)));
    // An INSERT/UPDATE keeps its RETURNING list ordered already; a SELECT keeps its fields as an
    // object, and which joined tables may be null (drizzle sets it on the prepared query).
    const { config, joinsNotNullableMap } = builder as unknown as { config: { returning?: unknown; fields?: unknown }; joinsNotNullableMap?: unknown };
    b = placeholdersOnly ? { query, fields: config.returning ?? (config.fields ? orderSelectedFields(config.fields) : undefined), joins: joinsNotNullableMap } : null;
    if (built.size >= 1_000) built.clear();
    built.set(key, b);
    shapedStats.built++;
    return builder.execute(slots.values);
  }
  if (!b) return build().execute(slots.values);
  shapedStats.reused++;
  // Given a name (any: only its presence counts), drizzle's driver for postgres.js runs it as a prepared statement (PGlite's ignores it): parsed and
  // planned once per connection instead of at every execution (0.5 ms of PostgreSQL's CPU for an intake's INSERT).
  const name = mayPrepare(b.query.sql, 'shaped') ? kind : undefined;
  const prepared = (db as unknown as Internals).session.prepareQuery(b.query, b.fields, name, true);
  if (b.joins) prepared.joinsNotNullableMap = b.joins;
  return (await prepared.execute(slots.values)) as T;
}
