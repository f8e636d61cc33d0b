import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSurveyRollups, rebuildSurveyRollups } from '../../src/modules/surveys/rollups.js';
import { parseId } from '../../src/graphql/global-id.js';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/**
 * The survey rollups behind satisfactionStats and satisfactionDrivers: whole local months come
 * from the monthly rollup, the partial months at a period's edges (and DAY or WEEK buckets) from
 * the responses themselves. These tests hold the two against each other on pseudo-random data,
 * and hold the rollup, kept in each write's transaction, against a rebuild from scratch after
 * concurrent writes and confidentiality changes.
 */
let t: TestApp;
let p: { id: string };
const customers: { id: string; name: string }[] = [];
const SCORES = ['ENGINEERING', 'CUSTOMER_SERVICE', 'DESIGN', 'SALES', 'PROPERTY_MANAGEMENT'];

const CELL = 'group { period templateCode templateName } responses scored mean satisfied distribution { score count } npsAnswers promoters detractors';
const STATS = `query($f: SatisfactionStatsFilter, $g: [StatsGroup!], $p: StatsPeriodInput) { satisfactionStats(filter: $f, groupBy: $g, period: $p) { cells { ${CELL} } total { ${CELL} } } }`;
const DRIVERS = `query($f: SatisfactionStatsFilter, $p: StatsPeriodInput) { satisfactionDrivers(filter: $f, period: $p, minSample: 10) { drivers { dimension sample mean correlation } } }`;
const UPDATE = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id confidentiality } } }`;
const SUBMIT = `mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { response { id } } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const stats = async (vars: Record<string, unknown>, auth = 'ANALYST') => must<any>(await t.gql(STATS, { f: { projectIds: [p.id] }, ...vars }, auth), 'satisfactionStats').satisfactionStats;
const drivers = async (vars: Record<string, unknown>, auth = 'ANALYST') =>
  must<any>(await t.gql(DRIVERS, { ...vars, f: { projectIds: [p.id], ...(vars.f as object) } }, auth), 'satisfactionDrivers').satisfactionDrivers.drivers;

/** A deterministic pseudo-random sequence (LCG), so every run checks the same data. */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

let submitted = 0;
async function submit(customerId: string, templateCode: string, submittedAt: string, scores: Record<string, number>) {
  must(
    await t.gql(SUBMIT, { input: { templateCode, customerId, projectId: p.id, submittedAt, answers: Object.entries(scores).map(([questionCode, score]) => ({ questionCode, score })) } }, 'ADMIN'),
    'submit',
  );
  submitted++;
}

/** A response with random scores: OVERALL, every dimension of the template (1–5) and NPS (0–10). */
function answers(next: (n: number) => number, template: string): Record<string, number> {
  const dims = template === 'ANNUAL' ? SCORES : ['ENGINEERING', 'CUSTOMER_SERVICE'];
  const overall = 1 + next(5);
  return { OVERALL: overall, NPS: next(11), ...Object.fromEntries(dims.map((d) => [d, Math.min(5, Math.max(1, overall + next(3) - 1))])) };
}

/** The rows of db.execute on either driver. */
const rows = (r: unknown): unknown[] => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows);

/** Both rollup tables, without rows whose responses were all moved away, in key order. */
async function rollupRows() {
  const db = t.database.db;
  const responses = await db.execute(sql`select month::text, project_id::int, template_id::int, segment, stage, restricted, responses, scored, score_sum, s1, s2, s3, s4, s5, nps_answers, promoters, detractors
    from survey_response_rollups where responses <> 0 order by 1, 2, 3, 4, 5, 6`);
  const pairs = await db.execute(sql`select month::text, project_id::int, template_id::int, segment, stage, restricted, dimension, n, sx::text, sy::text, sxx::text, syy::text, sxy::text
    from survey_driver_rollups where n <> 0 order by 1, 2, 3, 4, 5, 6, 7`);
  return { responses: rows(responses), pairs: rows(pairs) };
}

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off', BUSINESS_TIME_ZONE: 'Asia/Shanghai' } });
  const org = await seedOrg(t);
  p = await createProject(t, org.szId);
  for (let i = 0; i < 6; i++) {
    const id = await createCustomer(t, p.id);
    await addUnit(t, id, p.id);
    customers.push({ id, name: `c${i}` });
  }
  // 72 responses from 2026-01-01 to 2026-05-31 local, some exactly at local midnight.
  const next = random(20261201);
  for (let i = 0; i < 72; i++) {
    const day = next(151);
    const at = new Date(Date.UTC(2025, 11, 31, 16) + day * 86_400_000 + (i % 4 === 0 ? 0 : next(86_400_000)));
    const template = i % 3 === 0 ? 'ANNUAL' : 'DELIVERY';
    await submit(customers[i % customers.length]!.id, template, at.toISOString(), answers(next, template));
  }
});
afterAll(() => t?.close());

/** The cells of a statistic summed by local month (for DAY cells: their first 7 characters). */
function byMonth(cells: any[]) {
  const out = new Map<string, any>();
  for (const c of cells) {
    const month = c.group.period.slice(0, 7);
    const m = out.get(month) ?? { responses: 0, scored: 0, sum: 0, satisfied: 0, dist: [0, 0, 0, 0, 0], npsAnswers: 0, promoters: 0, detractors: 0 };
    m.responses += c.responses;
    m.scored += c.scored;
    m.sum += Math.round((c.mean ?? 0) * c.scored);
    m.satisfied += c.satisfied;
    c.distribution.forEach((d: any, i: number) => (m.dist[i] += d.count));
    m.npsAnswers += c.npsAnswers;
    m.promoters += c.promoters;
    m.detractors += c.detractors;
    out.set(month, m);
  }
  return [...out.entries()];
}

describe('survey rollups', () => {
  it('whole months from the rollup and partial months from the responses give the figures of the responses alone', async () => {
    // 20 January 00:00 … 10 May 12:00 local: February–April from the rollup, the edges raw.
    const period = { from: '2026-01-19T16:00:00.000Z', to: '2026-05-10T04:00:00.000Z' };
    for (const auth of ['ANALYST', 'ADMIN']) {
      const months = await stats({ g: ['MONTH'], p: period }, auth);
      const days = await stats({ g: ['DAY'], p: period }, auth);
      expect(months.cells.map((c: any) => c.group.period)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05']);
      expect(byMonth(months.cells)).toEqual(byMonth(days.cells));
      expect(months.total).toEqual(days.total);
      expect(months.total.responses).toBeGreaterThan(40);
    }
    // All time: the rollup alone; by DAY: the responses alone.
    expect((await stats({ g: ['MONTH'] }, 'ADMIN')).total).toEqual((await stats({ g: ['DAY'] }, 'ADMIN')).total);
    expect((await stats({}, 'ADMIN')).total.responses).toBe(submitted);
  });

  it('driver analysis from the rollup equals the analysis of the responses alone', async () => {
    const period = { from: '2026-01-19T16:00:00.000Z', to: '2026-05-10T04:00:00.000Z' };
    for (const p of [period, undefined]) {
      const rolled = await drivers({ p });
      // Filtering by every score question keeps the same answers but cannot use the rollup.
      const raw = await drivers({ p, f: { questionCodes: SCORES } });
      expect(rolled.map((d: any) => [d.dimension, d.sample])).toEqual(raw.map((d: any) => [d.dimension, d.sample]));
      expect(rolled.find((d: any) => d.dimension === 'ENGINEERING').sample).toBeGreaterThan(20);
      rolled.forEach((d: any, i: number) => {
        expect(d.mean).toBeCloseTo(raw[i].mean, 12);
        if (raw[i].correlation === null) expect(d.correlation).toBeNull();
        else expect(d.correlation).toBeCloseTo(raw[i].correlation, 12);
      });
    }
  });

  it('is kept in each response’s transaction: after concurrent writes it equals a rebuild, and a new response counts at once', async () => {
    const before = (await stats({}, 'ADMIN')).total.responses;
    const next = random(7);
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => submit(customers[i % customers.length]!.id, 'DELIVERY', new Date(Date.UTC(2026, 5, 1 + (i % 3), 4)).toISOString(), answers(next, 'DELIVERY'))),
    );
    expect((await stats({}, 'ADMIN')).total.responses).toBe(before + 16);
    const kept = await rollupRows();
    await rebuildSurveyRollups(t.database.db, 'Asia/Shanghai');
    expect(await rollupRows()).toEqual(kept);
  });

  it('moves a customer’s responses when their confidentiality changes: ANALYST stops counting them, ADMIN keeps them', async () => {
    const c = customers[1]!;
    const analyst = (await stats({})).total.responses;
    const admin = (await stats({}, 'ADMIN')).total.responses;
    const own = (await stats({ f: { projectIds: [p.id] } }, 'ADMIN')).total.responses;
    const sample = async () => (await drivers({})).find((d: any) => d.dimension === 'ENGINEERING').sample;
    const analystSample = await sample();
    const [{ n: theirs }] = rows(await t.database.db.execute(sql`select count(*)::int as n from survey_responses where customer_id = ${parseId(c.id, 'Customer', 'id')}`)) as [{ n: number }];
    must(await t.gql(UPDATE, { input: { id: c.id, confidentiality: 'CONFIDENTIAL' } }, 'ADMIN'), 'update');
    const hidden = analyst - (await stats({})).total.responses;
    expect(hidden).toBe(theirs);
    expect(theirs).toBeGreaterThan(5);
    expect((await stats({}, 'ADMIN')).total.responses).toBe(admin);
    expect(own).toBe(admin);
    expect(await sample()).toBeLessThan(analystSample);
    // SECRET is restricted too: nothing moves; NORMAL again restores the counts.
    must(await t.gql(UPDATE, { input: { id: c.id, confidentiality: 'SECRET' } }, 'ADMIN'), 'update');
    expect((await stats({})).total.responses).toBe(analyst - hidden);
    must(await t.gql(UPDATE, { input: { id: c.id, confidentiality: 'NORMAL' } }, 'ADMIN'), 'update');
    expect((await stats({})).total.responses).toBe(analyst);
    expect(await sample()).toBe(analystSample);
    const kept = await rollupRows();
    await rebuildSurveyRollups(t.database.db, 'Asia/Shanghai');
    expect(await rollupRows()).toEqual(kept);
  });

  it('groups by stage together with the org, the template or a template filter (columns named apart from the joined tables’)', async () => {
    const all = (await stats({}, 'ADMIN')).total.responses;
    const STAGED = `query($f: SatisfactionStatsFilter, $g: [StatsGroup!]) { satisfactionStats(filter: $f, groupBy: $g) { cells { group { stage templateCode projectId } responses } total { responses } } }`;
    for (const [g, f] of [
      [['PROJECT', 'STAGE'], {}],
      [['TEMPLATE', 'STAGE'], {}],
      [['STAGE'], { kinds: ['DELIVERY', 'ANNUAL'] }],
      [['REGION', 'STAGE', 'MONTH'], { templateCodes: ['DELIVERY', 'ANNUAL'] }],
    ] as const) {
      const r = must<any>(await t.gql(STAGED, { f: { projectIds: [p.id], ...f }, g }, 'ADMIN'), `by ${g.join(', ')}`).satisfactionStats;
      expect(r.cells.every((c: any) => c.group.stage !== null)).toBe(true);
      expect(r.cells.reduce((n: number, c: any) => n + c.responses, 0)).toBe(all);
      expect(r.total.responses).toBe(all);
    }
  });

  it('names a template cell after the latest version the viewer has responses to', async () => {
    const code = `RV${Date.now() % 100000}`;
    const UPSERT = `mutation($input: UpsertSurveyTemplateInput!) { upsertSurveyTemplate(input: $input) { template { version } } }`;
    const questions = [{ code: 'OVERALL', kind: 'OVERALL', labelZh: '总体满意度', labelEn: 'Overall' }];
    const input = (name: string, more: object[] = []) => ({ code, name, kind: 'CUSTOM', stage: 'RESIDENCE', questions: [...questions, ...more] });
    must(await t.gql(UPSERT, { input: input('旧名') }, 'ADMIN'), 'v1');
    const shown = customers[4]!;
    const hidden = customers[5]!;
    await submit(shown.id, code, '2026-03-10T02:00:00.000Z', { OVERALL: 4 });
    expect(must<any>(await t.gql(UPSERT, { input: input('新名', [{ code: 'DESIGN', kind: 'SCORE', dimension: 'DESIGN', labelZh: '设计', labelEn: 'Design' }]) }, 'ADMIN'), 'v2').upsertSurveyTemplate.template.version).toBe(2);
    await submit(hidden.id, code, '2026-03-11T02:00:00.000Z', { OVERALL: 5, DESIGN: 5 });
    must(await t.gql(UPDATE, { input: { id: hidden.id, confidentiality: 'CONFIDENTIAL' } }, 'ADMIN'), 'hide');
    try {
      const cell = async (auth: string, g: string[]) =>
        (await stats({ g, f: { projectIds: [p.id], templateCodes: [code] } }, auth)).cells.map((c: any) => [c.group.templateCode, c.group.templateName, c.responses]);
      // From the rollup (no time bucket) and from the responses (by DAY): the same name.
      expect(await cell('ANALYST', ['TEMPLATE'])).toEqual([[code, '旧名', 1]]);
      expect((await cell('ANALYST', ['TEMPLATE', 'DAY'])).map(([c, n]: any) => [c, n])).toEqual([[code, '旧名']]);
      expect(await cell('ADMIN', ['TEMPLATE'])).toEqual([[code, '新名', 2]]);
    } finally {
      must(await t.gql(UPDATE, { input: { id: hidden.id, confidentiality: 'NORMAL' } }, 'ADMIN'), 'restore');
    }
  });

  it('is rebuilt at start when the business time zone changed, and only then', async () => {
    const db = t.database.db;
    const months = async () => (await rollupRows()).responses.map((r: any) => r.month);
    const shanghai = await months();
    expect(await ensureSurveyRollups(db, 'Asia/Shanghai')).toBe(false);
    // The responses at local midnight of a month's first day belong to the previous month in UTC.
    expect(await ensureSurveyRollups(db, 'UTC')).toBe(true);
    expect(await months()).not.toEqual(shanghai);
    expect(await ensureSurveyRollups(db, 'UTC')).toBe(false);
    expect(await ensureSurveyRollups(db, 'Asia/Shanghai')).toBe(true);
    expect(await months()).toEqual(shanghai);
    expect((await stats({ g: ['MONTH'] }, 'ADMIN')).total).toEqual((await stats({ g: ['DAY'] }, 'ADMIN')).total);
  });
});
