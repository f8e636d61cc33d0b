import { and, getTableColumns, inArray, lte, ne, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { Ctx, Field, FieldResolver, ObjectType, Resolver, Root, registerEnumType } from 'type-graphql';
import { selectRows } from '../../db/rows.js';
import { complaints, plannedTouchpoints, surveyResponses, touchpoints } from '../../db/schema/index.js';
import { PROJECT_STAGES, type ProjectStage } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { ProjectStageEnum } from '../../graphql/enums.js';
import type { OwnershipRow } from '../../graphql/loaders.js';
import { nestedLoader } from '../../graphql/nested.js';
import { fieldNeeds } from '../../graphql/projection.js';
import { Complaint, type ComplaintRow } from '../complaints/complaint.type.js';
import { Customer } from '../customers/customer.type.js';
import { PlannedTouchpoint, Touchpoint, type PlannedRow, type TouchpointRow } from '../touchpoints/touchpoint.type.js';
import type { ResponseRow } from '../surveys/responses.js';
import { SurveyResponse } from '../surveys/survey.type.js';

/** Most entries a journey shows: the latest ones. */
export const JOURNEY_MAX_ENTRIES = 500;
const DAY = 86_400_000;
/** After delivery: the handover period (房屋交付), then the general warranty (保修服务), then residence (居住). */
const HANDOVER_DAYS = 30;
const WARRANTY_YEARS = 2;

export enum JourneyEntryKind {
  TOUCHPOINT = 'TOUCHPOINT',
  PLANNED_TOUCHPOINT = 'PLANNED_TOUCHPOINT',
  COMPLAINT = 'COMPLAINT',
  SURVEY_RESPONSE = 'SURVEY_RESPONSE',
}
registerEnumType(JourneyEntryKind, {
  name: 'JourneyEntryKind',
  description: 'What a journey entry is (旅程节点类型).',
  valuesConfig: {
    TOUCHPOINT: { description: '客户触点 — a recorded contact (standard actions done included)' },
    PLANNED_TOUCHPOINT: { description: '计划触点 — a standard action planned and not done: pending, overdue or skipped' },
    COMPLAINT: { description: '投诉报修 — a complaint or repair request' },
    SURVEY_RESPONSE: { description: '满意度调查 — a survey response' },
  },
});

@ObjectType({ description: 'One event of a customer’s journey; exactly one of `touchpoint`, `plannedTouchpoint`, `complaint` and `surveyResponse` is set, as `kind` says.' })
export class JourneyEntry {
  @Field({ description: 'When: a touchpoint’s occurrence, a planned action’s due time, a complaint’s receipt, a survey response’s submission.' })
  at!: Date;

  @Field(() => JourneyEntryKind, { description: 'What the entry is.' })
  kind!: JourneyEntryKind;

  @Field(() => Touchpoint, { nullable: true, description: 'The touchpoint, for TOUCHPOINT.' })
  touchpoint!: Touchpoint | null;

  @Field(() => PlannedTouchpoint, { nullable: true, description: 'The planned action, for PLANNED_TOUCHPOINT.' })
  plannedTouchpoint!: PlannedTouchpoint | null;

  @Field(() => Complaint, { nullable: true, description: 'The complaint, for COMPLAINT.' })
  complaint!: Complaint | null;

  @Field(() => SurveyResponse, { nullable: true, description: 'The survey response, for SURVEY_RESPONSE (in its template’s stage).' })
  surveyResponse!: SurveyResponse | null;
}

@ObjectType({ description: 'The entries of one lifecycle stage of a customer’s journey, oldest first.' })
export class JourneyStage {
  @Field(() => ProjectStageEnum, { description: 'The stage.' })
  stage!: ProjectStage;

  @Field(() => [JourneyEntry], { description: 'Its entries, oldest first.' })
  entries!: JourneyEntry[];
}

@ObjectType({
  description:
    '客户旅程 — what happened with a customer, in time order, grouped by lifecycle stage: touchpoints, standard actions planned and not done, and complaints the viewer may see. ' +
    'Touchpoints and planned actions carry their own stage. A complaint is placed by the customer’s unit in its project at the time: before signing SIGNING, before delivery AWAITING_DELIVERY, ' +
    `within ${HANDOVER_DAYS} days of delivery DELIVERY, within ${WARRANTY_YEARS} years WARRANTY, later RESIDENCE.`,
})
export class CustomerJourney {
  @Field(() => [JourneyStage], { description: 'Stages that have entries, in lifecycle order.' })
  stages!: JourneyStage[];

  @Field({ description: `Whether older entries were left out: a journey shows the latest ${JOURNEY_MAX_ENTRIES}.` })
  truncated!: boolean;
}

/** The lifecycle stage of a complaint: by the customer's unit in its project at the time (see CustomerJourney). */
export function complaintStage(c: Pick<ComplaintRow, 'projectId' | 'unitId' | 'receivedAt'>, owned: readonly OwnershipRow[]): ProjectStage {
  const inProject = owned.filter((o) => o.projectId === c.projectId && (c.unitId === null || o.unitId === c.unitId));
  const at = c.receivedAt.getTime();
  const signed = inProject.filter((o) => o.signedAt && o.signedAt.getTime() <= at);
  if (!signed.length) return 'SIGNING';
  const delivered = signed.map((o) => o.deliveredAt?.getTime()).filter((d): d is number => d !== undefined && d <= at);
  if (!delivered.length) return 'AWAITING_DELIVERY';
  const since = at - Math.min(...delivered);
  if (since < HANDOVER_DAYS * DAY) return 'DELIVERY';
  return since < WARRANTY_YEARS * 365.25 * DAY ? 'WARRANTY' : 'RESIDENCE';
}

/** The latest `JOURNEY_MAX_ENTRIES` + 1 rows per customer of one table, in one statement for a page of customers. */
async function latestPerCustomer<R extends { customerId: number }>(
  ctx: Context,
  table: PgTable & { id: AnyColumn; customerId: AnyColumn },
  at: AnyColumn,
  customerIds: number[],
  conditions: (SQL | undefined)[],
): Promise<Map<number, R[]>> {
  const page = ctx.db
    .select({ ...getTableColumns(table), _rn: sql<number>`row_number() over (partition by ${table.customerId} order by ${at} desc, ${table.id} desc)`.as('_rn') })
    .from(table)
    .where(and(inArray(table.customerId, customerIds), ...conditions))
    .as('page');
  const rows = (await selectRows(ctx.db, ctx.db.select().from(page).where(lte(page._rn, JOURNEY_MAX_ENTRIES + 1)))) as unknown as R[];
  const out = new Map<number, R[]>();
  for (const r of rows) {
    const list = out.get(r.customerId);
    if (list) list.push(r);
    else out.set(r.customerId, [r]);
  }
  return out;
}

/** A customer's journey; the journeys of a page of customers cost four statements (and the ownerships' loader). */
export async function journeyOf(ctx: Context, customerId: number): Promise<CustomerJourney> {
  const access = ctx.access;
  const tps = nestedLoader<TouchpointRow[]>(
    ctx,
    'journey:touchpoints',
    async (ids) => latestPerCustomer(ctx, touchpoints, touchpoints.occurredAt, ids, [await access.customerRecordCondition(touchpoints.projectId, touchpoints.customerId)]),
    [],
  );
  const planned = nestedLoader<PlannedRow[]>(
    ctx,
    'journey:planned',
    async (ids) =>
      latestPerCustomer(ctx, plannedTouchpoints, plannedTouchpoints.dueAt, ids, [
        await access.customerRecordCondition(plannedTouchpoints.projectId, plannedTouchpoints.customerId),
        // Done actions are in the journey as their touchpoint.
        ne(plannedTouchpoints.status, 'DONE'),
      ]),
    [],
  );
  const cases = nestedLoader<ComplaintRow[]>(ctx, 'journey:complaints', async (ids) => latestPerCustomer(ctx, complaints, complaints.receivedAt, ids, [await access.complaintCondition()]), []);
  const surveys = nestedLoader<ResponseRow[]>(
    ctx,
    'journey:surveys',
    async (ids) => latestPerCustomer(ctx, surveyResponses, surveyResponses.submittedAt, ids, [await access.customerRecordCondition(surveyResponses.projectId, surveyResponses.customerId)]),
    [],
  );
  const [t, p, c, s, owned] = await Promise.all([
    tps.load(customerId),
    planned.load(customerId),
    cases.load(customerId),
    surveys.load(customerId),
    ctx.loaders.ownershipsByCustomer.load(customerId),
  ]);
  const none = { touchpoint: null, plannedTouchpoint: null, complaint: null, surveyResponse: null };
  const entries: (JourneyEntry & { stage: ProjectStage; id: number })[] = [
    ...t.map((r) => ({ ...none, at: r.occurredAt, kind: JourneyEntryKind.TOUCHPOINT, stage: r.stage, id: r.id, touchpoint: Touchpoint.from(r) })),
    ...p.map((r) => ({ ...none, at: r.dueAt, kind: JourneyEntryKind.PLANNED_TOUCHPOINT, stage: r.stage, id: r.id, plannedTouchpoint: PlannedTouchpoint.from(r) })),
    ...c.map((r) => ({ ...none, at: r.receivedAt, kind: JourneyEntryKind.COMPLAINT, stage: complaintStage(r, owned), id: r.id, complaint: Complaint.from(r) })),
    ...s.map((r) => ({ ...none, at: r.submittedAt, kind: JourneyEntryKind.SURVEY_RESPONSE, stage: r.stage, id: r.id, surveyResponse: SurveyResponse.from(r) })),
  ];
  entries.sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id);
  const truncated = entries.length > JOURNEY_MAX_ENTRIES;
  const kept = entries.slice(0, JOURNEY_MAX_ENTRIES).reverse();
  const stages = PROJECT_STAGES.map((stage) => ({
    stage,
    entries: kept.filter((e) => e.stage === stage).map(({ stage: _s, id: _i, ...e }) => Object.assign(new JourneyEntry(), e)),
  })).filter((s) => s.entries.length > 0);
  return Object.assign(new CustomerJourney(), { stages: stages.map((s) => Object.assign(new JourneyStage(), s)), truncated });
}

@Resolver(() => Customer)
export class CustomerJourneyResolver {
  @FieldResolver(() => CustomerJourney, { description: 'The customer’s journey (客户旅程): touchpoints, planned standard actions, complaints and survey responses in time order, by lifecycle stage.' })
  journey(@Root() c: Customer, @Ctx() ctx: Context): Promise<CustomerJourney> {
    return journeyOf(ctx, c.dbId);
  }
}

// A customer's journey reads their id (see the customer's own fields in customer.resolver.ts).
fieldNeeds(Customer, { fields: { journey: [] } });

/** This module's resolvers, for the composition root (src/schema.ts). */
export const journeyResolvers = [CustomerJourneyResolver] as const;
