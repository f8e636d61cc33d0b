import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/**
 * satisfactionStats on a small known data set, every figure computed by hand below. Times sit on
 * both sides of midnight in Asia/Shanghai (UTC+8): 2026-03-31T15:59:59.999Z is 31 March 23:59:59.999
 * there, 2026-03-31T16:00:00.000Z is 1 April 00:00.
 *
 * | response | customer | template | OVERALL | ENGINEERING | CUSTOMER_SERVICE | DESIGN | PROPERTY_MANAGEMENT | NPS | local month | segment   |
 * |----------|----------|----------|---------|-------------|------------------|--------|---------------------|-----|-------------|-----------|
 * | r1       | c1       | DELIVERY | 5       | 4           | 5                |        |                     | 10  | 2026-03     | PROSPECT  |
 * | r2       | c2       | DELIVERY | 4       | 2           | 3                |        |                     | 7   | 2026-04     | PROSPECT  |
 * | r3       | c3       | DELIVERY | 2       | 1           | 4                |        |                     | 3   | 2026-04     | PRE_OWNER |
 * | r4       | c1       | ANNUAL   | 3       | 3           | 4                | 5      | 2                   | 9   | 2026-04     | PROSPECT  |
 * | r5       | c4 (机密) | DELIVERY | 1       | 1           | 1                |        |                     | 0   | 2026-04     | PROSPECT  |
 *
 * ANALYST does not see r5 (a CONFIDENTIAL customer's); ADMIN does.
 */
let t: TestApp;
let p: { id: string };
let empty: { id: string };

const CELL = `group { projectId period periodStart dimension questionCode segment templateCode }
  responses scored mean satisfied csat distribution { score count } npsAnswers promoters passives detractors nps`;
const STATS = `query($f: SatisfactionStatsFilter, $g: [StatsGroup!], $p: StatsPeriodInput) {
  satisfactionStats(filter: $f, groupBy: $g, period: $p) { cells { ${CELL} previous { responses mean csat nps } delta { mean csat nps responses } } total { ${CELL} } }
}`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const stats = async (vars: Record<string, unknown>, auth = 'ANALYST') => must<any>(await t.gql(STATS, { f: { projectIds: [p.id] }, ...vars }, auth), 'satisfactionStats').satisfactionStats;
const dist = (...counts: number[]) => counts.map((count, i) => ({ score: i + 1, count }));

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off', BUSINESS_TIME_ZONE: 'Asia/Shanghai' } });
  const org = await seedOrg(t);
  p = await createProject(t, org.szId);
  empty = await createProject(t, org.szId);
  const customer = async (over: Record<string, unknown> = {}) => {
    const id = await createCustomer(t, p.id, over);
    return { id, ownership: await addUnit(t, id, p.id) };
  };
  const [c1, c2, c3, c4] = [await customer(), await customer(), await customer(), await customer({ confidentiality: 'CONFIDENTIAL' })];
  must(await t.gql(`mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id } } }`, { input: { ownershipId: c3.ownership.id, signedAt: '2026-01-10T02:00:00.000Z' } }, 'ADMIN'), 'sign');
  const submit = async (customerId: string, templateCode: string, submittedAt: string, scores: Record<string, number>) =>
    must(
      await t.gql(`mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { response { id } } }`, {
        input: { templateCode, customerId, projectId: p.id, submittedAt, answers: Object.entries(scores).map(([questionCode, score]) => ({ questionCode, score })) },
      }, 'ADMIN'),
      'submit',
    );
  await submit(c1.id, 'DELIVERY', '2026-03-31T15:59:59.999Z', { OVERALL: 5, ENGINEERING: 4, CUSTOMER_SERVICE: 5, NPS: 10 });
  await submit(c2.id, 'DELIVERY', '2026-03-31T16:00:00.000Z', { OVERALL: 4, ENGINEERING: 2, CUSTOMER_SERVICE: 3, NPS: 7 });
  await submit(c3.id, 'DELIVERY', '2026-04-15T02:00:00.000Z', { OVERALL: 2, ENGINEERING: 1, CUSTOMER_SERVICE: 4, NPS: 3 });
  await submit(c1.id, 'ANNUAL', '2026-04-20T02:00:00.000Z', { OVERALL: 3, ENGINEERING: 3, DESIGN: 5, SALES: 4, CUSTOMER_SERVICE: 4, PROPERTY_MANAGEMENT: 2, NPS: 9 });
  await submit(c4.id, 'DELIVERY', '2026-04-16T02:00:00.000Z', { OVERALL: 1, ENGINEERING: 1, CUSTOMER_SERVICE: 1, NPS: 0 });
});
afterAll(() => t?.close());

describe('satisfactionStats', () => {
  it('over the responses: mean and CSAT of the OVERALL answers, NPS of the NPS answers, the distribution with zeros', async () => {
    const s = await stats({});
    expect(s.cells).toEqual([]);
    expect(s.total).toMatchObject({ responses: 4, scored: 4, mean: 3.5, satisfied: 2, csat: 50, distribution: dist(0, 1, 1, 1, 1), npsAnswers: 4, promoters: 2, passives: 1, detractors: 1, nps: 25 });
    // ADMIN also counts the CONFIDENTIAL customer's response.
    expect((await stats({}, 'ADMIN')).total).toMatchObject({ responses: 5, scored: 5, mean: 3, satisfied: 2, csat: 40, distribution: dist(1, 1, 1, 1, 1), npsAnswers: 5, promoters: 2, detractors: 2, nps: 0 });
  });

  it('by month in the business time zone: a response at 23:59:59.999 local counts in its day’s month, one at 00:00 in the next', async () => {
    const s = await stats({ g: ['MONTH'] });
    expect(s.cells.map((c: any) => [c.group.period, c.group.periodStart, c.responses, c.mean, c.csat, c.nps])).toEqual([
      ['2026-03', '2026-02-28T16:00:00.000Z', 1, 5, 100, 100],
      ['2026-04', '2026-03-31T16:00:00.000Z', 3, 3, 100 / 3, 0],
    ]);
    const days = await stats({ g: ['DAY'] });
    expect(days.cells.map((c: any) => [c.group.period, c.responses])).toEqual([
      ['2026-03-31', 1],
      ['2026-04-01', 1],
      ['2026-04-15', 1],
      ['2026-04-20', 1],
    ]);
  });

  it('by dimension: over the answers of each dimension’s score questions; a response counts once in the total', async () => {
    const s = await stats({ g: ['DIMENSION'] });
    expect(s.cells.map((c: any) => [c.group.dimension, c.responses, c.scored, c.mean, c.csat, c.npsAnswers, c.nps])).toEqual([
      ['CUSTOMER_SERVICE', 4, 4, 4, 75, 0, null],
      ['DESIGN', 1, 1, 5, 100, 0, null],
      ['ENGINEERING', 4, 4, 2.5, 25, 0, null],
      ['PROPERTY_MANAGEMENT', 1, 1, 2, 0, 0, null],
      ['SALES', 1, 1, 4, 100, 0, null],
    ]);
    expect(s.total).toMatchObject({ responses: 4, scored: 11, mean: 37 / 11, satisfied: 6 });
    const eng = s.cells.find((c: any) => c.group.dimension === 'ENGINEERING');
    expect(eng.distribution).toEqual(dist(1, 1, 1, 1, 0));
  });

  it('by question: the OVERALL question as over the responses, the NPS question with its NPS and no mean', async () => {
    const s = await stats({ g: ['QUESTION'], f: { projectIds: [p.id], questionCodes: ['OVERALL', 'NPS'] } });
    expect(s.cells.map((c: any) => [c.group.questionCode, c.scored, c.mean, c.csat, c.npsAnswers, c.promoters, c.passives, c.detractors, c.nps])).toEqual([
      ['NPS', 0, null, null, 4, 2, 1, 1, 25],
      ['OVERALL', 4, 3.5, 50, 0, 0, 0, 0, null],
    ]);
  });

  it('by segment at response time and by template', async () => {
    const seg = await stats({ g: ['SEGMENT'] });
    expect(seg.cells.map((c: any) => [c.group.segment, c.responses, c.mean])).toEqual([
      ['PRE_OWNER', 1, 2],
      ['PROSPECT', 3, 4],
    ]);
    const tpl = await stats({ g: ['TEMPLATE'] });
    expect(tpl.cells.map((c: any) => [c.group.templateCode, c.responses, c.mean])).toEqual([
      ['ANNUAL', 1, 3],
      ['DELIVERY', 3, 11 / 3],
    ]);
  });

  it('empty groups have no cell; an empty total is all zeros with null ratios, never NaN', async () => {
    const s = await stats({ g: ['PROJECT'], f: { projectIds: [p.id, empty.id] } });
    expect(s.cells.map((c: any) => c.group.projectId)).toEqual([p.id]);
    const none = await stats({ f: { projectIds: [empty.id] } });
    expect(none.cells).toEqual([]);
    expect(none.total).toMatchObject({ responses: 0, scored: 0, mean: null, satisfied: 0, csat: null, distribution: dist(0, 0, 0, 0, 0), npsAnswers: 0, nps: null });
    const outOfScope = await stats({}, await t.token('ANALYST', { scope: [empty.id] }));
    expect(outOfScope.total.responses).toBe(0);
  });

  it('compares with the previous period of the same length, with deltas', async () => {
    const s = await stats({ g: ['PROJECT'], p: { from: '2026-03-31T16:00:00.000Z', to: '2026-04-30T16:00:00.000Z', compare: true } });
    expect(s.cells).toHaveLength(1);
    const [cell] = s.cells;
    expect(cell).toMatchObject({ responses: 3, mean: 3, previous: { responses: 1, mean: 5, csat: 100, nps: 100 } });
    expect(cell.delta.responses).toBe(2);
    expect(cell.delta.mean).toBe(-2);
    expect(cell.delta.csat).toBeCloseTo(100 / 3 - 100, 10);
    expect(cell.delta.nps).toBe(-100);
    // With a time bucket, each bucket compares with the whole bucket before it (local months).
    const months = await stats({ g: ['MONTH'], p: { from: '2026-02-28T16:00:00.000Z', to: '2026-04-30T16:00:00.000Z', compare: true } });
    expect(months.cells.map((c: any) => [c.group.period, c.responses, c.previous.responses, c.previous.mean, c.delta.mean, c.delta.responses])).toEqual([
      ['2026-03', 1, 0, null, null, 1],
      ['2026-04', 3, 1, 5, -2, 2],
    ]);
    const plain = await stats({ g: ['PROJECT'], p: { from: '2026-03-31T16:00:00.000Z', to: '2026-04-30T16:00:00.000Z' } });
    expect(plain.cells[0]).toMatchObject({ responses: 3, previous: null, delta: null });
  });

  it('refuses what it cannot answer, with BAD_USER_INPUT naming the argument; SUBSCRIBER is refused', async () => {
    const bad = async (vars: Record<string, unknown>) => {
      const r = await t.gql(STATS, { f: { projectIds: [p.id] }, ...vars }, 'ANALYST');
      expect(codeOf(r), JSON.stringify(vars)).toBe('BAD_USER_INPUT');
      return r.errors![0]!.extensions!.field;
    };
    expect(await bad({ g: ['RULE'] })).toBe('groupBy.0');
    expect(await bad({ g: ['MONTH', 'DAY'] })).toBe('groupBy');
    expect(await bad({ f: { dimensions: ['DESIGN'] } })).toBe('filter.dimensions');
    expect(await bad({ p: { from: '2026-04-01T00:00:00Z', to: '2026-04-01T00:00:00Z' } })).toBe('period.to');
    expect(codeOf(await t.gql(STATS, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });
});
