import DataLoader from 'dataloader';
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { ConnectionData } from './connection.js';
import type { Context } from './context.js';
import { keyset, pageOf, type EdgeData, type PageInfoData, type PageRequest, type SortSpec } from './pagination.js';

/** One parent's page of a nested connection. */
export type NestedPage<R> = { edges: EdgeData<R>[]; pageInfo: PageInfoData };

/**
 * The DataLoader for one nested connection field with one set of arguments, created
 * on first use in the request: every parent's page comes from one batched query.
 */
export function nestedLoader<V>(ctx: Context, key: string, batch: (parentIds: number[]) => Promise<Map<number, V>>, empty: V): DataLoader<number, V> {
  let loader = ctx.loaders.nested.get(key) as DataLoader<number, V> | undefined;
  if (!loader) {
    loader = new DataLoader<number, V>(async (ids) => {
      const found = await batch([...ids]);
      return ids.map((id) => found.get(id) ?? empty);
    });
    ctx.loaders.nested.set(key, loader as DataLoader<number, unknown>);
  }
  return loader;
}

/**
 * Window-function SQL for a keyset page per parent: `row_number()` partitioned by the
 * parent key, ordered like the page, so one statement returns every parent's first
 * `limit + 1` rows. Returns the rank expression and the keyset WHERE to add.
 */
export function partitionedRank(req: PageRequest, sort: SortSpec, idColumn: AnyColumn, descending: boolean, partition: AnyColumn | SQL) {
  const ks = keyset(req, sort, idColumn, descending);
  const rank = sql<number>`row_number() over (partition by ${partition} order by ${sql.join(ks.orderBy, sql`, `)})`;
  return { rank, where: ks.where, limit: ks.limit };
}

/** Groups rows ranked per parent (`_pid`, `_rn`) into one page per parent. */
export function pagesByParent<R>(
  rows: (R & { _pid: number; _rn: number })[],
  req: PageRequest,
  cursorOf: (r: R) => string,
  parentIds: readonly number[],
): Map<number, NestedPage<R>> {
  const groups = new Map<number, (R & { _pid: number; _rn: number })[]>();
  for (const r of rows) {
    const pid = Number(r._pid);
    const list = groups.get(pid);
    if (list) list.push(r);
    else groups.set(pid, [r]);
  }
  const out = new Map<number, NestedPage<R>>();
  for (const [pid, list] of groups) {
    list.sort((a, b) => Number(a._rn) - Number(b._rn));
    const clean = list.map(({ _pid, _rn, ...rest }) => rest as unknown as R);
    out.set(pid, pageOf(clean, req, cursorOf));
  }
  return withEmptyPages(out, parentIds, req, cursorOf);
}

/**
 * Groups rows read one page per parent (`parents[i]` is row i's; rows in the order parent,
 * rank, as `selectPage` with a partition returns them) into one page per parent.
 */
export function pagesOfParents<R>(rows: readonly R[], parents: readonly number[], req: PageRequest, cursorOf: (r: R) => string, parentIds: readonly number[]): Map<number, NestedPage<R>> {
  const out = new Map<number, NestedPage<R>>();
  for (let start = 0, i = 1; i <= rows.length; i++) {
    if (i < rows.length && parents[i] === parents[start]) continue;
    if (i > start) out.set(parents[start]!, pageOf(rows.slice(start, i), req, cursorOf));
    start = i;
  }
  return withEmptyPages(out, parentIds, req, cursorOf);
}

/**
 * `pages` with a page for each of `parentIds` that has no rows, made from the request as the
 * page of a list without rows is (after a cursor, `hasPreviousPage` is true).
 */
function withEmptyPages<R>(pages: Map<number, NestedPage<R>>, parentIds: readonly number[], req: PageRequest, cursorOf: (r: R) => string): Map<number, NestedPage<R>> {
  for (const id of parentIds) if (!pages.has(id)) pages.set(id, pageOf([], req, cursorOf));
  return pages;
}

/**
 * One parent's page of a nested connection field (e.g. `Customer.complaints`) with its lazy
 * `totalCount`: the pages of every parent in the response come from one batched statement
 * (`pages`, which answers a page for every parent asked, those without rows included: see
 * pagesByParent), the counts from one more (`counts`), only when `totalCount` is selected. `key`
 * names the field and its arguments: parents share a batch only with the same arguments.
 */
export async function nestedConnection<R>(
  ctx: Context,
  key: string,
  parentId: number,
  pages: (parentIds: number[]) => Promise<Map<number, NestedPage<R>>>,
  counts: (parentIds: number[]) => Promise<Map<number, number>>,
): Promise<ConnectionData<R>> {
  const page = await nestedLoader<NestedPage<R> | undefined>(ctx, key, pages, undefined).load(parentId);
  if (!page) throw new Error(`${key}: no page for parent ${parentId}`);
  const count = nestedLoader(ctx, `${key}:count`, counts, 0);
  return { ...page, count: () => count.load(parentId) };
}
