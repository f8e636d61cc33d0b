import { and, eq, gte, inArray, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { Arg, Authorized, Ctx, Extensions, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { CACHEABLE_FOR_BI } from '../../graphql/cache-hints.js';
import { complaintFacts, slaClocks } from '../../db/schema/index.js';
import { COMPLAINT_STATUSES, SLA_CLOCKS, type ComplaintCategory, type ComplaintKind, type ComplaintStatus, type Severity, type SlaClockKind } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { ComplaintCategoryEnum, ComplaintKindEnum, ComplaintStatusEnum, SeverityEnum, SlaClockEnum } from '../../graphql/enums.js';
import {
  checkGroups,
  checkPeriod,
  groupingSets,
  groupOf,
  orgConditions,
  orgDims,
  OrgStatsFilter,
  percent,
  StatsCellGroup,
  StatsGroup,
  TIME_GROUPS,
  StatsPeriodInput,
  timeDims,
  withOrgJoins,
  withPrevious,
} from '../stats/stats.js';

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
 * 投诉统计 (SPEC §2 BI statistics): one statement per period, its cells and total together
 * (GROUPING SETS), over `complaint_facts` (the narrow copy of each complaint with its clock
 * counters, kept by triggers in every writing transaction, so exact at the time of the request)
 * and the open clock cycles already past due. Return visits are the survey
 * responses that follow the complaints (recordReturnVisit writes them), counted on each
 * complaint's row in the response's transaction, so the figures come from one place.
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

async function run(ctx: Context, f: ComplaintStatsFilter, groups: StatsGroup[], window: { from: Date; to: Date } | null): Promise<ComplaintStatsResult> {
  const c = complaintFacts;
  const dims: Record<string, SQL> = orgDims(groups);
  if (groups.includes(StatsGroup.CATEGORY)) Object.assign(dims, { category: sql<string>`${c.category}` });
  if (groups.includes(StatsGroup.KIND)) Object.assign(dims, { kind: sql<string>`${c.kind}` });
  if (groups.includes(StatsGroup.SEVERITY)) Object.assign(dims, { severity: sql<string>`${c.severity}` });
  Object.assign(dims, timeDims(groups, c.receivedAt, ctx.config.businessTimeZone));
  const where = and(
    await ctx.access.complaintCondition(c),
    window ? gte(c.receivedAt, window.from) : undefined,
    window ? lt(c.receivedAt, window.to) : undefined,
    ...orgConditions(f, c.projectId),
    f.kinds?.length ? inArray(c.kind, f.kinds) : undefined,
    f.categories?.length ? inArray(c.category, f.categories) : undefined,
    f.severities?.length ? inArray(c.severity, f.severities) : undefined,
    f.statuses?.length ? inArray(c.status, f.statuses) : undefined,
  );
  const statusCounts = Object.fromEntries(COMPLAINT_STATUSES.map((s) => [`st_${s}`, sql<number>`(count(*) filter (where ${c.status} = ${sql.raw(`'${s}'`)}))::int`]));
  // The open cycles already past due but not (yet) marked breached: missed now, like the breached
  // ones. Few rows (a partial index of the open cycles), joined to their complaints' facts.
  const k = slaClocks;
  const lateCounts = Object.fromEntries(
    SLA_CLOCKS.map((clock) => [clock, sql<number>`count(*) filter (where ${k.clock} = ${sql.raw(`'${clock}'`)})`.as(`late_${clock.toLowerCase()}`)]),
  ) as Record<SlaClockKind, SQL.Aliased<number>>;
  const late = ctx.readDb
    .select({ complaintId: sql<number>`${k.complaintId}`.as('late_complaint_id'), ...lateCounts })
    .from(k)
    .where(and(isNull(k.stoppedAt), isNull(k.breachedAt), lte(k.dueAt, ctx.now())))
    .groupBy(k.complaintId)
    .as('late');
  // Per SLA clock: cycles, met, breached and late.
  const clockSums = Object.fromEntries(
    SLA_CLOCKS.flatMap((clock) => [
      ...(['n', 'met', 'breached'] as const).map((what) => [`${what}_${clock}`, sql<number>`coalesce(sum(${c[`${clock}_${what}`]}), 0)::int`]),
      [`late_${clock}`, sql<number>`coalesce(sum(${late[clock]}), 0)::int`],
    ]),
  );
  const measures = {
    complaints: sql<number>`count(*)::int`,
    ...statusCounts,
    major: sql<number>`(count(*) filter (where ${c.severity} = 'MAJOR'))::int`,
    accepted: sql<number>`count(${c.acceptMs})::int`,
    acceptMean: sql<number | null>`(avg(${c.acceptMs}) / 1000)::float8`,
    acceptP50: sql<number | null>`percentile_cont(0.5) within group (order by ${c.acceptMs}) / 1000`,
    acceptP90: sql<number | null>`percentile_cont(0.9) within group (order by ${c.acceptMs}) / 1000`,
    resolved: sql<number>`count(${c.resolveMs})::int`,
    resolveMean: sql<number | null>`(avg(${c.resolveMs}) / 1000)::float8`,
    resolveP50: sql<number | null>`percentile_cont(0.5) within group (order by ${c.resolveMs}) / 1000`,
    resolveP90: sql<number | null>`percentile_cont(0.9) within group (order by ${c.resolveMs}) / 1000`,
    // Return visits: the counters of the survey responses that follow each complaint.
    returnVisited: sql<number>`(count(*) filter (where ${c.surveyResponses} > 0))::int`,
    rvScored: sql<number>`coalesce(sum(${c.surveyScored}), 0)::int`,
    rvSum: sql<number>`coalesce(sum(${c.surveyScoreSum}), 0)::int`,
    rvSatisfied: sql<number>`coalesce(sum(${c.surveySatisfied}), 0)::int`,
    repeats: sql<number>`(count(*) filter (where ${c.repeat}))::int`,
    ...clockSums,
  };
  // One statement, cells and total together (GROUPING SETS): one snapshot, so the cells add up to
  // the total and no clock cycle is counted twice or missed while the scheduler marks breaches.
  const sets = groupingSets(dims);
  const query = ctx.readDb
    .select({ ...dims, total: sets.total, ...measures })
    .from(c)
    .leftJoin(late, eq(late.complaintId, c.complaintId))
    .$dynamic();
  const rows = await withOrgJoins(query, c.projectId, groups, f)
    .where(where)
    .groupBy(sets.groupBy)
    .orderBy(...sets.orderBy);
  const num = (v: unknown) => (v == null ? null : Number(v));
  const cells: ComplaintStatsCell[] = [];
  let total = cellOf(groupOf({}), ZERO, new Map());
  for (const row of rows as Record<string, unknown>[]) {
    const m: Measures = {
      complaints: Number(row.complaints),
      statuses: COMPLAINT_STATUSES.map((s) => Number(row[`st_${s}`])),
      major: Number(row.major),
      accepted: Number(row.accepted),
      acceptMean: num(row.acceptMean),
      acceptP50: num(row.acceptP50),
      acceptP90: num(row.acceptP90),
      resolved: Number(row.resolved),
      resolveMean: num(row.resolveMean),
      resolveP50: num(row.resolveP50),
      resolveP90: num(row.resolveP90),
      returnVisited: Number(row.returnVisited),
      rvScored: Number(row.rvScored),
      rvSum: Number(row.rvSum),
      rvSatisfied: Number(row.rvSatisfied),
      repeats: Number(row.repeats),
    };
    const group = Number(row.total) !== 0 ? groupOf({}) : groupOf(row);
    const clocks: Clocks = new Map(
      SLA_CLOCKS.map((clock) => {
        const met = Number(row[`met_${clock}`]);
        const missed = Number(row[`breached_${clock}`]) + Number(row[`late_${clock}`]);
        return [clock, { met, missed, pending: Number(row[`n_${clock}`]) - met - missed }];
      }),
    );
    const cell = cellOf(group, m, clocks);
    if (Number(row.total) !== 0) total = cell;
    else cells.push(cell);
  }
  return Object.assign(new ComplaintStatsResult(), { cells, total });
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
