import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { ALERT_HANDLERS, SLA_ADMINS } from '../../auth/access.js';
import { businessCalendarDays, businessCalendarYears, complaints, plannedTouchpoints, slaAlerts, slaPolicies, surveyResponses } from '../../db/schema/index.js';
import { COMPLAINT_CATEGORIES, COMPLAINT_KINDS, SEVERITIES, SLA_CLOCKS } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { parseId, parseIds, toGlobalId } from '../../graphql/global-id.js';
import { keyset, pageOf, pageRequest, type PageArgs } from '../../graphql/pagination.js';
import { localDate, parseInput, text } from '../../graphql/validate.js';
import { datesBetween } from '../../sla/defaults.js';
import { DurationError, parseSlaDuration } from '../../sla/duration.js';
import type { AlertRow } from '../../sla/alerts.js';
import { recordAudit } from '../audit/audit.service.js';
import type { SlaAlertFilter, UpsertBusinessCalendarYearInput, UpsertSlaPolicyInput } from './sla.type.js';

const target = z.string().superRefine((v, ctx) => {
  try {
    parseSlaDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof DurationError ? e.message : 'must be an ISO-8601 duration such as P1D or PT24H' });
  }
});

const policySchema = z.object({
  name: text(100),
  match: z
    .object({
      kinds: z.array(z.enum(COMPLAINT_KINDS)).nullish(),
      categories: z.array(z.enum(COMPLAINT_CATEGORIES)).nullish(),
      severities: z.array(z.enum(SEVERITIES)).nullish(),
    })
    .nullish(),
  clocks: z
    .array(
      z.object({
        clock: z.enum(SLA_CLOCKS),
        target,
        workingTime: z.boolean().nullish(),
        warnAt: z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1').nullish(),
      }),
    )
    .min(1, 'at least one clock')
    .refine((cs) => new Set(cs.map((c) => c.clock)).size === cs.length, 'each clock at most once'),
  priority: z.number().int().min(-1000).max(1000).nullish(),
  active: z.boolean().nullish(),
});

const calendarSchema = z.object({
  year: z.number().int().min(2000).max(2100),
  holidays: z.array(z.object({ name: text(100), from: localDate, to: localDate })).max(50),
  workdays: z.array(localDate).max(50),
  source: text(500).nullish(),
});

/** SLA policies, alerts and the business calendar. */
export class SlaService {
  constructor(private readonly ctx: Context) {}

  listPolicies() {
    return this.ctx.db.select().from(slaPolicies).orderBy(desc(slaPolicies.active), asc(slaPolicies.name));
  }

  async upsertPolicy(input: UpsertSlaPolicyInput) {
    this.ctx.access.requireRole(SLA_ADMINS, 'configure SLA policies');
    const d = parseInput(policySchema, input);
    const values = {
      name: d.name,
      kinds: d.match?.kinds ?? [],
      categories: d.match?.categories ?? [],
      severities: d.match?.severities ?? [],
      clocks: d.clocks.map((c) => ({ clock: c.clock, target: c.target, workingTime: c.workingTime ?? false, warnAt: c.warnAt ?? 0.8 })),
      priority: d.priority ?? 0,
      active: d.active ?? true,
      updatedAt: this.ctx.now(),
    };
    return this.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(slaPolicies)
        .values(values)
        .onConflictDoUpdate({ target: slaPolicies.name, set: values })
        .returning();
      await recordAudit(tx, this.ctx, { action: 'upsertSlaPolicy', subjectId: toGlobalId('SlaPolicy', row!.id), changes: values });
      return row!;
    });
  }

  /** Visibility plus the filter's conditions on `sla_alerts`. */
  private async alertConditions(filter: SlaAlertFilter | null | undefined): Promise<(SQL | undefined)[]> {
    const f = filter ?? {};
    return [
      await this.visibility(),
      f.levels?.length ? inArray(slaAlerts.level, f.levels) : undefined,
      f.clocks?.length ? inArray(slaAlerts.clock, f.clocks) : undefined,
      f.projectIds?.length ? inArray(slaAlerts.projectId, parseIds(f.projectIds, 'Project', 'filter.projectIds')!) : undefined,
      f.complaintIds?.length ? inArray(slaAlerts.complaintId, parseIds(f.complaintIds, 'Complaint', 'filter.complaintIds')!) : undefined,
      f.plannedTouchpointIds?.length ? inArray(slaAlerts.plannedTouchpointId, parseIds(f.plannedTouchpointIds, 'PlannedTouchpoint', 'filter.plannedTouchpointIds')!) : undefined,
      f.acknowledged === true ? isNotNull(slaAlerts.acknowledgedAt) : f.acknowledged === false ? isNull(slaAlerts.acknowledgedAt) : undefined,
      f.late === undefined || f.late === null ? undefined : eq(slaAlerts.late, f.late),
      f.firedFrom ? gte(slaAlerts.firedAt, f.firedFrom) : undefined,
      f.firedTo ? lt(slaAlerts.firedAt, f.firedTo) : undefined,
    ];
  }

  /** Of these alerts, those the viewer may see that match the filter now, by id (subscriptions; one statement). */
  async visibleAlerts(ids: number[], filter: SlaAlertFilter | null | undefined): Promise<Map<number, AlertRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.ctx.db
      .select()
      .from(slaAlerts)
      .where(and(inArray(slaAlerts.id, ids), ...(await this.alertConditions(filter))));
    return new Map(rows.map((r) => [r.id, r]));
  }

  async listAlerts(filter: SlaAlertFilter | null | undefined, args: PageArgs) {
    const req = pageRequest(this.ctx.cursors, args, 'FIRED');
    const base = and(...(await this.alertConditions(filter)));
    const ks = keyset(req, { key: 'FIRED', column: slaAlerts.id, cast: 'bigint' }, slaAlerts.id, true);
    const rows = await this.ctx.db.select().from(slaAlerts).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode('FIRED', r.id, r.id)), count: () => this.ctx.db.$count(slaAlerts, base) };
  }

  async acknowledge(gid: string) {
    const viewer = this.ctx.access.requireRole(ALERT_HANDLERS, 'acknowledge alerts');
    const id = parseId(gid, 'SlaAlert', 'input.alertId');
    const visible = await this.listAlertsByIds([id]);
    const alert = visible[0];
    if (!alert) throw AppError.notFound('SlaAlert', gid);
    if (alert.acknowledgedAt) {
      throw AppError.conflict(`The alert was already acknowledged by ${alert.acknowledgedBy} at ${alert.acknowledgedAt.toISOString()}`, {
        acknowledgedAt: alert.acknowledgedAt.toISOString(),
      });
    }
    return this.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(slaAlerts)
        .set({ acknowledgedAt: this.ctx.now(), acknowledgedBy: viewer.id })
        .where(and(eq(slaAlerts.id, id), isNull(slaAlerts.acknowledgedAt)))
        .returning();
      if (!row) throw AppError.conflict('The alert was acknowledged meanwhile');
      await recordAudit(tx, this.ctx, { action: 'acknowledgeSlaAlert', subjectId: gid, projectId: row.projectId });
      return row;
    });
  }

  /** Alerts the viewer may see: projects in scope; complaint alerts follow the complaint's visibility (department, confidentiality). */
  private async visibility(): Promise<SQL | undefined> {
    const access = this.ctx.access;
    const visibleComplaints = this.ctx.db.select({ id: complaints.id }).from(complaints).where(await access.complaintCondition());
    const plannedCondition = await access.customerRecordCondition(plannedTouchpoints.projectId, plannedTouchpoints.customerId);
    const responseCondition = await access.customerRecordCondition(surveyResponses.projectId, surveyResponses.customerId);
    return and(
      await access.projectCondition(slaAlerts.projectId),
      sql`(${slaAlerts.complaintId} is null or ${inArray(slaAlerts.complaintId, visibleComplaints)})`,
      // Overdue standard actions follow their planned touchpoint's visibility (the customer's confidentiality).
      plannedCondition
        ? sql`(${slaAlerts.plannedTouchpointId} is null or ${inArray(slaAlerts.plannedTouchpointId, this.ctx.db.select({ id: plannedTouchpoints.id }).from(plannedTouchpoints).where(plannedCondition))})`
        : undefined,
      // LOW_SATISFACTION follows its survey response's visibility (the customer's confidentiality).
      responseCondition
        ? sql`(${slaAlerts.surveyResponseId} is null or ${inArray(slaAlerts.surveyResponseId, this.ctx.db.select({ id: surveyResponses.id }).from(surveyResponses).where(responseCondition))})`
        : undefined,
    );
  }

  /** Alerts by id that the viewer may see. */
  async listAlertsByIds(ids: number[]) {
    const page = await this.ctx.db
      .select()
      .from(slaAlerts)
      .where(
        and(inArray(slaAlerts.id, ids), await this.visibility()),
      );
    return page;
  }

  async calendarYear(year: number) {
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw AppError.badInput('year', 'must be between 2000 and 2100');
    const [loaded] = await this.ctx.db.select().from(businessCalendarYears).where(eq(businessCalendarYears.year, year));
    const days = await this.ctx.db
      .select()
      .from(businessCalendarDays)
      .where(and(gte(businessCalendarDays.day, `${year}-01-01`), lt(businessCalendarDays.day, `${year + 1}-01-01`)))
      .orderBy(asc(businessCalendarDays.day));
    const { timeZone, hours } = { timeZone: this.ctx.config.businessTimeZone, hours: this.ctx.config.workingHours };
    return {
      year,
      scheduleLoaded: !!loaded,
      warning: loaded ? null : `No holiday schedule is loaded for ${year}: only weekends count as days off. Add it with upsertBusinessCalendarYear.`,
      timeZone,
      workingHours: `${hours.start}-${hours.end}`,
      days: days.map((d) => ({ date: d.day, kind: d.kind, name: d.name })),
    };
  }

  async upsertCalendarYear(input: UpsertBusinessCalendarYearInput) {
    this.ctx.access.requireRole(SLA_ADMINS, 'edit the business calendar');
    const d = parseInput(calendarSchema, input);
    const inYear = (day: string) => day.startsWith(`${d.year}-`);
    const holidayDays = d.holidays.flatMap((h, i) => {
      if (h.to < h.from) throw AppError.badInput(`input.holidays.${i}.to`, 'must not be before from');
      const days = datesBetween(h.from, h.to);
      if (days.length > 31) throw AppError.badInput(`input.holidays.${i}.to`, 'a holiday range is at most 31 days');
      return days.filter(inYear).map((day) => ({ day, kind: 'HOLIDAY' as const, name: h.name }));
    });
    d.workdays.forEach((w, i) => {
      if (!inYear(w)) throw AppError.badInput(`input.workdays.${i}`, `must be in ${d.year}`);
      if (holidayDays.some((h) => h.day === w)) throw AppError.badInput(`input.workdays.${i}`, 'is also listed as a holiday');
    });
    await this.ctx.db.transaction(async (tx) => {
      await tx.delete(businessCalendarDays).where(and(gte(businessCalendarDays.day, `${d.year}-01-01`), lt(businessCalendarDays.day, `${d.year + 1}-01-01`)));
      const rows = [...holidayDays, ...d.workdays.map((day) => ({ day, kind: 'WORKDAY' as const, name: '调休上班 make-up working day' }))];
      if (rows.length) await tx.insert(businessCalendarDays).values(rows).onConflictDoNothing();
      await tx
        .insert(businessCalendarYears)
        .values({ year: d.year, source: d.source ?? null })
        .onConflictDoUpdate({ target: businessCalendarYears.year, set: { source: d.source ?? null, loadedAt: this.ctx.now() } });
      await recordAudit(tx, this.ctx, { action: 'upsertBusinessCalendarYear', subjectId: `BusinessCalendarYear:${d.year}`, changes: { holidays: d.holidays, workdays: d.workdays } });
    });
    // Clocks already running keep their deadlines; new clocks use the new calendar.
    this.ctx.sla.calendars.invalidate();
    return this.calendarYear(d.year);
  }
}
