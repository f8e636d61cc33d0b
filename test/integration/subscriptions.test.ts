import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_COMPLAINT, complaintFixture, dbId } from '../helpers/complaints.js';
import { createStaff } from '../helpers/factories.js';
import { signToken } from '../../src/auth/token.js';
import { createApp, type App } from '../../src/server.js';
import { openPostgres, type Db } from '../../src/db/client.js';
import { EventLog } from '../../src/events/log.js';
import { rowsOf } from '../../src/db/rows.js';
import { createLogger } from '../../src/logger.js';
import { loadConfig } from '../../src/config.js';
import { dbKind, startTestApp, type TestApp } from '../helpers/test-app.js';
import { wsClient, type WsClient } from '../helpers/ws.js';

/** Subscriptions over graphql-ws on one instance (issue 7), on PGlite and PostgreSQL. */
let t: TestApp;
const clients: WsClient[] = [];
/** Waits until this instance holds `n` more event streams than `before` (the subscription is live). */
async function untilLive(before: number, n = 1) {
  for (let i = 0; i < 500 && t.app.events.size < before + n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(t.app.events.size).toBeGreaterThanOrEqual(before + n);
}

const connect = (token: string | null, opts?: Parameters<typeof wsClient>[2]) => {
  const c = wsClient(t, token, opts);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  t = await startTestApp({ env: { EVENTS_POLL_MS: '200', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', WS_MAX_CONNECTIONS_PER_SUBJECT: '2' } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose().catch(() => {})));
  await t?.close();
});

const CREATED = `subscription($filter: ComplaintFilter, $after: String) {
  complaintCreated(filter: $filter, after: $after) { cursor at action complaint { id number category customer { name phone } } }
}`;
const UPDATED = `subscription($filter: ComplaintFilter, $after: String) {
  complaintUpdated(filter: $filter, after: $after) { cursor action complaint { id status } }
}`;

async function newComplaint(fx: Awaited<ReturnType<typeof complaintFixture>>, over: Record<string, unknown> = {}) {
  const r = await t.gql(
    CREATE_COMPLAINT + ' fragment C on Complaint { id number }',
    { input: { customerId: fx.customerId, projectId: fx.project.id, unitId: fx.unitId, kind: 'COMPLAINT', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: '墙面开裂', ...over } },
    'ADMIN',
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.createComplaint.complaint as { id: string; number: string };
}

describe('complaintCreated', () => {
  it('delivers a new complaint in scope once, with a cursor, masked for a masked role', async () => {
    const fx = await complaintFixture(t);
    const agent = connect(await t.token('AGENT', { sub: 'ws-agent-1', scope: [fx.project.id] }));
    const before = t.app.events.size;
    const sub = agent.subscribe(CREATED, { filter: { projectIds: [fx.project.id] } });
    await untilLive(before);
    const c = await newComplaint(fx);
    const ev = await sub.next();
    expect(ev.errors).toBeUndefined();
    expect(ev.data.complaintCreated.complaint).toMatchObject({ id: c.id, number: c.number, category: 'ENGINEERING_QUALITY' });
    expect(ev.data.complaintCreated.complaint.customer.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(ev.data.complaintCreated.cursor).toMatch(/^[A-Za-z0-9_-]{30,}$/);
    expect(ev.data.complaintCreated.action).toBeNull();
    // Exactly once: the next event is the next complaint, not a repeat.
    const c2 = await newComplaint(fx);
    expect((await sub.next()).data.complaintCreated.complaint.id).toBe(c2.id);
    await sub.stop();
  });

  it('sends nothing out of scope, nothing of another department to a HANDLER, and nothing outside the filter', async () => {
    const a = await complaintFixture(t);
    const b = await complaintFixture(t);
    const outsider = connect(await t.token('AGENT', { sub: 'ws-outsider', scope: [b.project.id] }));
    const legal = connect(await t.token('HANDLER', { sub: 'ws-legal', department: 'LEGAL' }));
    const repairsOnly = connect(await t.token('ADMIN', { sub: 'ws-admin-filter' }));
    const before = t.app.events.size;
    const subOut = outsider.subscribe(CREATED);
    const subLegal = legal.subscribe(UPDATED, { filter: { projectIds: [a.project.id, b.project.id] } });
    const subFilter = repairsOnly.subscribe(CREATED, { filter: { projectIds: [a.project.id, b.project.id], kinds: ['REPAIR'] } });
    await untilLive(before, 3);
    // Out of sight: a complaint in A, accepted by ENGINEERING.
    const hidden = await newComplaint(a);
    const acc = await t.gql(`mutation($i: AcceptComplaintInput!) { acceptComplaint(input: $i) { complaint { id } } }`, { i: { complaintId: hidden.id, department: 'ENGINEERING' } }, 'ADMIN');
    expect(acc.errors).toBeUndefined();
    // Then markers each subscriber may see: events arrive in order, so a marker first means nothing came before it.
    const markerB = await newComplaint(b, { kind: 'REPAIR' });
    const markerLegal = await newComplaint(b);
    const acc2 = await t.gql(`mutation($i: AcceptComplaintInput!) { acceptComplaint(input: $i) { complaint { id } } }`, { i: { complaintId: markerLegal.id, department: 'LEGAL' } }, 'ADMIN');
    expect(acc2.errors).toBeUndefined();
    expect((await subOut.next()).data.complaintCreated.complaint.id).toBe(markerB.id);
    expect((await subLegal.next()).data.complaintUpdated.complaint.id).toBe(markerLegal.id);
    expect((await subFilter.next()).data.complaintCreated.complaint.id).toBe(markerB.id);
  });
});

describe('resuming with after', () => {
  it('replays exactly the missed events in order, then live ones, with no duplicate at the seam', async () => {
    const fx = await complaintFixture(t);
    const token = await t.token('MANAGER', { sub: 'ws-resume' });
    const first = connect(token);
    const before = t.app.events.size;
    const sub = first.subscribe(CREATED, { filter: { projectIds: [fx.project.id] } });
    await untilLive(before);
    await newComplaint(fx);
    const seen = await sub.next();
    const cursor = seen.data.complaintCreated.cursor as string;
    await first.dispose();
    const missed: string[] = [];
    for (let i = 0; i < 5; i++) missed.push((await newComplaint(fx)).id);
    const again = connect(token);
    const resumed = again.subscribe(CREATED, { filter: { projectIds: [fx.project.id] }, after: cursor });
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await resumed.next()).data.complaintCreated.complaint.id);
    expect(got).toEqual(missed);
    const live = await newComplaint(fx);
    expect((await resumed.next()).data.complaintCreated.complaint.id).toBe(live.id);
  });

  it('delivers events of transactions that commit out of order (a sequence is not a commit order)', async () => {
    const fx = await complaintFixture(t);
    const a = await newComplaint(fx);
    const b = await newComplaint(fx);
    const before = t.app.events.size;
    const sub = connect(await t.token('ADMIN', { sub: 'ws-race' })).subscribe(UPDATED, { filter: { projectIds: [fx.project.id] } });
    await untilLive(before);
    const db = t.database.db;
    const event = (id: string, action: string) =>
      sql`insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload) values ('ComplaintUpdated', 'Complaint', ${dbId(id)}, ${dbId(fx.project.id)}, ${JSON.stringify({ action })}::jsonb)`;
    if (t.databaseUrl) {
      // Two real connections: the first transaction takes the lower id and commits last.
      const postgres = (await import('postgres')).default;
      const c1 = postgres(t.databaseUrl, { max: 1 });
      const c2 = postgres(t.databaseUrl, { max: 1 });
      try {
        let release!: () => void;
        const hold = new Promise<void>((r) => (release = r));
        let inserted!: () => void;
        const firstInserted = new Promise<void>((r) => (inserted = r));
        const slow = c1.begin(async (tx) => {
          await tx`insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload) values ('ComplaintUpdated', 'Complaint', ${dbId(a.id)}, ${dbId(fx.project.id)}, ${{ action: 'slow' } as never})`;
          inserted();
          await hold;
        });
        await firstInserted;
        await c2.begin((tx) => tx`insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload) values ('ComplaintUpdated', 'Complaint', ${dbId(b.id)}, ${dbId(fx.project.id)}, ${{ action: 'fast' } as never})`);
        expect((await sub.next()).data.complaintUpdated).toMatchObject({ action: 'fast', complaint: { id: b.id } });
        release();
        await slow;
        expect((await sub.next()).data.complaintUpdated).toMatchObject({ action: 'slow', complaint: { id: a.id } });
      } finally {
        await c1.end();
        await c2.end();
      }
    } else {
      // One embedded connection: commits are serial; both still arrive, in order.
      await db.execute(event(a.id, 'first'));
      await db.execute(event(b.id, 'second'));
      expect((await sub.next()).data.complaintUpdated).toMatchObject({ action: 'first', complaint: { id: a.id } });
      expect((await sub.next()).data.complaintUpdated).toMatchObject({ action: 'second', complaint: { id: b.id } });
    }
  });

  it('refuses a cursor older than the retention, clearly, and a forged one', async () => {
    const fx = await complaintFixture(t);
    const token = await t.token('ADMIN', { sub: 'ws-expired' });
    const c = connect(token);
    const before = t.app.events.size;
    const sub = c.subscribe(CREATED, { filter: { projectIds: [fx.project.id] } });
    await untilLive(before);
    await newComplaint(fx);
    const cursor = (await sub.next()).data.complaintCreated.cursor as string;
    // Both are sequenced (the second arrives), then everything up to now is past retention.
    await newComplaint(fx);
    await sub.next();
    await t.app.events.log.prune(new Date(Date.now() + 1_000));
    const old = connect(token).subscribe(CREATED, { after: cursor });
    const r = await old.next();
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', reason: 'CURSOR_EXPIRED' });
    const forged = await connect(await t.token('ADMIN', { sub: 'ws-forged' })).subscribe(CREATED, { after: 'bm90LWEtY3Vyc29y' }).next();
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('connections', () => {
  it.each([
    ['no authorization', null],
    ['a malformed header', { authorization: 'Token abc' }],
    ['a forged token', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }],
  ])('closes with 4401 on %s', async (_what, params) => {
    const c = connect(null, { params: params ?? {} });
    expect((await c.closed()).code).toBe(4401);
  });

  it('closes with 4401 when the token expires while connected', async () => {
    // A token living 2 s, signed with the test configuration.
    const short = await signToken(t.config, { sub: 'ws-expiring', role: 'ADMIN' }, '2s');
    const c = connect(short);
    c.subscribe(CREATED);
    const closed = await c.closed();
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/expired/);
  });

  it('limits subscriptions per connection and connections per token subject', async () => {
    const token = await t.token('ADMIN', { sub: 'ws-limits' });
    const c = connect(token);
    const subs = [1, 2, 3].map(() => c.subscribe(CREATED));
    const fourth = await c.subscribe(CREATED).next();
    expect(fourth.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    await Promise.all(subs.map((s) => s.stop()));
    await connect(token).connected();
    const third = connect(token);
    expect((await third.closed()).code).toBe(4429);
  });

  it('releases a stream at once when its subscription completes or its connection closes, also when no event comes', async () => {
    const before = t.app.events.size;
    const c = connect(await t.token('ADMIN', { sub: 'ws-release' }));
    // No alert matches these filters (a project that does not exist), so no event ever wakes the streams.
    const quiet = c.subscribe(ALERTS, { filter: { levels: ['ESCALATED'], projectIds: ['UHJvamVjdDo5OTk5OTk5'] } });
    c.subscribe(ALERTS, { filter: { levels: ['ESCALATED'], projectIds: ['UHJvamVjdDo5OTk5OTk5'] } });
    await untilLive(before, 2);
    await quiet.stop();
    for (let i = 0; i < 500 && t.app.events.size > before + 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.app.events.size).toBe(before + 1);
    await c.dispose();
    for (let i = 0; i < 500 && t.app.events.size > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.app.events.size).toBe(before);
  });

  it('applies the document limits and input hygiene of HTTP', async () => {
    const c = connect(await t.token('ADMIN', { sub: 'ws-limits-doc' }));
    const deep = await c.subscribe(`subscription { complaintCreated { complaint { customer { complaints { edges { node { customer { complaints { edges { node { customer { complaints { edges { node { id } } } } } } } } } } } } } } }`).next();
    expect(deep.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const nul = await c.subscribe(CREATED, { filter: { search: 'a\u0000' } }).next();
    expect(nul.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.search' });
  });

  it('lets a SUBSCRIBER service account subscribe, but not query', async () => {
    const fx = await complaintFixture(t);
    const staffLogin = `svc-${Date.now()}`;
    await createStaff(t, { login: staffLogin, name: '告警机器人', role: 'SUBSCRIBER', department: null });
    const token = await t.token('SUBSCRIBER', { sub: staffLogin });
    const q = await t.gql('{ complaints { totalCount } }', {}, token);
    expect(q.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const before = t.app.events.size;
    const sub = connect(token).subscribe(CREATED, { filter: { projectIds: [fx.project.id] } });
    await untilLive(before);
    // A field that fails fails in the event, as in a query (graphql-ws formats it like HTTP):
    // the rest of the event comes.
    const nested = connect(token).subscribe(`subscription($f: ComplaintFilter) { complaintCreated(filter: $f) { complaint { id customer { complaints(first: -1) { totalCount } } } } }`, { f: { projectIds: [fx.project.id] } });
    await untilLive(before, 2);
    const c = await newComplaint(fx);
    expect((await sub.next()).data.complaintCreated.complaint.id).toBe(c.id);
    const partial = await nested.next();
    expect(partial.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(JSON.stringify(partial.errors)).not.toMatch(/stack|at .*\.js/);
    expect(partial.data?.complaintCreated.complaint.id).toBe(c.id);
  });

  it('refuses a subscription sent over HTTP as a client error pointing at the WebSocket', async () => {
    const r = await t.gql(CREATED, {}, 'ADMIN');
    expect(r.status).toBe(200);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(r.errors?.[0]?.message).toMatch(/WebSocket/);
    const modern = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${await t.token('ADMIN')}` },
      body: JSON.stringify({ query: CREATED }),
    });
    expect(modern.status).toBe(400);
  });

  it('reports connections, subscriptions, deliveries and lag in /metrics', async () => {
    const text = await (await t.fetch('/metrics')).text();
    expect(text).toMatch(/^ws_connections \d+/m);
    expect(text).toMatch(/^ws_subscriptions \d+/m);
    expect(text).toMatch(/^events_delivered_total\{type="ComplaintCreated"\} [1-9]\d*/m);
    expect(text).toMatch(/^event_delivery_lag_seconds_count [1-9]\d*/m);
    // One lag observation per delivery: a cohort's round counts all its members' at once.
    const delivered = [...text.matchAll(/^events_delivered_total\{type="[^"]+"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(Number(/^event_delivery_lag_seconds_count (\d+)/m.exec(text)?.[1])).toBe(delivered);
    expect(Number(/^event_delivery_lag_seconds_bucket\{le="\+Inf"\} (\d+)/m.exec(text)?.[1])).toBe(delivered);
  });
});

const ALERTS = `subscription($filter: SlaAlertFilter, $after: String) { slaAlert(filter: $filter, after: $after) { cursor alert { id level clock complaint { id } } } }`;

/** A policy that breaches within a second: suggestions on design, acceptance in 1 s. */
async function fastPolicy() {
  const r = await t.gql(
    `mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id } } }`,
    { input: { name: '测试: 1 秒受理', priority: 100, match: { kinds: ['SUGGESTION'], categories: ['DESIGN'] }, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1S', workingTime: false, warnAt: 0.5 }] } },
    'ADMIN',
  );
  expect(r.errors).toBeUndefined();
}

describe('slaAlert', () => {
  it('pushes WARNING then BREACHED as the scheduler fires them, filtered by level', async () => {
    await fastPolicy();
    const fx = await complaintFixture(t);
    const before = t.app.events.size;
    const all = connect(await t.token('MANAGER', { sub: 'ws-alerts' })).subscribe(ALERTS, { filter: { projectIds: [fx.project.id] } });
    const breachedOnly = connect(await t.token('AGENT', { sub: 'ws-alerts-2' })).subscribe(ALERTS, { filter: { projectIds: [fx.project.id], levels: ['BREACHED'] } });
    await untilLive(before, 2);
    const c = await newComplaint(fx, { kind: 'SUGGESTION', category: 'DESIGN' });
    const first = (await all.next()).data.slaAlert;
    const second = (await all.next()).data.slaAlert;
    expect([first.alert.level, second.alert.level]).toEqual(['WARNING', 'BREACHED']);
    expect(first.alert.complaint.id).toBe(c.id);
    expect((await breachedOnly.next()).data.slaAlert.alert).toMatchObject({ level: 'BREACHED', clock: 'ACCEPTANCE', complaint: { id: c.id } });
  });
});

describe.skipIf(dbKind !== 'postgres')('across two instances on one PostgreSQL', () => {
  let b: App;
  let bUrl: string;
  const stopB: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    // Instance B: same database, its own pool, listener and hub; no scheduler (A fires).
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', SLA_SCHEDULER: 'off', EVENTS_POLL_MS: '5000' });
    const database = openPostgres(t.databaseUrl!, { max: 3 });
    b = await createApp({ config, database, logger: createLogger('silent') });
    const port = await b.listen(0, '127.0.0.1');
    bUrl = `http://127.0.0.1:${port}`;
    stopB.push(() => b.close(), () => database.close());
  });
  afterAll(async () => {
    for (const s of stopB) await s();
  });

  it('delivers once on B what was written on A, and a BREACHED alert fired by A’s scheduler', async () => {
    await fastPolicy();
    const fx = await complaintFixture(t);
    const onB = wsClient({ url: bUrl }, await t.token('ADMIN', { sub: 'ws-b' }));
    clients.push(onB);
    const before = b.events.size;
    const created = onB.subscribe(CREATED, { filter: { projectIds: [fx.project.id] } });
    const alerts = onB.subscribe(ALERTS, { filter: { projectIds: [fx.project.id], levels: ['BREACHED'] } });
    for (let i = 0; i < 500 && b.events.size < before + 2; i++) await new Promise((r) => setTimeout(r, 10));
    const c1 = await newComplaint(fx);
    const c2 = await newComplaint(fx, { kind: 'SUGGESTION', category: 'DESIGN' });
    // In order and once each: c1, then c2 (not c1 again).
    expect((await created.next()).data.complaintCreated.complaint.id).toBe(c1.id);
    expect((await created.next()).data.complaintCreated.complaint.id).toBe(c2.id);
    expect((await alerts.next()).data.slaAlert.alert).toMatchObject({ level: 'BREACHED', complaint: { id: c2.id } });
  });

  it('numbers every event once, contiguously, with sequencers racing on several connections while events commit', async () => {
    const fx = await complaintFixture(t);
    const db = t.database.db;
    const lastSeq = async () => Number(rowsOf<{ last: string }>(await db.execute(sql`select last from event_sequence where id = 1`))[0]!.last);
    const start = await lastSeq();
    const sequencers = Array.from({ length: 4 }, () => openPostgres(t.databaseUrl!, { max: 1 }));
    const writers = Array.from({ length: 4 }, () => openPostgres(t.databaseUrl!, { max: 1 }));
    try {
      let writing = true;
      const stamped: number[] = [];
      const race = sequencers.map(async (d) => {
        const log = new EventLog(d.db);
        while (writing) {
          const got = await log.sequence(7); // small batches: many stamping steps interleave with the commits
          if (got.length) stamped.push(got.length);
          // What one step returns is what it stamped: contiguous, in order.
          expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => got[0]!.seq + i));
        }
      });
      await Promise.all(
        writers.map(async (w, k) => {
          for (let i = 0; i < 40; i++) {
            await w.db.execute(
              sql`insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload) values ('ComplaintUpdated', 'Complaint', ${dbId(fx.project.id)}, ${dbId(fx.project.id)}, ${JSON.stringify({ action: `race-${k}-${i}` })}::jsonb)`,
            );
          }
        }),
      );
      writing = false;
      await Promise.all(race);
      // Whatever committed last is stamped by one more step.
      while ((await new EventLog(sequencers[0]!.db).sequence(1_000)).length);
      const [r] = rowsOf<{ n: string; distinct: string; lo: string; hi: string; unstamped: string; mine: string }>(
        await db.execute(sql`select count(*) as n, count(distinct seq) as distinct, min(seq) as lo, max(seq) as hi,
          (select count(*) from domain_events where seq is null) as unstamped,
          count(*) filter (where payload->>'action' like 'race-%') as mine
          from domain_events where seq > ${start}`),
      );
      expect(Number(r!.unstamped)).toBe(0);
      expect(Number(r!.mine)).toBe(160);
      expect(Number(r!.distinct)).toBe(Number(r!.n));
      expect([Number(r!.lo), Number(r!.hi)]).toEqual([start + 1, start + Number(r!.n)]);
      expect(stamped.length).toBeGreaterThan(1); // the sequencers did take turns
      expect(await lastSeq()).toBe(Number(r!.hi));
    } finally {
      await Promise.all([...sequencers, ...writers].map((d) => d.close()));
    }
  });
});

describe('the event sequencer', () => {
  it('returns the events it stamped as a read of the log returns them, so the instance that stamped them can pass them on without a read', async () => {
    const fx = await complaintFixture(t);
    const payload = { action: 'sequenced', note: '引号 " and \\ kept', nested: { n: 1.5, list: [1, null, true] } };
    // Inserted and stamped in one transaction: no other sequencer can see the event before it is stamped.
    const stamped = await t.database.db.transaction(async (tx) => {
      await tx.execute(
        sql`insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload, at) values ('ComplaintUpdated', 'Complaint', 42, ${dbId(fx.project.id)}, ${JSON.stringify(payload)}::jsonb, '2026-03-04T05:06:07.089Z')`,
      );
      for (let i = 0; i < 200; i++) {
        const got = await new EventLog(tx as unknown as Db).sequence(1_000);
        if (got.length) return got; // else another sequencer held the lock a moment
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the sequence lock was never free');
    });
    const mine = stamped.find((e) => e.payload.action === 'sequenced')!;
    expect(mine).toEqual({ seq: expect.any(Number), type: 'ComplaintUpdated', aggregateType: 'Complaint', aggregateId: 42, projectId: dbId(fx.project.id), payload, at: new Date('2026-03-04T05:06:07.089Z') });
    expect(await new EventLog(t.database.db).read(stamped[0]!.seq - 1, stamped.length)).toEqual(stamped);
  });
});

describe('fan-out cost', () => {
  let quiet: TestApp;
  beforeAll(async () => {
    // No scheduler and no polling: only this test's work issues statements.
    quiet = await startTestApp({ env: { SLA_SCHEDULER: 'off', EVENTS_POLL_MS: '600000' } });
  });
  afterAll(() => quiet?.close());

  type Subscriber = { token: string; selection: string; filter: Record<string, unknown> };

  /** SQL statements from creating one complaint until every subscriber (each over a connection of its own) has it. */
  async function statementsFor(fx: Awaited<ReturnType<typeof complaintFixture>>, subscribers: Subscriber[]): Promise<number> {
    const before = quiet.app.events.size;
    const subs = subscribers.map((s) => connect2(s.token).subscribe(`subscription($f: ComplaintFilter) { complaintCreated(filter: $f) { cursor complaint { ${s.selection} } } }`, { f: s.filter }));
    for (let i = 0; i < 500 && quiet.app.events.size < before + subs.length; i++) await new Promise((r) => setTimeout(r, 10));
    const start = quiet.database.stats.queries;
    const r = await quiet.gql(
      CREATE_COMPLAINT + ' fragment C on Complaint { id }',
      { input: { customerId: fx.customerId, projectId: fx.project.id, kind: 'COMPLAINT', category: 'SERVICE_ATTITUDE', channel: 'VISIT', description: '前台态度' } },
      'ADMIN',
    );
    expect(r.errors).toBeUndefined();
    const got = await Promise.all(subs.map((s) => s.next()));
    expect(got.every((g) => g.data.complaintCreated.complaint.id === r.data.createComplaint.complaint.id)).toBe(true);
    expect(got.every((g) => JSON.stringify(g) === JSON.stringify(got[0]))).toBe(true);
    const statements = quiet.database.stats.queries - start;
    await Promise.all(subs.map((s) => s.stop()));
    // Released (so that the next measurement's wait for its own streams is exact).
    for (let i = 0; i < 500 && quiet.app.events.size > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(quiet.app.events.size).toBe(before);
    return statements;
  }

  /** `n` MANAGERs of the whole group (they see alike) selecting `selection` of the fixture's project. */
  async function alike(n: number, fx: Awaited<ReturnType<typeof complaintFixture>>, selection: string): Promise<Subscriber[]> {
    const tokens = await Promise.all(Array.from({ length: n }, (_, i) => quiet.token('MANAGER', { sub: `fan-${n}-${i}-${selection.length}` })));
    return tokens.map((token) => ({ token, selection, filter: { projectIds: [fx.project.id] } }));
  }

  it('checks an event once for subscribers who see alike: 20 dashboards cost the statements of 1', async () => {
    const fx = await complaintFixture(quiet);
    const one = await statementsFor(fx, await alike(1, fx, 'id number status'));
    const twenty = await statementsFor(fx, await alike(20, fx, 'id number status'));
    // Per-subscriber checks would add a statement or more for each of the 19 more dashboards;
    // background work (a sequencer or reader wake-up) may add one either way.
    expect(twenty).toBeLessThanOrEqual(one + 2);
  });

  it('executes a document once per event for subscribers who see alike: nested objects cost the statements of 1 dashboard', async () => {
    const fx = await complaintFixture(quiet);
    const selection = 'id number customer { name phone } project { name cityCompany { name } } clocks { clock dueAt remaining } timeline { type }';
    const one = await statementsFor(fx, await alike(1, fx, selection));
    const twenty = await statementsFor(fx, await alike(20, fx, selection));
    expect(one).toBeGreaterThanOrEqual(4); // the nested loads happen …
    expect(twenty).toBeLessThanOrEqual(one + 2); // … once, not once per dashboard
  });

  it('sends an event to alike subscribers who wait for it in one pass of their cohort, not through each one’s own chain', async () => {
    const fx = await complaintFixture(quiet);
    const metric = async (pattern: RegExp) => Number((await (await quiet.fetch('/metrics')).text()).match(pattern)?.[1] ?? 0);
    const shared = () => metric(/^events_delivered_shared_total (\d+)$/m);
    const flushes = () => metric(/^event_round_seconds_count\{stage="flush"\} (\d+)$/m);
    const prepares = () => metric(/^event_round_seconds_count\{stage="prepare"\} (\d+)$/m);
    const taken = () => metric(/^event_log_lag_seconds_count (\d+)$/m);
    const before = { shared: await shared(), flushes: await flushes(), prepares: await prepares(), taken: await taken() };
    await statementsFor(fx, await alike(5, fx, 'id number status'));
    expect((await shared()) - before.shared).toBe(5);
    // The stages of the delivery lag: the log's lag once per event taken, each round's preparation and flush.
    expect((await taken()) - before.taken).toBeGreaterThanOrEqual(1);
    expect((await flushes()) - before.flushes).toBeGreaterThanOrEqual(1);
    expect((await prepares()) - before.prepares).toBe((await flushes()) - before.flushes);
  });

  it('passes on what its own sequencer stamped without reading the log: one sequencing statement from commit to delivery', async () => {
    const fx = await complaintFixture(quiet);
    const log = quiet.app.events.log;
    await statementsFor(fx, await alike(1, fx, 'id')); // the hub is started (its first look at the log)
    await new Promise((r) => setTimeout(r, 200));
    const before = { ...log.stats };
    await statementsFor(fx, await alike(3, fx, 'id'));
    // Let a late notification do whatever it would.
    await new Promise((r) => setTimeout(r, 200));
    // One stamping statement and no read: a notification that arrives before the stamping
    // statement's answer (on PostgreSQL it can) waits for that answer instead of reading.
    expect({ statements: log.stats.statements - before.statements, reads: log.stats.reads - before.reads }).toEqual({ statements: 1, reads: 0 });
  });

  it('resolves a scope claim once for subscribers who hold it, whatever their filters', async () => {
    const fx = await complaintFixture(quiet);
    const categories = ['SERVICE_ATTITUDE', 'OTHER', 'DESIGN', 'SALES_PROMISE', 'PROPERTY_MANAGEMENT', 'ENGINEERING_QUALITY'];
    /** `n` AGENTs scoped to the project, each with a filter of its own (so a check of its own), all matching the complaint. */
    const scoped = (n: number) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => ({
          token: await quiet.token('AGENT', { sub: `scoped-${n}-${i}`, scope: [fx.project.id] }),
          selection: 'id',
          filter: { projectIds: [fx.project.id], categories: ['SERVICE_ATTITUDE', ...categories.slice(1, 1 + (i % 6))], ...(i >= 6 ? { kinds: ['COMPLAINT'] } : {}) },
        })),
      );
    const one = await statementsFor(fx, await scoped(1));
    const eleven = await statementsFor(fx, await scoped(11));
    // About one check more per further filter (ten); resolving the scope again for each would add ten more.
    expect(eleven).toBeLessThanOrEqual(one + 14);
  });

  it('does not share an execution that depends on who the subscriber is (assignedToMe under a nested field)', async () => {
    const fx = await complaintFixture(quiet);
    const tokenA = await quiet.token('MANAGER', { sub: 'fan-me-a' });
    const tokenB = await quiet.token('MANAGER', { sub: 'fan-me-b' });
    const doc = `subscription($f: ComplaintFilter) { complaintCreated(filter: $f) { complaint { id customer { complaints(filter: { assignedToMe: true }) { totalCount } } } } }`;
    const before = quiet.app.events.size;
    const [a, b] = [connect2(tokenA), connect2(tokenB)];
    const subA = a.subscribe(doc, { f: { projectIds: [fx.project.id] } });
    const subB = b.subscribe(doc, { f: { projectIds: [fx.project.id] } });
    for (let i = 0; i < 500 && quiet.app.events.size < before + 2; i++) await new Promise((r) => setTimeout(r, 10));
    // A takes the call: A is its first responder.
    const r = await quiet.gql(
      CREATE_COMPLAINT + ' fragment C on Complaint { id }',
      { input: { customerId: fx.customerId, projectId: fx.project.id, kind: 'COMPLAINT', category: 'SERVICE_ATTITUDE', channel: 'VISIT', description: '前台态度' } },
      tokenA,
    );
    expect(r.errors).toBeUndefined();
    const [gotA, gotB] = await Promise.all([subA.next(), subB.next()]);
    expect(gotA.data.complaintCreated.complaint.customer.complaints.totalCount).toBe(1);
    expect(gotB.data.complaintCreated.complaint.customer.complaints.totalCount).toBe(0);
  });

  const connect2 = (token: string) => {
    const c = wsClient(quiet, token);
    clients.push(c);
    return c;
  };
});

