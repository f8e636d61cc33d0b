import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { Arg, Authorized, Ctx, Extensions, Field, Float, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { CACHEABLE_FOR_BI } from '../../graphql/cache-hints.js';
import { surveyAnswers, surveyDriverRollups, surveyQuestions, surveyResponses } from '../../db/schema/index.js';
import { DIMENSIONS, type Dimension } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { DimensionEnum } from '../../graphql/enums.js';
import { checkPeriod, splitByMonths, StatsPeriodInput } from '../stats/stats.js';
import { codesOf } from '../touchpoints/touchpoint.service.js';
import { answerConditions, factConditions, rawConditions, rollupConditions, SatisfactionStatsFilter, withFactJoins } from './satisfaction.js';

/** Fewest response pairs a dimension needs for its correlation to mean something (and the least a caller may ask for). */
export const DRIVER_MIN_SAMPLE = 30;
const DRIVER_MIN_SAMPLE_FLOOR = 10;

export enum DriverQuadrant {
  STRENGTH = 'STRENGTH',
  IMPROVE_FIRST = 'IMPROVE_FIRST',
  MAINTAIN = 'MAINTAIN',
  LOW_PRIORITY = 'LOW_PRIORITY',
}
registerEnumType(DriverQuadrant, {
  name: 'DriverQuadrant',
  description:
    'Where a dimension falls in importance–performance analysis (重要性-表现分析). “High” means at or above the average over the dimensions with enough data: importance against the average importance, performance (mean score) against the average mean.',
  valuesConfig: {
    STRENGTH: { description: '优势保持 — important and performing well: keep it up' },
    IMPROVE_FIRST: { description: '优先改进 — important and performing below average: improve first' },
    MAINTAIN: { description: '维持 — less important and performing well: maintain, do not over-invest' },
    LOW_PRIORITY: { description: '次要改进 — less important and performing below average: improve later' },
  },
});

@ObjectType({ description: 'How one dimension drives overall satisfaction.' })
export class SatisfactionDriver {
  @Field(() => DimensionEnum, { description: 'The dimension.' })
  dimension!: Dimension;

  @Field(() => Int, { description: 'Responses that scored both this dimension and the OVERALL question (the sample).' })
  sample!: number;

  @Field(() => Float, { nullable: true, description: 'Mean score of the dimension (1–5) over the sample; a response with two questions of the dimension counts their mean. Null without a sample.' })
  mean!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Pearson correlation (−1…1) of the dimension’s score with the overall score over the sample. Null below the minimum sample, or when either score never varies.',
  })
  correlation!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Derived importance, in percent: the dimension’s positive correlation ÷ the sum of the positive correlations of the dimensions with enough data (a negative correlation counts 0). The importances add up to 100. Null when the correlation is null.',
  })
  importance!: number | null;

  @Field(() => DriverQuadrant, { nullable: true, description: 'Its quadrant; null when the correlation is null.' })
  quadrant!: DriverQuadrant | null;

  @Field({ description: 'Whether the sample reaches the minimum (`minSample`).' })
  sufficient!: boolean;
}

@ObjectType({ description: 'Result of `satisfactionDrivers`.' })
export class SatisfactionDriversResult {
  @Field(() => [SatisfactionDriver], { description: 'Every dimension, by importance (highest first), then those without enough data by name.' })
  drivers!: SatisfactionDriver[];

  @Field(() => Int, { description: 'The minimum sample applied.' })
  minSample!: number;

  @Field(() => Float, { nullable: true, description: 'Average mean score of the dimensions with enough data: the performance line between the quadrants.' })
  meanThreshold!: number | null;

  @Field(() => Float, { nullable: true, description: 'Average importance of the dimensions with enough data: the importance line between the quadrants.' })
  importanceThreshold!: number | null;

  @Field({ description: 'How the figures are computed.' })
  method!: string;
}

const METHOD =
  'Derived importance (关键驱动因素分析): for each dimension, the responses that scored it and the OVERALL question form the sample; ' +
  'a response scoring the dimension on several questions counts their mean. The Pearson correlation of the dimension score with the overall score ' +
  'is computed when the sample reaches the minimum; importance is the positive correlation as a share of the sum over the dimensions. ' +
  'Quadrants compare each dimension with the averages of importance and mean score over those dimensions.';

/**
 * Driver analysis: one statement (per dimension the sample, the mean and Pearson's r from the
 * sufficient statistics of {@link driverFacts}, in numeric), the importances and quadrants
 * computed from it.
 */
export async function satisfactionDrivers(
  ctx: Context,
  filter: SatisfactionStatsFilter | null | undefined,
  period: StatsPeriodInput | null | undefined,
  minSample: number | null | undefined,
): Promise<SatisfactionDriversResult> {
  const min = minSample ?? DRIVER_MIN_SAMPLE;
  if (!Number.isInteger(min) || min < DRIVER_MIN_SAMPLE_FLOOR) throw AppError.badInput('minSample', `must be an integer of at least ${DRIVER_MIN_SAMPLE_FLOOR}`);
  if (period?.compare) throw AppError.badInput('period.compare', 'driver analysis does not compare periods; ask for each period');
  checkPeriod(period);
  const f = filter ?? {};
  const pairs = await driverFacts(ctx, f, period ?? null);
  const n = sql`sum(${pairs.n})`;
  const [sx, sy, sxx, syy, sxy] = [pairs.sx, pairs.sy, pairs.sxx, pairs.syy, pairs.sxy].map((c) => sql`sum(${c})`);
  // Pearson's r from the sufficient statistics, in numeric (exact sums); null without variance (as corr()).
  const vx = sql`(${n} * ${sxx} - ${sx} * ${sx})`;
  const vy = sql`(${n} * ${syy} - ${sy} * ${sy})`;
  const query = ctx.readDb
    .select({
      dimension: pairs.dimension,
      sample: sql<number>`coalesce(${n}, 0)::int`,
      mean: sql<number | null>`(${sx} / nullif(${n}, 0))::float8`,
      r: sql<number | null>`(case when ${vx} > 0 and ${vy} > 0 then (${n} * ${sxy} - ${sx} * ${sy}) / sqrt(${vx} * ${vy}) end)::float8`,
    })
    .from(pairs)
    .$dynamic();
  const rows = await withFactJoins(query, pairs, [], f)
    .where(and(...factConditions(pairs, f)))
    .groupBy(pairs.dimension);
  const found = new Map(rows.map((row) => [row.dimension as Dimension, row]));
  const drivers = DIMENSIONS.map((dimension) => {
    const row = found.get(dimension);
    const sample = Number(row?.sample ?? 0);
    const sufficient = sample >= min;
    const r = sufficient && row?.r != null ? Number(row.r) : null;
    const d = new SatisfactionDriver();
    return Object.assign(d, { dimension, sample, mean: row?.mean == null ? null : Number(row.mean), correlation: r, importance: null as number | null, quadrant: null as DriverQuadrant | null, sufficient });
  });
  const rated = drivers.filter((d) => d.correlation !== null);
  const positive = rated.reduce((sum, d) => sum + Math.max(d.correlation!, 0), 0);
  for (const d of rated) d.importance = positive === 0 ? 0 : (100 * Math.max(d.correlation!, 0)) / positive;
  const avg = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  const meanThreshold = avg(rated.map((d) => d.mean!));
  const importanceThreshold = avg(rated.map((d) => d.importance!));
  for (const d of rated) {
    const important = d.importance! >= importanceThreshold!;
    const good = d.mean! >= meanThreshold!;
    d.quadrant = important ? (good ? DriverQuadrant.STRENGTH : DriverQuadrant.IMPROVE_FIRST) : good ? DriverQuadrant.MAINTAIN : DriverQuadrant.LOW_PRIORITY;
  }
  drivers.sort((x, y) => (y.importance ?? -1) - (x.importance ?? -1) || x.dimension.localeCompare(y.dimension));
  return Object.assign(new SatisfactionDriversResult(), { drivers, minSample: min, meanThreshold, importanceThreshold, method: METHOD });
}

@Resolver()
export class SatisfactionDriversResolver {
  @Authorized(READERS)
  @Extensions(CACHEABLE_FOR_BI)
  @Query(() => SatisfactionDriversResult, {
    description:
      '关键驱动因素分析 — which dimensions drive overall satisfaction: per dimension the mean score, its Pearson correlation with the OVERALL score over the responses that scored both, the derived importance and the quadrant (importance–performance). ' +
      `A dimension needs at least \`minSample\` such responses (default ${DRIVER_MIN_SAMPLE}); below it its correlation, importance and quadrant are null. ANALYST may read it; it counts what the viewer may see.`,
  })
  satisfactionDrivers(
    @Arg('filter', () => SatisfactionStatsFilter, { nullable: true, description: 'Which responses count (`questionCodes` and `dimensions` narrow the questions).' }) filter: SatisfactionStatsFilter | null,
    @Arg('period', () => StatsPeriodInput, { nullable: true, description: 'The period (submission time); all time by default. `compare` is not supported.' }) period: StatsPeriodInput | null,
    @Arg('minSample', () => Int, { nullable: true, description: `Minimum sample per dimension, at least ${DRIVER_MIN_SAMPLE_FLOOR}; ${DRIVER_MIN_SAMPLE} by default.` }) minSample: number | null,
    @Ctx() ctx: Context,
  ): Promise<SatisfactionDriversResult> {
    return satisfactionDrivers(ctx, filter, period, minSample);
  }
}

/**
 * The (dimension score, overall score) pairs the analysis counts, as sufficient statistics (n, Σx,
 * Σy, Σx², Σy², Σxy) per dimension and rollup key: rows of the monthly rollup for the whole local
 * months of the period, and one row per response and dimension for the rest (the partial months
 * at its edges; everything when filtered by question, which the rollup does not keep). A response
 * scoring a dimension on several questions counts their mean (the same numeric `avg` as the rollup).
 */
async function driverFacts(ctx: Context, f: SatisfactionStatsFilter, window: { from: Date; to: Date } | null) {
  const t = surveyDriverRollups;
  const r = surveyResponses;
  const q = surveyQuestions;
  const a = surveyAnswers;
  const questionCodes = codesOf(f.questionCodes, 'filter.questionCodes');
  const split = splitByMonths(window, ctx.config.businessTimeZone, !questionCodes);
  const parts = [];
  if (split.months) {
    const m = split.months;
    parts.push(
      ctx.readDb
        .select({
          projectId: sql<number>`${t.projectId}`.as('project_id'),
          templateId: sql<number>`${t.templateId}`.as('template_id'),
          dimension: sql<Dimension>`${t.dimension}`.as('dimension'),
          n: sql<number>`${t.n}`.as('n'),
          sx: sql<string>`${t.sx}`.as('sx'),
          sy: sql<string>`${t.sy}`.as('sy'),
          sxx: sql<string>`${t.sxx}`.as('sxx'),
          syy: sql<string>`${t.syy}`.as('syy'),
          sxy: sql<string>`${t.sxy}`.as('sxy'),
        })
        .from(t)
        .where(
          and(...(await rollupConditions(ctx, t, m, f)), f.dimensions?.length ? inArray(t.dimension, f.dimensions) : undefined),
        ),
    );
  }
  if (split.raw === 'all' || split.raw.length) {
    const raw = split.raw;
    const x = sql`avg(${a.score})`;
    const y = sql`${r.overallScore}::numeric`;
    parts.push(
      ctx.readDb
        .select({
          projectId: sql<number>`${r.projectId}`.as('project_id'),
          templateId: sql<number>`${r.templateId}`.as('template_id'),
          dimension: sql<Dimension>`${q.dimension}`.as('dimension'),
          n: sql<number>`1`.as('n'),
          sx: sql<string>`${x}`.as('sx'),
          sy: sql<string>`${y}`.as('sy'),
          sxx: sql<string>`${x} * ${x}`.as('sxx'),
          syy: sql<string>`${y} * ${y}`.as('syy'),
          sxy: sql<string>`${x} * ${y}`.as('sxy'),
        })
        .from(r)
        .innerJoin(a, eq(a.responseId, r.id))
        .innerJoin(q, eq(q.id, a.questionId))
        .where(
          and(
            ...(await rawConditions(ctx, raw, f)),
            ...answerConditions(f),
            isNotNull(q.dimension),
            isNotNull(a.score),
            isNotNull(r.overallScore),
            eq(q.kind, 'SCORE'),
          ),
        )
        .groupBy(r.id, q.dimension),
    );
  }
  const [first, second] = parts;
  return (second ? first!.unionAll(second) : first!).as('pairs');
}
