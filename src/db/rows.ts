import { Column, SQL, eq, getTableColumns, getTableName, is, sql, type Table } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';

/**
 * Rows of hot reads without drizzle's generic row mapping.
 *
 * drizzle maps every value of every row through `mapResultRow`: a `reduce` over the selected
 * fields, a path iterator and up to four `instanceof`-style entity checks per value. On the
 * complaint desk (50 complaints × 36 columns, 100 clocks × 19, customers, projects) that was
 * about 8 % of the CPU of a request, plus the garbage it leaves. Here drizzle still builds the
 * SQL (same text, same parameters), the driver runs it in array mode, and a mapper made once
 * per statement text writes each row's values under their keys, decoding only the columns
 * whose driver value needs it (timestamps, dates, big integers, JSON).
 *
 * Only flat selections of columns and SQL expressions are taken; anything else (joins into
 * nested objects, a database without a registered driver, such as a transaction) runs through
 * drizzle as before. The result is the same objects drizzle would return.
 */

/**
 * Runs one statement in array mode on the driver underneath a drizzle database; `prepare`
 * asks for a named prepared statement (kept per connection; PGlite has one session and
 * ignores it).
 */
export type ArrayRunner = (text: string, params: unknown[], prepare: boolean) => Promise<unknown[][]>;

/** `note` gets the statement's text, as drizzle's query logger does. */
type Fast = { run: ArrayRunner; note: (text: string) => void };
/** Where a registered database handle keeps its driver: a property, so that a handle derived per request carries its own. */
const DRIVER = Symbol('array runner');
const driverOf = (db: object): Fast | undefined => (db as { [DRIVER]?: Fast })[DRIVER];

/**
 * Registers the driver of a drizzle database (see src/db/client.ts). `note` is called before
 * each statement, as drizzle's query logger is: statement counting, and on a request's handle
 * its time budget.
 */
export function registerArrayRunner(db: object, run: ArrayRunner, note: (text: string) => void): void {
  // Writable: a handle derived from `db` sets its own by assignment (see deriveArrayRunner).
  Object.defineProperty(db, DRIVER, { value: { run, note }, configurable: true, writable: true });
}

/** Registers `derived`, a handle on `db` made for one request, with `db`'s driver and its own `note`. */
export function deriveArrayRunner(db: object, derived: object, note: (text: string) => void): void {
  const fast = driverOf(db);
  if (fast) (derived as { [DRIVER]?: Fast })[DRIVER] = { run: fast.run, note };
}

type Decoder = { mapFromDriverValue(value: unknown): unknown };
type Mapper = (row: unknown[]) => Record<string, unknown>;

const identity = (Column.prototype as unknown as Decoder).mapFromDriverValue;

/** The decoder of a selected field, or null when it is not a flat column or SQL expression. */
function decoderOf(field: unknown): Decoder | null {
  if (is(field, Column)) return field as unknown as Decoder;
  if (is(field, SQL)) return (field as unknown as { decoder: Decoder }).decoder;
  if (is(field, SQL.Aliased)) return ((field as SQL.Aliased).sql as unknown as { decoder: Decoder }).decoder;
  return null;
}

/** The keys of selected `fields` and the decoder of each (null where the driver's value is kept), or null when one is not flat. */
function decodersOf(fields: Record<string, unknown>): { keys: string[]; decoders: (Decoder | null)[] } | null {
  const keys = Object.keys(fields);
  const decoders: (Decoder | null)[] = [];
  for (const k of keys) {
    const d = decoderOf(fields[k]);
    if (!d) return null;
    decoders.push(d.mapFromDriverValue === identity ? null : d);
  }
  return { keys, decoders };
}

function compile(fields: Record<string, unknown>): Mapper | null {
  const found = decodersOf(fields);
  if (!found) return null;
  const { keys, decoders } = found;
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const v = row[i];
      const d = decoders[i];
      out[keys[i]!] = v === null || v === undefined ? null : d ? d.mapFromDriverValue(v) : v;
    }
    return out;
  };
}

/** Mappers by statement text: the same text selects the same fields in the same order. */
const mappers = new Map<string, Mapper | null>();
const MAX_MAPPERS = 1_000;

/** A drizzle select query, as far as this module reads it. */
export type SelectQuery<T> = PromiseLike<T[]> & { toSQL(): { sql: string; params: unknown[] }; _: { selectedFields: unknown } };

/**
 * Runs a drizzle select on the fast path where it can (see above), else through drizzle.
 *
 * Statements run as named prepared statements (see {@link mayPrepare}); `prepared` says that
 * the text comes from a fixed set, such as the loaders', whose texts get a budget of their own
 * so that texts varying with client input never crowd them out.
 */
export async function selectRows<T>(db: object, query: SelectQuery<T>, opts: { prepared?: boolean } = {}): Promise<T[]> {
  const fast = driverOf(db);
  if (!fast) return query;
  const { sql, params } = query.toSQL();
  let mapper = mappers.get(sql);
  if (mapper === undefined) {
    mapper = compile(query._.selectedFields as Record<string, unknown>);
    if (mappers.size >= MAX_MAPPERS) mappers.clear();
    mappers.set(sql, mapper);
  }
  if (!mapper) return query;
  return runMapped<T>(fast, sql, params, mapper, opts.prepared === true ? 'fixed' : 'varying');
}

/**
 * Which texts run as named prepared statements. postgres.js runs a statement that has
 * parameters and is not prepared in two round trips (Parse and Describe, then, with the
 * parameter types, Bind and Execute: two writes to the socket, each about a tenth of a short
 * request's CPU here); a prepared one costs one round trip, and PostgreSQL parses and plans it
 * once per connection. A connection keeps every text it prepared until it is recycled
 * (postgres.js `max_lifetime`, 30–60 min), so their number is capped per process, per kind:
 * `fixed` texts (loaders, a few per selection of columns) and `varying` ones (pages, whose
 * conditions vary with a client's filters and cursors), and `shaped` ones (writes whose text is
 * built once per shape, src/db/shaped.ts). Past its kind's cap a text runs unprepared.
 */
export type TextKind = 'fixed' | 'varying' | 'shaped';
const preparedTexts: Record<TextKind, Set<string>> = { fixed: new Set(), varying: new Set(), shaped: new Set() };
const MAX_PREPARED = 256;

export function mayPrepare(sql: string, kind: TextKind): boolean {
  const texts = preparedTexts[kind];
  if (texts.has(sql)) return true;
  if (texts.size >= MAX_PREPARED) return false;
  texts.add(sql);
  return true;
}

/** Runs `sql` on the driver in array mode and maps each row with `mapper`. */
async function runMapped<T>(fast: Fast, sql: string, params: unknown[], mapper: Mapper, kind: TextKind): Promise<T[]> {
  fast.note(sql);
  const rows = await fast.run(sql, params, mayPrepare(sql, kind));
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = mapper(rows[i]!) as T;
  return out;
}

/** Texts and mappers of fixed statements, by their caller's name (see {@link selectFixed}). */
const fixedTexts = new Map<string, { sql: string; mapper: Mapper } | null>();

/**
 * Like {@link selectRows} for a statement whose text never changes and whose only parameters
 * are `params` (a loader's `column = any($1)`): its SQL is built the first time `name` is
 * seen and then reused, so a request pays for no SQL building. The text is kept only when the
 * built statement's parameters are exactly `params`; otherwise it is built every time.
 * `name` must stand for one text: callers use fixed names.
 */
export async function selectFixed<T>(db: object, name: string, params: unknown[], build: () => SelectQuery<T>, opts: { prepared?: boolean } = {}): Promise<T[]> {
  const fast = driverOf(db);
  if (!fast) return build();
  // The count is part of the name: a text may depend on how many parameters there are.
  const key = `${name}|${params.length}`;
  let fixed = fixedTexts.get(key);
  if (fixed === undefined) {
    const query = build();
    const built = query.toSQL();
    const mapper = compile(query._.selectedFields as Record<string, unknown>);
    const same = built.params.length === params.length && built.params.every((p, i) => p === params[i]);
    fixed = mapper && same ? { sql: built.sql, mapper } : null;
    // Names may carry a client's choice of columns (loaders of some columns): bounded.
    if (fixedTexts.size >= MAX_MAPPERS) fixedTexts.clear();
    fixedTexts.set(key, fixed);
    return selectRows(db, query, opts);
  }
  if (!fixed) return selectRows(db, build(), opts);
  return runMapped<T>(fast, fixed.sql, params, fixed.mapper, opts.prepared === true ? 'fixed' : 'varying');
}

/**
 * A to-one relation read with a page (see {@link selectPage}): the row of `table` where `on`
 * holds, or null; with only `columns` (the key `id` among them), or whole when they are absent.
 */
export type PageJoin = { readonly as: string; readonly table: PgTable; readonly on: SQL; readonly columns?: readonly string[] | null };

/** Of one statement's array rows: the page's row and each joined relation's row. */
type Split = (row: unknown[], decode: boolean) => [Record<string, unknown>, (Record<string, unknown> | null)[]];

/**
 * A to-many relation read with a page (see {@link selectPage}): for each of the page's rows, the
 * rows of `table` (only `columns`, or every column when null) where `on` holds, a condition on the page's row, in
 * `orderBy`. They travel as one JSON array per row, decoded into rows as drizzle would decode
 * the columns (see {@link jsonList}).
 */
export type PageList = { readonly as: string; readonly table: PgTable; readonly columns: readonly string[] | null; readonly on: SQL; readonly orderBy: readonly SQL[] };

/**
 * Per shape: the statement's text before its WHERE (`select … from … join …`), between the
 * WHERE and the written limit, and after the limit; its fields (for drizzle), its row splitter
 * and its lists' decoders.
 */
type PageShape = {
  head: string;
  limitAt: string;
  after: string;
  fields: Record<string, Column | SQL>;
  /** With a partition: the columns its ranked subquery lists (see rankedColumns). */
  ranked: { fields: Record<string, Column>; list: SQL } | null;
  split: Split;
  lists: ((value: unknown) => Record<string, unknown>[])[];
};
const pageShapes = new Map<string, PageShape>();

/** Splits an array row into the page's row and its relations' rows, decoding as drizzle would when `decode`. */
function splitter(groups: readonly Record<string, Column>[]): Split {
  // Columns only: each has a decoder.
  const parts = groups.map((fields) => decodersOf(fields)!);
  return (row, decode) => {
    let i = 0;
    let main: Record<string, unknown> = {};
    const related: (Record<string, unknown> | null)[] = [];
    for (let p = 0; p < parts.length; p++) {
      const { keys, decoders } = parts[p]!;
      const o: Record<string, unknown> = {};
      let found = false;
      for (let j = 0; j < keys.length; j++, i++) {
        const v = row[i];
        if (v === null || v === undefined) o[keys[j]!] = null;
        else {
          found = true;
          const d = decoders[j];
          o[keys[j]!] = decode && d ? d.mapFromDriverValue(v) : v;
        }
      }
      // A relation the left join did not find is all nulls: no row (a row has its key).
      if (p === 0) main = o;
      else related.push(found ? o : null);
    }
    return [main, related];
  };
}

/**
 * How a column's value reads from JSON (`json_build_array`) into what drizzle gives for it:
 * null where the JSON value is it already, undefined where it is not readable from JSON at all
 * (numeric and 64-bit integers lose digits as JSON numbers; string modes of times differ in
 * format). One known difference is left: dates of years before 1000, which drizzle's own
 * decoding of the driver's text misreads and JSON's format does not.
 */
function fromJson(col: Column): ((v: unknown) => unknown) | null | undefined {
  switch (col.columnType) {
    case 'PgText':
    case 'PgVarchar':
    case 'PgChar':
    case 'PgEnumColumn':
    case 'PgUUID':
    case 'PgDateString':
    case 'PgInteger':
    case 'PgSmallInt':
    case 'PgSerial':
    case 'PgSmallSerial':
    case 'PgBoolean':
      return null;
    // JSON writes NaN and ±Infinity as strings.
    case 'PgReal':
    case 'PgDoublePrecision':
      return (v) => (typeof v === 'string' ? Number(v) : v);
    // drizzle parses a JSON string value once more: so does this.
    case 'PgJson':
    case 'PgJsonb':
      return (v) => (col as unknown as Decoder).mapFromDriverValue(v);
    // Keys of this schema (bigint in number mode) are below 2^53, as drizzle's own decoding assumes.
    case 'PgBigInt53':
    case 'PgBigSerial53':
      return null;
    case 'PgTimestamp':
      // JSON writes the instant with its offset (with time zone) or without one (without).
      // (Written as epoch milliseconds instead, the Dates cost the server less, but PostgreSQL
      // more: no gain over all.)
      return (col as unknown as { withTimezone: boolean }).withTimezone ? (v) => new Date(v as string) : (v) => new Date(`${v as string}Z`);
    case 'PgDate':
      return (v) => new Date(v as string);
    default:
      return undefined;
  }
}

/** Whether `columns` of `table` (every column when null) can be read with a page as a {@link PageList}. */
export function listable(table: Table, columns: readonly string[] | null): boolean {
  const all = getTableColumns(table) as Record<string, Column>;
  return (columns ?? Object.keys(all)).every((c) => all[c] !== undefined && fromJson(all[c]!) !== undefined);
}

/** A {@link PageList}'s expression (a JSON array of arrays, `[]` when none) and the decoder of its value. */
function jsonList(list: PageList): { expr: SQL; decode: (value: unknown) => Record<string, unknown>[] } {
  const { fields } = pick(list.table, list.columns);
  const keys = Object.keys(fields);
  const decoders = keys.map((k) => {
    const d = fromJson(fields[k]!);
    if (d === undefined) throw new Error(`selectPage list ${list.as}: column ${k} cannot be read from JSON`);
    return d;
  });
  const expr = sql`(select coalesce(json_agg(json_build_array(${sql.join(Object.values(fields), sql`, `)}) order by ${sql.join([...list.orderBy], sql`, `)}), '[]'::json) from ${list.table} where ${list.on})`;
  return {
    expr,
    decode(value) {
      // The drivers parse JSON; a handle that does not gives its text.
      const arrays = (typeof value === 'string' ? JSON.parse(value) : value) as unknown[][];
      const out = new Array<Record<string, unknown>>(arrays.length);
      for (let i = 0; i < arrays.length; i++) {
        const a = arrays[i]!;
        const o: Record<string, unknown> = {};
        for (let j = 0; j < keys.length; j++) {
          const v = a[j];
          const d = decoders[j];
          o[keys[j]!] = v === null || v === undefined ? null : d ? d(v) : v;
        }
        out[i] = o;
      }
      return out;
    },
  };
}

/**
 * One page of `table` (`columns`, or every column when null) and, in the same statement, the
 * rows of the to-one relations in `joins` (left joins) and of the to-many relations in `lists`,
 * for the caller to prime into its loaders: the page and its relations in one round trip
 * instead of one per relation (a statement's write to PostgreSQL is a tenth of a short request's
 * CPU here).
 *
 * With `partition` (a column of `table`), one page per value of that column (a nested
 * connection's page per parent, see graphql/nested.ts): the rows ranked by `orderBy` within
 * their parent (`row_number()`), the first `limit` of each; each row comes with its parent
 * (`parents`) and rank (`ranks`), in the order parent, rank. The ranking runs over `table`
 * where `where` holds; the page's columns, joins and lists are read only for the rows kept
 * (the ranked rows are a subquery named as `table`, so that the joins' and lists' conditions
 * read as they do without a partition).
 *
 * The statement is written once per shape, not built per request: `name` stands for the
 * caller's order (its sort and direction), which it must name; the table, columns, joins,
 * lists and partition complete the key. Per request only `where` is rendered (by the handle's
 * dialect), and the limit is written in. Joins, lists and order carry no parameters. Where
 * there is no fast path (a transaction's handle), drizzle's select builder runs the same
 * statement.
 *
 * Returns the page's rows, per join (in order) each row's relation or null, per list (in
 * order) each row's related rows, and with a partition each row's parent and rank.
 */
export async function selectPage<T>(
  db: object,
  spec: {
    name: string;
    table: PgTable;
    columns: readonly string[] | null;
    joins: readonly PageJoin[];
    lists?: readonly PageList[];
    where: SQL | undefined;
    orderBy: readonly SQL[];
    limit: number;
    partition?: PgColumn;
  },
): Promise<{ rows: T[]; joined: (Record<string, unknown> | null)[][]; listed: Record<string, unknown>[][][]; parents: number[]; ranks: number[] }> {
  const { table, columns, joins, partition } = spec;
  const lists = spec.lists ?? [];
  if (!Number.isSafeInteger(spec.limit) || spec.limit < 0) throw new Error(`selectPage ${spec.name}: limit ${spec.limit} is not a count`);
  const key = `${spec.name}|${partition ? `${partition.name}|` : ''}${columns?.join(',') ?? '*'}|${joins.map((j) => `${j.as}:${j.columns?.join(',') ?? '*'}`).join('|')}|${lists.map((l) => `${l.as}:${l.columns?.join(',') ?? '*'}`).join('|')}`;
  let shape = pageShapes.get(key);
  if (!shape) {
    const main = pick(table, columns);
    for (const j of joins) if (j.columns && !j.columns.includes('id')) throw new Error(`selectPage ${spec.name}: join ${j.as} must read its key id`);
    const others = joins.map((j) => pick(j.table, j.columns ?? null));
    const fields: Record<string, Column | SQL> = { ...main.fields };
    joins.forEach((j, k) => {
      for (const [c, col] of Object.entries(others[k]!.fields)) fields[`${j.as}.${c}`] = col;
    });
    const arrays = lists.map((l) => jsonList(l));
    const t = listDialect.sqlToQuery(sql`${table}`).sql;
    if (partition) {
      fields['_pid'] = sql.raw(`${t}."_pid"`);
      fields['_rn'] = sql.raw(`${t}."_rn"`);
    }
    lists.forEach((l, k) => (fields[`${l.as}[]`] = arrays[k]!.expr));
    const order = listDialect.sqlToQuery(sql.join([...spec.orderBy], sql`, `));
    if (order.params.length) throw new Error(`selectPage ${spec.name}: its order must not carry parameters`);
    const ranked = partition ? [sql.raw(`${t}."_pid", ${t}."_rn"`)] : [];
    const selected = sql.join([main.list, ...others.map((o) => o.list), ...ranked, ...arrays.map((a) => a.expr)], sql`, `);
    const joined = joins.map((j) => sql`left join ${j.table} on ${j.on}`);
    // select … from (select T.a, T.b, parent, rank from T where …) as T left join … where T._rn <= n order by parent, rank.
    // The subquery lists only what the page, its joins and its lists read: with `T.*` every column
    // went through the ranking (2.3× PostgreSQL's time for a customer's complaints).
    const rankedPick = partition ? pick(table, rankedColumns(spec)) : null;
    const from = rankedPick
      ? sql`from (select ${rankedPick.list}, ${partition} as "_pid", row_number() over (partition by ${partition} order by ${sql.raw(order.sql)}) as "_rn" from ${table}`
      : sql`from ${table}`;
    const head = listDialect.sqlToQuery(sql.join([sql`select ${selected}`, from, ...(partition ? [] : joined)], sql` `));
    const rest = listDialect.sqlToQuery(sql.join(partition ? [sql.raw(`) as ${t}`), ...joined] : [], sql` `));
    if (head.params.length || rest.params.length) throw new Error(`selectPage ${spec.name}: joins, lists and order must not carry parameters`);
    shape = {
      head: head.sql,
      limitAt: partition ? `${rest.sql} where ${t}."_rn" <= ` : ` order by ${order.sql} limit `,
      after: partition ? ` order by ${t}."_pid", ${t}."_rn"` : '',
      fields,
      ranked: rankedPick,
      split: splitter([main.fields, ...others.map((o) => o.fields)]),
      lists: arrays.map((a) => a.decode),
    };
    // Keys carry a client's choice of columns: bounded.
    if (pageShapes.size >= MAX_MAPPERS) pageShapes.clear();
    pageShapes.set(key, shape);
  }
  const fast = driverOf(db);
  const dialect = (db as { dialect?: unknown }).dialect;
  let raw: unknown[][];
  let decode = true;
  if (fast && is(dialect, PgDialect)) {
    const where = spec.where ? dialect.sqlToQuery(spec.where) : null;
    const params = where ? where.params : [];
    // The limit is written into the text: with it a parameter, PostgreSQL's generic plan
    // assumes a tenth of the rows, so it plans every execution anew (a custom plan; 0.4–0.6 ms
    // with joins and lists, more than executing them). Rounded up to one of a few sizes, so
    // that page sizes do not multiply the texts (see mayPrepare's budget); the rows past the
    // limit are dropped.
    const text = `${shape.head}${where ? ` where ${where.sql}` : ''}${shape.limitAt}${writtenLimit(spec.limit)}${shape.after}`;
    fast.note(text);
    raw = await fast.run(text, params, mayPrepare(text, 'varying'));
    if (!partition && raw.length > spec.limit) raw = raw.slice(0, spec.limit);
  } else {
    raw = await fallbackPage(db, spec, shape);
    decode = false;
  }
  // Each row: the page's values, the joins', then with a partition the parent and rank, then the lists.
  const listAt = raw.length ? raw[0]!.length - lists.length : 0;
  if (partition) raw = raw.filter((r) => Number(r[listAt - 1]) <= spec.limit);
  const rows = new Array<T>(raw.length);
  const joined = joins.map(() => new Array<Record<string, unknown> | null>(raw.length));
  const listed = lists.map(() => new Array<Record<string, unknown>[]>(raw.length));
  const parents: number[] = partition ? new Array<number>(raw.length) : [];
  const ranks: number[] = partition ? new Array<number>(raw.length) : [];
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const [row, related] = shape.split(r, decode);
    rows[i] = row as T;
    for (let k = 0; k < related.length; k++) joined[k]![i] = related[k]!;
    if (partition) {
      parents[i] = Number(r[listAt - 2]);
      ranks[i] = Number(r[listAt - 1]);
    }
    for (let k = 0; k < lists.length; k++) listed[k]![i] = shape.lists[k]!(r[listAt + k]);
  }
  return { rows, joined, listed, parents, ranks };
}
/**
 * The columns of a partitioned page's table (see {@link selectPage}) that its ranked subquery
 * must list: the page's (every column when null) and those its joins' and lists' conditions
 * read, in the table's order.
 */
function rankedColumns(spec: { table: PgTable; columns: readonly string[] | null; joins: readonly PageJoin[]; lists?: readonly PageList[] }): string[] | null {
  if (!spec.columns) return null;
  const all = getTableColumns(spec.table) as Record<string, Column>;
  const read = new Set<Column>(spec.columns.map((c) => all[c]!));
  const visit = (chunk: unknown): void => {
    if (is(chunk, Column)) {
      if (chunk.table === spec.table) read.add(chunk);
    } else if (is(chunk, SQL)) chunk.queryChunks.forEach(visit);
    else if (is(chunk, SQL.Aliased)) visit(chunk.sql);
    else if (Array.isArray(chunk)) chunk.forEach(visit);
  };
  for (const r of [...spec.joins, ...(spec.lists ?? [])]) visit(r.on);
  return Object.keys(all).filter((k) => read.has(all[k]!));
}

/** Limits a page's text is written with: one more than the usual page sizes (1, 5, 10, …, 200). */
const WRITTEN_LIMITS = [2, 6, 11, 16, 21, 26, 31, 51, 101, 201];

/** The written limit for `limit` rows: the smallest of {@link WRITTEN_LIMITS} that holds them, or `limit` past them all. */
export function writtenLimit(limit: number): number {
  for (const l of WRITTEN_LIMITS) if (l >= limit) return l;
  return limit;
}

/** The page of {@link selectPage} through drizzle's select builder (a handle without the fast path): values decoded, in the order of the shape's fields. */
async function fallbackPage(db: object, spec: Parameters<typeof selectPage>[1], shape: PageShape): Promise<unknown[][]> {
  const drizzle = db as { select(fields: Record<string, unknown>): { from(t: unknown): PageBuilder } };
  const { table, partition } = spec;
  let q: PageBuilder;
  let limited: PromiseLike<unknown[]>;
  if (partition) {
    const t = listDialect.sqlToQuery(sql`${table}`).sql;
    const ranked = drizzle
      .select({
        ...shape.ranked!.fields,
        _pid: sql`${partition}`.as('_pid'),
        _rn: sql`row_number() over (partition by ${partition} order by ${sql.join([...spec.orderBy], sql`, `)})`.as('_rn'),
      })
      .from(table)
      .where(spec.where) as unknown as { as(alias: string): unknown };
    q = drizzle.select(shape.fields).from(ranked.as(getTableName(table)));
    for (const j of spec.joins) q = q.leftJoin(j.table, j.on);
    limited = q.where(sql.raw(`${t}."_rn" <= ${writtenLimit(spec.limit)}`)).orderBy(sql.raw(`${t}."_pid", ${t}."_rn"`)) as unknown as PromiseLike<unknown[]>;
  } else {
    q = drizzle.select(shape.fields).from(table);
    for (const j of spec.joins) q = q.leftJoin(j.table, j.on);
    limited = q.where(spec.where).orderBy(...spec.orderBy).limit(spec.limit);
  }
  // drizzle decoded the values, in the order of the fields.
  return ((await limited) as Record<string, unknown>[]).map((o) => Object.values(o));
}

/** The part of drizzle's select builder {@link selectPage} falls back on. */
type PageBuilder = {
  leftJoin(t: PgTable, on: SQL): PageBuilder;
  where(w: SQL | undefined): PageBuilder;
  orderBy(...o: SQL[]): PageBuilder;
  limit(n: number): PromiseLike<unknown[]>;
};

const listDialect = new PgDialect();
/** Per table, per list of column keys (`*` for all): the fields and their SQL text. Bounded: the lists come from clients' selections. */
const picks = new WeakMap<Table, Map<string, { fields: Record<string, Column>; list: SQL }>>();
const MAX_PICKS = 200;

function pick(table: Table, keys: readonly string[] | null) {
  let byKeys = picks.get(table);
  if (!byKeys) picks.set(table, (byKeys = new Map()));
  const k = keys ? keys.join(',') : '*';
  let found = byKeys.get(k);
  if (!found) {
    const all = getTableColumns(table) as Record<string, Column>;
    const fields = keys ? Object.fromEntries(keys.map((c) => [c, all[c]!])) : all;
    for (const [c, col] of Object.entries(fields)) if (!col) throw new Error(`no column ${c} in the table`);
    found = { fields, list: sql.raw(listDialect.sqlToQuery(sql.join(Object.values(fields), sql`, `)).sql) };
    if (byKeys.size >= MAX_PICKS) byKeys.clear();
    byKeys.set(k, found);
  }
  return found;
}

/**
 * Columns of `table` by key (every column when null, in drizzle's order), as a select builder's
 * fields. Typed as all of them: a row of some columns is still read as the table's row, whose
 * readers (see graphql/projection.ts) throw on a column it lacks.
 */
export function columnsOf<T extends PgTable>(table: T, keys: readonly string[] | null): T['_']['columns'] {
  return pick(table, keys).fields as T['_']['columns'];
}

/**
 * `column = any($1::type[])`: a batch of keys as one array parameter. Unlike `IN ($1, …, $n)`
 * the statement text is the same for every batch size, and drizzle prepares one parameter
 * instead of one per key (its per-parameter typing was 4 % of the complaint desk's CPU).
 */
export function anyOf(column: PgColumn, values: readonly (number | string)[]): SQL {
  return sql`${column} = any(${sql.param(values)}::${sql.raw(column.getSQLType())}[])`;
}

/**
 * Rows whose `column` is one of `keys`: `column = $1` for one key, {@link anyOf} for several.
 * PostgreSQL's generic plan of `= $1` fits a single key, so a prepared statement is planned once
 * per connection; for an array it assumes ten keys, and with the one key most batches hold (a
 * customer 360's customer, a single complaint, one parent's page) it made a custom plan at every
 * execution, 0.04–0.15 ms of its CPU, more than running the lookup. Two texts per statement.
 */
export function keyIn(column: PgColumn, keys: readonly (number | string)[]): SQL {
  return keys.length === 1 ? eq(column, keys[0]) : anyOf(column, keys);
}

/** The rows of a raw `db.execute` result, whichever driver answered (postgres-js: an array; PGlite: `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
