import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { anyOf, registerArrayRunner, rowsOf, selectPage, selectRows, writtenLimit, type SelectQuery } from '../../src/db/rows.js';
import { complaintEvents, complaints, customers, slaClocks, units } from '../../src/db/schema/index.js';
import { CREATE_COMPLAINT, complaintFixture } from '../helpers/complaints.js';
import { startTestApp, traced, type TestApp } from '../helpers/test-app.js';

// The fast row path (src/db/rows.ts) must return exactly what drizzle returns, value types
// included (Date, number, JSON, arrays, nulls), on PGlite and on PostgreSQL alike.

let t: TestApp;
let customerDbId: number;

beforeAll(async () => {
  t = await startTestApp();
  const f = await complaintFixture(t);
  customerDbId = Number(Buffer.from(f.customerId, 'base64url').toString().split(':')[1]);
  await t.database.db.update(customers).set({ birthday: '1990-02-03', email: 'a@example.com' }).where(eq(customers.id, customerDbId));
  const input = { customerId: f.customerId, projectId: f.project.id, unitId: f.unitId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: '漏水', attachments: ['https://example.com/a.jpg'] };
  // Two complaints: pages per parent (selectPage with a partition) need more than one parent.
  for (const description of ['漏水', '墙面开裂']) {
    const r = await t.gql(CREATE_COMPLAINT.replace('...C', 'id'), { input: { ...input, description } }, 'AGENT');
    expect(r.errors).toBeUndefined();
  }
});
afterAll(() => t?.close());

describe('selectRows', () => {
  it('returns what drizzle returns for whole-table selections with every kind of column', async () => {
    const db = t.database.db;
    // Each query is built twice: a drizzle query runs once.
    const same = async <T>(q: () => SelectQuery<T>) => {
      const viaDrizzle = await q();
      expect(viaDrizzle.length).toBeGreaterThan(0);
      expect(await selectRows(db, q())).toEqual(viaDrizzle);
    };
    await same(() => db.select().from(complaints).orderBy(asc(complaints.id)));
    await same(() => db.select().from(customers).where(eq(customers.id, customerDbId)));
    await same(() => db.select().from(slaClocks).orderBy(asc(slaClocks.id)));
    await same(() => db.select().from(complaintEvents).orderBy(asc(complaintEvents.id)));
    const [c] = await selectRows(db, db.select().from(complaints));
    expect(c!.receivedAt).toBeInstanceOf(Date);
    expect(typeof c!.id).toBe('number');
    expect(c!.attachments).toEqual(['https://example.com/a.jpg']);
    const [customer] = await selectRows(db, db.select().from(customers).where(eq(customers.id, customerDbId)));
    expect(customer!.birthday).toBe('1990-02-03');
  });

  it('decodes aliased SQL expressions and subquery columns like drizzle', async () => {
    const db = t.database.db;
    const sub = db.select({ id: complaints.id, at: complaints.receivedAt, n: sql<number>`1`.mapWith(Number).as('n') }).from(complaints).as('sub');
    const q = () => db.select().from(sub);
    expect(await selectRows(db, q())).toEqual(await q());
  });

  it('runs registered databases on the array runner, decoding timestamps, and others through drizzle', async () => {
    const db = t.database.db;
    const query = db.select().from(slaClocks).where(eq(slaClocks.id, -1));
    const fake = {};
    const seen: string[] = [];
    const prepared: boolean[] = [];
    let notes = 0;
    registerArrayRunner(
      fake,
      async (text, _params, prepare) => {
        seen.push(text);
        prepared.push(prepare);
        // One row in the selected column order: id, complaint_id, clock, … (values as the driver gives them).
        return [Object.keys(query._.selectedFields).map((k) => (k === 'startedAt' ? '2026-01-02 03:04:05.678+00' : k === 'id' ? 7 : null))];
      },
      () => notes++,
    );
    const [row] = await selectRows(fake, query);
    expect(seen).toEqual([query.toSQL().sql]);
    expect(notes).toBe(1);
    // Named prepared statements: one round trip instead of two (see mayPrepare in rows.ts).
    await selectRows(fake, query, { prepared: true });
    expect(prepared).toEqual([true, true]);
    expect(row!.id).toBe(7);
    expect(row!.startedAt).toEqual(new Date('2026-01-02T03:04:05.678Z'));
    expect(row!.dueAt).toBeNull();
    // A database never registered (e.g. a transaction) is served by drizzle itself.
    expect(await selectRows({}, db.select().from(slaClocks).where(eq(slaClocks.id, -1)))).toEqual([]);
  });

  it('prepares texts up to a cap per kind: varying texts past theirs run unprepared and never crowd out fixed ones', async () => {
    const db = t.database.db;
    const fake = {};
    const prepared = new Map<string, boolean>();
    registerArrayRunner(fake, async (text, _params, prepare) => (prepared.set(text, prepare), []), () => {});
    // Texts that vary with a client's input (here a literal in the text) until one runs unprepared.
    const varying = (i: number) => db.select().from(slaClocks).where(sql`${slaClocks.id} = ${sql.raw(String(-1000 - i))}`);
    let first: string | null = null;
    let refused = -1;
    for (let i = 0; i < 1_000 && refused < 0; i++) {
      await selectRows(fake, varying(i));
      const text = varying(i).toSQL().sql;
      first ??= text;
      if (!prepared.get(text)) refused = i;
    }
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(256);
    // The texts prepared before the cap stay prepared; a new fixed text is still prepared.
    await selectRows(fake, varying(0));
    expect(prepared.get(first!)).toBe(true);
    const fixed = db.select().from(slaClocks).where(eq(slaClocks.complaintId, -5));
    await selectRows(fake, fixed, { prepared: true });
    expect(prepared.get(fixed.toSQL().sql)).toBe(true);
  });

  it('counts its statements like drizzle does', async () => {
    const db = t.database.db;
    await t.settle();
    const before = t.requestStatements();
    await selectRows(db, db.select().from(customers).where(eq(customers.id, customerDbId)));
    expect(t.requestStatements() - before).toBe(1);
  });
});

describe('selectPage', () => {
  // A page with its to-one relations in one statement, written once per shape: the same rows
  // and relations as drizzle's select builder gives for the same select (its fallback, taken on
  // a transaction's handle), with every kind of value, a missing relation as null, and `where`
  // parameters numbered before the limit.
  const spec = (where: SQL | undefined, columns: readonly string[] | null) => ({
    name: 'test.page:asc',
    table: complaints,
    columns,
    joins: [
      { as: 'customer', table: customers, on: eq(customers.id, complaints.customerId) },
      // No unit -1: the relation is missing on every row.
      { as: 'none', table: units, on: and(eq(units.id, complaints.unitId), sql`${units.id} < 0`)! },
    ],
    where,
    orderBy: [asc(complaints.receivedAt), asc(complaints.id)],
    limit: 5,
  });

  it('returns what drizzle returns for the same joined select, on the fast path and in a transaction', async () => {
    const db = t.database.db;
    for (const columns of [null, ['id', 'receivedAt', 'attachments', 'customerId']]) {
      for (const where of [undefined, and(eq(complaints.customerId, customerDbId), sql`${complaints.description} <> ${'x'}`)]) {
        await t.settle();
        const before = t.requestStatements();
        const fast = await selectPage<Record<string, unknown>>(db, spec(where, columns));
        expect(t.requestStatements() - before).toBe(1);
        const inTx = await db.transaction((tx) => selectPage<Record<string, unknown>>(tx, spec(where, columns)));
        expect(fast).toEqual(inTx);
        expect(fast.rows.length).toBeGreaterThan(0);
        expect(fast.rows[0]!.receivedAt).toBeInstanceOf(Date);
        expect(fast.rows[0]!.attachments).toEqual(['https://example.com/a.jpg']);
        expect(Object.keys(fast.rows[0]!)).toEqual(columns ?? Object.keys(getTableColumns(complaints)));
        const [customer] = await db.select().from(customers).where(eq(customers.id, customerDbId));
        expect(fast.joined[0]![0]).toEqual(customer);
        expect(fast.joined[1]!.every((r) => r === null)).toBe(true);
      }
    }
  });

  it('reads a to-many list as drizzle reads its rows, with projected joins, on the fast path and in a transaction', async () => {
    const db = t.database.db;
    // A stop time (the column keeps milliseconds), and a share that JSON writes as a string.
    await db.execute(sql`update sla_clocks set stopped_at = now() - interval '1.234567 seconds' where clock = 'ACCEPTANCE'`);
    const [odd] = await db.execute<{ id: number; warn_at: number }>(sql`update sla_clocks set warn_at = 'NaN' where id = (select min(id) from sla_clocks) returning id, (select warn_at from sla_clocks where id = (select min(id) from sla_clocks)) as warn_at`).then((r) => rowsOf<{ id: number; warn_at: number }>(r));
    const projected = ['id', 'name', 'confidentiality'];
    for (const columns of [Object.keys(getTableColumns(slaClocks)), ['complaintId', 'state', 'warnAt', 'dueAt', 'stoppedAt', 'targetMs', 'workingTime']]) {
      const list = { as: 'clocks', table: slaClocks, columns, on: eq(slaClocks.complaintId, complaints.id), orderBy: [asc(slaClocks.startedAt), asc(slaClocks.id)] };
      const page = { ...spec(undefined, ['id']), joins: [{ as: 'customer', table: customers, on: eq(customers.id, complaints.customerId), columns: projected }], lists: [list] };
      await t.settle();
      const before = t.requestStatements();
      const fast = await selectPage<{ id: number }>(db, page);
      expect(t.requestStatements() - before).toBe(1);
      expect(await db.transaction((tx) => selectPage<{ id: number }>(tx, page))).toEqual(fast);
      expect(fast.rows.length).toBeGreaterThan(0);
      const [customer] = await db.select(Object.fromEntries(projected.map((c) => [c, (customers as any)[c]]))).from(customers).where(eq(customers.id, customerDbId));
      expect(fast.joined[0]![0]).toEqual(customer);
      for (const [i, row] of fast.rows.entries()) {
        const fields = Object.fromEntries(columns.map((c) => [c, (slaClocks as any)[c]]));
        const clocks = await db.select(fields).from(slaClocks).where(eq(slaClocks.complaintId, row.id)).orderBy(asc(slaClocks.startedAt), asc(slaClocks.id));
        expect(clocks.length).toBeGreaterThan(0);
        expect(fast.listed[0]![i]).toEqual(clocks);
        if (columns.includes('stoppedAt')) expect(fast.listed[0]![i]!.some((c) => c.stoppedAt instanceof Date)).toBe(true);
      }
      expect(fast.listed[0]!.flat().some((c) => Number.isNaN(c.warnAt))).toBe(true);
    }
    await db.execute(sql`update sla_clocks set warn_at = ${odd!.warn_at} where id = ${odd!.id}`);
  });

  it('pages per parent (a partition): the first rows of each parent, with their joins and lists, on the fast path and in a transaction', async () => {
    const db = t.database.db;
    // Clocks per complaint, newest first: each complaint has more than one.
    const parents = (await db.select({ id: complaints.id }).from(complaints).orderBy(asc(complaints.id))).map((r) => r.id);
    expect(parents.length).toBeGreaterThan(1);
    const order = [desc(slaClocks.startedAt), desc(slaClocks.id)];
    const events = ['complaintId', 'type', 'at', 'data'];
    // The second list of columns leaves out what the join and the list read (complaintId): the ranking reads it all the same.
    for (const [limit, columns] of [1, 2, 7].flatMap((n) => [[n, ['id', 'complaintId', 'clock', 'state', 'startedAt', 'warnAt']], [n, ['id', 'state']]] as const)) {
      const page = {
        name: 'test.clocksPerComplaint:desc',
        table: slaClocks,
        columns: [...columns],
        joins: [{ as: 'complaint', table: complaints, on: eq(complaints.id, slaClocks.complaintId), columns: ['id', 'number', 'receivedAt'] }],
        lists: [{ as: 'events', table: complaintEvents, columns: events, on: eq(complaintEvents.complaintId, slaClocks.complaintId), orderBy: [asc(complaintEvents.at), asc(complaintEvents.id)] }],
        where: anyOf(slaClocks.complaintId, parents),
        orderBy: order,
        limit,
        partition: slaClocks.complaintId,
      };
      await t.settle();
      const before = t.requestStatements();
      const fast = await selectPage<Record<string, unknown>>(db, page);
      expect(t.requestStatements() - before).toBe(1);
      expect(await db.transaction((tx) => selectPage<Record<string, unknown>>(tx, page))).toEqual(fast);
      const pick = <T extends object>(table: T, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (table as any)[k]]));
      let at = 0;
      for (const parent of parents) {
        const want = await db.select(pick(slaClocks, [...columns])).from(slaClocks).where(eq(slaClocks.complaintId, parent)).orderBy(...order).limit(limit);
        expect(want.length).toBeGreaterThan(0);
        const got = fast.rows.slice(at, at + want.length);
        expect(got, `parent ${parent}, limit ${limit}`).toEqual(want);
        expect(fast.parents.slice(at, at + want.length)).toEqual(want.map(() => parent));
        expect(fast.ranks.slice(at, at + want.length)).toEqual(want.map((_, i) => i + 1));
        const [complaint] = await db.select(pick(complaints, ['id', 'number', 'receivedAt'])).from(complaints).where(eq(complaints.id, parent));
        const timeline = await db.select(pick(complaintEvents, events)).from(complaintEvents).where(eq(complaintEvents.complaintId, parent)).orderBy(asc(complaintEvents.at), asc(complaintEvents.id));
        expect(timeline.length).toBeGreaterThan(0);
        for (let i = at; i < at + want.length; i++) {
          expect(fast.joined[0]![i]).toEqual(complaint);
          expect(fast.listed[0]![i]).toEqual(timeline);
        }
        at += want.length;
      }
      // Nothing past each parent's first `limit` rows.
      expect(fast.rows).toHaveLength(at);
    }
  });

  it('writes one of a few limits into its text, and answers exactly the rows asked for', async () => {
    const db = t.database.db;
    const page = (limit: number) => ({ name: 'test.clocks:asc', table: slaClocks, columns: ['id', 'state'], joins: [], where: undefined, orderBy: [asc(slaClocks.id)], limit });
    const all = await db.select({ id: slaClocks.id, state: slaClocks.state }).from(slaClocks).orderBy(asc(slaClocks.id));
    // At least two rows: a limit of 1 is written as 2, and the second row dropped.
    expect(all.length).toBeGreaterThan(1);
    const texts = new Set<string>();
    for (let n = 1; n <= 60; n++) {
      const { texts: seen, value } = await traced(t, () => selectPage<{ id: number }>(db, page(n)));
      seen.forEach((x) => texts.add(x));
      expect(value.rows, `limit ${n}`).toEqual(all.slice(0, n));
      expect(await db.transaction((tx) => selectPage<{ id: number }>(tx, page(n)))).toEqual(value);
    }
    // 2, 6, 11, 16, 21, 26, 31, 51, 101 (60 rows round up to 101).
    expect([...texts].map((x) => x.slice(x.lastIndexOf(' limit ') + 7))).toEqual(['2', '6', '11', '16', '21', '26', '31', '51', '101']);
    expect(writtenLimit(200 + 1)).toBe(201);
    expect(writtenLimit(500)).toBe(500);
  });
});
