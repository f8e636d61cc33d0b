import { and, eq, gte, inArray, isNull, lt, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { alias, type PgSelect } from 'drizzle-orm/pg-core';
import { Arg, Authorized, Ctx, Extensions, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { CACHEABLE_FOR_BI } from '../../graphql/cache-hints.js';
import type { DbOrTx } from '../../db/client.js';
import { sqlLiteral } from '../../db/literal.js';
import { complaintFacts, complaintRollupDeltas, complaintRollups, slaClocks } from '../../db/schema/index.js';
import { COMPLAINT_STATUSES, SLA_CLOCKS, type ComplaintCategory, type ComplaintKind, type ComplaintStatus, type Severity, type SlaClockKind } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { ComplaintCategoryEnum, ComplaintKindEnum, ComplaintStatusEnum, SeverityEnum, SlaClockEnum } from '../../graphql/enums.js';
import {
  cellIdKey,
  checkGroups,
  checkPeriod,
  groupingSets,
  groupOf,
  orgConditions,
  orgDims,
  orgIdDims,
  OrgStatsFilter,
  percent,
  splitByMonths,
  StatsCellGroup,
  StatsGroup,
  TIME_GROUPS,
  StatsPeriodInput,
  timeDims,
  timeGroupOf,
  withOrgJoins,
  withPrevious,
} from '../stats/stats.js';
import { FACT_MEASURES, ROLLUP_MEASURES, type RollupMeasure } from './rollups.js';

const SUPPORTED = [
  StatsGroup.PROJECT,
  StatsGroup.CITY_COMPANY,
  StatsGroup.REGION,
  StatsGroup.CATEGORY,
  StatsGroup.KIND,
  StatsGroup.SEVERITY,
  ...TIME_GROUPS,
];

@InputType({ description: 'Filter for `complaintStats`: which complaints count (by receipt time through `period`). All given conditions must hold.' })
export class ComplaintStatsFilter extends OrgStatsFilter {
  @Field(() => [ComplaintKindEnum], { nullable: true, description: 'Kinds (any of).' })
  kinds?: ComplaintKind[];

  @Field(() => [ComplaintCategoryEnum], { nullable: true, description: 'Categories (any of).' })
  categories?: ComplaintCategory[];

  @Field(() => [SeverityEnum], { nullable: true, description: 'Severities (any of).' })
  severities?: Severity[];

  @Field(() => [ComplaintStatusEnum], { nullable: true, description: 'Statuses now (any of).' })
  statuses?: ComplaintStatus[];
}

@ObjectType({ description: 'How many complaints of a cell are in one status now.' })
export class StatusCount {
  @Field(() => ComplaintStatusEnum, { description: 'The status.' })
  status!: ComplaintStatus;

  @Field(() => Int, { description: 'How many.' })
  count!: number;
}

@ObjectType({
  description:
    'Timeliness of one SLA clock over a cell’s complaints (及时率). Each clock cycle (a reopen starts a new one) counts once: met = stopped before it breached; missed = breached, or running past its due time now; pending = the rest (running or paused within time).',
})
export class ClockTimeliness {
  @Field(() => SlaClockEnum, { description: 'The clock.' })
  clock!: SlaClockKind;

  @Field(() => Int, { description: 'Cycles stopped before their due time.' })
  met!: number;

  @Field(() => Int, { description: 'Cycles breached, or running past their due time now.' })
  missed!: number;

  @Field(() => Int, { description: 'Cycles still within their time.' })
  pending!: number;

  @Field(() => Float, { nullable: true, description: 'On-time rate (及时率), in percent: met ÷ (met + missed). Null when nothing is decided yet.' })
  onTimeRate!: number | null;
}

@ObjectType({
  description:
    'Complaint statistics of one group (投诉统计), exact at the time of the request. Times are in seconds; percentiles are continuous (linear interpolation between the two nearest values, PostgreSQL percentile_cont). Every ratio and time is null, never NaN, when nothing counts.',
})
export class ComplaintStatsCell {
  @Field(() => StatsCellGroup, { description: 'What the cell is for.' })
  group!: StatsCellGroup;

  @Field(() => Int, { description: 'Complaints received.' })
  complaints!: number;

  @Field(() => [StatusCount], { description: 'Complaints by status now: every status, in lifecycle order, zeros included.' })
  byStatus!: StatusCount[];

  @Field(() => Int, { description: 'MAJOR complaints (重大投诉).' })
  major!: number;

  @Field(() => Int, { description: 'Complaints accepted (with an acceptance time).' })
  accepted!: number;

  @Field(() => Float, { nullable: true, description: 'Mean time from receipt to acceptance, over the accepted complaints.' })
  timeToAcceptMeanSeconds!: number | null;

  @Field(() => Float, { nullable: true, description: 'Median (p50) time from receipt to acceptance.' })
  timeToAcceptP50Seconds!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile time from receipt to acceptance.' })
  timeToAcceptP90Seconds!: number | null;

  @Field(() => Int, { description: 'Complaints resolved at least once (with a resolution time).' })
  resolved!: number;

  @Field(() => Float, { nullable: true, description: 'Mean time from receipt to the (latest) resolution, over the resolved complaints.' })
  timeToResolveMeanSeconds!: number | null;

  @Field(() => Float, { nullable: true, description: 'Median (p50) time from receipt to the (latest) resolution.' })
  timeToResolveP50Seconds!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile time from receipt to the (latest) resolution.' })
  timeToResolveP90Seconds!: number | null;

  @Field(() => [ClockTimeliness], { description: 'On-time rate per SLA clock (及时率): every clock, zeros included.' })
  clocks!: ClockTimeliness[];

  @Field(() => Int, { description: 'Complaints with at least one return-visit survey response (回访).' })
  returnVisited!: number;

  @Field(() => Float, { nullable: true, description: 'Return-visit rate (回访率), in percent: returnVisited ÷ resolved. Null when nothing is resolved.' })
  returnVisitRate!: number | null;

  @Field(() => Int, { description: 'Return-visit responses with an overall score (a complaint visited twice counts twice).' })
  returnVisitScored!: number;

  @Field(() => Float, { nullable: true, description: 'Mean overall score (1–5) of the return-visit responses. Null without any.' })
  returnVisitScore!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of return-visit scores of 4–5 (满意度), in percent. Null without any.' })
  returnVisitCsat!: number | null;

  @Field(() => Int, { description: 'Repeat complaints: same customer, unit and category within 30 days of an earlier one (重复投诉).' })
  repeats!: number;

  @Field(() => Float, { nullable: true, description: 'Repeat-complaint rate, in percent: repeats ÷ complaints. Null without complaints.' })
  repeatRate!: number | null;

  @Field(() => ComplaintStatsCell, { nullable: true, description: 'The same group over the previous period (with `period.compare`); a cell of zeros when the group had no complaints then. Null without `compare`.' })
  previous!: ComplaintStatsCell | null;
}

@ObjectType({ description: 'Result of `complaintStats`.' })
export class ComplaintStatsResult {
  @Field(() => [ComplaintStatsCell], { description: 'One cell per group that has complaints, ordered by the group’s values. Groups without complaints have no cell.' })
  cells!: ComplaintStatsCell[];

  @Field(() => ComplaintStatsCell, { description: 'Every complaint that matched (its group is all null).' })
  total!: ComplaintStatsCell;
}

type Measures = {
  complaints: number;
  statuses: number[];
  major: number;
  accepted: number;
  acceptMean: number | null;
  acceptP50: number | null;
  acceptP90: number | null;
  resolved: number;
  resolveMean: number | null;
  resolveP50: number | null;
  resolveP90: number | null;
  returnVisited: number;
  rvScored: number;
  rvSum: number;
  rvSatisfied: number;
  repeats: number;
};
type Clocks = Map<SlaClockKind, { met: number; missed: number; pending: number }>;

function cellOf(group: StatsCellGroup, m: Measures, clocks: Clocks): ComplaintStatsCell {
  return Object.assign(new ComplaintStatsCell(), {
    group,
    complaints: m.complaints,
    byStatus: COMPLAINT_STATUSES.map((status, i) => Object.assign(new StatusCount(), { status, count: m.statuses[i] ?? 0 })),
    major: m.major,
    accepted: m.accepted,
    timeToAcceptMeanSeconds: m.acceptMean,
    timeToAcceptP50Seconds: m.acceptP50,
    timeToAcceptP90Seconds: m.acceptP90,
    resolved: m.resolved,
    timeToResolveMeanSeconds: m.resolveMean,
    timeToResolveP50Seconds: m.resolveP50,
    timeToResolveP90Seconds: m.resolveP90,
    clocks: SLA_CLOCKS.map((clock) => {
      const c = clocks.get(clock) ?? { met: 0, missed: 0, pending: 0 };
      return Object.assign(new ClockTimeliness(), { clock, ...c, onTimeRate: percent(c.met, c.met + c.missed) });
    }),
    returnVisited: m.returnVisited,
    returnVisitRate: percent(m.returnVisited, m.resolved),
    returnVisitScored: m.rvScored,
    returnVisitScore: m.rvScored === 0 ? null : m.rvSum / m.rvScored,
    returnVisitCsat: percent(m.rvSatisfied, m.rvScored),
    repeats: m.repeats,
    repeatRate: percent(m.repeats, m.complaints),
    previous: null,
  });
}

const ZERO: Measures = {
  complaints: 0,
  statuses: [],
  major: 0,
  accepted: 0,
  acceptMean: null,
  acceptP50: null,
  acceptP90: null,
  resolved: 0,
  resolveMean: null,
  resolveP50: null,
  resolveP90: null,
  returnVisited: 0,
  rvScored: 0,
  rvSum: 0,
  rvSatisfied: 0,
  repeats: 0,
};

/**
 * 投诉统计 (SPEC §2 BI statistics), per period in one read-only REPEATABLE READ transaction (one
 * snapshot: the cells add up to the total, and no clock cycle is counted twice or missed while the
 * scheduler marks breaches), three statements, cells and total together in each (GROUPING SETS):
 * - the additive measures: the monthly rollups (and their deltas not yet folded in) for the whole
 *   local months of the period, `complaint_facts` for the rest (the partial months at its edges;
 *   everything when grouped by DAY or WEEK);
 * - the percentiles, from `complaint_facts` (the narrow copy of each complaint, kept by triggers);
 * - the open clock cycles already past due but not yet marked breached (a partial index of the
 *   open cycles).
 * Return visits are the survey responses that follow the complaints (recordReturnVisit writes
 * them), counted on each complaint's row in the response's transaction, so the figures come from
 * one place.
 */
export async function complaintStats(
  ctx: Context,
  filter: ComplaintStatsFilter | null | undefined,
  groupBy: StatsGroup[] | null | undefined,
  period: StatsPeriodInput | null | undefined,
): Promise<ComplaintStatsResult> {
  const groups = checkGroups(groupBy, SUPPORTED, 'complaintStats');
  checkPeriod(period);
  const f = filter ?? {};
  const current = await run(ctx, f, groups, period ?? null);
  if (!period?.compare) return current;
  await withPrevious(current, period, groups, ctx.config.businessTimeZone, (window, g) => run(ctx, f, [...g], window), (c, found) => {
    c.previous = found ?? cellOf(c.group, ZERO, new Map());
  });
  return current;
}

type Window = { from: Date; to: Date };
/** The columns every complaint source (facts, rollups, deltas) shares: what filters and access rules read. */
type KeyColumns = { projectId: AnyColumn; restricted: AnyColumn; department: AnyColumn; status: AnyColumn; severity: AnyColumn; category: AnyColumn; kind: AnyColumn };

/** The filter's and the viewer's conditions over a complaint source's key columns (the org filter aside: it reads the joined org tables, see withOrgJoins). */
async function keyConditions(ctx: Context, f: ComplaintStatsFilter, k: KeyColumns): Promise<(SQL | undefined)[]> {
  return [
    await ctx.access.complaintRollupCondition(k),
    f.kinds?.length ? inArray(k.kind, f.kinds) : undefined,
    f.categories?.length ? inArray(k.category, f.categories) : undefined,
    f.severities?.length ? inArray(k.severity, f.severities) : undefined,
    f.statuses?.length ? inArray(k.status, f.statuses) : undefined,
  ];
}

/**
 * The dimensions of a query over a complaint source: the org ones with names, or by ID alone
 * (`org`), then the complaint's own and the time bucket (`local`: its time column is local
 * wall-clock time).
 */
function dimsOf(
  ctx: Context,
  groups: StatsGroup[],
  org: Record<string, SQL>,
  k: { category: AnyColumn | SQL.Aliased; kind: AnyColumn | SQL.Aliased; severity: AnyColumn | SQL.Aliased },
  time: AnyColumn | SQL,
  local: boolean,
) {
  const dims: Record<string, SQL> = { ...org };
  if (groups.includes(StatsGroup.CATEGORY)) Object.assign(dims, { category: sql<string>`${k.category}` });
  if (groups.includes(StatsGroup.KIND)) Object.assign(dims, { kind: sql<string>`${k.kind}` });
  if (groups.includes(StatsGroup.SEVERITY)) Object.assign(dims, { severity: sql<string>`${k.severity}` });
  return Object.assign(dims, timeDims(groups, time, ctx.config.businessTimeZone, { local }));
}

const windowOf = (column: AnyColumn, w: Window) => and(gte(column, w.from), lt(column, w.to));

/**
 * The complaints of the period as rows of additive measures, all with the same columns: rollup
 * rows (and deltas) for its whole local months, one row per complaint for the rest.
 */
function measureRows(db: DbOrTx, ctx: Context, conds: Conditions, groups: StatsGroup[], window: Window | null) {
  const time = timeGroupOf(groups);
  const split = splitByMonths(window, ctx.config.businessTimeZone, time !== StatsGroup.DAY && time !== StatsGroup.WEEK);
  const zone = sqlLiteral(ctx.config.businessTimeZone);
  const select = (k: KeyColumns, local: SQL, measure: (m: RollupMeasure) => SQL) => ({
    projectId: sql<number>`${k.projectId}`.as('r_project'),
    status: sql<ComplaintStatus>`${k.status}`.as('r_status'),
    severity: sql<Severity>`${k.severity}`.as('r_severity'),
    category: sql<ComplaintCategory>`${k.category}`.as('r_category'),
    kind: sql<ComplaintKind>`${k.kind}`.as('r_kind'),
    local: sql<string>`${local}`.as('r_local'),
    ...(Object.fromEntries(ROLLUP_MEASURES.map((m) => [m, measure(m).as(`m_${m}`)])) as Record<RollupMeasure, SQL.Aliased<number>>),
  });
  const t = complaintRollups;
  const d = complaintRollupDeltas;
  const parts = [];
  if (split.months) {
    const m = split.months;
    const months = m === 'all' ? undefined : and(gte(t.month, m.from), lt(t.month, m.to));
    const deltaLocal = sql`${d.receivedAt} at time zone ${zone}`;
    const deltaMonths = m === 'all' ? undefined : sql`${deltaLocal} >= ${m.from}::timestamp and ${deltaLocal} < ${m.to}::timestamp`;
    parts.push(
      db
        .select(select(t, sql`${t.month}::timestamp`, (x) => sql`${sql.identifier(x)}`))
        .from(t)
        .where(and(months, ...conds.rollups)),
      db
        .select(select(d, deltaLocal, (x) => sql`${sql.identifier(x)}`))
        .from(d)
        .where(and(deltaMonths, ...conds.deltas)),
    );
  }
  if (split.raw === 'all' || split.raw.length) {
    const raw = split.raw === 'all' ? undefined : or(...split.raw.map((w) => windowOf(facts.receivedAt, w)));
    parts.push(
      db
        .select(select(facts, sql`${facts.receivedAt} at time zone ${zone}`, (x) => sql.raw(FACT_MEASURES[x])))
        .from(facts)
        .where(and(raw, ...conds.facts)),
    );
  }
  const [first, ...rest] = parts;
  return rest.reduce((all, part) => all.unionAll(part), first!.$dynamic()).as('rows');
}

/** `complaint_facts` as `f`, the name the rollups' per-complaint measures ({@link FACT_MEASURES}) use. */
const facts = alias(complaintFacts, 'f');

/** The filter's and the viewer's conditions over each source, resolved before the transaction (resolving the viewer's scope may read; on PGlite the transaction holds the one connection). */
type Conditions = { facts: (SQL | undefined)[]; rollups: (SQL | undefined)[]; deltas: (SQL | undefined)[] };

async function run(ctx: Context, f: ComplaintStatsFilter, groups: StatsGroup[], window: Window | null): Promise<ComplaintStatsResult> {
  const conds: Conditions = {
    facts: await keyConditions(ctx, f, facts),
    rollups: await keyConditions(ctx, f, complaintRollups),
    deltas: await keyConditions(ctx, f, complaintRollupDeltas),
  };
  return ctx.readDb.transaction(
    async (tx) => {
      const sums = await sumsOf(tx, ctx, f, conds, groups, window);
      const byFact = factsScope(ctx, f, conds, groups, window);
      // The percentiles' and late cycles' rows name no org (no join for them): matched by IDs.
      const keyed = (rows: Record<string, unknown>[]) => new Map(rows.map((row) => [Number(row.total) !== 0 ? 'total' : cellIdKey(groupOf(row)), row]));
      const pctOf = keyed(await percentilesOf(tx, byFact));
      const lateByKey = keyed(await lateOf(tx, ctx, byFact));
      const num = (v: unknown) => (v == null ? null : Number(v));
      const cells: ComplaintStatsCell[] = [];
      let total = cellOf(groupOf({}), ZERO, new Map());
      for (const row of sums) {
        const isTotal = Number(row.total) !== 0;
        const group = isTotal ? groupOf({}) : groupOf(row);
        const key = isTotal ? 'total' : cellIdKey(group);
        const p = pctOf.get(key) ?? {};
        const l = lateByKey.get(key) ?? {};
        const m: Measures = {
          complaints: Number(row.complaints),
          statuses: COMPLAINT_STATUSES.map((st) => Number(row[`st_${st}`])),
          major: Number(row.major),
          accepted: Number(row.accepted),
          acceptMean: num(row.acceptMean),
          acceptP50: num(p.acceptP50),
          acceptP90: num(p.acceptP90),
          resolved: Number(row.resolved),
          resolveMean: num(row.resolveMean),
          resolveP50: num(p.resolveP50),
          resolveP90: num(p.resolveP90),
          returnVisited: Number(row.returnVisited),
          rvScored: Number(row.rvScored),
          rvSum: Number(row.rvSum),
          rvSatisfied: Number(row.rvSatisfied),
          repeats: Number(row.repeats),
        };
        const clocks: Clocks = new Map(
          SLA_CLOCKS.map((clock) => {
            const met = Number(row[`met_${clock}`]);
            const missed = Number(row[`breached_${clock}`]) + Number(l[`late_${clock}`] ?? 0);
            return [clock, { met, missed, pending: Number(row[`n_${clock}`]) - met - missed }];
          }),
        );
        const cell = cellOf(group, m, clocks);
        if (isTotal) total = cell;
        // A cell whose complaints all moved away (rollup rows keep their key) has none, and no cell.
        else if (m.complaints > 0) cells.push(cell);
      }
      return Object.assign(new ComplaintStatsResult(), { cells, total });
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** The additive measures of each cell and of the total. */
async function sumsOf(db: DbOrTx, ctx: Context, f: ComplaintStatsFilter, conds: Conditions, groups: StatsGroup[], window: Window | null): Promise<Record<string, unknown>[]> {
  const rows = measureRows(db, ctx, conds, groups, window);
  const dims = dimsOf(ctx, groups, orgDims(groups), rows, sql`${rows.local}`, true);
  const sum = (m: RollupMeasure) => sql`sum(${rows[m]})`;
  const int = (m: RollupMeasure) => sql<number>`coalesce(${sum(m)}, 0)::int`;
  const byStatus = Object.fromEntries(
    COMPLAINT_STATUSES.map((st) => [`st_${st}`, sql<number>`coalesce(${sum('complaints')} filter (where ${rows.status} = ${sql.raw(`'${st}'`)}), 0)::int`]),
  );
  const clockSums = Object.fromEntries(SLA_CLOCKS.flatMap((clock) => (['n', 'met', 'breached'] as const).map((what) => [`${what}_${clock}`, int(`${clock.toLowerCase()}_${what}` as RollupMeasure)])));
  // Means as Σ ÷ n in numeric, exact whichever rows the sums come from.
  const mean = (total: RollupMeasure, n: RollupMeasure) => sql<number | null>`(${sum(total)}::numeric / nullif(${sum(n)}, 0) / 1000)::float8`;
  const sets = groupingSets(dims);
  const query = db
    .select({
      ...dims,
      total: sets.total,
      complaints: int('complaints'),
      ...byStatus,
      major: sql<number>`coalesce(${sum('complaints')} filter (where ${rows.severity} = 'MAJOR'), 0)::int`,
      accepted: int('accepted'),
      acceptMean: mean('accept_ms_sum', 'accepted'),
      resolved: int('resolved'),
      resolveMean: mean('resolve_ms_sum', 'resolved'),
      returnVisited: int('visited'),
      rvScored: int('survey_scored'),
      rvSum: int('survey_score_sum'),
      rvSatisfied: int('survey_satisfied'),
      repeats: int('repeats'),
      ...clockSums,
    })
    .from(rows)
    .$dynamic();
  return (await withOrgJoins(query, rows.projectId, groups, f)
    .where(and(...orgConditions(f, rows.projectId)))
    .groupBy(sets.groupBy)
    .orderBy(...sets.orderBy)) as Record<string, unknown>[];
}

/**
 * What both statements over `complaint_facts` (percentiles, late cycles) group and filter by: the
 * dimensions with the org by ID alone, and the period's, the filter's and the viewer's conditions.
 */
type FactsScope = { dims: Record<string, SQL>; sets: ReturnType<typeof groupingSets>; where: SQL | undefined; joins: <Q extends PgSelect>(q: Q) => Q };

function factsScope(ctx: Context, f: ComplaintStatsFilter, conds: Conditions, groups: StatsGroup[], window: Window | null): FactsScope {
  const dims = dimsOf(ctx, groups, orgIdDims(groups, facts.projectId), facts, facts.receivedAt, false);
  return {
    dims,
    sets: groupingSets(dims),
    where: and(window ? windowOf(facts.receivedAt, window) : undefined, ...orgConditions(f, facts.projectId), ...conds.facts),
    joins: (q) => withOrgJoins(q, facts.projectId, groups, f, { names: false }),
  };
}

/** p50 and p90 of the times to accept and to resolve, of each cell and of the total (exact: from the complaints' facts). */
async function percentilesOf(db: DbOrTx, s: FactsScope): Promise<Record<string, unknown>[]> {
  const pct = (p: string, column: AnyColumn) => sql<number | null>`percentile_cont(${sql.raw(p)}) within group (order by ${column}) / 1000`;
  const query = db
    .select({
      ...s.dims,
      total: s.sets.total,
      acceptP50: pct('0.5', facts.acceptMs),
      acceptP90: pct('0.9', facts.acceptMs),
      resolveP50: pct('0.5', facts.resolveMs),
      resolveP90: pct('0.9', facts.resolveMs),
    })
    .from(facts)
    .$dynamic();
  return (await s.joins(query).where(s.where).groupBy(s.sets.groupBy)) as Record<string, unknown>[];
}

/**
 * The open clock cycles already past due but not (yet) marked breached, per clock, of each cell
 * and of the total: missed now, like the breached ones. Few rows (a partial index of the open
 * cycles), joined to their complaints' facts.
 */
async function lateOf(db: DbOrTx, ctx: Context, s: FactsScope): Promise<Record<string, unknown>[]> {
  const k = slaClocks;
  const counts = Object.fromEntries(SLA_CLOCKS.map((clock) => [`late_${clock}`, sql<number>`(count(*) filter (where ${k.clock} = ${sql.raw(`'${clock}'`)}))::int`]));
  const query = db
    .select({ ...s.dims, total: s.sets.total, ...counts })
    .from(k)
    .innerJoin(facts, eq(facts.complaintId, k.complaintId))
    .$dynamic();
  return (await s
    .joins(query)
    .where(and(isNull(k.stoppedAt), isNull(k.breachedAt), lte(k.dueAt, ctx.now()), s.where))
    .groupBy(s.sets.groupBy)) as Record<string, unknown>[];
}

@Resolver()
export class ComplaintStatsResolver {
  @Authorized(READERS)
  @Extensions(CACHEABLE_FOR_BI)
  @Query(() => ComplaintStatsResult, {
    description:
      '投诉统计 (SPEC §2 BI statistics): counts by status, MAJOR and repeat complaints, p50/p90 and mean time to accept and to resolve, on-time rate per SLA clock (及时率), return-visit rate and score, grouped by PROJECT, CITY_COMPANY, REGION, CATEGORY, KIND, SEVERITY and one time bucket of the receipt (DAY … YEAR, business time zone). ' +
      'Exact at the time of the request; ANALYST may read it. Counts the complaints the viewer may see (scope; CONFIDENTIAL/SECRET customers’ only for ADMIN and MANAGER; a HANDLER its department’s).',
  })
  complaintStats(
    @Arg('filter', () => ComplaintStatsFilter, { nullable: true, description: 'Which complaints count.' }) filter: ComplaintStatsFilter | null,
    @Arg('groupBy', () => [StatsGroup], { nullable: true, description: 'Dimensions to group by; none: one cell of everything.' }) groupBy: StatsGroup[] | null,
    @Arg('period', () => StatsPeriodInput, { nullable: true, description: 'The period (receipt time); all time by default.' }) period: StatsPeriodInput | null,
    @Ctx() ctx: Context,
  ): Promise<ComplaintStatsResult> {
    return complaintStats(ctx, filter, groupBy, period);
  }
}
