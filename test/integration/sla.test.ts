import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/client.js';
import { domainEvents, slaAlerts } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/logger.js';
import { SlaScheduler } from '../../src/sla/scheduler.js';
import { COMPLAINT_FIELDS, CREATE_COMPLAINT, complaintFixture, step } from '../helpers/complaints.js';
import { codeOf, startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
let now = new Date('2026-11-25T02:00:00.000Z'); // Wednesday 10:00 Shanghai
const advance = (ms: number) => (now = new Date(now.getTime() + ms));

let t: TestApp;
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
  return new SlaScheduler(database, { now: () => now, logger: createLogger('silent'), lateAfterMs, pollMaxMs: 60_000, batchSize: 7 });
}

beforeAll(async () => {
  t = await startTestApp({ clock: () => now, env: { SLA_SCHEDULER: 'off' } });
  fx = await complaintFixture(t);
  agent = await t.token('AGENT', { sub: 'agent.chen' });
});
afterAll(() => t?.close());

describe('SLA alerts', () => {
  it('fires WARNING at 80% and BREACHED at the target, each once, on the timeline and in the event log', async () => {
    const c = await newComplaint();
    const s = t.app.scheduler;
    expect(await s.tick()).toBe(0);
    advance(7.2 * HOUR - 1000); // just before 80% of 9 working hours
    expect(await s.tick()).toBe(0);
    advance(1000);
    expect(await s.tick()).toBe(1);
    expect(await s.tick()).toBe(0);
    let view = await complaintById(c.id);
    expect(view.alerts.map((a: any) => [a.level, a.clock, a.dueAt, a.late])).toEqual([['WARNING', 'ACCEPTANCE', now.toISOString(), false]]);
    expect(view.timeline.filter((e: any) => e.type === 'ALERT_FIRED').map((e: any) => e.data.level)).toEqual(['WARNING']);
    advance(24 * HOUR); // well past the acceptance deadline (Thursday 10:00)
    expect(await s.tick()).toBe(1);
    view = await complaintById(c.id);
    expect(view.alerts.map((a: any) => a.level)).toEqual(['WARNING', 'BREACHED']);
    expect(view.alerts[1]).toMatchObject({ dueAt: '2026-11-26T02:00:00.000Z', late: true });
    const breached = view.clocks.find((k: any) => k.clock === 'ACCEPTANCE');
    expect(breached).toMatchObject({ breached: true });
    expect(breached.remaining.startsWith('-')).toBe(true);
    const events = await t.database.db.select({ n: count() }).from(domainEvents).where(eq(domainEvents.type, 'SlaAlertFired'));
    expect(events[0]!.n).toBe(2);
  });

  it('escalates a MAJOR breach one level up (the city company)', async () => {
    const c = await newComplaint({ severity: 'MAJOR', majorReason: 'REFUND_DEMAND' });
    advance(25 * HOUR);
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
    advance(30 * HOUR);
    await t.app.scheduler.tick();
    expect((await complaintById(c.id)).alerts.filter((a: any) => a.clock === 'ACCEPTANCE')).toEqual([]);
    expect((await complaintById(p.id)).alerts).toEqual([]);
  });

  it('lists alerts with filters, scoped, and acknowledges each once', async () => {
    const all = await t.gql(ALERTS, { first: 200 }, agent);
    expect(all.data.slaAlerts.totalCount).toBeGreaterThanOrEqual(4);
    const breached = await t.gql(ALERTS, { f: { levels: ['BREACHED'], clocks: ['ACCEPTANCE'], acknowledged: false } }, agent);
    expect(breached.data.slaAlerts.edges.every((e: any) => e.node.level === 'BREACHED' && e.node.clock === 'ACCEPTANCE')).toBe(true);
    const alert = breached.data.slaAlerts.edges[0].node;
    const ACK = `mutation($input: AcknowledgeSlaAlertInput!) { acknowledgeSlaAlert(input: $input) { alert { id acknowledgedAt acknowledgedBy { login } } } }`;
    const ack = await t.gql(ACK, { input: { alertId: alert.id } }, await t.token('MANAGER', { sub: 'duty.manager' }));
    expect(ack.data.acknowledgeSlaAlert.alert).toMatchObject({ id: alert.id, acknowledgedBy: { login: 'duty.manager' }, acknowledgedAt: now.toISOString() });
    expect(codeOf(await t.gql(ACK, { input: { alertId: alert.id } }, agent))).toBe('CONFLICT');
    expect(codeOf(await t.gql(ACK, { input: { alertId: alert.id } }, await t.token('ANALYST')))).toBe('FORBIDDEN');
    const acked = await t.gql(ALERTS, { f: { acknowledged: true } }, agent);
    expect(acked.data.slaAlerts.edges.map((e: any) => e.node.id)).toEqual([alert.id]);
    const elsewhere = await t.token('MANAGER', { scope: [fx.org.shId] });
    expect((await t.gql(ALERTS, {}, elsewhere)).data.slaAlerts.totalCount).toBe(0);
    expect(codeOf(await t.gql(ACK, { input: { alertId: alert.id } }, elsewhere))).toBe('NOT_FOUND');
  });

  it('fires each alert exactly once with two scheduler instances on the same database', async () => {
    now = new Date('2026-12-07T02:00:00.000Z'); // Monday 10:00 Shanghai
    await t.app.scheduler.tick(); // earlier tests' clocks, out of the way
    const created = [];
    for (let i = 0; i < 15; i++) created.push(await newComplaint());
    const before = await t.database.db.$count(slaAlerts);
    advance(5 * 24 * HOUR); // past acceptance (1 working day), before the resolution warning (5.6 days)
    let second: Database = t.database;
    if (t.databaseUrl) second = openPostgres(t.databaseUrl, { max: 3 });
    try {
      const a = scheduler(t.database);
      const b = scheduler(second);
      const [x, y] = await Promise.all([a.tick(), b.tick()]);
      // 15 complaints × (WARNING + BREACHED) on the acceptance clock, split between the two.
      expect(x + y).toBe(30);
      expect(await t.database.db.$count(slaAlerts)).toBe(before + 30);
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
    now = new Date('2026-12-21T02:00:00.000Z'); // Monday 10:00 Shanghai
    await t.app.scheduler.tick();
    const c = await newComplaint();
    advance(7.2 * HOUR); // WARNING due (80% of 9 working hours): on time for the running instance
    const first = scheduler(t.database, 60_000);
    expect(await first.tick()).toBeGreaterThanOrEqual(1);
    const before = await t.database.db.$count(slaAlerts);
    // "Server down" for a week: the breach falls due meanwhile.
    advance(7 * 24 * HOUR);
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
    expect(await t.database.db.$count(slaAlerts)).toBeGreaterThan(before);
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
    const before = await newComplaint({ category: 'DESIGN' });
    const r = await t.gql(
      UPSERT,
      { input: { name: '设计类投诉', match: { categories: ['DESIGN'], kinds: ['COMPLAINT'] }, clocks: [{ clock: 'ACCEPTANCE', target: 'PT4H', workingTime: true }, { clock: 'RESOLUTION', target: 'P14D' }] } },
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
    await t.gql(UPSERT, { input: { name: '投诉类', match: { kinds: ['COMPLAINT'] }, priority: 100, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1H' }] } }, 'ADMIN');
    expect(target(await newComplaint({ category: 'DESIGN' }), 'ACCEPTANCE')).toBe('PT4H');
    expect(target(await newComplaint({ category: 'OTHER' }), 'ACCEPTANCE')).toBe('PT1H');
    // Saving again by name replaces it.
    await t.gql(UPSERT, { input: { name: '投诉类', match: { kinds: ['COMPLAINT'] }, active: false, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1H' }] } }, 'ADMIN');
    expect(target(await newComplaint({ category: 'OTHER' }), 'ACCEPTANCE')).toBe('P1D');
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
    expect(codeOf(await t.gql(UPSERT, { input }, agent))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UPSERT, { input: { ...input, workdays: ['2026-05-01'] } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(UPSERT, { input: { ...input, holidays: [{ name: 'x', from: '2027-02-10', to: '2027-02-01' }] } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    const r = await t.gql(UPSERT, { input }, 'ADMIN');
    expect(r.data.upsertBusinessCalendarYear.calendar).toMatchObject({ year: 2027, scheduleLoaded: true, warning: null });
    // Thursday 2026-12-31 17:00 Shanghai + 1 working day: Friday 1 Jan 2027 is now a holiday → Monday 4 Jan 17:00.
    now = new Date('2026-12-31T09:00:00.000Z');
    const c = await newComplaint();
    expect(c.clocks.find((k: any) => k.clock === 'ACCEPTANCE').dueAt).toBe('2027-01-04T09:00:00.000Z');
  });
});

describe('live scheduler', () => {
  it('fires an alert on its own, without a manual tick', async () => {
    const live = await startTestApp();
    try {
      const lfx = await complaintFixture(live);
      await live.gql(
        `mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id } } }`,
        { input: { name: 'fast', match: { categories: ['OTHER'] }, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1S', warnAt: 0.5 }] } },
        'ADMIN',
      );
      const r = await live.gql(
        `${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`,
        { input: { customerId: lfx.customerId, projectId: lfx.project.id, kind: 'INQUIRY', category: 'OTHER', channel: 'WECHAT', description: '咨询' } },
        'AGENT',
      );
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
});

describe('complaint filters on SLA state and time', () => {
  it('filters overdue and at-risk complaints, and by kind, severity and receipt time', async () => {
    now = new Date('2027-03-03T02:00:00.000Z'); // Wednesday 10:00 Shanghai
    const project = fx.project.id;
    const q = `query($f: ComplaintFilter) { complaints(first: 200, filter: $f) { edges { node { id } } } }`;
    const ids = async (f: object) => (await t.gql(q, { f: { projectIds: [project], receivedFrom: '2027-03-01T00:00:00Z', ...f } }, agent)).data.complaints.edges.map((e: any) => e.node.id);
    const early = await newComplaint({ kind: 'SUGGESTION' });
    advance(8 * HOUR); // 18:00: early's acceptance is past 80% (at risk), not yet due
    const late = await newComplaint({ kind: 'INQUIRY', severity: 'MAJOR', majorReason: 'DISTURBANCE' });
    expect(await ids({ atRisk: true })).toEqual([early.id]);
    expect(await ids({ overdue: true })).toEqual([]);
    advance(2 * HOUR); // Thursday 10:00 would be early's due; still Wednesday 20:00
    advance(14 * HOUR + 60_000); // Thursday 10:01: early is overdue; late's escalation report is not
    expect(await ids({ overdue: true })).toEqual([early.id]);
    expect((await ids({ overdue: false })).sort()).toEqual([late.id]);
    expect(await ids({ kinds: ['INQUIRY'] })).toEqual([late.id]);
    expect(await ids({ severities: ['MAJOR'] })).toEqual([late.id]);
    expect(await ids({ receivedTo: new Date(new Date(late.receivedAt).getTime()).toISOString() })).toEqual([early.id]);
  });
});
