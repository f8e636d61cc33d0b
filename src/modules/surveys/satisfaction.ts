import { and, eq, gte, inArray, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { Arg, Authorized, Ctx, Extensions, Field, Float, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { sqlLiteral } from '../../db/literal.js';
import { CACHEABLE_FOR_BI } from '../../graphql/cache-hints.js';
import { surveyAnswers, surveyQuestions, surveyResponseRollups, surveyResponses, surveyTemplates } from '../../db/schema/index.js';
import type { Dimension, ProjectStage, Segment, SurveyTemplateKind } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { DimensionEnum, ProjectStageEnum, SegmentEnum, SurveyTemplateKindEnum } from '../../graphql/enums.js';
import { checkGroups, checkPeriod, groupingSets, groupOf, minus, type MonthSplit, orgConditions, orgDims, OrgStatsFilter, percent, splitByMonths, StatsCellGroup, StatsGroup, TIME_GROUPS, StatsPeriodInput, timeDims, timeGroupOf, withOrgJoins, withPrevious } from '../stats/stats.js';
import type { PgSelect } from 'drizzle-orm/pg-core';
import { codesOf } from '../touchpoints/touchpoint.service.js';

const SUPPORTED = [
  StatsGroup.PROJECT,
  StatsGroup.CITY_COMPANY,
  StatsGroup.REGION,
  StatsGroup.TEMPLATE,
  StatsGroup.DIMENSION,
  StatsGroup.QUESTION,
  StatsGroup.SEGMENT,
  StatsGroup.STAGE,
  ...TIME_GROUPS,
];

@InputType({ description: 'Filter for `satisfactionStats`: which responses (and, by question or dimension, which answers) count. All given conditions must hold.' })
export class SatisfactionStatsFilter extends OrgStatsFilter {
  @Field(() => [String], { nullable: true, description: 'Template codes (any of), every version.' })
  templateCodes?: string[];

  @Field(() => [SurveyTemplateKindEnum], { nullable: true, description: 'Template kinds (any of).' })
  kinds?: SurveyTemplateKind[];

  @Field(() => [ProjectStageEnum], { nullable: true, description: 'Stages (any of).' })
  stages?: ProjectStage[];

  @Field(() => [SegmentEnum], { nullable: true, description: 'Customer segments at response time (any of).' })
  segments?: Segment[];

  @Field(() => [DimensionEnum], { nullable: true, description: 'Dimensions (any of); only with groupBy DIMENSION or QUESTION.' })
  dimensions?: Dimension[];

  @Field(() => [String], { nullable: true, description: 'Question codes (any of); only with groupBy DIMENSION or QUESTION.' })
  questionCodes?: string[];
}

@ObjectType({ description: 'How many scores of one value a cell has.' })
export class ScoreCount {
  @Field(() => Int, { description: 'The score: 1–5 (5 非常满意, 4 满意, 3 一般, 2 不满意, 1 很不满意).' })
  score!: number;

  @Field(() => Int, { description: 'How many.' })
  count!: number;
}

@ObjectType({ description: 'Period-over-period changes of a cell: this period minus the previous one, in points; null when either is null.' })
export class SatisfactionDelta {
  @Field(() => Float, { nullable: true, description: 'Change of `mean`.' })
  mean!: number | null;

  @Field(() => Float, { nullable: true, description: 'Change of `csat`, in percentage points.' })
  csat!: number | null;

  @Field(() => Float, { nullable: true, description: 'Change of `nps`, in points.' })
  nps!: number | null;

  @Field(() => Int, { description: 'Change of `responses`.' })
  responses!: number;
}

@ObjectType({
  description:
    'Satisfaction of one group (满意度统计). Without DIMENSION or QUESTION in groupBy the unit is the response: scores are the OVERALL answers (`overallScore`). With DIMENSION or QUESTION the unit is the answer: scores are the answers (1–5) to the SCORE and OVERALL questions of the group, and NPS comes from the answers to NPS questions. ' +
    'Every ratio is null, never NaN, when its divisor is 0. One row per cell maps straight into a BI table: the group’s key columns, then these measures.',
})
export class SatisfactionCell {
  @Field(() => StatsCellGroup, { description: 'What the cell is for.' })
  group!: StatsCellGroup;

  @Field(() => Int, { description: 'Responses in the cell (each counted once).' })
  responses!: number;

  @Field(() => Int, { description: 'Scores counted (1–5): the divisor of `mean` and `csat`.' })
  scored!: number;

  @Field(() => Float, { nullable: true, description: 'Mean score (1–5): the sum of the scores ÷ `scored`. Null when nothing is scored.' })
  mean!: number | null;

  @Field(() => Int, { description: 'Scores of 4 or 5 (满意 and 非常满意).' })
  satisfied!: number;

  @Field(() => Float, { nullable: true, description: 'CSAT, in percent: `satisfied` ÷ `scored` × 100 (share of scores 4–5). Null when nothing is scored.' })
  csat!: number | null;

  @Field(() => [ScoreCount], { description: 'Distribution of the scores: one entry per score 1–5, in order, zeros included.' })
  distribution!: ScoreCount[];

  @Field(() => Int, { description: 'NPS answers (0–10): the divisor of `nps`.' })
  npsAnswers!: number;

  @Field(() => Int, { description: 'NPS answers of 9–10 (推荐者).' })
  promoters!: number;

  @Field(() => Int, { description: 'NPS answers of 7–8 (中立者).' })
  passives!: number;

  @Field(() => Int, { description: 'NPS answers of 0–6 (贬损者).' })
  detractors!: number;

  @Field(() => Float, { nullable: true, description: 'NPS: percent of promoters − percent of detractors, from −100 to 100: (promoters − detractors) ÷ npsAnswers × 100. Null without NPS answers.' })
  nps!: number | null;

  @Field(() => SatisfactionCell, { nullable: true, description: 'The same group over the previous period (with `period.compare`); a cell of zeros when the group had no responses then. Null without `compare`.' })
  previous!: SatisfactionCell | null;

  @Field(() => SatisfactionDelta, { nullable: true, description: 'This period minus the previous one (with `period.compare`).' })
  delta!: SatisfactionDelta | null;
}

@ObjectType({ description: 'Result of `satisfactionStats`.' })
export class SatisfactionStatsResult {
  @Field(() => [SatisfactionCell], { description: 'One cell per group that has responses, ordered by the group’s values. Groups without responses have no cell.' })
  cells!: SatisfactionCell[];

  @Field(() => SatisfactionCell, { description: 'Everything that matched together (its group is all null); a response is counted once even when it is in several cells.' })
  total!: SatisfactionCell;
}

type Measures = { responses: number; scored: number; sum: number; s1: number; s2: number; s3: number; s4: number; s5: number; npsAnswers: number; promoters: number; detractors: number };
const MEASURE_KEYS: (keyof Measures)[] = ['responses', 'scored', 'sum', 's1', 's2', 's3', 's4', 's5', 'npsAnswers', 'promoters', 'detractors'];

function cellOf(group: StatsCellGroup, m: Measures): SatisfactionCell {
  const satisfied = m.s4 + m.s5;
  return Object.assign(new SatisfactionCell(), {
    group,
    responses: m.responses,
    scored: m.scored,
    mean: m.scored === 0 ? null : m.sum / m.scored,
    satisfied,
    csat: percent(satisfied, m.scored),
    distribution: [m.s1, m.s2, m.s3, m.s4, m.s5].map((count, i) => Object.assign(new ScoreCount(), { score: i + 1, count })),
    npsAnswers: m.npsAnswers,
    promoters: m.promoters,
    passives: m.npsAnswers - m.promoters - m.detractors,
    detractors: m.detractors,
    nps: percent(m.promoters - m.detractors, m.npsAnswers),
    previous: null,
    delta: null,
  });
}

const ZERO: Measures = { responses: 0, scored: 0, sum: 0, s1: 0, s2: 0, s3: 0, s4: 0, s5: 0, npsAnswers: 0, promoters: 0, detractors: 0 };

/**
 * 满意度统计 (SPEC §2 BI statistics): one statement per period, the cells and the total together
 * (GROUPING SETS). Counts are exact integers; mean, CSAT and NPS are computed from them.
 */
export async function satisfactionStats(
  ctx: Context,
  filter: SatisfactionStatsFilter | null | undefined,
  groupBy: StatsGroup[] | null | undefined,
  period: StatsPeriodInput | null | undefined,
): Promise<SatisfactionStatsResult> {
  const groups = checkGroups(groupBy, SUPPORTED, 'satisfactionStats');
  const f = filter ?? {};
  const byAnswer = groups.includes(StatsGroup.DIMENSION) || groups.includes(StatsGroup.QUESTION);
  if (!byAnswer && (f.dimensions?.length || f.questionCodes?.length)) {
    throw AppError.badInput(f.dimensions?.length ? 'filter.dimensions' : 'filter.questionCodes', 'filters answers: group by DIMENSION or QUESTION to use it');
  }
  checkPeriod(period);
  const current = await run(ctx, f, groups, byAnswer, period ? { from: period.from, to: period.to } : null);
  if (!period?.compare) return current;
  await withPrevious(current, period, groups, ctx.config.businessTimeZone, (window, g) => run(ctx, f, [...g], byAnswer, window), (c, found) => {
    const p = found ?? cellOf(c.group, ZERO);
    Object.assign(c, {
      previous: p,
      delta: Object.assign(new SatisfactionDelta(), { mean: minus(c.mean, p.mean), csat: minus(c.csat, p.csat), nps: minus(c.nps, p.nps), responses: c.responses - p.responses }),
    });
  });
  return current;
}

/**
 * Which responses (joined to their project, city company, region and template) and, joined to
 * answers and questions, which answers a statistics filter keeps: the viewer's visibility, the
 * period and the filter's conditions.
 */
async function responseConditions(ctx: Context, f: SatisfactionStatsFilter, window: { from: Date; to: Date } | null): Promise<(SQL | undefined)[]> {
  return [...(await rawConditions(ctx, window ? [window] : 'all', f)), ...factConditions(surveyResponses, f), ...answerConditions(f)];
}

/** Which answers (joined to their questions) a filter keeps: its dimensions and question codes. */
export function answerConditions(f: SatisfactionStatsFilter): (SQL | undefined)[] {
  const questionCodes = codesOf(f.questionCodes, 'filter.questionCodes');
  return [
    f.dimensions?.length ? inArray(surveyQuestions.dimension, f.dimensions) : undefined,
    questionCodes ? inArray(surveyQuestions.code, questionCodes) : undefined,
  ];
}

async function run(ctx: Context, f: SatisfactionStatsFilter, groups: StatsGroup[], byAnswer: boolean, window: { from: Date; to: Date } | null): Promise<SatisfactionStatsResult> {
  return byAnswer ? runByAnswer(ctx, f, groups, window) : runByResponse(ctx, f, groups, window);
}

type RollupColumns = { projectId: AnyColumn; restricted: AnyColumn; month: AnyColumn; stage: AnyColumn; segment: AnyColumn };

/** Which rows of a survey rollup count: the viewer's visibility, the whole months (or all), stages and segments. */
export async function rollupConditions(ctx: Context, t: RollupColumns, months: MonthSplit['months'], f: SatisfactionStatsFilter): Promise<(SQL | undefined)[]> {
  return [
    await ctx.access.customerRollupCondition(t.projectId, t.restricted),
    months && months !== 'all' ? gte(t.month, months.from) : undefined,
    months && months !== 'all' ? lt(t.month, months.to) : undefined,
    f.stages?.length ? inArray(t.stage, f.stages) : undefined,
    f.segments?.length ? inArray(t.segment, f.segments) : undefined,
  ];
}

/** Which responses count outside the rollup: the viewer's visibility, the partial windows (or all), stages and segments. */
export async function rawConditions(ctx: Context, raw: MonthSplit['raw'], f: SatisfactionStatsFilter): Promise<(SQL | undefined)[]> {
  const r = surveyResponses;
  return [
    await ctx.access.customerRecordCondition(r.projectId, r.customerId),
    raw === 'all' ? undefined : or(...raw.map((w) => and(gte(r.submittedAt, w.from), lt(r.submittedAt, w.to)))),
    f.stages?.length ? inArray(r.stage, f.stages) : undefined,
    f.segments?.length ? inArray(r.segment, f.segments) : undefined,
  ];
}

/**
 * The responses a response-level statistic counts, as rows of the monthly rollup for the whole
 * local months of the window and one row per response for the rest (the partial months at its
 * edges; everything when grouped by DAY or WEEK): the same columns either way, summed by the
 * caller. Both parts are filtered by the viewer's visibility, the window, stages and segments.
 */
async function responseFacts(ctx: Context, f: SatisfactionStatsFilter, groups: readonly StatsGroup[], window: { from: Date; to: Date } | null) {
  const t = surveyResponseRollups;
  const r = surveyResponses;
  const time = timeGroupOf(groups);
  const split = splitByMonths(window, ctx.config.businessTimeZone, time !== StatsGroup.DAY && time !== StatsGroup.WEEK);
  const zone = sqlLiteral(ctx.config.businessTimeZone);
  const fromRollup = () =>
    ctx.readDb
      .select({
        projectId: sql<number>`${t.projectId}`.as('project_id'),
        templateId: sql<number>`${t.templateId}`.as('template_id'),
        segment: sql<Segment>`${t.segment}`.as('response_segment'),
        stage: sql<ProjectStage>`${t.stage}`.as('response_stage'),
        local: sql<string>`${t.month}::timestamp`.as('local'),
        responses: sql<number>`${t.responses}`.as('responses'),
        scored: sql<number>`${t.scored}`.as('scored'),
        scoreSum: sql<number>`${t.scoreSum}`.as('score_sum'),
        s1: sql<number>`${t.s1}`.as('s1'),
        s2: sql<number>`${t.s2}`.as('s2'),
        s3: sql<number>`${t.s3}`.as('s3'),
        s4: sql<number>`${t.s4}`.as('s4'),
        s5: sql<number>`${t.s5}`.as('s5'),
        npsAnswers: sql<number>`${t.npsAnswers}`.as('nps_answers'),
        promoters: sql<number>`${t.promoters}`.as('promoters'),
        detractors: sql<number>`${t.detractors}`.as('detractors'),
      })
      .from(t);
  const fromRows = () =>
    ctx.readDb
      .select({
        projectId: sql<number>`${r.projectId}`.as('project_id'),
        templateId: sql<number>`${r.templateId}`.as('template_id'),
        segment: sql<Segment>`${r.segment}`.as('response_segment'),
        stage: sql<ProjectStage>`${r.stage}`.as('response_stage'),
        local: sql<string>`${r.submittedAt} at time zone ${zone}`.as('local'),
        responses: sql<number>`1`.as('responses'),
        scored: sql<number>`(${r.overallScore} is not null)::int`.as('scored'),
        scoreSum: sql<number>`coalesce(${r.overallScore}, 0)`.as('score_sum'),
        s1: sql<number>`(${r.overallScore} = 1)::int`.as('s1'),
        s2: sql<number>`(${r.overallScore} = 2)::int`.as('s2'),
        s3: sql<number>`(${r.overallScore} = 3)::int`.as('s3'),
        s4: sql<number>`(${r.overallScore} = 4)::int`.as('s4'),
        s5: sql<number>`(${r.overallScore} = 5)::int`.as('s5'),
        npsAnswers: sql<number>`(${r.npsScore} is not null)::int`.as('nps_answers'),
        promoters: sql<number>`(${r.npsScore} >= 9)::int`.as('promoters'),
        detractors: sql<number>`(${r.npsScore} <= 6)::int`.as('detractors'),
      })
      .from(r);
  const parts = [];
  if (split.months) {
    const m = split.months;
    parts.push(
      fromRollup().where(and(...(await rollupConditions(ctx, t, m, f)))),
    );
  }
  if (split.raw === 'all' || split.raw.length) {
    const raw = split.raw;
    parts.push(
      fromRows().where(and(...(await rawConditions(ctx, raw, f)))),
    );
  }
  const [first, second] = parts;
  return (second ? first!.unionAll(second) : first!).as('facts');
}

/** Responses, or facts about them (rollup rows, response rows): their project and template version. */
type Facts = { projectId: AnyColumn | SQL.Aliased<number>; templateId: AnyColumn | SQL.Aliased<number> };

/**
 * Joins to a query over responses or facts what its groups and filter need: the org tables
 * (withOrgJoins) and `survey_templates` (for TEMPLATE, or a filter on template codes or kinds).
 */
export function withFactJoins<Q extends PgSelect>(query: Q, facts: Facts, groups: readonly StatsGroup[], f: SatisfactionStatsFilter): Q {
  const q = withOrgJoins(query, facts.projectId, groups, f);
  const template = groups.includes(StatsGroup.TEMPLATE) || !!f.templateCodes?.length || !!f.kinds?.length;
  return (template ? q.innerJoin(surveyTemplates, eq(surveyTemplates.id, facts.templateId)) : q) as Q;
}

/** The org and template conditions of a filter on facts joined by {@link withFactJoins}. */
export function factConditions(facts: Facts, f: SatisfactionStatsFilter): (SQL | undefined)[] {
  const templateCodes = codesOf(f.templateCodes, 'filter.templateCodes');
  return [
    ...orgConditions(f, facts.projectId),
    templateCodes ? inArray(surveyTemplates.code, templateCodes) : undefined,
    f.kinds?.length ? inArray(surveyTemplates.kind, f.kinds) : undefined,
  ];
}

/** A response-level statistic (the OVERALL and NPS scores of each response): sums of {@link responseFacts}. */
async function runByResponse(ctx: Context, f: SatisfactionStatsFilter, groups: StatsGroup[], window: { from: Date; to: Date } | null): Promise<SatisfactionStatsResult> {
  const facts = await responseFacts(ctx, f, groups, window);
  const dims: Record<string, SQL> = orgDims(groups);
  if (groups.includes(StatsGroup.TEMPLATE)) Object.assign(dims, { templateCode: sql<string>`${surveyTemplates.code}` });
  if (groups.includes(StatsGroup.SEGMENT)) Object.assign(dims, { segment: sql<string>`${facts.segment}` });
  if (groups.includes(StatsGroup.STAGE)) Object.assign(dims, { stage: sql<string>`${facts.stage}` });
  Object.assign(dims, timeDims(groups, sql`${facts.local}`, ctx.config.businessTimeZone, { local: true }));
  const sets = groupingSets(dims);
  // The latest version's name among those with responses (a rollup row can be left with none).
  const names: Record<string, SQL> = groups.includes(StatsGroup.TEMPLATE)
    ? { templateName: sql<string>`(array_agg(${surveyTemplates.name} order by ${surveyTemplates.version} desc) filter (where ${facts.responses} > 0))[1]` }
    : {};
  const sum = (column: SQL.Aliased<number>) => sql<number>`coalesce(sum(${column}), 0)::int`;
  const query = ctx.readDb
    .select({
      ...dims,
      ...names,
      total: sets.total,
      responses: sum(facts.responses),
      scored: sum(facts.scored),
      sum: sum(facts.scoreSum),
      s1: sum(facts.s1),
      s2: sum(facts.s2),
      s3: sum(facts.s3),
      s4: sum(facts.s4),
      s5: sum(facts.s5),
      npsAnswers: sum(facts.npsAnswers),
      promoters: sum(facts.promoters),
      detractors: sum(facts.detractors),
    })
    .from(facts)
    .$dynamic();
  const rows = await withFactJoins(query, facts, groups, f)
    .where(and(...factConditions(facts, f)))
    .groupBy(sets.groupBy)
    .orderBy(...sets.orderBy);
  return resultOf(rows as (Record<string, unknown> & { total: number })[]);
}

/** The cells and the total of a statement's rows (a cell whose responses were all moved away by a rollup has none, and no cell). */
function resultOf(rows: (Record<string, unknown> & { total: number })[]): SatisfactionStatsResult {
  let total = cellOf(groupOf({}), ZERO);
  const cells: SatisfactionCell[] = [];
  for (const row of rows) {
    const m = Object.fromEntries(MEASURE_KEYS.map((k) => [k, Number(row[k])])) as Measures;
    if (Number(row.total) !== 0) total = cellOf(groupOf({}), m);
    else if (m.responses > 0) cells.push(cellOf(groupOf(row), m));
  }
  return Object.assign(new SatisfactionStatsResult(), { cells, total });
}

/** A statistic grouped by DIMENSION or QUESTION: the answers, from the raw rows. */
async function runByAnswer(ctx: Context, f: SatisfactionStatsFilter, groups: StatsGroup[], window: { from: Date; to: Date } | null): Promise<SatisfactionStatsResult> {
  const r = surveyResponses;
  const q = surveyQuestions;
  const a = surveyAnswers;
  const dims: Record<string, SQL> = orgDims(groups);
  if (groups.includes(StatsGroup.TEMPLATE)) Object.assign(dims, { templateCode: sql<string>`${surveyTemplates.code}` });
  if (groups.includes(StatsGroup.DIMENSION)) Object.assign(dims, { dimension: sql<string>`${q.dimension}` });
  if (groups.includes(StatsGroup.QUESTION)) Object.assign(dims, { questionCode: sql<string>`${q.code}` });
  if (groups.includes(StatsGroup.SEGMENT)) Object.assign(dims, { segment: sql<string>`${r.segment}` });
  if (groups.includes(StatsGroup.STAGE)) Object.assign(dims, { stage: sql<string>`${r.stage}` });
  Object.assign(dims, timeDims(groups, r.submittedAt, ctx.config.businessTimeZone));
  const sets = groupingSets(dims);
  // A template's versions may differ in name: the cell shows the latest version's (not a group key).
  const names: Record<string, SQL> = groups.includes(StatsGroup.TEMPLATE) ? { templateName: sql<string>`(array_agg(${surveyTemplates.name} order by ${surveyTemplates.version} desc))[1]` } : {};
  const score = sql`(case when ${q.kind} in ('SCORE', 'OVERALL') then ${a.score} end)`;
  const npsScore = sql`(case when ${q.kind} = 'NPS' then ${a.score} end)`;
  const query = ctx.readDb
    .select({
      ...dims,
      ...names,
      total: sets.total,
      responses: sql<number>`count(distinct ${r.id})::int`,
      scored: sql<number>`count(${score})::int`,
      sum: sql<number>`coalesce(sum(${score}), 0)::int`,
      s1: sql<number>`(count(*) filter (where ${score} = 1))::int`,
      s2: sql<number>`(count(*) filter (where ${score} = 2))::int`,
      s3: sql<number>`(count(*) filter (where ${score} = 3))::int`,
      s4: sql<number>`(count(*) filter (where ${score} = 4))::int`,
      s5: sql<number>`(count(*) filter (where ${score} = 5))::int`,
      npsAnswers: sql<number>`count(${npsScore})::int`,
      promoters: sql<number>`(count(*) filter (where ${npsScore} >= 9))::int`,
      detractors: sql<number>`(count(*) filter (where ${npsScore} <= 6))::int`,
    })
    .from(r)
    .innerJoin(a, eq(a.responseId, r.id))
    .innerJoin(q, eq(q.id, a.questionId))
    .$dynamic();
  const rows = await withFactJoins(query, r, groups, f)
    .where(
      and(...(await responseConditions(ctx, f, window)), groups.includes(StatsGroup.DIMENSION) ? sql`${q.dimension} is not null` : undefined),
    )
    .groupBy(sets.groupBy)
    .orderBy(...sets.orderBy);
  return resultOf(rows as (Record<string, unknown> & { total: number })[]);
}

@Resolver()
export class SatisfactionStatsResolver {
  @Authorized(READERS)
  @Extensions(CACHEABLE_FOR_BI)
  @Query(() => SatisfactionStatsResult, {
    description:
      '满意度统计 (SPEC §2 BI statistics): responses, mean score, CSAT (% of scores 4–5), NPS (% promoters 9–10 − % detractors 0–6) and the distribution, grouped by PROJECT, CITY_COMPANY, REGION, TEMPLATE, DIMENSION, QUESTION, SEGMENT (at response time), STAGE and one time bucket of the submission (DAY … YEAR, business time zone). ' +
      'The mean and CSAT are of the OVERALL question unless grouped by DIMENSION or QUESTION. Exact; ANALYST may read it. Counts what the viewer may see (scope; CONFIDENTIAL/SECRET customers’ responses only for ADMIN and MANAGER).',
  })
  satisfactionStats(
    @Arg('filter', () => SatisfactionStatsFilter, { nullable: true, description: 'Which responses count.' }) filter: SatisfactionStatsFilter | null,
    @Arg('groupBy', () => [StatsGroup], { nullable: true, description: 'Dimensions to group by; none: one cell of everything.' }) groupBy: StatsGroup[] | null,
    @Arg('period', () => StatsPeriodInput, { nullable: true, description: 'The period (submission time); all time by default.' }) period: StatsPeriodInput | null,
    @Ctx() ctx: Context,
  ): Promise<SatisfactionStatsResult> {
    return satisfactionStats(ctx, filter, groupBy, period);
  }
}
