import { insertResponse, prepareAnswers } from '../surveys/responses.js';
import { segmentAt } from '../customers/customer.service.js';
import { and, asc, eq, gt, gte, inArray, lt, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { z } from 'zod';
import { ACTION_SKIPPERS, CUSTOMER_WRITERS, RULE_ADMINS } from '../../auth/access.js';
import { plannedTouchpoints, standardActionRules } from '../../db/schema/index.js';
import { addCalendarDuration, calendarDuration, parseCalendarDuration } from '../../domain/calendar-duration.js';
import { CHANNELS, PROJECT_STAGES, RULE_TRIGGERS, TOUCHPOINT_OUTCOMES, type PlannedTouchpointStatus } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { parseId, parseIds, toGlobalId } from '../../graphql/global-id.js';
import { keyset, pageOf, pageRequest, type PageArgs } from '../../graphql/pagination.js';
import { assertNotFuture, parseInput, text } from '../../graphql/validate.js';
import { diff, recordAudit } from '../audit/audit.service.js';
import type { CompletePlannedTouchpointInput, PlannedTouchpointFilter, SkipPlannedTouchpointInput, UpsertStandardActionRuleInput } from './touchpoint.input.js';
import { auditChanges, codesOf, evidenceList, evidenceRows, insertTouchpoint, kindCode, TouchpointService, type TouchpointValues } from './touchpoint.service.js';
import type { PlannedRow, RuleRow } from './touchpoint.type.js';

/** A calendar duration in a rule, refused with the parser's reason. */
const duration = (signed: boolean) =>
  z.string().superRefine((v, ctx) => {
    const d = parseCalendarDuration(v, { signed });
    if (typeof d === 'string') ctx.addIssue({ code: 'custom', message: d });
  });

const REFERENCE = new Date('2025-01-31T00:00:00Z');
const at = (iso: string) => addCalendarDuration(REFERENCE, calendarDuration(iso), 'UTC').getTime();

const ruleSchema = z
  .object({
    code: kindCode,
    name: text(200),
    trigger: z.enum(RULE_TRIGGERS),
    startAfter: duration(true),
    dueWithin: duration(false),
    repeatEvery: duration(false).nullish(),
    channel: z.enum(CHANNELS),
    stage: z.enum(PROJECT_STAGES),
    sampleShare: z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1').nullish(),
    sampleCap: z.number().int().min(1, 'must be at least 1').max(100_000).nullish(),
    active: z.boolean(),
  })
  .superRefine((v, ctx) => {
    const ok = (iso: string) => typeof parseCalendarDuration(iso, { signed: true }) !== 'string';
    if (ok(v.startAfter) && ok(v.dueWithin) && at(v.dueWithin) < at(v.startAfter)) {
      ctx.addIssue({ code: 'custom', path: ['dueWithin'], message: 'must not be before startAfter: an action cannot be due before it opens' });
    }
    if (v.trigger === 'PERIODIC_AWAITING_DELIVERY') {
      if (!v.repeatEvery) ctx.addIssue({ code: 'custom', path: ['repeatEvery'], message: 'is required for PERIODIC_AWAITING_DELIVERY (e.g. P2M)' });
      else if (ok(v.repeatEvery) && at(v.repeatEvery) - REFERENCE.getTime() < 86_400_000) ctx.addIssue({ code: 'custom', path: ['repeatEvery'], message: 'must be at least P1D' });
    } else if (v.repeatEvery) {
      ctx.addIssue({ code: 'custom', path: ['repeatEvery'], message: 'is only for PERIODIC_AWAITING_DELIVERY' });
    }
    if (v.trigger !== 'DELIVERED') {
      if (v.sampleShare != null) ctx.addIssue({ code: 'custom', path: ['sampleShare'], message: 'sampling is only for DELIVERED rules (a share of a project’s deliveries)' });
      if (v.sampleCap != null) ctx.addIssue({ code: 'custom', path: ['sampleCap'], message: 'sampling is only for DELIVERED rules (a share of a project’s deliveries)' });
    }
  });

const completeSchema = z.object({
  plannedTouchpointId: z.string(),
  channel: z.enum(CHANNELS),
  notes: text(4000),
  occurredAt: z.date().nullish(),
  outcome: z.enum(TOUCHPOINT_OUTCOMES).nullish(),
  staffId: z.string().nullish(),
  evidence: evidenceList.nullish(),
});
const skipSchema = z.object({ plannedTouchpointId: z.string(), reason: text(500).pipe(z.string().min(4, 'must be at least 4 characters')) });

/** SQL: `column` (a rule id) is the id of one of the rules with these codes. */
export function ruleIdIn(db: Db, column: AnyColumn, codes: string[]): SQL {
  return inArray(column, db.select({ id: standardActionRules.id }).from(standardActionRules).where(inArray(standardActionRules.code, codes)));
}

/** Statuses a planned action can still be completed or skipped from (OVERDUE is stored as PLANNED until the scheduler marks it). */
const OPEN: PlannedTouchpointStatus[] = ['PLANNED', 'OVERDUE'];

/** The status a client sees: a planned action past its due time is OVERDUE. */
export function statusOf(row: { status: PlannedTouchpointStatus; dueAt: Date }, now: Date): PlannedTouchpointStatus {
  return row.status === 'PLANNED' && row.dueAt <= now ? 'OVERDUE' : row.status;
}

/**
 * The touchpoint that carries out a planned action: the action's customer, project, unit and
 * stage, the rule's code as its kind, and what the contact was. One rule for the API and the
 * demo seeder.
 */
export function carriedOut(
  planned: Pick<PlannedRow, 'customerId' | 'projectId' | 'unitId' | 'stage'>,
  ruleCode: string,
  contact: Pick<TouchpointValues, 'channel' | 'notes' | 'occurredAt' | 'outcome' | 'evidence' | 'staffId' | 'createdBy'>,
): TouchpointValues {
  return { customerId: planned.customerId, projectId: planned.projectId, unitId: planned.unitId, stage: planned.stage, kind: ruleCode, ...contact };
}

/** What a planned action becomes when carried out: DONE, linked to its touchpoint, which happened at `doneAt`. */
export function doneBy(touchpoint: { id: number; occurredAt: Date }, completedAt: Date, closedBy: string) {
  return { status: 'DONE' as const, touchpointId: touchpoint.id, doneAt: touchpoint.occurredAt, completedAt, closedBy };
}

/** What a planned action becomes when skipped: SKIPPED, with the reason. */
export function skippedBy(reason: string, at: Date, closedBy: string) {
  return { status: 'SKIPPED' as const, skipReason: reason, completedAt: at, closedBy };
}

/** Standard action rules (标准动作) and the actions they plan: listing, completing, skipping. */
export class StandardActionService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** Every rule, by code; group-wide configuration that every reader may read. */
  async rules(active: boolean | null | undefined): Promise<RuleRow[]> {
    return this.ctx.db
      .select()
      .from(standardActionRules)
      .where(active == null ? undefined : eq(standardActionRules.active, active))
      .orderBy(asc(standardActionRules.code));
  }

  /** Creates a rule, or changes the rule with the code (ADMIN); audited. Planned actions keep their times. */
  async upsertRule(input: UpsertStandardActionRuleInput): Promise<RuleRow> {
    this.access.requireRole(RULE_ADMINS, 'configure standard action rules');
    const data = parseInput(ruleSchema, input);
    const values = { ...data, repeatEvery: data.repeatEvery ?? null, sampleShare: data.sampleShare ?? null, sampleCap: data.sampleCap ?? null };
    return this.ctx.db.transaction(async (tx) => {
      const [before] = await tx.select().from(standardActionRules).where(eq(standardActionRules.code, data.code)).for('update');
      if (!before) {
        const [row] = await tx.insert(standardActionRules).values(values).onConflictDoNothing().returning();
        // A concurrent upsert created the code first: its row is the one to change; ask for a retry.
        if (!row) throw AppError.conflict(`Rule ${data.code} was created meanwhile; send the change again`, { field: 'input.code' });
        await recordAudit(tx, this.ctx, { action: 'upsertStandardActionRule', subjectId: toGlobalId('StandardActionRule', row.id), changes: values });
        return row;
      }
      const changed = diff(before, values);
      if (Object.keys(changed).length === 0) return before;
      // A reactivated rule plans from now on: the triggers of the time it was inactive stay unplanned.
      const reactivated = !before.active && values.active;
      const [row] = await tx
        .update(standardActionRules)
        .set({ ...values, ...(reactivated ? { plannedUntil: this.ctx.now() } : {}), updatedAt: sql`now()` })
        .where(eq(standardActionRules.id, before.id))
        .returning();
      await recordAudit(tx, this.ctx, { action: 'upsertStandardActionRule', subjectId: toGlobalId('StandardActionRule', before.id), changes: changed });
      return row!;
    });
  }

  /** A planned action the viewer may see, or NOT_FOUND. */
  async getPlanned(gid: string, field = 'id'): Promise<PlannedRow> {
    const id = parseId(gid, 'PlannedTouchpoint', field);
    const row = await this.ctx.loaders.plannedTouchpoint.load(id);
    if (!row || !(await new TouchpointService(this.ctx).canSee(row))) throw AppError.notFound('PlannedTouchpoint', gid);
    return row;
  }

  /** Visibility plus the filter's conditions. */
  private async conditions(f: PlannedTouchpointFilter | null | undefined): Promise<(SQL | undefined)[]> {
    const now = this.ctx.now();
    const projectIds = parseIds(f?.projectIds, 'Project', 'filter.projectIds');
    const customerIds = parseIds(f?.customerIds, 'Customer', 'filter.customerIds');
    const ruleCodes = codesOf(f?.ruleCodes, 'filter.ruleCodes');
    const p = plannedTouchpoints;
    const byStatus: Record<PlannedTouchpointStatus, SQL> = {
      PLANNED: and(eq(p.status, 'PLANNED'), gt(p.dueAt, now))!,
      OVERDUE: or(eq(p.status, 'OVERDUE'), and(eq(p.status, 'PLANNED'), lte(p.dueAt, now)))!,
      DONE: eq(p.status, 'DONE'),
      SKIPPED: eq(p.status, 'SKIPPED'),
    };
    return [
      await this.access.customerRecordCondition(p.projectId, p.customerId),
      projectIds ? inArray(p.projectId, projectIds) : undefined,
      customerIds ? inArray(p.customerId, customerIds) : undefined,
      ruleCodes ? ruleIdIn(this.ctx.db, p.ruleId, ruleCodes) : undefined,
      f?.statuses?.length ? or(...[...new Set(f.statuses)].map((s) => byStatus[s])) : undefined,
      f?.dueFrom ? gte(p.dueAt, f.dueFrom) : undefined,
      f?.dueTo ? lt(p.dueAt, f.dueTo) : undefined,
      f?.open === true ? lte(p.opensAt, now) : f?.open === false ? gt(p.opensAt, now) : undefined,
    ];
  }

  /** Planned actions, soonest due first (then by id). */
  async listPlanned(filter: PlannedTouchpointFilter | null | undefined, args: PageArgs) {
    const sort = { key: 'DUE_AT', column: plannedTouchpoints.dueAt, cast: 'timestamptz' } as const;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const base = and(...(await this.conditions(filter)));
    const ks = keyset(req, sort, plannedTouchpoints.id, false);
    const rows = await this.ctx.db.select().from(plannedTouchpoints).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode(sort.key, r.dueAt, r.id)), count: () => this.ctx.db.$count(plannedTouchpoints, base) };
  }

  /** A planned action that can still be completed or skipped, or INVALID_TRANSITION saying why not. */
  private assertOpen(row: PlannedRow, doing: string) {
    if (!OPEN.includes(row.status)) {
      throw AppError.invalidTransition(`The planned touchpoint is ${row.status} and cannot be ${doing}`, { field: 'input.plannedTouchpointId', status: row.status });
    }
  }

  /**
   * Carries out a planned action (ADMIN, MANAGER, AGENT): records the touchpoint (kind = the
   * rule's code, the planned action's customer, project, unit and stage) and links it, on time
   * or late, in one transaction; audited.
   */
  async complete(input: CompletePlannedTouchpointInput): Promise<PlannedRow> {
    const viewer = this.access.requireRole(CUSTOMER_WRITERS, 'complete planned touchpoints');
    const data = parseInput(completeSchema, input);
    const planned = await this.getPlanned(data.plannedTouchpointId, 'input.plannedTouchpointId');
    this.assertOpen(planned, 'completed');
    const now = this.ctx.now();
    const occurredAt = data.occurredAt ?? now;
    assertNotFuture('input.occurredAt', occurredAt, now);
    if (occurredAt < planned.opensAt) {
      const when = planned.opensAt.toISOString();
      if (data.occurredAt) throw AppError.badInput('input.occurredAt', `must not be before the action opens (${when})`);
      throw AppError.invalidTransition(`The action opens at ${when}; it cannot be done before`, { field: 'input.plannedTouchpointId' });
    }
    const rule = await this.ctx.loaders.rule.load(planned.ruleId);
    const customer = (await this.ctx.loaders.customer.load(planned.customerId))!;
    const survey = input.survey ? await prepareAnswers(this.ctx.db, input.survey, input.survey.answers, 'input.survey') : null;
    const owned = survey ? await this.ctx.loaders.ownershipsByCustomer.load(customer.id) : [];
    const staffId = await new TouchpointService(this.ctx).staffLogin(data.staffId, viewer.id);
    const values = carriedOut(planned, rule!.code, {
      channel: data.channel,
      notes: data.notes,
      occurredAt,
      outcome: data.outcome ?? null,
      evidence: evidenceRows(data.evidence),
      staffId,
      createdBy: viewer.id,
    });
    return this.ctx.db.transaction(async (tx) => {
      const touchpointId = await insertTouchpoint(tx, values, customer.name);
      const [row] = await tx
        .update(plannedTouchpoints)
        .set({ ...doneBy({ id: touchpointId, occurredAt }, now, viewer.id), updatedAt: sql`now()` })
        .where(and(eq(plannedTouchpoints.id, planned.id), inArray(plannedTouchpoints.status, OPEN)))
        .returning();
      if (!row) throw AppError.invalidTransition('The planned touchpoint was completed or skipped meanwhile; reload it', { field: 'input.plannedTouchpointId' });
      const response = survey
        ? await insertResponse(
            tx,
            {
              ...survey,
              customerId: customer.id,
              customerName: customer.name,
              projectId: planned.projectId,
              segment: segmentAt(this.ctx, owned, occurredAt),
              touchpointId,
              plannedTouchpointId: planned.id,
              channel: data.channel,
              submittedAt: occurredAt,
              createdBy: viewer.id,
            },
            now,
            this.ctx.config.businessTimeZone,
          )
        : null;
      await recordAudit(tx, this.ctx, {
        action: 'completePlannedTouchpoint',
        subjectId: data.plannedTouchpointId,
        projectId: planned.projectId,
        changes: {
          touchpointId: toGlobalId('Touchpoint', touchpointId),
          onTime: occurredAt <= planned.dueAt,
          ...auditChanges(values),
          ...(response ? { surveyResponseId: toGlobalId('SurveyResponse', response.response.id), overallScore: response.response.overallScore } : {}),
        },
      });
      return row;
    });
  }

  /** Skips a planned action with a reason (ADMIN, MANAGER in scope); audited. */
  async skip(input: SkipPlannedTouchpointInput): Promise<PlannedRow> {
    const viewer = this.access.requireRole(ACTION_SKIPPERS, 'skip planned touchpoints');
    const data = parseInput(skipSchema, input);
    const planned = await this.getPlanned(data.plannedTouchpointId, 'input.plannedTouchpointId');
    this.assertOpen(planned, 'skipped');
    return this.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(plannedTouchpoints)
        .set({ ...skippedBy(data.reason, this.ctx.now(), viewer.id), updatedAt: sql`now()` })
        .where(and(eq(plannedTouchpoints.id, planned.id), inArray(plannedTouchpoints.status, OPEN)))
        .returning();
      if (!row) throw AppError.invalidTransition('The planned touchpoint was completed or skipped meanwhile; reload it', { field: 'input.plannedTouchpointId' });
      await recordAudit(tx, this.ctx, { action: 'skipPlannedTouchpoint', subjectId: data.plannedTouchpointId, projectId: planned.projectId, reason: data.reason, changes: { from: statusOf(planned, this.ctx.now()) } });
      return row;
    });
  }
}
