import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { Arg, Authorized, Ctx, Extensions, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { CACHEABLE_FOR_BI } from '../../graphql/cache-hints.js';
import { plannedTouchpoints, standardActionRules } from '../../db/schema/index.js';
import type { ProjectStage } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { ProjectStageEnum } from '../../graphql/enums.js';
import { checkGroups, checkPeriod, groupKeys, groupOf, minus, orgConditions, orgDims, OrgStatsFilter, percent, StatsCellGroup, StatsGroup, StatsPeriodInput, TIME_GROUPS, timeDims, withOrgJoins, withPrevious } from '../stats/stats.js';
import { codesOf } from './touchpoint.service.js';

/** The dimensions touchpoint compliance can be grouped by. */
const SUPPORTED = [
  StatsGroup.PROJECT,
  StatsGroup.CITY_COMPANY,
  StatsGroup.REGION,
  StatsGroup.RULE,
  StatsGroup.STAGE,
  ...TIME_GROUPS,
];

@InputType({ description: 'Filter for `touchpointCompliance`: which planned standard actions count. All given conditions must hold.' })
export class TouchpointComplianceFilter extends OrgStatsFilter {
  @Field(() => [String], { nullable: true, description: 'Standard action rule codes (any of).' })
  ruleCodes?: string[];

  @Field(() => [ProjectStageEnum], { nullable: true, description: 'Stages of the actions (any of).' })
  stages?: ProjectStage[];

  @Field({ nullable: true, description: 'Actions due at or after.' })
  dueFrom?: Date;

  @Field({ nullable: true, description: 'Actions due before.' })
  dueTo?: Date;
}

@ObjectType({
  description:
    'Compliance of one group of planned standard actions (6+2 执行情况). Counts are exact at the time of the request; every action is in exactly one of done, skipped, overdue and pending: ' +
    'planned = done + skipped + overdue + pending, and done = doneOnTime + doneLate.',
})
export class TouchpointComplianceCell {
  @Field(() => StatsCellGroup, { description: 'What the cell is for.' })
  group!: StatsCellGroup;

  @Field(() => Int, { description: 'Actions planned (every status).' })
  planned!: number;

  @Field(() => Int, { description: 'Actions done.' })
  done!: number;

  @Field(() => Int, { description: 'Actions done by their due time: the touchpoint that carried it out happened at or before `dueAt` (及时).' })
  doneOnTime!: number;

  @Field(() => Int, { description: 'Actions done after their due time.' })
  doneLate!: number;

  @Field(() => Int, { description: 'Actions past their due time and not done nor skipped (逾期未执行).' })
  overdue!: number;

  @Field(() => Int, { description: 'Actions skipped with a reason.' })
  skipped!: number;

  @Field(() => Int, { description: 'Actions not yet due and not done nor skipped.' })
  pending!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'On-time rate (及时率), in percent: doneOnTime ÷ (done + overdue), the actions that are done or should have been. Null when that is 0 (nothing has come due). Skipped and pending actions do not count.',
  })
  onTimeRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'Completion rate (执行率), in percent: done ÷ (planned − skipped). Null when that is 0.' })
  completionRate!: number | null;

  @Field(() => TouchpointComplianceCell, {
    nullable: true,
    description: 'The same group over the previous period (with `period.compare`); a cell of zeros when the group had no actions due then. Null without `compare`.',
  })
  previous!: TouchpointComplianceCell | null;

  @Field(() => TouchpointComplianceDelta, { nullable: true, description: 'This period minus the previous one (with `period.compare`).' })
  delta!: TouchpointComplianceDelta | null;
}

@ObjectType({ description: 'Period-over-period changes of a compliance cell: this period minus the previous one; rates in percentage points, null when either is null.' })
export class TouchpointComplianceDelta {
  @Field(() => Int, { description: 'Change of `planned`.' })
  planned!: number;

  @Field(() => Int, { description: 'Change of `done`.' })
  done!: number;

  @Field(() => Float, { nullable: true, description: 'Change of `onTimeRate`, in percentage points.' })
  onTimeRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'Change of `completionRate`, in percentage points.' })
  completionRate!: number | null;
}

@ObjectType({ description: 'Result of `touchpointCompliance`.' })
export class TouchpointComplianceResult {
  @Field(() => [TouchpointComplianceCell], { description: 'One cell per group that has actions, ordered by the group’s values. Groups without actions have no cell.' })
  cells!: TouchpointComplianceCell[];

  @Field(() => TouchpointComplianceCell, { description: 'All matching actions together (its group is all null).' })
  total!: TouchpointComplianceCell;
}

type Counts = { planned: number; done: number; doneOnTime: number; overdue: number; skipped: number };

function cell(group: StatsCellGroup, c: Counts): TouchpointComplianceCell {
  const doneLate = c.done - c.doneOnTime;
  const pending = c.planned - c.done - c.skipped - c.overdue;
  return Object.assign(new TouchpointComplianceCell(), {
    group,
    ...c,
    doneLate,
    pending,
    onTimeRate: percent(c.doneOnTime, c.done + c.overdue),
    completionRate: percent(c.done, c.planned - c.skipped),
    previous: null,
    delta: null,
  });
}

const ZERO: Counts = { planned: 0, done: 0, doneOnTime: 0, overdue: 0, skipped: 0 };

/**
 * 6+2 compliance (seed 003 §7): planned standard actions against what was done, done on time,
 * overdue and skipped, grouped as asked. One statement per period (`period.compare` adds the
 * previous one, as the other statistics). The viewer's visibility applies as in
 * `plannedTouchpoints` (scope; CONFIDENTIAL/SECRET customers' actions only for ADMIN and MANAGER).
 */
export async function touchpointCompliance(
  ctx: Context,
  filter: TouchpointComplianceFilter | null | undefined,
  groupBy: StatsGroup[] | null | undefined,
  period: StatsPeriodInput | null | undefined,
): Promise<TouchpointComplianceResult> {
  const groups = checkGroups(groupBy, SUPPORTED, 'touchpointCompliance');
  checkPeriod(period);
  const f = filter ?? {};
  const current = await run(ctx, f, groups, period ? { from: period.from, to: period.to } : null);
  if (!period?.compare) return current;
  await withPrevious(current, period, groups, ctx.config.businessTimeZone, (window, g) => run(ctx, f, [...g], window), (c, found) => {
    const p = found ?? cell(c.group, ZERO);
    Object.assign(c, {
      previous: p,
      delta: Object.assign(new TouchpointComplianceDelta(), {
        planned: c.planned - p.planned,
        done: c.done - p.done,
        onTimeRate: minus(c.onTimeRate, p.onTimeRate),
        completionRate: minus(c.completionRate, p.completionRate),
      }),
    });
  });
  return current;
}

/** One period's cells (one statement) and their total (summed: every action is in exactly one cell). */
async function run(ctx: Context, f: TouchpointComplianceFilter, groups: StatsGroup[], window: { from: Date; to: Date } | null): Promise<TouchpointComplianceResult> {
  const ruleCodes = codesOf(f.ruleCodes, 'filter.ruleCodes');
  const now = ctx.now().toISOString();
  const p = plannedTouchpoints;

  // The selected dimensions, each with its SQL; grouped and ordered in this order.
  const dims: Record<string, SQL> = orgDims(groups);
  if (groups.includes(StatsGroup.RULE)) Object.assign(dims, { ruleCode: sql<string>`${standardActionRules.code}`, ruleName: sql<string>`${standardActionRules.name}` });
  if (groups.includes(StatsGroup.STAGE)) Object.assign(dims, { stage: sql<string>`${p.stage}` });
  Object.assign(dims, timeDims(groups, p.dueAt, ctx.config.businessTimeZone));

  const open = sql`${p.status} in ('PLANNED', 'OVERDUE')`;
  let query = ctx.readDb
    .select({
      ...dims,
      planned: sql<number>`count(*)::int`,
      done: sql<number>`(count(*) filter (where ${p.status} = 'DONE'))::int`,
      doneOnTime: sql<number>`(count(*) filter (where ${p.status} = 'DONE' and ${p.doneAt} <= ${p.dueAt}))::int`,
      overdue: sql<number>`(count(*) filter (where ${open} and ${p.dueAt} <= ${now}::timestamptz))::int`,
      skipped: sql<number>`(count(*) filter (where ${p.status} = 'SKIPPED'))::int`,
    })
    .from(p)
    .$dynamic();
  query = withOrgJoins(query, p.projectId, groups, f);
  if (groups.includes(StatsGroup.RULE) || ruleCodes) query = query.innerJoin(standardActionRules, eq(standardActionRules.id, p.ruleId));
  const keys = groupKeys(dims);
  const rows = await query
    .where(
      and(
        await ctx.access.customerRecordCondition(p.projectId, p.customerId),
        ...orgConditions(f, p.projectId),
        ruleCodes ? inArray(standardActionRules.code, ruleCodes) : undefined,
        f.stages?.length ? inArray(p.stage, f.stages) : undefined,
        f.dueFrom ? gte(p.dueAt, f.dueFrom) : undefined,
        f.dueTo ? lt(p.dueAt, f.dueTo) : undefined,
        window ? gte(p.dueAt, window.from) : undefined,
        window ? lt(p.dueAt, window.to) : undefined,
      ),
    )
    .groupBy(...keys)
    .orderBy(...keys);

  const total: Counts = { ...ZERO };
  const cells = rows.map((r) => {
    const row = r as Record<string, unknown> & Counts;
    const counts: Counts = { planned: Number(row.planned), done: Number(row.done), doneOnTime: Number(row.doneOnTime), overdue: Number(row.overdue), skipped: Number(row.skipped) };
    for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += counts[k];
    return cell(groupOf(row), counts);
  });
  return Object.assign(new TouchpointComplianceResult(), { cells, total: cell(groupOf({}), total) });
}

@Resolver()
export class TouchpointComplianceResolver {
  @Authorized(READERS)
  @Extensions(CACHEABLE_FOR_BI)
  @Query(() => TouchpointComplianceResult, {
    description:
      '6+2 compliance (标准动作执行情况, seed 003 §7): planned standard actions against done, done on time, overdue and skipped, grouped by PROJECT, CITY_COMPANY, REGION, RULE, STAGE and one time bucket of the due time (DAY … YEAR). ' +
      'Exact; ANALYST may read it. Counts what the viewer may see (scope; CONFIDENTIAL/SECRET customers’ actions only for ADMIN and MANAGER).',
  })
  touchpointCompliance(
    @Arg('filter', () => TouchpointComplianceFilter, { nullable: true, description: 'Which planned actions count.' }) filter: TouchpointComplianceFilter | null,
    @Arg('groupBy', () => [StatsGroup], { nullable: true, description: 'Dimensions to group by; none: one cell of everything.' }) groupBy: StatsGroup[] | null,
    @Arg('period', () => StatsPeriodInput, { nullable: true, description: 'The period (due time of the actions), with `compare` for the previous period; together with `filter.dueFrom`/`dueTo` both apply.' })
    period: StatsPeriodInput | null,
    @Ctx() ctx: Context,
  ): Promise<TouchpointComplianceResult> {
    return touchpointCompliance(ctx, filter, groupBy, period);
  }
}
