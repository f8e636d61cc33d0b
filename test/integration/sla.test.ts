import { and, count, eq, gte, inArray, lt } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/client.js';
import { businessCalendarDays, businessCalendarYears, domainEvents, slaAlerts, slaPolicies } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/logger.js';
import { SlaScheduler } from '../../src/sla/scheduler.js';
import { COMPLAINT_FIELDS, CREATE_COMPLAINT, complaintFixture, dbId, firedIn, projectAlertCount, step, testClock } from '../helpers/complaints.js';
import { unique } from '../helpers/factories.js';
import postgres from 'postgres';
import { codeOf, dbKind, startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
// Every test starts at Wednesday 2026-11-25 10:00 Shanghai (reset before each test).
const time = testClock('2026-11-25T02:00:00.000Z');

let t: TestApp;
/** The running test's own org, project and customer: new for every test. */
let fx: Awaited<ReturnType<typeof complaintFixture>>;
let agent: string;

const ALERTS = `query($f: SlaAlertFilter, $first: Int) { slaAlerts(filter: $f, first: $first) { totalCount edges { node { id level clock dueAt firedAt late escalatedTo acknowledgedAt acknowledgedBy { login } complaint { id number } project { id } } } } }`;

async function newComplaint(over: Record<string, unknown> = {}) {
  const r = await t.gql(
    `${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`,
    {
      input: {
        customerId: fx.customerId,
        projectId: fx.project.id,
        kind: 'COMPLAINT',
        category: 'SERVICE_ATTITUDE',
        channel: 'PHONE',
        description: '客服态度差',
        ...over,
      },
    },
    agent,
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.createComplaint.complaint;
}

const complaintById = async (id: string) =>
  (await t.gql(`query($id: ID!) { complaint(id: $id) { ...C } } ${COMPLAINT_FIELDS}`, { id }, agent)).data.complaint;

function scheduler(database: Database, lateAfterMs = 5_000) {
  return new SlaScheduler(database, { now: time.now, logger: createLogger('silent'), lateAfterMs, pollMaxMs: 60_000, batchSize: 7 });
}

// One app per file (starting one costs ~0.5 s); what tests share is stateless (tokens) or reset here.
// Scheduler ticks fire every due clock in the database, other tests' complaints included: tests
// count and list the alerts of their own project (`firedIn`, `projectIds`), never all of them.
beforeAll(async () => {
  t = await startTestApp({ clock: time.now, env: { SLA_SCHEDULER: 'off' } });
  agent = await t.token('AGENT', { sub: 'agent.chen' });
});
beforeEach(async () => {
  time.reset();
  fx = await complaintFixture(t);
});
afterAll(() => t?.close());

describe('SLA alerts', () => {
  it('fires WARNING at 80% and BREACHED at the target, each once, on the timeline and in the event log', async () => {
    const c = await newComplaint();
    const s = t.app.scheduler;
    const tick = async () => {
      const r = await firedIn(t, fx.project.id, () => s.tick());
      expect(r.reported).toBeGreaterThanOrEqual(r.own);
      return r.own;
    };
    expect(await tick()).toBe(0);
    time.advance(7.2 * HOUR - 1000); // just before 80% of 9 working hours
    expect(await tick()).toBe(0);
    time.advance(1000);
    expect(await tick()).toBe(1);
    // Once: a second tick at the same instant fires nothing, for anyone.
    expect(await s.tick()).toBe(0);
    let view = await complaintById(c.id);
    expect(view.alerts.map((a: any) => [a.level, a.clock, a.dueAt, a.late])).toEqual([['WARNING', 'ACCEPTANCE', time.now().toISOString(), false]]);
    expect(view.timeline.filter((e: any) => e.type === 'ALERT_FIRED').map((e: any) => e.data.level)).toEqual(['WARNING']);
    time.advance(24 * HOUR); // well past the acceptance deadline (Thursday 10:00)
    expect(await tick()).toBe(1);
    view = await complaintById(c.id);
    expect(view.alerts.map((a: any) => a.level)).toEqual(['WARNING', 'BREACHED']);
    expect(view.alerts[1]).toMatchObject({ dueAt: '2026-11-26T02:00:00.000Z', late: true });
    const breached = view.clocks.find((k: any) => k.clock === 'ACCEPTANCE');
    expect(breached).toMatchObject({ breached: true });
    expect(breached.remaining.startsWith('-')).toBe(true);
    const events = await t.database.db
      .select({ n: count() })
      .from(domainEvents)
      .where(and(eq(domainEvents.type, 'SlaAlertFired'), eq(domainEvents.projectId, dbId(fx.project.id))));
    expect(events[0]!.n).toBe(2);
  });

  it('escalates a MAJOR breach one level up (the city company)', async () => {
    const c = await newComplaint({ severity: 'MAJOR', majorReason: 'REFUND_DEMAND' });
    time.advance(25 * HOUR);
    await t.app.scheduler.tick();
    const view = await complaintById(c.id);
    const escalated = view.alerts.filter((a: any) => a.level === 'ESCALATED');
    expect(escalated.map((a: any) => a.clock).sort()).toEqual(['ACCEPTANCE', 'ESCALATION_REPORT']);
    expect(escalated.every((a: any) => a.escalatedTo === fx.org.szId)).toBe(true);
  });

  it('does not alert on stopped or paused clocks', async () => {
    const c = await newComplaint();
    await step(t, 'acceptComplaint', { complaintId: c.id, department: 'CUSTOMER_SERVICE' }, agent);
    const p = await newComplaint();
    await step(t, 'pauseComplaintSla', { complaintId: p.id, note: '等待业主回复' }, agent);
    time.advance(30 * HOUR);
    await t.app.scheduler.tick();
    expect((await complaintById(c.id)).alerts.filter((a: any) => a.clock === 'ACCEPTANCE')).toEqual([]);
    expect((await complaintById(p.id)).alerts).toEqual([]);
  });

  it('lists alerts with filters, scoped, and acknowledges each once', async () => {
    const plain = await newComplaint();
    const major = await newComplaint({ severity: 'MAJOR', majorReason: 'REFUND_DEMAND' });
    time.advance(25 * HOUR); // Thursday 11:00: past acceptance (Thursday 10:00) and the 24 h escalation report
    await t.app.scheduler.tick();
    const mine = { projectIds: [fx.project.id] };
    const all = await t.gql(ALERTS, { f: mine, first: 200 }, agent);
    // plain: WARNING and BREACHED on acceptance; major: those and ESCALATED, on acceptance and on the escalation report.
    expect(all.data.slaAlerts.totalCount).toBe(8);
    expect(all.data.slaAlerts.edges.every((e: any) => e.node.project.id === fx.project.id)).toBe(true);
    const breached = await t.gql(ALERTS, { f: { ...mine, levels: ['BREACHED'], clocks: ['ACCEPTANCE'], acknowledged: false } }, agent);
    expect(breached.data.slaAlerts.edges.every((e: any) => e.node.level === 'BREACHED' && e.node.clock === 'ACCEPTANCE')).toBe(true);
    expect(breached.data.slaAlerts.edges.map((e: any) => e.node.complaint.id).sort()).toEqual([plain.id, major.id].sort());
    const alert = breached.data.slaAlerts.edges[0].node;
    const ACK = `mutation($input: AcknowledgeSlaAlertInput!) { acknowledgeSlaAlert(input: $input) { alert { id acknowledgedAt acknowledgedBy { login } } } }`;
    const ack = await t.gql(ACK, { input: { alertId: alert.id } }, await t.token('MANAGER', { sub: 'duty.manager' }));
    expect(ack.data.acknowledgeSlaAlert.alert).toMatchObject({ id: alert.id, acknowledgedBy: { login: 'duty.manager' }, acknowledgedAt: time.now().toISOString() });
    expect(codeOf(await t.gql(ACK, { input: { alertId: alert.id } }, agent))).toBe('CONFLICT');
    expect(codeOf(await t.gql(ACK, { input: { alertId: alert.id } }, await t.token('ANALYST')))).toBe('FORBIDDEN');
    const acked = await t.gql(ALERTS, { f: { ...mine, acknowledged: true } }, agent);
    expect(acked.data.slaAlerts.edges.map((e: any) => e.node.id)).toEqual([alert.id]);
    expect((await t.gql(ALERTS, { f: { ...mine, acknowledged: false } }, agent)).data.slaAlerts.totalCount).toBe(7);
    // This test's other city company has no projects: a manager scoped to it sees no alert at all.
    const elsewhere = await t.token('MANAGER', { scope: [fx.org.shId] });
    expect((await t.gql(ALERTS, {}, elsewhere)).data.slaAlerts.totalCount).toBe(0);
    expect((await t.gql(ALERTS, { f: mine }, elsewhere)).data.slaAlerts.totalCount).toBe(0);
    expect(codeOf(await t.gql(ACK, { input: { alertId: alert.id } }, elsewhere))).toBe('NOT_FOUND');
  });

  it('fires each alert exactly once with two scheduler instances on the same database', async () => {
    time.set('2026-12-07T02:00:00.000Z'); // Monday 10:00 Shanghai
    const created = [];
    for (let i = 0; i < 15; i++) created.push(await newComplaint());
    time.advance(5 * 24 * HOUR); // past acceptance (1 working day), before the resolution warning (5.6 days)
    let second: Database = t.database;
    if (t.databaseUrl) second = openPostgres(t.databaseUrl, { max: 3 });
    try {
      const a = scheduler(t.database);
      const b = scheduler(second);
      // Other tests' clocks that fell due by now fire in these ticks too (each once): the two
      // reports must add up to every alert inserted, and this test's complaints must get theirs.
      const allBefore = await t.database.db.$count(slaAlerts);
      const { own, reported } = await firedIn(t, fx.project.id, async () => {
        const [x, y] = await Promise.all([a.tick(), b.tick()]);
        return x + y;
      });
      // 15 complaints × (WARNING + BREACHED) on the acceptance clock, split between the two.
      expect(own).toBe(30);
      expect(reported).toBe((await t.database.db.$count(slaAlerts)) - allBefore);
      expect(await a.tick()).toBe(0);
      expect(await b.tick()).toBe(0);
      for (const c of created) {
        const view = await complaintById(c.id);
        expect(view.alerts.map((al: any) => al.level).sort()).toEqual(['BREACHED', 'WARNING']);
      }
    } finally {
      if (second !== t.database) await second.close();
    }
  });

  it('fires alerts that fell due while no scheduler ran at start-up, marked late, without repeating fired ones', async () => {
    time.set('2026-12-21T02:00:00.000Z'); // Monday 10:00 Shanghai
    const c = await newComplaint();
    time.advance(7.2 * HOUR); // WARNING due (80% of 9 working hours): on time for the running instance
    const first = scheduler(t.database, 60_000);
    const fired = await firedIn(t, fx.project.id, () => first.tick());
    expect(fired.own).toBe(1);
    expect(fired.reported).toBeGreaterThanOrEqual(1);
    const before = await projectAlertCount(t, fx.project.id);
    // "Server down" for a week: the breach falls due meanwhile.
    time.advance(7 * 24 * HOUR);
    const restarted = scheduler(t.database, 60_000);
    await restarted.start();
    await new Promise((r) => setTimeout(r, 200));
    await restarted.stop();
    const view = await complaintById(c.id);
    const byLevel = Object.fromEntries(view.alerts.map((a: any) => [`${a.clock}:${a.level}`, a]));
    expect(byLevel['ACCEPTANCE:WARNING'].late).toBe(false);
    expect(byLevel['ACCEPTANCE:BREACHED'].late).toBe(true);
    expect(byLevel['RESOLUTION:BREACHED'].late).toBe(true);
    expect(view.alerts.filter((a: any) => a.clock === 'ACCEPTANCE' && a.level === 'WARNING')).toHaveLength(1);
    expect(await projectAlertCount(t, fx.project.id)).toBeGreaterThan(before);
  });
});

describe('SLA policies', () => {
  const UPSERT = `mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id name priority match { kinds categories severities } clocks { clock target workingTime warnAt } } } }`;

  it('lists the seeded default policies', async () => {
    const r = await t.gql(`{ slaPolicies { name active clocks { clock target workingTime warnAt } } }`, {}, agent);
    const def = r.data.slaPolicies.find((p: any) => p.name.startsWith('默认'));
    expect(def.clocks).toEqual(
      expect.arrayContaining([
        { clock: 'ACCEPTANCE', target: 'P1D', workingTime: true, warnAt: 0.8 },
        { clock: 'RESOLUTION', target: 'P7D', workingTime: false, warnAt: 0.8 },
        { clock: 'RETURN_VISIT', target: 'P3D', workingTime: true, warnAt: 0.8 },
        { clock: 'REPAIR_VISIT', target: 'PT10M', workingTime: false, warnAt: 0.8 },
        { clock: 'ESCALATION_REPORT', target: 'PT24H', workingTime: false, warnAt: 0.8 },
      ]),
    );
  });

  it('validates policies and lets only ADMIN save them', async () => {
    const input = { name: '设计类', match: { categories: ['DESIGN'] }, clocks: [{ clock: 'RESOLUTION', target: 'P14D' }] };
    expect(codeOf(await t.gql(UPSERT, { input }, agent))).toBe('FORBIDDEN');
    const bad: [object, string][] = [
      [{ clocks: [{ clock: 'RESOLUTION', target: 'P1M' }] }, 'input.clocks.0.target'],
      [{ clocks: [{ clock: 'RESOLUTION', target: 'soon' }] }, 'input.clocks.0.target'],
      [{ clocks: [{ clock: 'RESOLUTION', target: 'P1D', warnAt: 1.5 }] }, 'input.clocks.0.warnAt'],
      [{ clocks: [] }, 'input.clocks'],
      [{ clocks: [{ clock: 'RESOLUTION', target: 'P1D' }, { clock: 'RESOLUTION', target: 'P2D' }] }, 'input.clocks'],
      [{ name: '' }, 'input.name'],
    ];
    for (const [over, field] of bad) {
      const r = await t.gql(UPSERT, { input: { ...input, ...over } }, 'ADMIN');
      expect(r.errors?.[0]?.extensions, JSON.stringify(over)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('applies the most specific policy to complaints received after it is saved; existing clocks keep their targets', async () => {
    // Policies apply to every complaint in the database: unique names, and switched off again
    // at the end, so no other test's complaints get them.
    const n = unique();
    const design = `设计类投诉 ${n}`;
    const complaintsPolicy = `投诉类 ${n}`;
    try {
      const before = await newComplaint({ category: 'DESIGN' });
      const r = await t.gql(
        UPSERT,
        { input: { name: design, match: { categories: ['DESIGN'], kinds: ['COMPLAINT'] }, clocks: [{ clock: 'ACCEPTANCE', target: 'PT4H', workingTime: true }, { clock: 'RESOLUTION', target: 'P14D' }] } },
        'ADMIN',
      );
      expect(r.errors).toBeUndefined();
      const after = await newComplaint({ category: 'DESIGN' });
      const other = await newComplaint({ category: 'OTHER' });
      const target = (c: any, k: string) => c.clocks.find((x: any) => x.clock === k)?.target;
      expect(target(after, 'ACCEPTANCE')).toBe('PT4H');
      expect(target(after, 'RESOLUTION')).toBe('P14D');
      expect(target(other, 'ACCEPTANCE')).toBe('P1D');
      expect(target(await complaintById(before.id), 'ACCEPTANCE')).toBe('P1D');
      // A less specific policy with a higher priority does not beat a more specific one.
      const broad = await t.gql(UPSERT, { input: { name: complaintsPolicy, match: { kinds: ['COMPLAINT'] }, priority: 100, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1H' }] } }, 'ADMIN');
      expect(broad.errors).toBeUndefined();
      expect(target(await newComplaint({ category: 'DESIGN' }), 'ACCEPTANCE')).toBe('PT4H');
      expect(target(await newComplaint({ category: 'OTHER' }), 'ACCEPTANCE')).toBe('PT1H');
      // Saving again by name replaces it.
      const off = await t.gql(UPSERT, { input: { name: complaintsPolicy, match: { kinds: ['COMPLAINT'] }, active: false, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1H' }] } }, 'ADMIN');
      expect(off.data.upsertSlaPolicy.policy.id).toBe(broad.data.upsertSlaPolicy.policy.id);
      expect(target(await newComplaint({ category: 'OTHER' }), 'ACCEPTANCE')).toBe('P1D');
    } finally {
      await t.database.db.update(slaPolicies).set({ active: false }).where(inArray(slaPolicies.name, [design, complaintsPolicy]));
    }
  });
});

describe('business calendar', () => {
  const YEAR = `query($y: Int!) { businessCalendar(year: $y) { year scheduleLoaded warning timeZone workingHours days { date kind name } } }`;
  const UPSERT = `mutation($input: UpsertBusinessCalendarYearInput!) { upsertBusinessCalendarYear(input: $input) { calendar { year scheduleLoaded warning days { date kind } } } }`;

  it('has 2025 and 2026 as published, and says when a year is missing', async () => {
    const y26 = (await t.gql(YEAR, { y: 2026 }, agent)).data.businessCalendar;
    expect(y26).toMatchObject({ scheduleLoaded: true, warning: null, timeZone: 'Asia/Shanghai', workingHours: '09:00-18:00' });
    expect(y26.days).toEqual(expect.arrayContaining([{ date: '2026-02-16', kind: 'HOLIDAY', name: expect.stringContaining('春节') }]));
    const y27 = (await t.gql(YEAR, { y: 2027 }, agent)).data.businessCalendar;
    expect(y27.scheduleLoaded).toBe(false);
    expect(y27.warning).toMatch(/2027/);
    expect(codeOf(await t.gql(YEAR, { y: 1900 }, agent))).toBe('BAD_USER_INPUT');
  });

  it('lets ADMIN add next year; new working-time deadlines respect it', async () => {
    const input = { year: 2027, holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], workdays: ['2027-01-09'], source: 'test notice' };
    try {
      expect(codeOf(await t.gql(UPSERT, { input }, agent))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(UPSERT, { input: { ...input, workdays: ['2026-05-01'] } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
      expect(codeOf(await t.gql(UPSERT, { input: { ...input, holidays: [{ name: 'x', from: '2027-02-10', to: '2027-02-01' }] } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
      const r = await t.gql(UPSERT, { input }, 'ADMIN');
      expect(r.data.upsertBusinessCalendarYear.calendar).toMatchObject({ year: 2027, scheduleLoaded: true, warning: null });
      // Thursday 2026-12-31 17:00 Shanghai + 1 working day: Friday 1 Jan 2027 is now a holiday → Monday 4 Jan 17:00.
      time.set('2026-12-31T09:00:00.000Z');
      const c = await newComplaint();
      expect(c.clocks.find((k: any) => k.clock === 'ACCEPTANCE').dueAt).toBe('2027-01-04T09:00:00.000Z');
    } finally {
      // The calendar is one for the whole database: take 2027 out again, so it stays missing for
      // every other test (and the app's cached calendar with it).
      const db = t.database.db;
      await db.delete(businessCalendarDays).where(and(gte(businessCalendarDays.day, '2027-01-01'), lt(businessCalendarDays.day, '2028-01-01')));
      await db.delete(businessCalendarYears).where(eq(businessCalendarYears.year, 2027));
      t.app.sla.calendars.invalidate();
    }
  });
});

describe('live scheduler', () => {
  /** Saves a policy whose ACCEPTANCE clock for OTHER complaints runs `target` (warning at half). */
  const fastPolicy = async (app: TestApp, name: string, target: string) => {
    const p = await app.gql(
      `mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id } } }`,
      { input: { name, match: { categories: ['OTHER'] }, clocks: [{ clock: 'ACCEPTANCE', target, warnAt: 0.5 }] } },
      'ADMIN',
    );
    expect(p.errors).toBeUndefined();
  };
  /** An inquiry of the fixture's customer, received by an AGENT. */
  const inquiry = (app: TestApp, lfx: Awaited<ReturnType<typeof complaintFixture>>, category = 'OTHER') =>
    app.gql(`${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`, { input: { customerId: lfx.customerId, projectId: lfx.project.id, kind: 'INQUIRY', category, channel: 'WECHAT', description: '咨询' } }, 'AGENT');

  it('fires an alert on its own, without a manual tick', async () => {
    const live = await startTestApp();
    try {
      const lfx = await complaintFixture(live);
      await fastPolicy(live, 'fast', 'PT1S');
      const r = await inquiry(live, lfx);
      const id = r.data.createComplaint.complaint.id;
      let levels: string[] = [];
      for (let i = 0; i < 100 && levels.length < 2; i++) {
        await new Promise((res) => setTimeout(res, 100));
        const v = await live.gql(`query($id: ID!) { complaint(id: $id) { alerts { level } } }`, { id }, 'ADMIN');
        levels = v.data.complaint.alerts.map((a: any) => a.level);
      }
      expect(levels).toEqual(['WARNING', 'BREACHED']);
      const metrics = await (await live.fetch('/metrics')).text();
      expect(metrics).toMatch(/sla_alerts_fired_total\{level="BREACHED"\} 1/);
      expect(metrics).toContain('sla_alert_lateness_seconds_bucket');
    } finally {
      await live.close();
    }
  });

  it('wakes the scheduler for a new complaint only when its clocks fall due before the next planned cycle', async () => {
    const live = await startTestApp({ env: { SLA_POLL_MAX_MS: '60000' } });
    try {
      const lfx = await complaintFixture(live);
      await fastPolicy(live, 'fast', 'PT2S');
      await live.settle();
      const intake = async (category: string) => {
        const r = await inquiry(live, lfx, category);
        expect(r.errors).toBeUndefined();
        await live.settle();
      };
      // The default policy's clocks fall due in hours, after the sleep planned (at most a
      // minute): the scheduler does not re-plan for them.
      const ticks = live.app.scheduler.stats.ticks;
      await intake('DESIGN');
      expect(live.app.scheduler.stats.ticks).toBe(ticks);
      // A warning due in a second comes before it: the scheduler re-plans at once.
      await intake('OTHER');
      expect(live.app.scheduler.stats.ticks).toBeGreaterThan(ticks);
    } finally {
      await live.close();
    }
  });

  it.skipIf(dbKind !== 'postgres')('tells the other instances of a new complaint only when its clocks fall due before any of them looks anyway', async () => {
    // An app whose scheduler runs (it looks at least once a minute here).
    const live = await startTestApp({ env: { SLA_POLL_MAX_MS: '60000' } });
    const listener = postgres(live.databaseUrl!, { max: 1, onnotice: () => {} });
    const other = openPostgres(live.databaseUrl!, { max: 1 });
    const heard: string[] = [];
    try {
      await listener.listen('cx_sla_wakeup', (payload) => heard.push(payload));
      const lfx = await complaintFixture(live);
      await fastPolicy(live, 'fast', 'PT2S');
      const told = async (app: TestApp, category: string) => {
        const before = heard.length;
        const r = await inquiry(app, lfx, category);
        expect(r.errors).toBeUndefined();
        await app.settle();
        await new Promise((res) => setTimeout(res, 200)); // the NOTIFY is sent after the answer
        return heard.length - before;
      };
      // Clocks due in hours: the running scheduler looks within the minute anyway.
      expect(await told(live, 'DESIGN')).toBe(0);
      // A warning due in a second: the others are told, with the moment.
      expect(await told(live, 'OTHER')).toBe(1);
      expect(heard.at(-1)).toMatch(/^[0-9a-f-]{36}\|\d+$/);
      // A scheduler that does not run (an instance with SLA_SCHEDULER=off) tells the others even
      // of clocks due in hours; a running one, of what falls due before its longest sleep ends.
      const idle = scheduler(other);
      const inHours = new Date(time.now().getTime() + 3_600_000);
      const before = heard.length;
      expect(await idle.notifyOthers(inHours)).toBe(true);
      await idle.start();
      expect(await idle.notifyOthers(inHours)).toBe(false);
      expect(await idle.notifyOthers(new Date(time.now().getTime() + 30_000))).toBe(true);
      expect(await idle.notifyOthers()).toBe(true);
      await idle.stop();
      for (let i = 0; i < 50 && heard.length < before + 3; i++) await new Promise((res) => setTimeout(res, 20));
      expect(heard.length - before).toBe(3);
    } finally {
      await listener.end();
      await other.close();
      await live.close();
    }
  });

  it('decides a wake-up that arrives during a cycle by the sleep that cycle plans', async () => {
    // A database of its own: no other test's clocks fall due and shorten the planned sleep.
    const own = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
    const s = scheduler(own.database);
    const idle = async () => {
      for (let i = 0; i < 100 && (s as unknown as { running: unknown }).running; i++) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await s.start(); // a cycle is running now
      s.wake(new Date(time.now().getTime() + 3_600_000)); // clocks due in an hour: after the planned sleep (≤ 1 min)
      await idle();
      expect(s.stats.ticks).toBe(1);
      s.wake(time.now()); // idle, and due before the sleep ends: re-plans
      s.wake(); // during that cycle, without a hint: one more cycle
      await idle();
      expect(s.stats.ticks).toBe(3);
    } finally {
      await s.stop();
      await own.close();
    }
  });

  it('keeps firing after the time budget of the request that woke it has run out', async () => {
    // Regression: the scheduler woken by createComplaint ran its later cycles inside that
    // request's 1 s budget, so every alert due after it failed with TIMEOUT.
    const live = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '1000' } });
    try {
      const lfx = await complaintFixture(live);
      await fastPolicy(live, 'three seconds', 'PT3S');
      const r = await inquiry(live, lfx);
      expect(r.errors).toBeUndefined();
      const id = r.data.createComplaint.complaint.id;
      let levels: string[] = [];
      for (let i = 0; i < 100 && levels.length < 2; i++) {
        await new Promise((res) => setTimeout(res, 100));
        const v = await live.gql(`query($id: ID!) { complaint(id: $id) { alerts { level } } }`, { id }, 'ADMIN');
        levels = v.data?.complaint.alerts.map((a: any) => a.level) ?? levels;
      }
      expect(levels).toEqual(['WARNING', 'BREACHED']);
    } finally {
      await live.close();
    }
  });
});

describe('complaint filters on SLA state and time', () => {
  it('filters overdue and at-risk complaints, and by kind, severity and receipt time', async () => {
    time.set('2027-03-03T02:00:00.000Z'); // Wednesday 10:00 Shanghai
    const project = fx.project.id;
    const q = `query($f: ComplaintFilter) { complaints(first: 200, filter: $f) { edges { node { id } } } }`;
    const ids = async (f: object) => (await t.gql(q, { f: { projectIds: [project], receivedFrom: '2027-03-01T00:00:00Z', ...f } }, agent)).data.complaints.edges.map((e: any) => e.node.id);
    const early = await newComplaint({ kind: 'SUGGESTION' });
    time.advance(8 * HOUR); // 18:00: early's acceptance is past 80% (at risk), not yet due
    const late = await newComplaint({ kind: 'INQUIRY', severity: 'MAJOR', majorReason: 'DISTURBANCE' });
    expect(await ids({ atRisk: true })).toEqual([early.id]);
    expect(await ids({ overdue: true })).toEqual([]);
    time.advance(2 * HOUR); // Thursday 10:00 would be early's due; still Wednesday 20:00
    time.advance(14 * HOUR + 60_000); // Thursday 10:01: early is overdue; late's escalation report is not
    expect(await ids({ overdue: true })).toEqual([early.id]);
    expect((await ids({ overdue: false })).sort()).toEqual([late.id]);
    expect(await ids({ kinds: ['INQUIRY'] })).toEqual([late.id]);
    expect(await ids({ severities: ['MAJOR'] })).toEqual([late.id]);
    expect(await ids({ receivedTo: new Date(new Date(late.receivedAt).getTime()).toISOString() })).toEqual([early.id]);
  });
});
