import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/**
 * satisfactionDrivers on twelve responses to a template of its own, with the expected figures
 * computed here independently (Pearson's formula) from this table:
 *
 * OVERALL              1 2 3 4 5 1 2 3 4 5 3 3   (mean 3)
 * ENGINEERING          = OVERALL                 → r = 1
 * DESIGN               = 6 − OVERALL             → r = −1, importance 0
 * PROPERTY_MANAGEMENT  2 2 3 3 4 2 2 3 3 4 5 1   (mean 34/12)
 * CUSTOMER_SERVICE     4 in every response       → no variance: no correlation
 * SALES                in the first 5 only       → below the minimum sample of 10
 */
let t: TestApp;
let p: { id: string };
let code: string;

const OVERALL = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 3];
const PM = [2, 2, 3, 3, 4, 2, 2, 3, 3, 4, 5, 1];

const DRIVERS = `query($f: SatisfactionStatsFilter, $min: Int) {
  satisfactionDrivers(filter: $f, minSample: $min) { minSample meanThreshold importanceThreshold method drivers { dimension sample mean correlation importance quadrant sufficient } }
}`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  const cov = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
  const vx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const vy = ys.reduce((s, y) => s + (y - my) ** 2, 0);
  return cov / Math.sqrt(vx * vy);
}

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
  const org = await seedOrg(t);
  p = await createProject(t, org.szId);
  code = `DRV${unique()}`;
  const q = (c: string, kind: string, dimension: string | null, required = true) => ({ code: c, kind, dimension, required, labelZh: c, labelEn: c });
  must(
    await t.gql(`mutation($input: UpsertSurveyTemplateInput!) { upsertSurveyTemplate(input: $input) { template { id } } }`, {
      input: {
        code,
        name: '驱动因素测试',
        kind: 'CUSTOM',
        stage: 'RESIDENCE',
        questions: [
          q('OVERALL', 'OVERALL', null),
          q('ENGINEERING', 'SCORE', 'ENGINEERING'),
          q('DESIGN', 'SCORE', 'DESIGN'),
          q('PROPERTY_MANAGEMENT', 'SCORE', 'PROPERTY_MANAGEMENT'),
          q('CUSTOMER_SERVICE', 'SCORE', 'CUSTOMER_SERVICE'),
          q('SALES', 'SCORE', 'SALES', false),
        ],
      },
    }, 'ADMIN'),
    'template',
  );
  for (const [i, overall] of OVERALL.entries()) {
    const customerId = await createCustomer(t, p.id);
    await addUnit(t, customerId, p.id);
    const scores: Record<string, number> = { OVERALL: overall, ENGINEERING: overall, DESIGN: 6 - overall, PROPERTY_MANAGEMENT: PM[i]!, CUSTOMER_SERVICE: 4 };
    if (i < 5) scores.SALES = 3 + (i % 2);
    must(
      await t.gql(`mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { response { id } } }`, {
        input: { templateCode: code, customerId, projectId: p.id, answers: Object.entries(scores).map(([questionCode, score]) => ({ questionCode, score })) },
      }, 'ADMIN'),
      'submit',
    );
  }
});
afterAll(() => t?.close());

describe('satisfactionDrivers', () => {
  it('gives each dimension its mean, correlation with the overall score, derived importance and quadrant', async () => {
    const d = must<any>(await t.gql(DRIVERS, { f: { projectIds: [p.id], templateCodes: [code] }, min: 10 }, 'ANALYST'), 'drivers').satisfactionDrivers;
    const by = Object.fromEntries(d.drivers.map((x: any) => [x.dimension, x]));
    const rPm = pearson(PM, OVERALL);
    expect(rPm).toBeCloseTo(0.6048583789, 9);
    expect(by.ENGINEERING).toMatchObject({ sample: 12, mean: 3, sufficient: true, quadrant: 'STRENGTH' });
    expect(by.ENGINEERING.correlation).toBeCloseTo(1, 12);
    expect(by.ENGINEERING.importance).toBeCloseTo(100 / (1 + rPm), 9);
    expect(by.DESIGN).toMatchObject({ sample: 12, mean: 3, importance: 0, quadrant: 'MAINTAIN' });
    expect(by.DESIGN.correlation).toBeCloseTo(-1, 12);
    expect(by.PROPERTY_MANAGEMENT).toMatchObject({ sample: 12, quadrant: 'IMPROVE_FIRST' });
    expect(by.PROPERTY_MANAGEMENT.mean).toBeCloseTo(34 / 12, 12);
    expect(by.PROPERTY_MANAGEMENT.correlation).toBeCloseTo(rPm, 12);
    expect(by.PROPERTY_MANAGEMENT.importance).toBeCloseTo((100 * rPm) / (1 + rPm), 9);
    expect(by.CUSTOMER_SERVICE).toEqual({ dimension: 'CUSTOMER_SERVICE', sample: 12, mean: 4, correlation: null, importance: null, quadrant: null, sufficient: true });
    expect(by.SALES).toMatchObject({ sample: 5, mean: 3.4, correlation: null, importance: null, quadrant: null, sufficient: false });
    expect(d.meanThreshold).toBeCloseTo((3 + 3 + 34 / 12) / 3, 12);
    expect(d.importanceThreshold).toBeCloseTo(100 / 3, 9);
    expect(d.minSample).toBe(10);
    expect(d.method).toMatch(/Pearson/);
    expect(d.drivers.map((x: any) => x.dimension)).toEqual(['ENGINEERING', 'PROPERTY_MANAGEMENT', 'DESIGN', 'CUSTOMER_SERVICE', 'SALES']);
  });

  it('enforces the minimum sample: by default 30, so twelve responses give no correlation', async () => {
    const d = must<any>(await t.gql(DRIVERS, { f: { projectIds: [p.id], templateCodes: [code] } }, 'ANALYST'), 'drivers').satisfactionDrivers;
    expect(d.minSample).toBe(30);
    expect(d.drivers.every((x: any) => x.correlation === null && x.quadrant === null && !x.sufficient)).toBe(true);
    expect(d.meanThreshold).toBeNull();
    const low = await t.gql(DRIVERS, { min: 5 }, 'ANALYST');
    expect(codeOf(low)).toBe('BAD_USER_INPUT');
    expect(low.errors![0]!.extensions!.field).toBe('minSample');
    expect(codeOf(await t.gql(DRIVERS, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });
});
