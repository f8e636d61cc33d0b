import { eq, inArray, is, sql, SQL, type AnyColumn } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { cityCompanies, projects, regions } from '../../db/schema/index.js';
import type { ComplaintCategory, ComplaintKind, Dimension, ProjectStage, Segment, Severity } from '../../domain/enums.js';
import { sqlLiteral } from '../../db/literal.js';
import { AppError } from '../../graphql/errors.js';
import { ComplaintCategoryEnum, ComplaintKindEnum, DimensionEnum, ProjectStageEnum, SegmentEnum, SeverityEnum } from '../../graphql/enums.js';
import { parseIds, toGlobalId } from '../../graphql/global-id.js';
import { addCalendarDuration, calendarDuration, endOfMonth, startOfMonth, wallOf } from '../../domain/calendar-duration.js';

/**
 * Shared shape of every statistic (SPEC §4): `groupBy: [StatsGroup!]` and cells that each carry
 * their `group`. Each statistic says which groups it supports; the time buckets are local to the
 * business time zone.
 */
export enum StatsGroup {
  PROJECT = 'PROJECT',
  CITY_COMPANY = 'CITY_COMPANY',
  REGION = 'REGION',
  TEMPLATE = 'TEMPLATE',
  DIMENSION = 'DIMENSION',
  QUESTION = 'QUESTION',
  SEGMENT = 'SEGMENT',
  STAGE = 'STAGE',
  RULE = 'RULE',
  CATEGORY = 'CATEGORY',
  KIND = 'KIND',
  SEVERITY = 'SEVERITY',
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
  YEAR = 'YEAR',
}
registerEnumType(StatsGroup, {
  name: 'StatsGroup',
  description: 'A dimension statistics are grouped by (统计维度). Each statistic lists the ones it supports; time buckets are local to the business time zone.',
  valuesConfig: {
    PROJECT: { description: '项目 — by project' },
    CITY_COMPANY: { description: '城市公司 — by city company' },
    REGION: { description: '区域公司 — by region' },
    TEMPLATE: { description: '问卷模板 — by survey template' },
    DIMENSION: { description: '满意度维度 — by satisfaction dimension' },
    QUESTION: { description: '题目 — by survey question' },
    SEGMENT: { description: '客户细分 — by customer segment' },
    STAGE: { description: '客户旅程阶段 — by lifecycle stage' },
    RULE: { description: '标准动作 — by standard action rule' },
    CATEGORY: { description: '投诉类别 — by complaint category' },
    KIND: { description: '投诉类型 — by complaint kind (complaint, repair, inquiry, suggestion)' },
    SEVERITY: { description: '严重程度 — by complaint severity' },
    DAY: { description: '日 — by local day' },
    WEEK: { description: '周 — by ISO week (Monday first)' },
    MONTH: { description: '月 — by month' },
    QUARTER: { description: '季度 — by quarter' },
    YEAR: { description: '年 — by year' },
  },
});

export const TIME_GROUPS = [StatsGroup.DAY, StatsGroup.WEEK, StatsGroup.MONTH, StatsGroup.QUARTER, StatsGroup.YEAR] as const;
type TimeGroup = (typeof TIME_GROUPS)[number];
const TRUNC: Record<TimeGroup, string> = { DAY: 'day', WEEK: 'week', MONTH: 'month', QUARTER: 'quarter', YEAR: 'year' };
const LABEL: Record<TimeGroup, string> = { DAY: 'YYYY-MM-DD', WEEK: 'IYYY-"W"IW', MONTH: 'YYYY-MM', QUARTER: 'YYYY-"Q"Q', YEAR: 'YYYY' };

/** What a cell is for: the values of the dimensions it was grouped by (the others are null). */
@ObjectType({ description: 'The group of a statistics cell: the value of each dimension in `groupBy`; dimensions not grouped by are null. Maps straight to the key columns of a BI table.' })
export class StatsCellGroup {
  @Field(() => ID, { nullable: true, description: 'PROJECT: the project’s ID.' })
  projectId!: string | null;

  @Field(() => String, { nullable: true, description: 'PROJECT: the project’s name.' })
  projectName!: string | null;

  @Field(() => ID, { nullable: true, description: 'CITY_COMPANY: the city company’s ID.' })
  cityCompanyId!: string | null;

  @Field(() => String, { nullable: true, description: 'CITY_COMPANY: the city company’s name.' })
  cityCompanyName!: string | null;

  @Field(() => ID, { nullable: true, description: 'REGION: the region’s ID.' })
  regionId!: string | null;

  @Field(() => String, { nullable: true, description: 'REGION: the region’s name.' })
  regionName!: string | null;

  @Field(() => String, { nullable: true, description: 'RULE: the standard action rule’s code.' })
  ruleCode!: string | null;

  @Field(() => String, { nullable: true, description: 'RULE: the standard action rule’s name.' })
  ruleName!: string | null;

  @Field(() => ProjectStageEnum, { nullable: true, description: 'STAGE: the lifecycle stage.' })
  stage!: ProjectStage | null;

  @Field(() => String, { nullable: true, description: 'TEMPLATE: the survey template’s code (every version together).' })
  templateCode!: string | null;

  @Field(() => String, { nullable: true, description: 'TEMPLATE: the survey template’s name (of its latest version in the cell).' })
  templateName!: string | null;

  @Field(() => DimensionEnum, { nullable: true, description: 'DIMENSION: the satisfaction dimension.' })
  dimension!: Dimension | null;

  @Field(() => String, { nullable: true, description: 'QUESTION: the question’s code (the same question across template versions; OVERALL of every template together unless also grouped by TEMPLATE).' })
  questionCode!: string | null;

  @Field(() => SegmentEnum, { nullable: true, description: 'SEGMENT: the customer’s segment at response time.' })
  segment!: Segment | null;

  @Field(() => ComplaintCategoryEnum, { nullable: true, description: 'CATEGORY: the complaint category.' })
  category!: ComplaintCategory | null;

  @Field(() => ComplaintKindEnum, { nullable: true, description: 'KIND: the complaint kind.' })
  kind!: ComplaintKind | null;

  @Field(() => SeverityEnum, { nullable: true, description: 'SEVERITY: the complaint severity.' })
  severity!: Severity | null;

  @Field(() => String, { nullable: true, description: 'DAY … YEAR: the period’s label: 2026-11-30, 2026-W48, 2026-11, 2026-Q4 or 2026.' })
  period!: string | null;

  @Field(() => Date, { nullable: true, description: 'DAY … YEAR: the first instant of the period (local midnight in the business time zone).' })
  periodStart!: Date | null;
}

/** The group of a cell from its row: the columns of the dimensions grouped by (the others null). */
export function groupOf(row: Record<string, unknown>): StatsCellGroup {
  const v = (k: string) => (row[k] == null ? null : row[k]);
  const id = (type: 'Region' | 'CityCompany' | 'Project', k: string) => (row[k] == null ? null : toGlobalId(type, Number(row[k])));
  return Object.assign(new StatsCellGroup(), {
    projectId: id('Project', 'projectId'),
    projectName: v('projectName'),
    cityCompanyId: id('CityCompany', 'cityCompanyId'),
    cityCompanyName: v('cityCompanyName'),
    regionId: id('Region', 'regionId'),
    regionName: v('regionName'),
    ruleCode: v('ruleCode'),
    ruleName: v('ruleName'),
    stage: v('stage'),
    templateCode: v('templateCode'),
    templateName: v('templateName'),
    dimension: v('dimension'),
    questionCode: v('questionCode'),
    segment: v('segment'),
    category: v('category'),
    kind: v('kind'),
    severity: v('severity'),
    period: v('period'),
    periodStart: row.periodStart == null ? null : new Date(String(row.periodStart)),
  });
}

/** The org names among a statistic's dimensions: aggregates (one name per ID), not group keys. */
const ORG_NAMES = new Set(['regionName', 'cityCompanyName', 'projectName']);

/**
 * The SQL of the org dimensions among `groups` (region, city company, project; ids and names), in
 * that order: join projects, city companies and regions. Names are `min(name)` of their ID's
 * group, not keys: sorting by integers alone is much cheaper than by collated text.
 */
export function orgDims(groups: readonly StatsGroup[]): Record<string, SQL> {
  const dims: Record<string, SQL> = {};
  if (groups.includes(StatsGroup.REGION)) Object.assign(dims, { regionId: sql<number>`${regions.id}`, regionName: sql<string>`min(${regions.name})` });
  if (groups.includes(StatsGroup.CITY_COMPANY)) Object.assign(dims, { cityCompanyId: sql<number>`${cityCompanies.id}`, cityCompanyName: sql<string>`min(${cityCompanies.name})` });
  if (groups.includes(StatsGroup.PROJECT)) Object.assign(dims, { projectId: sql<number>`${projects.id}`, projectName: sql<string>`min(${projects.name})` });
  return dims;
}

/**
 * The time-bucket dimension among `groups` of `column`, if any: its key (`bucket`, what
 * {@link groupKeys} groups by), its label and its first instant.
 */
export function timeDims(groups: readonly StatsGroup[], column: AnyColumn | SQL, timeZone: string, opts: { local?: boolean } = {}): Record<string, SQL> {
  const time = timeGroupOf(groups);
  if (!time) return {};
  const bucket = bucketOf(time, column, timeZone, opts);
  return { bucket: bucket.key, period: bucket.label, periodStart: bucket.start };
}

/** What a statistic's dimensions are grouped by: each selected dimension, but a time bucket by its key alone (its label and start are computed from it per group) and org names not at all (aggregates of their IDs' groups). */
export function groupKeys(dims: Record<string, SQL>): SQL[] {
  return Object.entries(dims)
    .filter(([k]) => k !== 'period' && k !== 'periodStart' && !ORG_NAMES.has(k))
    .map(([, v]) => v);
}

/**
 * The cells and the total of a statistic in one statement: GROUP BY GROUPING SETS ((dims, also),
 * (also)), with a `total` column that is non-zero on the total rows (every row is a total without
 * dims). `also` are keys both the cells and the total are split by (e.g. each SLA clock).
 */
export function groupingSets(dims: Record<string, SQL>, also: SQL[] = []): { total: SQL<number>; groupBy: SQL; orderBy: SQL[] } {
  const grouped = groupKeys(dims);
  const rest = sql.join(also, sql`, `);
  if (!grouped.length) return { total: sql<number>`1`, groupBy: also.length ? rest : sql`()`, orderBy: also };
  const list = sql.join([...grouped, ...also], sql`, `);
  return { total: sql<number>`grouping(${sql.join(grouped, sql`, `)})`, groupBy: sql`grouping sets ((${list}), (${rest}))`, orderBy: [...grouped, ...also] };
}

/** The org part of every statistic's filter: each statistic's filter input inherits its fields. */
@InputType({ description: 'The org part of a statistics filter: projects, city companies or regions.' })
export class OrgStatsFilter {
  @Field(() => [ID], { nullable: true, description: 'Projects (any of).' })
  projectIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'City companies (any of).' })
  cityCompanyIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Regions (any of).' })
  regionIds?: string[];
}

/**
 * The org dimensions among `groups` by their IDs alone, without names (so a statistic grouped by
 * project alone needs no join): for a statement whose cells are matched to another's, which
 * carries the names, by {@link cellIdKey}. Join with `withOrgJoins(…, { names: false })`.
 */
export function orgIdDims(groups: readonly StatsGroup[], projectId: AnyColumn | SQL.Aliased): Record<string, SQL> {
  const dims: Record<string, SQL> = {};
  if (groups.includes(StatsGroup.REGION)) Object.assign(dims, { regionId: sql<number>`${cityCompanies.regionId}` });
  if (groups.includes(StatsGroup.CITY_COMPANY)) Object.assign(dims, { cityCompanyId: sql<number>`${projects.cityCompanyId}` });
  if (groups.includes(StatsGroup.PROJECT)) Object.assign(dims, { projectId: sql<number>`${projectId}` });
  return dims;
}

/**
 * Joins `projects`, `city_companies` and `regions` to a statistic's query (a dynamic select) only
 * as far as its groups (with their names, see {@link orgDims}, or without, see {@link orgIdDims})
 * and org filter need them: an unneeded join costs a hash probe per row.
 */
export function withOrgJoins<Q extends PgSelect>(
  query: Q,
  projectId: AnyColumn | SQL.Aliased,
  groups: readonly StatsGroup[],
  f: OrgStatsFilter,
  opts: { names?: boolean } = {},
): Q {
  const names = opts.names ?? true;
  const byRegion = groups.includes(StatsGroup.REGION) || !!f.regionIds?.length;
  // Regions for their names; city companies for theirs and for region IDs; projects for theirs and for city-company IDs.
  const region = names && byRegion;
  const company = byRegion || !!f.cityCompanyIds?.length || (names && groups.includes(StatsGroup.CITY_COMPANY));
  const project = company || groups.includes(StatsGroup.CITY_COMPANY) || (names && groups.includes(StatsGroup.PROJECT));
  let q: PgSelect = query;
  if (project) q = q.innerJoin(projects, eq(projects.id, projectId));
  if (company) q = q.innerJoin(cityCompanies, eq(cityCompanies.id, projects.cityCompanyId));
  if (region) q = q.innerJoin(regions, eq(regions.id, cityCompanies.regionId));
  return q as Q;
}

/** The conditions of an org filter on rows joined to `projects` and `city_companies` (BAD_USER_INPUT for a malformed ID). */
export function orgConditions(f: OrgStatsFilter, projectId: AnyColumn | SQL.Aliased): (SQL | undefined)[] {
  const projectIds = parseIds(f.projectIds, 'Project', 'filter.projectIds');
  const cityCompanyIds = parseIds(f.cityCompanyIds, 'CityCompany', 'filter.cityCompanyIds');
  const regionIds = parseIds(f.regionIds, 'Region', 'filter.regionIds');
  return [
    // One call: the two branches only pick inArray's overload (a column or a subquery's field).
    projectIds ? (is(projectId, SQL.Aliased) ? inArray(projectId, projectIds) : inArray(projectId, projectIds)) : undefined,
    cityCompanyIds ? inArray(projects.cityCompanyId, cityCompanyIds) : undefined,
    regionIds ? inArray(cityCompanies.regionId, regionIds) : undefined,
  ];
}

@InputType({ description: 'The period statistics cover: what happened in [from, to) (responses submitted, complaints received).' })
export class StatsPeriodInput {
  @Field({ description: 'Start (inclusive).' })
  from!: Date;

  @Field({ description: 'End (exclusive); after `from`.' })
  to!: Date;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'Also give each cell its `previous` figures: without a time bucket in groupBy, the same group over the previous period of the same length, [from − (to − from), from); with one, the same group in the whole preceding bucket (the month before, in the business time zone). The total compares with the previous period of the same length.',
  })
  compare?: boolean | null;
}

/** BAD_USER_INPUT unless the period is a non-empty range. */
export function checkPeriod(period: StatsPeriodInput | null | undefined): void {
  if (period && !(period.from < period.to)) throw AppError.badInput('period.to', 'must be after period.from');
}

const BUCKET_LENGTH: Record<TimeGroup, string> = { DAY: 'P1D', WEEK: 'P1W', MONTH: 'P1M', QUARTER: 'P3M', YEAR: 'P1Y' };

/**
 * Period over period for a statistic: runs `run(window)` for what the previous figures need and
 * hands each current cell its twin (or null, for the caller's zero cell). Without a time bucket the
 * twin is the same group over the previous period of the same length. With one, it is the same
 * group in the whole preceding bucket (2026-10 for 2026-11, local calendar), from one more run
 * over those buckets. The total's twin is always the previous period of the same length.
 */
export async function withPrevious<C extends { group: StatsCellGroup }>(
  current: { cells: C[]; total: C },
  period: StatsPeriodInput,
  groups: readonly StatsGroup[],
  timeZone: string,
  run: (window: { from: Date; to: Date }, groups: readonly StatsGroup[]) => Promise<{ cells: C[]; total: C }>,
  attach: (cell: C, previous: C | null) => void,
): Promise<void> {
  const time = timeGroupOf(groups);
  // Without a time bucket the previous period gives the cells' twins and the total's; with one it
  // gives the total's only, so it is run without the time bucket (the other groups keep what the
  // total counts, e.g. only answers with a dimension when grouped by DIMENSION).
  const prev = await run(previousWindow(period), time ? groups.filter((g) => g !== time) : groups);
  attach(current.total, prev.total);
  if (!time) {
    const before = new Map(prev.cells.map((c) => [cellKey(c.group), c]));
    for (const c of current.cells) attach(c, before.get(cellKey(c.group)) ?? null);
    return;
  }
  const starts = current.cells.map((c) => c.group.periodStart!.getTime());
  if (!starts.length) return;
  const back = calendarDuration(`-${BUCKET_LENGTH[time]}`, { signed: true });
  const previousStart = (at: Date) => addCalendarDuration(at, back, timeZone);
  const buckets = await run({ from: previousStart(new Date(Math.min(...starts))), to: new Date(Math.max(...starts)) }, groups);
  // A bucket's twin: the same group whose bucket starts where the preceding bucket does.
  const key = (g: StatsCellGroup, start: Date) => cellKey({ ...g, period: null, periodStart: start });
  const before = new Map(buckets.cells.map((c) => [key(c.group, c.group.periodStart!), c]));
  for (const c of current.cells) attach(c, before.get(key(c.group, previousStart(c.group.periodStart!))) ?? null);
}

/**
 * How a statistic's window splits between a monthly rollup and the raw rows: the whole local months
 * inside it (`months`: the first days of the first and of the one after the last, 'YYYY-MM-DD';
 * 'all' without a window) and the rest (`raw`: up to two partial months at the edges; 'all' when
 * the rollup cannot serve, e.g. grouped by DAY or WEEK). Either may be empty (null, []).
 */
export type MonthSplit = { months: { from: string; to: string } | 'all' | null; raw: { from: Date; to: Date }[] | 'all' };

export function splitByMonths(window: { from: Date; to: Date } | null, timeZone: string, rollup: boolean): MonthSplit {
  if (!rollup) return { months: null, raw: window ? [window] : 'all' };
  if (!window) return { months: 'all', raw: [] };
  const first = startOfMonth(window.from, timeZone).getTime() === window.from.getTime() ? window.from : endOfMonth(window.from, timeZone);
  const end = startOfMonth(window.to, timeZone);
  if (!(first < end)) return { months: null, raw: [window] };
  const day = (at: Date) => {
    const w = wallOf(at, timeZone);
    return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-01`;
  };
  const raw = [];
  if (window.from < first) raw.push({ from: window.from, to: first });
  if (end < window.to) raw.push({ from: end, to: window.to });
  return { months: { from: day(first), to: day(end) }, raw };
}

/** The period of the same length just before `period`: [from − (to − from), from). */
export function previousWindow(period: { from: Date; to: Date }): { from: Date; to: Date } {
  return { from: new Date(2 * period.from.getTime() - period.to.getTime()), to: period.from };
}

/** What matches a cell with its previous-period twin: its group without names (a template's name may change between versions). */
export function cellKey(g: StatsCellGroup): string {
  return JSON.stringify({ ...g, templateName: null });
}

/** What matches a cell across statements of one statistic, some without org names ({@link orgIdDims}): its group by IDs and values alone. */
export function cellIdKey(g: StatsCellGroup): string {
  return JSON.stringify({ ...g, templateName: null, projectName: null, cityCompanyName: null, regionName: null, ruleName: null });
}

/** BAD_USER_INPUT unless every dimension is one the statistic supports; duplicates removed. */
export function checkGroups(groupBy: readonly StatsGroup[] | null | undefined, supported: readonly StatsGroup[], statistic: string): StatsGroup[] {
  const groups = [...new Set(groupBy ?? [])];
  groups.forEach((g, i) => {
    if (!supported.includes(g)) throw AppError.badInput(`groupBy.${i}`, `${statistic} cannot be grouped by ${g}; it supports ${supported.join(', ')}`);
  });
  if (groups.filter((g) => (TIME_GROUPS as readonly StatsGroup[]).includes(g)).length > 1) {
    throw AppError.badInput('groupBy', 'group by at most one time bucket (DAY, WEEK, MONTH, QUARTER or YEAR)');
  }
  return groups;
}

/** The time group among `groups`, if any. */
export function timeGroupOf(groups: readonly StatsGroup[]): TimeGroup | null {
  return (groups.find((g) => (TIME_GROUPS as readonly StatsGroup[]).includes(g)) as TimeGroup | undefined) ?? null;
}

/**
 * SQL of a time bucket of `column` in `timeZone`: the key to group by (the local start of the
 * bucket, computed once per row) and, from it, its label and first instant (once per group).
 */
export function bucketOf(group: TimeGroup, column: AnyColumn | SQL, timeZone: string, opts: { local?: boolean } = {}): { key: SQL<string>; label: SQL<string>; start: SQL<string> } {
  // Literals, not parameters: the same expression appears in SELECT and GROUP BY, and PostgreSQL
  // only matches them when they are the same text (two parameters are two different values to it).
  const zone = sqlLiteral(timeZone);
  // `column` is an instant, or (opts.local) already the local wall-clock time in `timeZone`.
  const local = sql`date_trunc(${sqlLiteral(TRUNC[group])}, ${opts.local ? column : sql`${column} at time zone ${zone}`})`;
  return {
    key: sql<string>`${local}`,
    label: sql<string>`to_char(${local}, ${sqlLiteral(LABEL[group])})`,
    start: sql<string>`to_char((${local}) at time zone ${zone} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  };
}

/** A percentage of `part` in `whole`, exact in double precision; null when `whole` is 0 (defined, never NaN). */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : (100 * part) / whole;
}

/** This period's value minus the previous one's; null when either is null (a delta of a statistic). */
export function minus(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}
