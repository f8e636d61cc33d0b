import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactComplaintRollups, complaintRollupCompactor, ensureComplaintRollups, FACT_MEASURES, rebuildComplaintRollups, ROLLUP_MEASURES } from '../../src/modules/complaints/rollups.js';
import { createLogger } from '../../src/logger.js';
import { parseId } from '../../src/graphql/global-id.js';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { step, testClock } from '../helpers/complaints.js';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/**
 * The complaint rollups behind complaintStats: whole local months come from the monthly rollups
 * and the deltas not yet folded into them, the partial months at a period's edges (and DAY or WEEK
 * buckets) from complaint_facts, the percentiles always from complaint_facts. These tests hold the
 * paths against each other on pseudo-random data, before and after compaction, and hold the
 * rollups plus deltas against a rebuild after concurrent writes and confidentiality changes.
 */
const clock = testClock('2026-01-05T02:00:00.000Z');
let t: TestApp;
let p: { id: string };
let org: Awaited<ReturnType<typeof seedOrg>>;
const owners: { id: string; unitId: string }[] = [];

const CELL = `group { period category } complaints byStatus { status count } major accepted timeToAcceptMeanSeconds timeToAcceptP50Seconds timeToAcceptP90Seconds
  resolved timeToResolveMeanSeconds timeToResolveP50Seconds timeToResolveP90Seconds clocks { clock met missed pending onTimeRate }
  returnVisited returnVisitRate returnVisitScored returnVisitScore returnVisitCsat repeats repeatRate`;
const STATS = `query($f: ComplaintStatsFilter, $g: [StatsGroup!], $p: StatsPeriodInput) { complaintStats(filter: $f, groupBy: $g, period: $p) { cells { ${CELL} } total { ${CELL} } } }`;
const UPDATE = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id confidentiality } } }`;
const CREATE = `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id } } }`;
const CATEGORIES = ['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE', 'PROPERTY_MANAGEMENT'];
const H = 3_600_000;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const stats = async (vars: Record<string, unknown>, auth = 'ANALYST') => must<any>(await t.gql(STATS, { f: { projectIds: [p.id] }, ...vars }, auth), 'complaintStats').complaintStats;
const rows = (r: unknown): any[] => (Array.isArray(r) ? r : (r as { rows: any[] }).rows);

/** A deterministic pseudo-random sequence (LCG), so every run checks the same data. */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

async function create(owner: { id: string; unitId: string }, category: string, at: Date, projectId = p.id): Promise<string> {
  clock.set(at);
  const r = await t.gql(CREATE, { input: { customerId: owner.id, projectId, unitId: owner.unitId, kind: 'COMPLAINT', category, channel: 'PHONE', description: '汇总测试' } }, 'ADMIN');
  return must<any>(r, 'create').createComplaint.complaint.id as string;
}

/** Each rollup key's sums over the rollups and the pending deltas, against the same sums of complaint_facts (as a rebuild would write them). */
async function keptAndRecomputed() {
  const measures = ROLLUP_MEASURES.map((m) => `sum(${m})::text as ${m}`).join(', ');
  const key = `to_char(month, 'YYYY-MM') as month, project_id::int, department, restricted, status, severity, category, kind`;
  const kept = rows(
    await t.database.db.execute(
      sql.raw(`select ${key}, ${measures} from (
        select month, project_id, department, restricted, status, severity, category, kind, ${ROLLUP_MEASURES.join(', ')} from complaint_rollups
        union all
        select (date_trunc('month', received_at at time zone 'Asia/Shanghai'))::date, project_id, department, restricted, status, severity, category, kind, ${ROLLUP_MEASURES.join(', ')} from complaint_rollup_deltas
      ) x group by 1, 2, 3, 4, 5, 6, 7, 8 having sum(complaints) <> 0 order by 1, 2, 3, 4, 5, 6, 7, 8`),
    ),
  );
  const recomputed = rows(
    await t.database.db.execute(
      sql.raw(`select to_char(date_trunc('month', f.received_at at time zone 'Asia/Shanghai'), 'YYYY-MM') as month, f.project_id::int, coalesce(f.department, '') as department,
        f.restricted, f.status, f.severity, f.category, f.kind, ${ROLLUP_MEASURES.map((m) => `sum(${FACT_MEASURES[m]})::text as ${m}`).join(', ')}
        from complaint_facts f group by 1, 2, 3, 4, 5, 6, 7, 8 order by 1, 2, 3, 4, 5, 6, 7, 8`),
    ),
  );
  return { kept, recomputed };
}

beforeAll(async () => {
  t = await startTestApp({ clock: clock.now, env: { SLA_SCHEDULER: 'off', BUSINESS_TIME_ZONE: 'Asia/Shanghai', ROLLUP_COMPACT_MS: '0' } });
  org = await seedOrg(t);
  p = await createProject(t, org.szId);
  for (let i = 0; i < 4; i++) {
    const id = await createCustomer(t, p.id);
    owners.push({ id, unitId: (await addUnit(t, id, p.id)).unit.id });
  }
  // 36 complaints over January–April 2026 (local), some at local midnight at a month's edge;
  // some accepted, resolved and return-visited after random delays.
  const next = random(20260105);
  for (let i = 0; i < 36; i++) {
    const at = i % 9 === 0 ? new Date(Date.UTC(2026, 1 + (i % 3), 0, 16, 0, 0, 0) - (i % 2)) : new Date(Date.UTC(2026, next(4), 1 + next(28), next(24), next(60)));
    const id = await create(owners[i % owners.length]!, CATEGORIES[next(3)]!, at);
    if (next(4) === 0) continue;
    clock.set(new Date(at.getTime() + (1 + next(5)) * H));
    must(await step(t, 'acceptComplaint', { complaintId: id, department: 'ENGINEERING' }, 'ADMIN'), 'accept');
    if (next(3) === 0) continue;
    clock.set(new Date(at.getTime() + (6 + next(48)) * H));
    must(await step(t, 'resolveComplaint', { complaintId: id, resolution: '已处理' }, 'ADMIN'), 'resolve');
    if (next(2) === 0) continue;
    clock.set(new Date(at.getTime() + 60 * H));
    must(await step(t, 'recordReturnVisit', { complaintId: id, satisfaction: 1 + next(5) }, 'ADMIN'), 'return visit');
  }
  clock.set('2026-05-20T02:00:00.000Z');
});
afterAll(() => t?.close());

describe('complaint rollups', () => {
  it('whole months from the rollups and their deltas, partial months from the facts: the figures of the facts alone, before and after compaction', async () => {
    // A period with partial months at both edges: 15 January 08:00 local … 10 April 08:00 local.
    const period = { from: '2026-01-15T00:00:00.000Z', to: '2026-04-10T00:00:00.000Z' };
    const byMonth = async () => stats({ g: ['MONTH', 'CATEGORY'], p: period });
    // By DAY, everything comes from complaint_facts; the totals are the same complaints.
    const byDay = await stats({ g: ['DAY'], p: period });
    const pending = await byMonth();
    expect(pending.total.complaints).toBeGreaterThan(10);
    expect(pending.total).toEqual({ ...byDay.total, group: pending.total.group });
    expect(await compactComplaintRollups(t.database.db)).toBeGreaterThan(0);
    const compacted = await byMonth();
    expect(compacted).toEqual(pending);
    // Each month × category cell equals the same cell counted from the facts alone (a one-month period by DAY).
    for (const cell of compacted.cells.filter((c: any) => c.group.period === '2026-02')) {
      const alone = await stats({ f: { projectIds: [p.id], categories: [cell.group.category] }, g: ['DAY'], p: { from: '2026-01-31T16:00:00.000Z', to: '2026-02-28T16:00:00.000Z' } });
      expect(cell).toEqual({ ...alone.total, group: cell.group });
    }
    // Without a period: everything from the rollups.
    const all = await stats({});
    expect(all.total.complaints).toBe(36);
    expect(all.total.accepted).toBe(byDay.total.accepted + (await stats({ g: ['DAY'], p: { from: '2025-12-01T00:00:00.000Z', to: period.from } })).total.accepted + (await stats({ g: ['DAY'], p: { from: period.to, to: '2026-06-01T00:00:00.000Z' } })).total.accepted);
  });

  it('filters and groups by city company and region (the org tables joined over the rollups, the deltas and the facts)', async () => {
    const period = { from: '2026-01-15T00:00:00.000Z', to: '2026-04-10T00:00:00.000Z' };
    // A second project, in the other city company and region, with complaints of its own.
    const q = await createProject(t, org.shId);
    const id = await createCustomer(t, q.id);
    const other = { id, unitId: (await addUnit(t, id, q.id)).unit.id };
    for (let i = 0; i < 5; i++) {
      const at = new Date(Date.UTC(2026, 1, 3 + i, 2));
      const k = await create(other, CATEGORIES[i % 3]!, at, q.id);
      clock.set(new Date(at.getTime() + (i + 1) * 7 * H));
      must(await step(t, 'acceptComplaint', { complaintId: k, department: 'ENGINEERING' }, 'ADMIN'), 'accept');
    }
    clock.set('2026-05-20T02:00:00.000Z');
    const alone = async (projectId: string) => (await stats({ f: { projectIds: [projectId] }, p: period })).total;
    const [mine, theirs] = [await alone(p.id), await alone(q.id)];
    expect(theirs.complaints).toBe(5);
    const cell = (c: any) => ({ ...c, group: null });
    for (const g of ['CITY_COMPANY', 'REGION']) {
      const by = await stats({ f: {}, g: [g], p: period });
      expect(by.cells.map(cell)).toEqual([mine, theirs].map(cell));
      expect(by.total.complaints).toBe(mine.complaints + theirs.complaints);
    }
    const south = await stats({ f: { cityCompanyIds: [org.szId], regionIds: [org.southId] }, g: ['REGION', 'CITY_COMPANY', 'MONTH'], p: period });
    expect(south.total).toEqual(mine);
    const east = await stats({ f: { regionIds: [org.eastId] }, g: ['PROJECT'], p: period });
    expect(east.cells.map(cell)).toEqual([cell(theirs)]);
  });

  it('is exact under concurrent writes: the rollups and pending deltas equal a recomputation from the facts, compaction moves every delta, a new complaint counts at once', async () => {
    const base = Date.UTC(2026, 2, 3, 2);
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => create(owners[i % owners.length]!, CATEGORIES[i % 3]!, new Date(base + i * 60_000))));
    await Promise.all(ids.slice(0, 6).map((id) => step(t, 'acceptComplaint', { complaintId: id, department: 'CUSTOMER_SERVICE' }, 'ADMIN')));
    clock.set('2026-05-20T02:00:00.000Z');
    const before = await keptAndRecomputed();
    expect(before.kept).toEqual(before.recomputed);
    await Promise.all([compactComplaintRollups(t.database.db), compactComplaintRollups(t.database.db)]);
    expect(rows(await t.database.db.execute(sql`select count(*)::int as n from complaint_rollup_deltas`))[0].n).toBe(0);
    const after = await keptAndRecomputed();
    expect(after.kept).toEqual(after.recomputed);
    // Read right after a commit, before any compaction: counted.
    const was = (await stats({})).total.complaints;
    await create(owners[0]!, 'SERVICE_ATTITUDE', new Date(base));
    clock.set('2026-05-20T02:00:00.000Z');
    expect((await stats({})).total.complaints).toBe(was + 1);
  });

  it('moves a customer’s complaints when their confidentiality changes: ANALYST stops counting them, ADMIN keeps them', async () => {
    await compactComplaintRollups(t.database.db);
    const owner = owners[1]!;
    const theirs = Number(rows(await t.database.db.execute(sql`select count(*)::int as n from complaints where customer_id = ${parseId(owner.id, 'Customer', 'id')}`))[0].n);
    expect(theirs).toBeGreaterThan(0);
    const analyst = (await stats({})).total.complaints;
    const admin = (await stats({}, 'ADMIN')).total.complaints;
    must(await t.gql(UPDATE, { input: { id: owner.id, confidentiality: 'CONFIDENTIAL' } }, 'ADMIN'), 'update');
    expect((await stats({})).total.complaints).toBe(analyst - theirs);
    expect((await stats({}, 'ADMIN')).total.complaints).toBe(admin);
    const moved = await keptAndRecomputed();
    expect(moved.kept).toEqual(moved.recomputed);
    await compactComplaintRollups(t.database.db);
    expect((await stats({})).total.complaints).toBe(analyst - theirs);
    must(await t.gql(UPDATE, { input: { id: owner.id, confidentiality: 'NORMAL' } }, 'ADMIN'), 'update');
    expect((await stats({})).total.complaints).toBe(analyst);
    const back = await keptAndRecomputed();
    expect(back.kept).toEqual(back.recomputed);
  });

  it('is compacted in the background on every instance, every ROLLUP_COMPACT_MS', async () => {
    const compactor = complaintRollupCompactor(t.database.db, { logger: createLogger('silent'), everyMs: 20 });
    await create(owners[2]!, 'SERVICE_ATTITUDE', new Date(Date.UTC(2026, 3, 3, 2)));
    clock.set('2026-05-20T02:00:00.000Z');
    const pending = async () => rows(await t.database.db.execute(sql`select count(*)::int as n from complaint_rollup_deltas`))[0].n as number;
    expect(await pending()).toBeGreaterThan(0);
    compactor.start();
    try {
      await expect.poll(pending, { timeout: 10_000, interval: 25 }).toBe(0);
    } finally {
      await compactor.stop();
    }
    const kept = await keptAndRecomputed();
    expect(kept.kept).toEqual(kept.recomputed);
  });

  it('is rebuilt at start when the business time zone changed, and only then', async () => {
    const db = t.database.db;
    const months = async () => rows(await db.execute(sql`select to_char(month, 'YYYY-MM') as m, sum(complaints)::int as n from complaint_rollups group by 1 having sum(complaints) <> 0 order by 1`));
    await compactComplaintRollups(db);
    const shanghai = await months();
    expect(await ensureComplaintRollups(db, 'Asia/Shanghai')).toBe(false);
    expect(await ensureComplaintRollups(db, 'UTC')).toBe(true);
    // In UTC, the complaints received at 00:00 local on the 1st (16:00 UTC the day before) fall in the earlier month.
    expect(await months()).not.toEqual(shanghai);
    expect(await ensureComplaintRollups(db, 'UTC')).toBe(false);
    await rebuildComplaintRollups(db, 'Asia/Shanghai');
    expect(await months()).toEqual(shanghai);
  });
});
