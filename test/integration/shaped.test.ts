import { eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/client.js';
import { auditLog } from '../../src/db/schema/index.js';
import { anyOf, selectFixed } from '../../src/db/rows.js';
import { runShaped, shapedStats, Slots } from '../../src/db/shaped.js';
import { rowsOf } from '../../src/db/rows.js';
import { freshDatabase } from '../helpers/test-app.js';

/**
 * Statements built once per shape (src/db/shaped.ts): the text is reused, the values never
 * are, and what cannot be reused safely is built every time.
 */
let database: Database;
let drop: () => Promise<void>;
let databaseUrl: string | undefined;
beforeAll(async () => ({ database, drop, url: databaseUrl } = await freshDatabase()));
afterAll(() => drop?.());

/** Inserts an audit entry through runShaped, in a transaction as the app does. */
function insert(row: Partial<typeof auditLog.$inferInsert>) {
  return database.db.transaction(async (tx) => {
    const slots = new Slots();
    const values = slots.row('a', { actorId: 'shaped', actorRole: 'ADMIN', action: 'test', subjectId: 'x', ...row });
    const [r] = await runShaped(tx, 'shaped.test', slots, () => tx.insert(auditLog).values(values as typeof auditLog.$inferInsert).returning());
    return r!;
  });
}

describe('runShaped', () => {
  it('builds a shape once and then reuses its text, with each call’s own values', async () => {
    const before = { ...shapedStats };
    const a = await insert({ subjectId: 'first', changes: { n: 1 }, reason: 'one' });
    const b = await insert({ subjectId: 'second', changes: { n: 2 }, reason: 'two' });
    const c = await insert({ subjectId: 'third', changes: { n: 3 }, reason: 'three' });
    expect(shapedStats.built - before.built).toBe(1);
    expect(shapedStats.reused - before.reused).toBe(2);
    expect([a, b, c].map((r) => [r.subjectId, r.changes, r.reason])).toEqual([
      ['first', { n: 1 }, 'one'],
      ['second', { n: 2 }, 'two'],
      ['third', { n: 3 }, 'three'],
    ]);
    expect(c.at).toBeInstanceOf(Date); // rows are mapped as drizzle maps them
  });

  it.runIf(process.env.TEST_DATABASE_URL)('runs a reused text as a prepared statement on PostgreSQL: parsed and planned once per connection', async () => {
    // One connection, so that pg_prepared_statements (per session) shows what the writes prepared.
    const one = openPostgres(databaseUrl!, { max: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        await one.db.transaction(async (tx) => {
          const slots = new Slots();
          const values = slots.row('a', { actorId: 'prepared', actorRole: 'ADMIN', action: 'test', subjectId: `p${i}` });
          await runShaped(tx, 'shaped.test.prepared', slots, () => tx.insert(auditLog).values(values as typeof auditLog.$inferInsert).returning());
        });
      }
      const prepared = rowsOf<{ n: number }>(
        await one.db.execute(sql`select count(*)::int as n from pg_prepared_statements where statement like 'insert into "audit_log"%' and not from_sql`),
      );
      expect(prepared).toEqual([{ n: 1 }]);
    } finally {
      await one.close();
    }
  });

  it('writes a null as SQL NULL (not the JSON value null), in a shape of its own', async () => {
    const before = { ...shapedStats };
    const r = await insert({ subjectId: 'nulls', changes: null, reason: null });
    expect(shapedStats.built - before.built).toBe(1);
    const [row] = rowsOf<{ gone: boolean; no_reason: boolean }>(
      await database.db.execute(sql`select changes is null as gone, reason is null as no_reason from audit_log where id = ${r.id}`),
    );
    expect(row).toEqual({ gone: true, no_reason: true });
  });

  it('builds anew every time a value is SQL, or the statement holds a value of its own', async () => {
    const before = { ...shapedStats };
    const one = await insert({ subjectId: 'sql', reason: sql`'from sql'` as unknown as string });
    const two = await insert({ subjectId: 'sql', reason: sql`'other sql'` as unknown as string });
    expect([one.reason, two.reason]).toEqual(['from sql', 'other sql']);
    // A statement with a bound value (not a placeholder) is never kept.
    const run = (subject: string) =>
      database.db.transaction(async (tx) => {
        const slots = new Slots();
        const [r] = await runShaped(tx, 'shaped.bound', slots, () =>
          tx.insert(auditLog).values({ actorId: 'shaped', actorRole: 'ADMIN', action: 'test', subjectId: subject }).returning(),
        );
        return r!;
      });
    expect((await run('bound one')).subjectId).toBe('bound one');
    expect((await run('bound two')).subjectId).toBe('bound two');
    expect(shapedStats.reused - before.reused).toBe(0);
    const rows = await database.db.select({ s: auditLog.subjectId }).from(auditLog).where(eq(auditLog.actorId, 'shaped'));
    expect(rows.map((r) => r.s)).toEqual(expect.arrayContaining(['bound one', 'bound two']));
  });
});

describe('runShaped with a SELECT', () => {
  it('maps a reused SELECT as drizzle maps its first run: a left-joined table without a row is null', async () => {
    const { id } = await insert({ subjectId: 'select' });
    const other = alias(auditLog, 'other');
    const read = () => {
      const slots = new Slots();
      const db = database.db;
      // Values are put before the builder, which runs only the first time.
      const none = slots.put('other', -1);
      const self = slots.put('id', id);
      return runShaped(db, 'shaped.select', slots, () =>
        db
          .select({ subject: auditLog.subjectId, other: { id: other.id, subject: other.subjectId } })
          .from(auditLog)
          .leftJoin(other, eq(other.id, none))
          .where(eq(auditLog.id, self)),
      );
    };
    const before = { ...shapedStats };
    const first = await read();
    const again = await read();
    expect(shapedStats.reused - before.reused).toBe(1);
    expect(first).toEqual([{ subject: 'select', other: null }]);
    expect(again).toEqual(first);
  });

  it('takes only plain identifiers for a reference to a CTE', () => {
    const slots = new Slots();
    expect(() => slots.ref('new_row', 'id')).not.toThrow();
    expect(() => slots.ref('x") or ("1', 'id')).toThrow(/plain identifier/);
    expect(() => slots.ref('new_row', 'id,other')).toThrow(/plain identifier/);
  });
});

describe('selectFixed', () => {
  it('builds a fixed statement once, then runs its text with each call’s keys', async () => {
    const ids = [(await insert({ subjectId: 'fixed 1' })).id, (await insert({ subjectId: 'fixed 2' })).id];
    let builds = 0;
    const load = (keys: number[]) =>
      selectFixed(database.db, 'shaped.test.audit', [keys], () => (builds++, database.db.select().from(auditLog).where(anyOf(auditLog.id, keys))), { prepared: true });
    const first = await load([ids[0]!]);
    const second = await load([ids[1]!]);
    const both = await load(ids.slice(0, 2));
    expect(builds).toBe(1);
    expect(first.map((r) => r.id)).toEqual([ids[0]]);
    expect(second.map((r) => r.id)).toEqual([ids[1]]);
    expect(both.map((r) => r.id).sort()).toEqual(ids.slice(0, 2).sort());
    expect(second[0]!.subjectId).toBe('fixed 2');
    expect(second[0]!.at).toBeInstanceOf(Date);
  });

  it('keeps one text per number of parameters under a name', async () => {
    const [a, b, c] = [(await insert({ subjectId: 'count 1' })).id, (await insert({ subjectId: 'count 2' })).id, (await insert({ subjectId: 'count 3' })).id];
    const load = (keys: number[]) => selectFixed(database.db, 'shaped.test.in', keys, () => database.db.select().from(auditLog).where(inArray(auditLog.id, keys)));
    expect((await load([a, b])).map((r) => r.subjectId).sort()).toEqual(['count 1', 'count 2']);
    expect((await load([a, b, c])).map((r) => r.subjectId).sort()).toEqual(['count 1', 'count 2', 'count 3']);
    expect((await load([c])).map((r) => r.subjectId)).toEqual(['count 3']);
  });

  it('builds every time when the statement has parameters other than those given', async () => {
    let builds = 0;
    const load = (keys: number[]) =>
      selectFixed(database.db, 'shaped.test.other', [keys], () => (builds++, database.db.select().from(auditLog).where(anyOf(auditLog.id, [...keys, 0]))));
    await load([1]);
    await load([2]);
    expect(builds).toBe(2);
  });
});
