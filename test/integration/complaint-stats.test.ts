import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLA_CLOCKS } from '../../src/domain/enums.js';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { step, testClock } from '../helpers/complaints.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/**
 * complaintStats on a small known data set, driven by the app's clock (Asia/Shanghai, UTC+8).
 *
 * | complaint | customer | category          | received (UTC)        | accepted after | resolved after | return visit | status now     |
 * |-----------|----------|-------------------|-----------------------|----------------|----------------|--------------|----------------|
 * | k1        | c1/u1    | ENGINEERING       | 2026-05-10T01:00Z     | 1 h (ENG)      | 5 h            | 5 at 6 h     | RETURN_VISITED |
 * | k2        | c2/u2    | SERVICE_ATTITUDE  | 2026-05-10T02:00Z     | 3 h (CS)       | 25 h           | 2 at 26 h    | REOPENED       |
 * | k3        | c3/u3    | ENGINEERING       | 2026-05-10T03:00Z     | 2 h (ENG)      | –              | –            | ACCEPTED       |
 * | k4        | c1/u1    | ENGINEERING       | 2026-05-10T04:00Z     | –              | –              | –            | RECEIVED (repeat of k1) |
 * | k5        | c2/u2    | PROPERTY_MGMT     | 2026-05-10T15:59:59.999Z (23:59:59.999 local) | – | –  | –            | RECEIVED       |
 * | k6        | c3/u3    | PROPERTY_MGMT     | 2026-05-10T16:00:00.000Z (00:00 on 11 May local) | – | – | –         | RECEIVED       |
 *
 * Over k1–k4: accept times 3600, 10800, 7200 s → mean 7200, p50 7200, p90 7200 + 0.8 × 3600 = 10080;
 * resolve times 18000, 90000 s → mean = p50 = 54000, p90 = 18000 + 0.9 × 72000 = 82800.
 * The statistics are read 20 days later, when every running clock is past due.
 */
const clock = testClock('2026-05-10T01:00:00.000Z');
let t: TestApp;
let p: { id: string };

const CELL = `group { projectId category period }
  complaints byStatus { status count } major accepted timeToAcceptMeanSeconds timeToAcceptP50Seconds timeToAcceptP90Seconds
  resolved timeToResolveMeanSeconds timeToResolveP50Seconds timeToResolveP90Seconds
  clocks { clock met missed pending onTimeRate } returnVisited returnVisitRate returnVisitScored returnVisitScore returnVisitCsat repeats repeatRate`;
const STATS = `query($f: ComplaintStatsFilter, $g: [StatsGroup!], $p: StatsPeriodInput) {
  complaintStats(filter: $f, groupBy: $g, period: $p) { cells { ${CELL} previous { complaints } } total { ${CELL} } }
}`;
const MAIN = ['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE'];

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const stats = async (vars: Record<string, unknown>, auth = 'ANALYST') => must<any>(await t.gql(STATS, vars, auth), 'complaintStats').complaintStats;
const H = 3_600_000;

beforeAll(async () => {
  t = await startTestApp({ clock: clock.now, env: { SLA_SCHEDULER: 'off', BUSINESS_TIME_ZONE: 'Asia/Shanghai' } });
  const org = await seedOrg(t);
  p = await createProject(t, org.szId);
  const owner = async () => {
    const id = await createCustomer(t, p.id);
    return { id, unitId: (await addUnit(t, id, p.id)).unit.id };
  };
  const [c1, c2, c3] = [await owner(), await owner(), await owner()];
  const open = async (who: { id: string; unitId: string }, category: string, at: string) => {
    clock.set(at);
    const r = await t.gql(`mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id } } }`, {
      input: { customerId: who.id, projectId: p.id, unitId: who.unitId, kind: 'COMPLAINT', category, channel: 'PHONE', description: '统计测试' },
    }, 'ADMIN');
    return must<any>(r, 'create').createComplaint.complaint.id as string;
  };
  const at = (base: string, hours: number) => clock.set(new Date(Date.parse(base) + hours * H));
  const k1 = await open(c1, 'ENGINEERING_QUALITY', '2026-05-10T01:00:00.000Z');
  const k2 = await open(c2, 'SERVICE_ATTITUDE', '2026-05-10T02:00:00.000Z');
  const k3 = await open(c3, 'ENGINEERING_QUALITY', '2026-05-10T03:00:00.000Z');
  await open(c1, 'ENGINEERING_QUALITY', '2026-05-10T04:00:00.000Z');
  await open(c2, 'PROPERTY_MANAGEMENT', '2026-05-10T15:59:59.999Z');
  await open(c3, 'PROPERTY_MANAGEMENT', '2026-05-10T16:00:00.000Z');
  const ok = async (name: string, input: Record<string, unknown>) => must(await step(t, name, input, 'ADMIN'), name);
  at('2026-05-10T01:00:00.000Z', 1);
  await ok('acceptComplaint', { complaintId: k1, department: 'ENGINEERING' });
  at('2026-05-10T03:00:00.000Z', 2);
  await ok('acceptComplaint', { complaintId: k3, department: 'ENGINEERING' });
  at('2026-05-10T02:00:00.000Z', 3);
  await ok('acceptComplaint', { complaintId: k2, department: 'CUSTOMER_SERVICE' });
  at('2026-05-10T01:00:00.000Z', 5);
  await ok('resolveComplaint', { complaintId: k1, resolution: '已修复' });
  at('2026-05-10T01:00:00.000Z', 6);
  await ok('recordReturnVisit', { complaintId: k1, satisfaction: 5 });
  at('2026-05-10T02:00:00.000Z', 25);
  await ok('resolveComplaint', { complaintId: k2, resolution: '已道歉' });
  at('2026-05-10T02:00:00.000Z', 26);
  await ok('recordReturnVisit', { complaintId: k2, satisfaction: 2, note: '态度仍不满意' });
  clock.set('2026-05-30T01:00:00.000Z');
});
afterAll(() => t?.close());

describe('complaintStats', () => {
  it('counts by status, times to accept and resolve with p50/p90, return visits from the survey responses, repeats', async () => {
    const s = await stats({ f: { projectIds: [p.id], categories: MAIN } });
    expect(s.cells).toEqual([]);
    const byStatus = Object.fromEntries(s.total.byStatus.map((b: any) => [b.status, b.count]));
    expect(byStatus).toMatchObject({ RECEIVED: 1, ACCEPTED: 1, IN_PROGRESS: 0, RESOLVED: 0, RETURN_VISITED: 1, CLOSED: 0, REOPENED: 1, REJECTED: 0 });
    expect(s.total).toMatchObject({
      complaints: 4,
      major: 0,
      accepted: 3,
      timeToAcceptMeanSeconds: 7200,
      timeToAcceptP50Seconds: 7200,
      timeToAcceptP90Seconds: 10080,
      resolved: 2,
      timeToResolveMeanSeconds: 54000,
      timeToResolveP50Seconds: 54000,
      timeToResolveP90Seconds: 82800,
      returnVisited: 2,
      returnVisitRate: 100,
      returnVisitScored: 2,
      returnVisitScore: 3.5,
      returnVisitCsat: 50,
      repeats: 1,
      repeatRate: 25,
    });
  });

  it('gives the on-time rate of every SLA clock, consistent with the complaints’ own clocks', async () => {
    const s = await stats({ f: { projectIds: [p.id], categories: MAIN } });
    const clocks = Object.fromEntries(s.total.clocks.map((c: any) => [c.clock, c]));
    // Acceptance: k1, k2 and k3 accepted within hours; k4 never accepted, past due 20 days later.
    expect(clocks.ACCEPTANCE).toEqual({ clock: 'ACCEPTANCE', met: 3, missed: 1, pending: 0, onTimeRate: 75 });
    // Return visits: both within the hour of the resolution.
    expect(clocks.RETURN_VISIT).toEqual({ clock: 'RETURN_VISIT', met: 2, missed: 0, pending: 0, onTimeRate: 100 });
    expect(clocks.ESCALATION_REPORT).toEqual({ clock: 'ESCALATION_REPORT', met: 0, missed: 0, pending: 0, onTimeRate: null });
    // Every clock cycle of the four complaints, as their own `clocks` field shows them, counts once.
    const q = `query($f: ComplaintFilter) { complaints(filter: $f, first: 50) { edges { node { clocks { clock state breached } } } } }`;
    const own = must<any>(await t.gql(q, { f: { projectIds: [p.id], categories: MAIN } }, 'ADMIN'), 'complaints').complaints.edges.flatMap((e: any) => e.node.clocks);
    for (const kind of ['ACCEPTANCE', 'RESOLUTION', 'RETURN_VISIT']) {
      const mine = own.filter((c: any) => c.clock === kind);
      const met = mine.filter((c: any) => c.state === 'STOPPED' && !c.breached).length;
      expect(clocks[kind].met, kind).toBe(met);
      expect(clocks[kind].met + clocks[kind].missed + clocks[kind].pending, kind).toBe(mine.length);
    }
  });

  it('groups by category, and by local day at midnight Asia/Shanghai', async () => {
    const s = await stats({ f: { projectIds: [p.id] }, g: ['CATEGORY'] });
    expect(s.cells.map((c: any) => [c.group.category, c.complaints, c.accepted, c.repeats])).toEqual([
      ['ENGINEERING_QUALITY', 3, 2, 1],
      ['PROPERTY_MANAGEMENT', 2, 0, 0],
      ['SERVICE_ATTITUDE', 1, 1, 0],
    ]);
    expect(s.total.complaints).toBe(6);
    const eng = s.cells[0];
    expect(eng.clocks.find((c: any) => c.clock === 'ACCEPTANCE')).toMatchObject({ met: 2, missed: 1 });
    const days = await stats({ f: { projectIds: [p.id], categories: ['PROPERTY_MANAGEMENT'] }, g: ['DAY'] });
    expect(days.cells.map((c: any) => [c.group.period, c.complaints])).toEqual([
      ['2026-05-10', 1],
      ['2026-05-11', 1],
    ]);
  });

  it('empty: no cells, zeros and null rates; a HANDLER counts its department’s complaints only', async () => {
    const none = await stats({ f: { projectIds: [p.id], categories: ['DESIGN'] }, g: ['PROJECT'] });
    expect(none.cells).toEqual([]);
    expect(none.total).toMatchObject({ complaints: 0, accepted: 0, timeToAcceptP50Seconds: null, timeToResolveP90Seconds: null, returnVisitRate: null, returnVisitScore: null, repeatRate: null });
    expect(none.total.clocks.every((c: any) => c.onTimeRate === null && c.met + c.missed + c.pending === 0)).toBe(true);
    const handler = await t.token('HANDLER', { department: 'ENGINEERING' });
    const eng = await stats({ f: { projectIds: [p.id] } }, handler);
    expect(eng.total).toMatchObject({ complaints: 2, accepted: 2, resolved: 1, returnVisited: 1 });
  });

  it('compares with the previous period of the same length; refuses a group it does not support', async () => {
    const s = await stats({ f: { projectIds: [p.id] }, g: ['CATEGORY'], p: { from: '2026-05-10T16:00:00.000Z', to: '2026-05-11T16:00:00.000Z', compare: true } });
    expect(s.cells.map((c: any) => [c.group.category, c.complaints, c.previous.complaints])).toEqual([['PROPERTY_MANAGEMENT', 1, 1]]);
    const months = await stats({ f: { projectIds: [p.id] }, g: ['MONTH'], p: { from: '2026-04-30T16:00:00.000Z', to: '2026-05-31T16:00:00.000Z', compare: true } });
    expect(months.cells.map((c: any) => [c.group.period, c.complaints, c.previous.complaints])).toEqual([['2026-05', 6, 0]]);
    const r = await t.gql(STATS, { g: ['DIMENSION'] }, 'ANALYST');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.field).toBe('groupBy.0');
    expect(codeOf(await t.gql(STATS, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });
  it('reads complaint_facts, which triggers keep equal to the complaints and their clocks through every write, SLA breaches included', async () => {
    const rows = (r: unknown): unknown[] => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows);
    const counters = SLA_CLOCKS.flatMap((clock) =>
      Object.entries({ n: 'true', met: 'k.stopped_at is not null and k.breached_at is null', breached: 'k.breached_at is not null' }).map(([what, cond]) => ({
        column: `${clock.toLowerCase()}_${what}`,
        count: `(select count(*) from sla_clocks k where k.complaint_id = c.id and k.clock = '${clock}' and ${cond})::int`,
      })),
    );
    const facts = async () =>
      rows(
        await t.database.db.execute(sql`select complaint_id::int as id, project_id::int, customer_id::int, department, received_at, status, severity, category, kind,
          accept_ms::text, resolve_ms::text, repeat, survey_responses, survey_scored, survey_score_sum, survey_satisfied, restricted,
          ${sql.raw(counters.map((k) => `${k.column}::int as ${k.column}`).join(', '))}
          from complaint_facts order by 1`),
      );
    const recomputed = async () =>
      rows(
        await t.database.db.execute(sql`select c.id::int as id, c.project_id::int, c.customer_id::int, c.department, c.received_at, c.status, c.severity, c.category, c.kind,
          round(extract(epoch from (c.accepted_at - c.received_at)) * 1000)::text as accept_ms, round(extract(epoch from (c.resolved_at - c.received_at)) * 1000)::text as resolve_ms,
          c.repeat_of_id is not null as repeat, c.survey_responses, c.survey_scored, c.survey_score_sum, c.survey_satisfied,
          (select u.confidentiality <> 'NORMAL' from customers u where u.id = c.customer_id) as restricted,
          ${sql.raw(counters.map((k) => `${k.count} as ${k.column}`).join(', '))}
          from complaints c order by 1`),
      );
    const kept = await facts();
    expect(kept.length).toBe(6);
    expect(kept).toEqual(await recomputed());
    // The scheduler now marks the past-due cycles breached: the facts follow, and the figures do not move
    // (a running cycle past due was already missed).
    const before = await stats({ f: { projectIds: [p.id] } });
    expect(await t.app.scheduler.tick()).toBeGreaterThan(0);
    const after = await facts();
    expect(after).not.toEqual(kept);
    expect(after).toEqual(await recomputed());
    expect((await stats({ f: { projectIds: [p.id] } })).total.clocks).toEqual(before.total.clocks);
  });

  it('keeps the counters of every SLA clock kind (the clock trigger names each one)', async () => {
    const rows = (r: unknown): any[] => (Array.isArray(r) ? r : (r as { rows: any[] }).rows);
    const [{ id }] = rows(await t.database.db.execute(sql`select min(complaint_id)::int as id from complaint_facts`));
    const read = async () => rows(await t.database.db.execute(sql.raw(`select ${SLA_CLOCKS.map((c) => `${c.toLowerCase()}_breached::int as ${c.toLowerCase()}`).join(', ')} from complaint_facts where complaint_id = ${id}`)))[0];
    const before = await read();
    for (const clock of SLA_CLOCKS) await t.database.db.execute(sql`select cx_clock_fact_add(${id}::bigint, ${clock}::text, 0, 0, 1)`);
    const after = await read();
    expect(after).toEqual(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, Number(v) + 1])));
    for (const clock of SLA_CLOCKS) await t.database.db.execute(sql`select cx_clock_fact_add(${id}::bigint, ${clock}::text, 0, 0, -1)`);
    expect(await read()).toEqual(before);
  });
});
