import { describe, expect, it } from 'vitest';
import { bigint, PgDialect, pgTable, text } from 'drizzle-orm/pg-core';
import { AppError } from '../../src/graphql/errors.js';
import {
  Cursors,
  DEFAULT_PAGE_SIZE,
  keyset,
  MAX_PAGE_SIZE,
  pageOf,
  pageRequest as pageRequestWith,
  type PageArgs,
  type PageInfoData,
  type PageRequest,
} from '../../src/graphql/pagination.js';

const cursors = new Cursors('unit-test-secret-unit-test-secret-0123');
const encodeCursor = (k: string, v: string | number | Date, id: number | string) => cursors.encode(k, v, id);
const pageRequest = (args: PageArgs, orderKey: string) => pageRequestWith(cursors, args, orderKey);

/** The four fields GraphQL reads off page info (getters included). */
const read = (p: PageInfoData) => ({ hasNextPage: p.hasNextPage, hasPreviousPage: p.hasPreviousPage, startCursor: p.startCursor, endCursor: p.endCursor });
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Runs `fn` and returns the AppError it throws. */
function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('constants', () => {
  it('default 20, max 200', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(MAX_PAGE_SIZE).toBe(200);
  });
});

describe('pageRequest: valid arguments', () => {
  const c = encodeCursor('NAME', '张三', 5);
  it.each<[string, PageArgs, Omit<PageRequest, 'cursor'>]>([
    ['no arguments: 20 forward', {}, { backward: false, limit: 20, hasCursor: false }],
    ['all null: 20 forward', { first: null, after: null, last: null, before: null }, { backward: false, limit: 20, hasCursor: false }],
    ['first 10', { first: 10 }, { backward: false, limit: 10, hasCursor: false }],
    ['first 0', { first: 0 }, { backward: false, limit: 0, hasCursor: false }],
    ['first 200 (the maximum)', { first: 200 }, { backward: false, limit: 200, hasCursor: false }],
    ['after only: 20 forward', { after: c }, { backward: false, limit: 20, hasCursor: true }],
    ['first + after', { first: 5, after: c }, { backward: false, limit: 5, hasCursor: true }],
    ['last 10', { last: 10 }, { backward: true, limit: 10, hasCursor: false }],
    ['last 200', { last: 200 }, { backward: true, limit: 200, hasCursor: false }],
    ['before only: 20 backward', { before: c }, { backward: true, limit: 20, hasCursor: true }],
    ['last + before', { last: 3, before: c }, { backward: true, limit: 3, hasCursor: true }],
  ])('%s', (_what, args, expected) => {
    expect(pageRequest(args, 'NAME')).toMatchObject(expected);
  });

  it.each<[string, string | number | Date, string | number]>([
    ['string value', '张三', '张三'],
    ['number value', 12.5, 12.5],
    ['Date value becomes its ISO string', new Date('2025-01-02T03:04:05.678Z'), '2025-01-02T03:04:05.678Z'],
    ['empty string value', '', ''],
  ])('decodes a cursor with a %s', (_what, value, decoded) => {
    const req = pageRequest({ after: encodeCursor('K', value, 99) }, 'K');
    expect(req.cursor).toEqual({ k: 'K', v: decoded, id: 99 });
  });

  it('no cursor decodes to null', () => {
    expect(pageRequest({ first: 3 }, 'K').cursor).toBeNull();
  });

  it('the cursor is opaque base64url', () => {
    expect(encodeCursor('NAME', 'a b/c+d', 1)).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('pageRequest: invalid arguments → BAD_USER_INPUT', () => {
  const c = encodeCursor('NAME', 'x', 1);
  it.each<[string, PageArgs, string]>([
    ['first 201', { first: 201 }, 'first'],
    ['last 201', { last: 201 }, 'last'],
    ['first 10_000', { first: 10_000 }, 'first'],
    ['first negative', { first: -1 }, 'first'],
    ['last negative', { last: -5 }, 'last'],
    ['first fractional', { first: 1.5 }, 'first'],
    ['first NaN', { first: Number.NaN }, 'first'],
    ['first Infinity', { first: Number.POSITIVE_INFINITY }, 'first'],
    ['first and last together', { first: 1, last: 1 }, 'first'],
    ['after and before together', { after: c, before: c }, 'after'],
    ['last with after', { last: 2, after: c }, 'after'],
    ['first with before', { first: 2, before: c }, 'before'],
  ])('%s (field %s)', (_what, args, field) => {
    const e = appErrorOf(() => pageRequest(args, 'NAME'));
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(e.extensions.field).toBe(field);
  });

  it('201 reports the maximum', () => {
    expect(appErrorOf(() => pageRequest({ first: 201 }, 'NAME')).extensions.max).toBe(200);
  });

  it.each<[string, string]>([
    ['garbage', 'not-a-cursor'],
    ['invalid base64url characters', '!!!'],
    ['empty string', ''],
    ['JSON object', b64({ k: 'NAME', v: 'x', id: 1 })],
    ['JSON array of 2', b64(['NAME', 'x'])],
    ['JSON array of 4', b64(['NAME', 'x', 1, 2])],
    ['non-integer id', b64(['NAME', 'x', 1.5])],
    ['string id', b64(['NAME', 'x', '1'])],
    ['unsafe id', b64(['NAME', 'x', 2 ** 60])],
    ['boolean value', b64(['NAME', true, 1])],
    ['null value', b64(['NAME', null, 1])],
    ['object value', b64(['NAME', { $gt: 0 }, 1])],
    ['numeric order key', b64([1, 'x', 1])],
    ['not JSON', b64('NAME,x,1')],
  ])('%s cursor', (_what, cursor) => {
    for (const [args, field] of [
      [{ after: cursor }, 'after'],
      [{ before: cursor }, 'before'],
    ] as const) {
      const e = appErrorOf(() => pageRequest(args, 'NAME'));
      expect(e.extensions.code).toBe('BAD_USER_INPUT');
      expect(e.extensions.field).toBe(field);
    }
  });

  it.each<[string, string]>([
    ['after', encodeCursor('CREATED_AT', new Date('2025-01-01T00:00:00Z'), 3)],
    ['before', encodeCursor('CREATED_AT', new Date('2025-01-01T00:00:00Z'), 3)],
  ])('a %s cursor made for another ordering', (field, cursor) => {
    const e = appErrorOf(() => pageRequest({ [field]: cursor }, 'NAME'));
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(e.extensions.field).toBe(field);
  });
});

describe('pageOf', () => {
  type Row = { id: number };
  const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id }));
  const cursorOf = (r: Row) => encodeCursor('ID', r.id, r.id);
  const req = (r: Partial<PageRequest>): PageRequest => ({ backward: false, limit: 3, cursor: null, hasCursor: false, ...r });

  it.each<[string, PageRequest, Row[], number[], { hasNextPage: boolean; hasPreviousPage: boolean }]>([
    ['forward, first page, more rows', req({}), rows(1, 2, 3, 4), [1, 2, 3], { hasNextPage: true, hasPreviousPage: false }],
    ['forward, first page, exactly limit', req({}), rows(1, 2, 3), [1, 2, 3], { hasNextPage: false, hasPreviousPage: false }],
    ['forward, first page, fewer rows', req({}), rows(1), [1], { hasNextPage: false, hasPreviousPage: false }],
    ['forward, after a cursor, more rows', req({ hasCursor: true }), rows(4, 5, 6, 7), [4, 5, 6], { hasNextPage: true, hasPreviousPage: true }],
    ['forward, after a cursor, last page', req({ hasCursor: true }), rows(7, 8), [7, 8], { hasNextPage: false, hasPreviousPage: true }],
    // Backward scans run in reverse order; the page is flipped back to the connection order.
    ['backward, last page, more rows', req({ backward: true }), rows(10, 9, 8, 7), [8, 9, 10], { hasNextPage: false, hasPreviousPage: true }],
    ['backward, last page, fewer rows', req({ backward: true }), rows(2, 1), [1, 2], { hasNextPage: false, hasPreviousPage: false }],
    ['backward, before a cursor, more rows', req({ backward: true, hasCursor: true }), rows(6, 5, 4, 3), [4, 5, 6], { hasNextPage: true, hasPreviousPage: true }],
    ['backward, before a cursor, first page', req({ backward: true, hasCursor: true }), rows(3, 2, 1), [1, 2, 3], { hasNextPage: true, hasPreviousPage: false }],
  ])('%s', (_what, request, fetched, ids, flags) => {
    const { edges, pageInfo } = pageOf(fetched, request, cursorOf);
    expect(edges.map((e) => e.node.id)).toEqual(ids);
    expect(edges.map((e) => e.cursor)).toEqual(ids.map((id) => cursorOf({ id })));
    expect(read(pageInfo)).toEqual({
      ...flags,
      startCursor: cursorOf({ id: ids[0]! }),
      endCursor: cursorOf({ id: ids[ids.length - 1]! }),
    });
  });

  it('an empty page has null cursors', () => {
    expect(read(pageOf([], req({}), cursorOf).pageInfo)).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it('first: 0 returns no edges but reports a next page when rows exist', () => {
    const { edges, pageInfo } = pageOf(rows(1), req({ limit: 0 }), cursorOf);
    expect(edges).toEqual([]);
    expect(pageInfo.hasNextPage).toBe(true);
  });

  it('does not mutate the fetched rows', () => {
    const fetched = rows(3, 2, 1);
    pageOf(fetched, req({ backward: true, limit: 2 }), cursorOf);
    expect(fetched.map((r) => r.id)).toEqual([3, 2, 1]);
  });

  it('round trip: the end cursor of a page feeds the next request', () => {
    const first = pageOf(rows(1, 2, 3, 4), pageRequest({ first: 3 }, 'ID'), cursorOf);
    const next = pageRequest({ first: 3, after: first.pageInfo.endCursor }, 'ID');
    expect(next.cursor).toEqual({ k: 'ID', v: 3, id: 3 });
  });
});

describe('keyset (light)', () => {
  const t = pgTable('t', { id: bigint('id', { mode: 'number' }).primaryKey(), name: text('name').notNull() });
  const sort = { key: 'NAME', column: t.name, cast: 'text' as const };
  const dialect = new PgDialect();
  const cursor = { k: 'NAME', v: '张三', id: 5 };

  it('fetches limit + 1 and has no WHERE without a cursor', () => {
    const ks = keyset({ backward: false, limit: 20, cursor: null, hasCursor: false }, sort, t.id, false);
    expect(ks.limit).toBe(21);
    expect(ks.where).toBeUndefined();
    expect(ks.orderBy).toHaveLength(2);
  });

  it.each<[string, boolean, boolean, '>' | '<', 'asc' | 'desc']>([
    ['ascending, forward', false, false, '>', 'asc'],
    ['ascending, backward', false, true, '<', 'desc'],
    ['descending, forward', true, false, '<', 'desc'],
    ['descending, backward', true, true, '>', 'asc'],
  ])('%s compares with %s and scans %s', (_what, descending, backward, op, dir) => {
    const ks = keyset({ backward, limit: 10, cursor, hasCursor: true }, sort, t.id, descending);
    expect(ks.limit).toBe(11);
    const where = dialect.sqlToQuery(ks.where!);
    expect(where.sql).toContain(`) ${op} (`);
    expect(where.sql).toContain('as text');
    expect(where.params).toEqual(['张三', 5]);
    for (const o of ks.orderBy) expect(dialect.sqlToQuery(o).sql).toMatch(new RegExp(`${dir}$`));
  });
});

describe('Cursors: keyed by the server secret', () => {
  it('a cursor from a server with another secret is not valid here, one from the same secret is (restarts)', () => {
    const other = new Cursors('another-secret-another-secret-0123456');
    const again = new Cursors('unit-test-secret-unit-test-secret-0123');
    expect(() => pageRequest({ after: other.encode('NAME', 'x', 1) }, 'NAME')).toThrow(AppError);
    expect(pageRequest({ after: again.encode('NAME', 'x', 1) }, 'NAME').cursor).toEqual({ k: 'NAME', v: 'x', id: 1 });
  });
});

describe('pageOf: cursors only when read', () => {
  it('makes no cursor until one is read, then each edge’s once, and page info reads the edges’', () => {
    const made: number[] = [];
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const page = pageOf(rows, { backward: false, limit: 2, cursor: null, hasCursor: false }, (r) => {
      made.push(r.id);
      return `c${r.id}`;
    });
    expect(page.edges.map((e) => e.node.id)).toEqual([1, 2]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(made).toEqual([]);
    expect(page.pageInfo.endCursor).toBe('c2');
    expect(page.edges[1]!.cursor).toBe('c2');
    expect(page.pageInfo.startCursor).toBe('c1');
    expect(made).toEqual([2, 1]);
  });

  it('has null start and end cursors on an empty page', () => {
    const page = pageOf([], { backward: false, limit: 2, cursor: null, hasCursor: false }, () => 'never');
    expect([page.pageInfo.startCursor, page.pageInfo.endCursor]).toEqual([null, null]);
  });
});
