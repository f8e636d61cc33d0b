import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/** A fixed clock: 15 December 2026, 08:00 in Shanghai. */
const NOW = new Date('2026-12-15T00:00:00.000Z');
let t: TestApp;
let project: { id: string; name: string };
let other: { id: string };
let org: Awaited<ReturnType<typeof seedOrg>>;

const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id } } }`;
const PLANNED = `query($c: [ID!]) { plannedTouchpoints(filter: { customerIds: $c }) { edges { node { id rule { code } } } } }`;
const COMPLETE = `mutation($input: CompletePlannedTouchpointInput!) { completePlannedTouchpoint(input: $input) { plannedTouchpoint { id status } } }`;
const SKIP = `mutation($input: SkipPlannedTouchpointInput!) { skipPlannedTouchpoint(input: $input) { plannedTouchpoint { id status } } }`;
const COUNTS = 'planned done doneOnTime doneLate overdue skipped pending onTimeRate completionRate';
const COMPLIANCE = `query($f: TouchpointComplianceFilter, $g: [StatsGroup!]) {
  touchpointCompliance(filter: $f, groupBy: $g) {
    cells { group { projectId projectName cityCompanyId regionId ruleCode ruleName stage period periodStart } ${COUNTS} }
    total { ${COUNTS} }
  }
}`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const asAdmin = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => must(await t.gql(query, variables, 'ADMIN'), query.slice(0, 50));

/** A customer of `projectId` who signed a unit on 5 December 2026 (10:00 Shanghai); their planned actions by rule code. */
async function signer(projectId: string, over: Record<string, unknown> = {}) {
  const customerId = await createCustomer(t, projectId, over);
  const o = await addUnit(t, customerId, projectId);
  await asAdmin(SIGN, { input: { ownershipId: o.id, signedAt: '2026-12-05T02:00:00.000Z' } });
  const d = await asAdmin(PLANNED, { c: [customerId] });
  return Object.fromEntries(d.plannedTouchpoints.edges.map((e: any) => [e.node.rule.code, e.node.id])) as Record<string, string>;
}

const compliance = async (vars: Record<string, unknown>, auth = 'ADMIN') => must<any>(await t.gql(COMPLIANCE, vars, auth), 'touchpointCompliance').touchpointCompliance;

beforeAll(async () => {
  t = await startTestApp({ clock: () => NOW, env: { SLA_SCHEDULER: 'off' } });
  org = await seedOrg(t);
  project = await createProject(t, org.szId);
  other = await createProject(t, org.shId);
  // Three signers: the first does the congratulation SMS on time and the supervision SMS late;
  // the second's congratulation SMS is skipped; the third does nothing.
  const [a, b] = [await signer(project.id), await signer(project.id), await signer(project.id)];
  await asAdmin(COMPLETE, { input: { plannedTouchpointId: a!.SIGNING_CONGRATS_SMS, channel: 'SMS', notes: '已发送', occurredAt: '2026-12-05T10:00:00.000Z' } });
  await asAdmin(COMPLETE, { input: { plannedTouchpointId: a!.SERVICE_SUPERVISION_SMS, channel: 'SMS', notes: '补发' } });
  await asAdmin(SKIP, { input: { plannedTouchpointId: b!.SIGNING_CONGRATS_SMS, reason: '客户要求不发短信' } });
  // A confidential customer's actions: counted for ADMIN and MANAGER only.
  await signer(project.id, { confidentiality: 'CONFIDENTIAL' });
  // Another project, out of the filter below.
  await signer(other.id);
});
afterAll(() => t?.close());

describe('touchpointCompliance', () => {
  it('counts planned, done on time and late, overdue, skipped and pending per rule, with exact rates', async () => {
    const r = await compliance({ f: { projectIds: [project.id] }, g: ['RULE'] }, 'ANALYST');
    const byRule = Object.fromEntries(r.cells.map((c: any) => [c.group.ruleCode, c]));
    expect(Object.keys(byRule)).toEqual(['CONSTRUCTION_BULLETIN', 'SERVICE_SUPERVISION_SMS', 'SIGNING_CONGRATS_SMS', 'SIGNING_SATISFACTION_CALL']);
    expect(byRule.SIGNING_CONGRATS_SMS).toMatchObject({ planned: 3, done: 1, doneOnTime: 1, doneLate: 0, overdue: 1, skipped: 1, pending: 0, onTimeRate: 50, completionRate: 50 });
    expect(byRule.SIGNING_CONGRATS_SMS.group).toMatchObject({ ruleName: '签约完成后一日内发送恭贺短信', projectId: null, period: null });
    expect(byRule.SERVICE_SUPERVISION_SMS).toMatchObject({ planned: 3, done: 1, doneOnTime: 0, doneLate: 1, overdue: 2, skipped: 0, pending: 0, onTimeRate: 0 });
    expect(byRule.SERVICE_SUPERVISION_SMS.completionRate).toBeCloseTo(100 / 3, 10);
    // Not yet due: nothing has come due, so no on-time rate (null, not NaN).
    expect(byRule.SIGNING_SATISFACTION_CALL).toMatchObject({ planned: 3, done: 0, overdue: 0, pending: 3, onTimeRate: null, completionRate: 0 });
    expect(r.total).toMatchObject({ planned: 12, done: 2, doneOnTime: 1, doneLate: 1, overdue: 3, skipped: 1, pending: 6 });
    expect(r.total.onTimeRate).toBeCloseTo(20, 10);
    // On time is read from the planned action's own copy of its touchpoint's time.
    const copies = await t.database.db.execute(sql`select count(*) filter (where p.done_at is not null)::int as copied,
      count(*) filter (where p.done_at is distinct from t.occurred_at)::int as wrong
      from planned_touchpoints p join touchpoints t on t.id = p.touchpoint_id`);
    const [{ copied, wrong }] = (Array.isArray(copies) ? copies : (copies as { rows: unknown[] }).rows) as [{ copied: number; wrong: number }];
    expect([copied, wrong]).toEqual([2, 0]);
  });

  it('groups by project, city company, region and month of the due time; ADMIN also counts confidential customers', async () => {
    const r = await compliance({ f: { projectIds: [project.id, other.id] }, g: ['REGION', 'CITY_COMPANY', 'PROJECT', 'MONTH'] });
    const cells = r.cells.map((c: any) => [c.group.projectId, c.group.period, c.group.periodStart, c.planned]);
    expect(cells).toEqual(
      expect.arrayContaining([
        // Four signers of the project (one confidential): SMS ×2 and the month-end call in December, the bulletin in February.
        [project.id, '2026-12', '2026-11-30T16:00:00.000Z', 12],
        [project.id, '2027-02', '2027-01-31T16:00:00.000Z', 4],
        [other.id, '2026-12', '2026-11-30T16:00:00.000Z', 3],
        [other.id, '2027-02', '2027-01-31T16:00:00.000Z', 1],
      ]),
    );
    expect(r.cells).toHaveLength(4);
    const first = r.cells.find((c: any) => c.group.projectId === project.id);
    expect(first.group).toMatchObject({ projectName: project.name, cityCompanyId: org.szId, regionId: org.southId });
    expect(r.total.planned).toBe(20);
    const analyst = await compliance({ f: { projectIds: [project.id, other.id] } }, 'ANALYST');
    expect(analyst.total.planned).toBe(16);
    expect(analyst.cells).toHaveLength(1);
    expect((await compliance({ f: { projectIds: [project.id, other.id] } }, 'MANAGER')).total.planned).toBe(20);
  });

  it('filters by rule, stage, due time, city company and region; a scoped viewer counts its scope only', async () => {
    expect((await compliance({ f: { projectIds: [project.id], ruleCodes: ['SIGNING_CONGRATS_SMS'] } })).total.planned).toBe(4);
    expect((await compliance({ f: { projectIds: [project.id], stages: ['AWAITING_DELIVERY'] } })).total.planned).toBe(4);
    expect((await compliance({ f: { projectIds: [project.id], dueFrom: '2027-01-01T00:00:00Z', dueTo: '2027-03-01T00:00:00Z' } })).total.planned).toBe(4);
    expect((await compliance({ f: { cityCompanyIds: [org.shId] } })).total.planned).toBe(4);
    expect((await compliance({ f: { regionIds: [org.eastId] } })).total.planned).toBe(4);
    const scoped = await t.token('MANAGER', { scope: [other.id] });
    expect((await compliance({ f: { projectIds: [project.id, other.id] } }, scoped)).total.planned).toBe(4);
  });

  it('compares with the previous period on request: each quarter with the quarter before, with deltas', async () => {
    const q = `query($f: TouchpointComplianceFilter, $g: [StatsGroup!], $p: StatsPeriodInput) {
      touchpointCompliance(filter: $f, groupBy: $g, period: $p) {
        cells { group { period } planned done onTimeRate completionRate previous { planned done onTimeRate } delta { planned done onTimeRate completionRate } }
        total { planned previous { planned } delta { planned } }
      }
    }`;
    // 1 October 2026 … 1 April 2027, local: Q4 2026 (the December actions) and Q1 2027 (the February bulletins).
    const p = { from: '2026-09-30T16:00:00.000Z', to: '2027-03-31T16:00:00.000Z', compare: true };
    const r = must<any>(await t.gql(q, { f: { projectIds: [project.id] }, g: ['QUARTER'], p }, 'ADMIN'), 'compliance').touchpointCompliance;
    expect(r.cells.map((c: any) => [c.group.period, c.planned, c.previous.planned, c.delta.planned, c.delta.done])).toEqual([
      ['2026-Q4', 12, 0, 12, 2],
      ['2027-Q1', 4, 12, -8, -2],
    ]);
    const [q4, q1] = r.cells;
    // Q4, four signers (ADMIN counts the confidential one): 1 on time of 2 done + 5 overdue SMS;
    // Q3 had nothing, so no rate to compare with.
    expect(q4.onTimeRate).toBeCloseTo(100 / 7, 10);
    expect(q4.previous.onTimeRate).toBeNull();
    expect(q4.delta.onTimeRate).toBeNull();
    // Q1: nothing has come due yet (no rate); completion 0 % against Q4's 2 ÷ 11.
    expect(q1.onTimeRate).toBeNull();
    expect(q1.delta.completionRate).toBeCloseTo(0 - (100 * 2) / 11, 10);
    // The total compares with the six months before: nothing.
    expect(r.total).toEqual({ planned: 16, previous: { planned: 0 }, delta: { planned: 16 } });
    // Without compare there is no previous; a period that ends before it starts is refused.
    const plain = must<any>(await t.gql(q, { f: { projectIds: [project.id] }, p: { from: p.from, to: p.to } }, 'ADMIN'), 'compliance').touchpointCompliance;
    expect(plain.cells[0]).toMatchObject({ planned: 16, previous: null, delta: null });
    const bad = await t.gql(q, { p: { from: p.to, to: p.from } }, 'ADMIN');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('period.to');
  });

  it('refuses dimensions it does not have, and two time buckets, naming the argument; SUBSCRIBER may not read it', async () => {
    const bad = await t.gql(COMPLIANCE, { g: ['RULE', 'TEMPLATE'] }, 'ADMIN');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('groupBy.1');
    expect(codeOf(await t.gql(COMPLIANCE, { g: ['MONTH', 'YEAR'] }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(COMPLIANCE, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });
});
