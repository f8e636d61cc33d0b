import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { and, asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { selectPage, type PageJoin, type PageList } from '../db/rows.js';
import { AppError } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

/** Relay pagination arguments. */
export type PageArgs = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

export type CursorValue = string | number;
/** `id` is the row's key: a bigint id, or a text key (staff logins) for connections keyed by text. */
export type Cursor = { k: string; v: CursorValue; id: number | string };

/**
 * Opaque keyset cursors over (sort key, id), encrypted (AES-256-GCM) with a key derived
 * from the server secret: a cursor carries the sort value (e.g. a customer's full name),
 * which masked viewers must not read, and a forged cursor must not probe the data. The
 * IV is derived from the content so equal pages get equal cursors (cacheable GET
 * requests). Cursors survive restarts as long as the secret stays the same.
 */
export class Cursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`cx-cursor:${secret}`).digest();
  }

  encode(orderKey: string, value: CursorValue | Date, id: number | string): string {
    const v = value instanceof Date ? value.toISOString() : value;
    const plain = Buffer.from(JSON.stringify([orderKey, v, id]));
    const iv = createHmac('sha256', this.key).update(plain).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private decrypt(cursor: string): string | null {
    try {
      const raw = Buffer.from(cursor, 'base64url');
      if (raw.length < 29 || raw.length > 2048) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** The cursor's content, or BAD_USER_INPUT naming `field` when it is not one of ours for `orderKey`. */
  decode(cursor: string, field: string, orderKey: string): Cursor {
    try {
      const text = typeof cursor === 'string' ? this.decrypt(cursor) : null;
      if (text === null) throw new Error('not ours');
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.length === 3 && typeof parsed[0] === 'string' && (Number.isSafeInteger(parsed[2]) || typeof parsed[2] === 'string')) {
        const [k, v, id] = parsed as [string, CursorValue, number | string];
        if (typeof v !== 'string' && typeof v !== 'number') throw new Error('bad value');
        if (k !== orderKey) {
          throw AppError.badInput(field, `cursor was made for ordering ${k}, not ${orderKey}; start again without a cursor`);
        }
        return { k, v, id };
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
    }
    throw AppError.badInput(field, 'is not a valid cursor from this connection');
  }
}

/** Validated page request: direction, size and decoded cursor. */
export type PageRequest = { backward: boolean; limit: number; cursor: Cursor | null; hasCursor: boolean };

/** Validates Relay arguments: one direction, sizes 1..200 (default 20). */
export function pageRequest(cursors: Cursors, args: PageArgs, orderKey: string): PageRequest {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw AppError.badInput('first', 'use either first/after or last/before, not both');
  if (after != null && before != null) throw AppError.badInput('after', 'use either after or before, not both');
  if (last != null && after != null) throw AppError.badInput('after', 'last pages backwards: combine it with before');
  if (first != null && before != null) throw AppError.badInput('before', 'first pages forwards: combine it with after');
  const backward = last != null || before != null;
  const size = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  const field = backward ? 'last' : 'first';
  if (!Number.isInteger(size) || size < 0) throw AppError.badInput(field, 'must be a non-negative integer');
  if (size > MAX_PAGE_SIZE) throw AppError.badInput(field, `must be at most ${MAX_PAGE_SIZE}`, { max: MAX_PAGE_SIZE });
  const raw = backward ? before : after;
  const cursor = raw != null ? cursors.decode(raw, backward ? 'before' : 'after', orderKey) : null;
  return { backward, limit: size, cursor, hasCursor: raw != null };
}

/** A sortable column for keyset pagination; `cast` is the SQL type of its cursor value. */
export type SortSpec = { key: string; column: AnyColumn | SQL; cast: 'text' | 'timestamptz' | 'bigint' | 'int' };

/**
 * The WHERE and ORDER BY for one keyset page over (sort column, id), in the
 * requested direction; fetch `limit + 1` rows and pass them to {@link pageOf}.
 * `idCast` is the SQL type of the id column: `bigint` (default) or `text` (text keys).
 */
export function keyset(req: PageRequest, sort: SortSpec, idColumn: AnyColumn, descending: boolean, idCast: 'bigint' | 'text' = 'bigint') {
  // Reading backwards flips the scan order; rows are reversed afterwards.
  const scanDesc = descending !== req.backward;
  let where: SQL | undefined;
  if (req.cursor) {
    const v = req.cursor.v;
    const valid =
      sort.cast === 'text' ? typeof v === 'string' : sort.cast === 'timestamptz' ? typeof v === 'string' && (v === 'infinity' || !Number.isNaN(Date.parse(v))) : Number.isSafeInteger(v);
    // A cursor of a connection keyed otherwise (text vs bigint ids) is not one of this connection's.
    const idValid = idCast === 'text' ? typeof req.cursor.id === 'string' : typeof req.cursor.id === 'number';
    if (!valid || !idValid) throw AppError.badInput(req.backward ? 'before' : 'after', 'is not a valid cursor from this connection');
    const op = scanDesc ? sql`<` : sql`>`;
    where = sql`(${sort.column}, ${idColumn}) ${op} (cast(${req.cursor.v} as ${sql.raw(sort.cast)}), cast(${req.cursor.id} as ${sql.raw(idCast)}))`;
  }
  const dir = scanDesc ? desc : asc;
  // `descending`: the direction of the scan, which a statement written once per order names.
  return { where, orderBy: [dir(sort.column), dir(idColumn)], limit: req.limit + 1, descending: scanDesc };
}

/** A list's chosen columns with the one its cursors read (`rowKey`), or null for every column. */
export function withSortColumn(columns: readonly string[] | null, sort: { rowKey: string }): readonly string[] | null {
  return columns && !columns.includes(sort.rowKey) ? [...columns, sort.rowKey] : columns;
}

/**
 * One keyset page of `table` where `where` holds, in `sort`'s order then `idColumn`'s (see
 * {@link keyset}): one statement (selectPage) reading `columns` (null: every one) with the sort's
 * column added for the cursors, the relations in `joins` and `lists`, and with `partition` one
 * page per value of that column. The statement is named `<name>:<sort key>:<direction>`, as
 * selectPage needs its name to carry the order. Returns selectPage's answer and the columns read.
 */
export async function selectKeysetPage<T>(
  db: object,
  spec: {
    name: string;
    table: PgTable;
    idColumn: AnyColumn;
    sort: SortSpec & { rowKey: string };
    req: PageRequest;
    descending: boolean;
    where: SQL | undefined;
    columns: readonly string[] | null;
    joins?: readonly PageJoin[];
    lists?: readonly PageList[];
    partition?: PgColumn;
  },
) {
  const ks = keyset(spec.req, spec.sort, spec.idColumn, spec.descending);
  const columns = withSortColumn(spec.columns, spec.sort);
  const page = await selectPage<T>(db, {
    name: `${spec.name}:${spec.sort.key}:${ks.descending ? 'desc' : 'asc'}`,
    table: spec.table,
    columns,
    joins: spec.joins ?? [],
    lists: spec.lists ?? [],
    where: and(spec.where, ks.where),
    orderBy: ks.orderBy,
    limit: ks.limit,
    ...(spec.partition ? { partition: spec.partition } : {}),
  });
  // Object.assign, not `{ ...page, columns }`: on Node 20 a spread followed by another property
  // takes V8's slow path and the copy outlives the next minor GC (BENCHMARKS.md).
  return Object.assign(page, { columns });
}

/** Relay page info. */
export type PageInfoData = { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };

/** An edge of a connection page. */
export type EdgeData<T> = { readonly node: T; readonly cursor: string };

/**
 * An edge whose cursor is made (HMAC + AES-GCM, see {@link Cursors}) on first read: a
 * page whose client selects no cursor pays nothing for them. Reads are repeatable. A class
 * (one small object per edge, no closure) because a page makes one per row.
 */
class LazyEdge<T> implements EdgeData<T> {
  private made: string | undefined;
  constructor(
    readonly node: T,
    private readonly cursorOf: (node: T) => string,
  ) {}

  get cursor(): string {
    return (this.made ??= this.cursorOf(this.node));
  }
}

/** An edge to another node for the same position: its cursor is its source's (made once, for both). */
class MappedEdge<T> implements EdgeData<T> {
  constructor(
    readonly node: T,
    private readonly source: EdgeData<unknown>,
  ) {}

  get cursor(): string {
    return this.source.cursor;
  }
}

/** The edge at `edge`'s position to `node` (a row's GraphQL object): the same cursor, made at most once. */
export function mapEdge<T>(edge: EdgeData<unknown>, node: T): EdgeData<T> {
  return new MappedEdge(node, edge);
}

/**
 * Page info over `edges`, whose start and end cursors are read from the edges when selected.
 * A class, not an object literal with getters: on Node 20 (V8 11.3) a literal's accessors give
 * every object a map of its own, and whatever its getters capture (here the page's edges, and
 * through them its rows) then survives the next minor GC and is copied to the old generation
 * (BENCHMARKS.md, "What survives a scavenge").
 */
class PageInfoOver implements PageInfoData {
  constructor(
    private readonly edges: readonly EdgeData<unknown>[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges[this.edges.length - 1]?.cursor ?? null;
  }
}

/** Turns `limit + 1` fetched rows into edges and page info. */
export function pageOf<T>(rows: T[], req: PageRequest, cursorOf: (row: T) => string) {
  const more = rows.length > req.limit;
  const page = rows.slice(0, req.limit);
  if (req.backward) page.reverse();
  const edges = page.map((node) => new LazyEdge(node, cursorOf));
  const pageInfo: PageInfoData = new PageInfoOver(edges, req.backward ? req.hasCursor : more, req.backward ? more : req.hasCursor);
  return { edges, pageInfo };
}
