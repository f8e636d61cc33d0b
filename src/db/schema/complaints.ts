import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, real, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type {
  AlertLevel,
  Channel,
  ComplaintCategory,
  ComplaintKind,
  ComplaintStatus,
  DefectLocation,
  Department,
  Severity,
  SlaClockKind,
  SlaClockState,
} from '../../domain/enums.js';
import { SLA_CLOCKS } from '../../domain/enums.js';
import { customers, units } from './customers.js';
import { createdAt, id, projects, updatedAt } from './org.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** 投诉与报修: a complaint, repair request, inquiry or suggestion. */
export const complaints = pgTable(
  'complaints',
  {
    id: id(),
    /** Human-readable number, `TS-2026-000123`. */
    number: text('number').notNull(),
    customerId: bigint('customer_id', { mode: 'number' })
      .notNull()
      .references(() => customers.id),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    unitId: bigint('unit_id', { mode: 'number' }).references(() => units.id),
    kind: text('kind').$type<ComplaintKind>().notNull(),
    category: text('category').$type<ComplaintCategory>().notNull(),
    defectLocation: text('defect_location').$type<DefectLocation>(),
    channel: text('channel').$type<Channel>().notNull(),
    description: text('description').notNull(),
    attachments: jsonb('attachments').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    severity: text('severity').$type<Severity>().notNull().default('NORMAL'),
    majorReason: text('major_reason'),
    status: text('status').$type<ComplaintStatus>().notNull().default('RECEIVED'),
    /** 首问负责人: the staff member who received it; accountable until closed. */
    firstResponderId: text('first_responder_id').notNull(),
    department: text('department').$type<Department>(),
    handlerId: text('handler_id'),
    repeatOfId: bigint('repeat_of_id', { mode: 'number' }),
    slaPolicyId: bigint('sla_policy_id', { mode: 'number' }),
    /** Snapshot of the matched policy's clock targets at receipt: later policy edits do not move them. */
    slaTargets: jsonb('sla_targets').$type<SlaClockTarget[]>().notNull().default(sql`'[]'::jsonb`),
    slaPaused: boolean('sla_paused').notNull().default(false),
    /** Earliest due instant of the running clocks (ordering by "due soonest"). */
    nextDueAt: ts('next_due_at'),
    escalatedAt: ts('escalated_at'),
    escalationReportedAt: ts('escalation_reported_at'),
    rejectReason: text('reject_reason'),
    reopenCount: integer('reopen_count').notNull().default(0),
    receivedAt: ts('received_at').notNull().defaultNow(),
    acceptedAt: ts('accepted_at'),
    resolvedAt: ts('resolved_at'),
    returnVisitedAt: ts('return_visited_at'),
    closedAt: ts('closed_at'),
    returnVisitScore: integer('return_visit_score'),
    /**
     * Survey responses that follow this complaint (return visits), kept with it in the
     * response's transaction (survey insertResponse) so that complaint statistics read one row
     * per complaint: how many, how many scored, the sum of their overall scores, and how many
     * scored 4–5.
     */
    surveyResponses: integer('survey_responses').notNull().default(0),
    surveyScored: integer('survey_scored').notNull().default(0),
    surveyScoreSum: integer('survey_score_sum').notNull().default(0),
    surveySatisfied: integer('survey_satisfied').notNull().default(0),
    resolution: text('resolution'),
    repairAppointmentAt: ts('repair_appointment_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('complaints_number_uq').on(t.number),
    index('complaints_project_received_idx').on(t.projectId, t.receivedAt, t.id),
    index('complaints_received_idx').on(t.receivedAt, t.id),
    index('complaints_customer_idx').on(t.customerId, t.unitId, t.category, t.receivedAt),
    index('complaints_status_idx').on(t.status),
    index('complaints_department_idx').on(t.department, t.status),
    index('complaints_handler_idx').on(t.handlerId),
    index('complaints_next_due_idx').on(t.nextDueAt, t.id),
    index('complaints_repeat_of_idx').on(t.repeatOfId),
  ],
);

/** Per-year counter behind complaint numbers: taken in a statement of its own before the intake's write, so numbers are unique and increase; a failed write leaves a gap. */
export const complaintNumberCounters = pgTable('complaint_number_counters', {
  year: integer('year').primaryKey(),
  last: integer('last').notNull(),
});

/** Complaint timeline: transitions, assignments, notes, clock events and alerts. */
export const complaintEvents = pgTable(
  'complaint_events',
  {
    id: id(),
    complaintId: bigint('complaint_id', { mode: 'number' })
      .notNull()
      .references(() => complaints.id),
    type: text('type').notNull(),
    fromStatus: text('from_status').$type<ComplaintStatus>(),
    toStatus: text('to_status').$type<ComplaintStatus>(),
    actorId: text('actor_id'),
    note: text('note'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('complaint_events_complaint_idx').on(t.complaintId, t.at, t.id)],
);

/** A target of an SLA policy for one clock. */
export type SlaClockTarget = { clock: SlaClockKind; target: string; workingTime: boolean; warnAt: number };

/** SLA policy: which complaints it matches and the clocks it starts. */
export const slaPolicies = pgTable('sla_policies', {
  id: id(),
  name: text('name').notNull().unique(),
  kinds: jsonb('kinds').$type<ComplaintKind[]>().notNull().default(sql`'[]'::jsonb`),
  categories: jsonb('categories').$type<ComplaintCategory[]>().notNull().default(sql`'[]'::jsonb`),
  severities: jsonb('severities').$type<Severity[]>().notNull().default(sql`'[]'::jsonb`),
  clocks: jsonb('clocks').$type<SlaClockTarget[]>().notNull(),
  priority: integer('priority').notNull().default(0),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A running/paused/stopped SLA clock of one complaint. */
export const slaClocks = pgTable(
  'sla_clocks',
  {
    id: id(),
    complaintId: bigint('complaint_id', { mode: 'number' })
      .notNull()
      .references(() => complaints.id),
    clock: text('clock').$type<SlaClockKind>().notNull(),
    /** 0 for the first window; a new return-visit or repair-visit window is a new cycle (RESOLUTION continues its own). */
    cycle: integer('cycle').notNull().default(0),
    state: text('state').$type<SlaClockState>().notNull(),
    /** ISO-8601 target as configured, e.g. `P1D`. */
    target: text('target').notNull(),
    /** Target in milliseconds of the clock's measure (working or calendar time). */
    targetMs: bigint('target_ms', { mode: 'number' }).notNull(),
    workingTime: boolean('working_time').notNull(),
    warnAt: real('warn_at').notNull(),
    startedAt: ts('started_at').notNull(),
    /** Start of the current run; null while paused or stopped. */
    runningSince: ts('running_since'),
    dueAt: ts('due_at'),
    warnDueAt: ts('warn_due_at'),
    pausedAt: ts('paused_at'),
    stoppedAt: ts('stopped_at'),
    /** Milliseconds of the target consumed before the current run. */
    consumedMs: bigint('consumed_ms', { mode: 'number' }).notNull().default(0),
    /** Next moment the scheduler must look at this clock (min of pending warn/breach), null when nothing is pending. */
    nextCheckAt: ts('next_check_at'),
    warnedAt: ts('warned_at'),
    breachedAt: ts('breached_at'),
  },
  (t) => [
    uniqueIndex('sla_clocks_complaint_clock_cycle_uq').on(t.complaintId, t.clock, t.cycle),
    // The scheduler's due query and next-moment query walk this in order; only running clocks have a next check.
    index('sla_clocks_next_check_idx').on(t.nextCheckAt).where(sql`${t.state} = 'RUNNING' and ${t.nextCheckAt} is not null`),
    // Complaint statistics: the open cycles already past due (missed though not yet marked breached).
    index('sla_clocks_open_due_idx').on(t.dueAt).where(sql`${t.stoppedAt} is null and ${t.breachedAt} is null`),
  ],
);

/** A fired alert; unique per (clock, level) so it fires once across instances. */
export const slaAlerts = pgTable(
  'sla_alerts',
  {
    id: id(),
    level: text('level').$type<AlertLevel>().notNull(),
    clockId: bigint('clock_id', { mode: 'number' }).references(() => slaClocks.id),
    clock: text('clock').$type<SlaClockKind>(),
    complaintId: bigint('complaint_id', { mode: 'number' }).references(() => complaints.id),
    plannedTouchpointId: bigint('planned_touchpoint_id', { mode: 'number' }),
    surveyResponseId: bigint('survey_response_id', { mode: 'number' }),
    inspectionFindingId: bigint('inspection_finding_id', { mode: 'number' }),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    dueAt: ts('due_at'),
    firedAt: ts('fired_at').notNull().defaultNow(),
    /** True when the alert fired after its moment, e.g. at start-up after downtime. */
    late: boolean('late').notNull().default(false),
    /** For ESCALATED: global ID of the org unit notified (city company, region or the group). */
    escalatedTo: text('escalated_to'),
    acknowledgedAt: ts('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [
    uniqueIndex('sla_alerts_clock_level_uq').on(t.clockId, t.level).where(sql`${t.clockId} is not null`),
    uniqueIndex('sla_alerts_planned_level_uq')
      .on(t.plannedTouchpointId, t.level)
      .where(sql`${t.plannedTouchpointId} is not null`),
    uniqueIndex('sla_alerts_response_level_uq')
      .on(t.surveyResponseId, t.level)
      .where(sql`${t.surveyResponseId} is not null`),
    uniqueIndex('sla_alerts_finding_level_uq')
      .on(t.inspectionFindingId, t.level)
      .where(sql`${t.inspectionFindingId} is not null`),
    index('sla_alerts_project_fired_idx').on(t.projectId, t.firedAt, t.id),
    index('sla_alerts_complaint_idx').on(t.complaintId),
    index('sla_alerts_fired_idx').on(t.firedAt, t.id),
  ],
);

/** Business calendar day overrides: holidays (放假) and make-up working days (调休上班). */
export const businessCalendarDays = pgTable('business_calendar_days', {
  day: text('day').primaryKey(),
  kind: text('kind').$type<'HOLIDAY' | 'WORKDAY'>().notNull(),
  name: text('name'),
});

/** Years for which the published holiday schedule has been loaded. */
export const businessCalendarYears = pgTable('business_calendar_years', {
  year: integer('year').primaryKey(),
  source: text('source'),
  loadedAt: createdAt(),
});

/** A counter of one SLA clock's cycles on `complaint_facts`: `<clock>_<what>` (e.g. `acceptance_met`). */
const clockCounter = (clock: SlaClockKind, what: 'n' | 'met' | 'breached') => smallint(`${clock.toLowerCase()}_${what}`).notNull().default(0);
/** The three counters of each SLA clock, keyed `<CLOCK>_<what>`. */
const clockCounters = () =>
  Object.fromEntries(SLA_CLOCKS.flatMap((clock) => (['n', 'met', 'breached'] as const).map((what) => [`${clock}_${what}`, clockCounter(clock, what)]))) as Record<
    `${SlaClockKind}_${'n' | 'met' | 'breached'}`,
    ReturnType<typeof clockCounter>
  >;

/**
 * What complaint statistics read of each complaint, narrow (a tenth of a complaint row): kept by
 * triggers on `complaints` and `sla_clocks` (migration 0013) in the transaction of every write to
 * them, whatever writes. Per SLA clock, three counters (plain columns: summing them is several
 * times cheaper than array elements): its cycles (`_n`), those stopped in time (`_met`) and those
 * breached (`_breached`).
 */
export const complaintFacts = pgTable(
  'complaint_facts',
  {
    complaintId: bigint('complaint_id', { mode: 'number' })
      .primaryKey()
      .references(() => complaints.id, { onDelete: 'cascade' }),
    projectId: bigint('project_id', { mode: 'number' }).notNull(),
    customerId: bigint('customer_id', { mode: 'number' }).notNull(),
    department: text('department').$type<Department>(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    status: text('status').$type<ComplaintStatus>().notNull(),
    severity: text('severity').$type<Severity>().notNull(),
    category: text('category').$type<ComplaintCategory>().notNull(),
    kind: text('kind').$type<ComplaintKind>().notNull(),
    /** Milliseconds from receipt to acceptance (exact: timestamps are kept to the millisecond); null until accepted. */
    acceptMs: bigint('accept_ms', { mode: 'number' }),
    /** Milliseconds from receipt to resolution; null until resolved. */
    resolveMs: bigint('resolve_ms', { mode: 'number' }),
    repeat: boolean('repeat').notNull(),
    surveyResponses: integer('survey_responses').notNull(),
    surveyScored: integer('survey_scored').notNull(),
    surveyScoreSum: integer('survey_score_sum').notNull(),
    surveySatisfied: integer('survey_satisfied').notNull(),
    /** Whether the customer is CONFIDENTIAL or SECRET now: read (FOR SHARE) when the complaint is written, and set again by a trigger on `customers` when their confidentiality crosses NORMAL (migration 0015). */
    restricted: boolean('restricted').notNull().default(false),
    ...clockCounters(),
  },
  // Also `complaint_facts_received_cover_idx` on (received_at) INCLUDE (project_id, restricted,
  // accept_ms, resolve_ms), in SQL (migration 0015; drizzle has no INCLUDE): the percentiles of
  // complaintStats read a year of complaints from it alone (an index-only scan).
  (t) => [index('complaint_facts_project_received_idx').on(t.projectId, t.receivedAt)],
);

/**
 * The key of a complaint rollup row besides its month: what `complaintStats` filters and groups
 * by, and what access rules need (`department`: '' for none; `restricted`: the customer is
 * CONFIDENTIAL or SECRET).
 */
const complaintRollupKey = () => ({
  projectId: bigint('project_id', { mode: 'number' }).notNull(),
  department: text('department').notNull().default(''),
  restricted: boolean('restricted').notNull(),
  status: text('status').$type<ComplaintStatus>().notNull(),
  severity: text('severity').$type<Severity>().notNull(),
  category: text('category').$type<ComplaintCategory>().notNull(),
  kind: text('kind').$type<ComplaintKind>().notNull(),
});
const sum = (name: string) => integer(name).notNull().default(0);
const bigSum = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);
/** The additive measures of complaints (sums of what `complaint_facts` holds per complaint). */
const complaintRollupMeasures = () => ({
  complaints: sum('complaints'),
  accepted: sum('accepted'),
  acceptMsSum: bigSum('accept_ms_sum'),
  resolved: sum('resolved'),
  resolveMsSum: bigSum('resolve_ms_sum'),
  visited: sum('visited'),
  surveyScored: sum('survey_scored'),
  surveyScoreSum: bigSum('survey_score_sum'),
  surveySatisfied: sum('survey_satisfied'),
  repeats: sum('repeats'),
  ...(Object.fromEntries(SLA_CLOCKS.flatMap((clock) => (['n', 'met', 'breached'] as const).map((what) => [`${clock}_${what}`, sum(`${clock.toLowerCase()}_${what}`)]))) as Record<
    `${SlaClockKind}_${'n' | 'met' | 'breached'}`,
    ReturnType<typeof sum>
  >),
});

/**
 * Exact monthly sums of `complaint_facts` for `complaintStats` (everything but the percentiles):
 * one row per local month (in the time zone of `complaint_rollup_state`) and rollup key. Only the
 * compactor writes it, folding in `complaint_rollup_deltas`; readers add the deltas not yet folded
 * in, so what they read is as fresh as the complaints.
 */
export const complaintRollups = pgTable(
  'complaint_rollups',
  {
    month: date('month', { mode: 'string' }).notNull(),
    ...complaintRollupKey(),
    ...complaintRollupMeasures(),
  },
  (t) => [primaryKey({ name: 'complaint_rollups_pk', columns: [t.month, t.projectId, t.department, t.restricted, t.status, t.severity, t.category, t.kind] })],
);

/**
 * Changes to `complaint_facts` not yet folded into `complaint_rollups`: a trigger appends the old
 * row's measures negated and the new row's (append-only: writers never wait for each other on a
 * rollup row), and the compactor moves them into the rollups every few seconds.
 */
export const complaintRollupDeltas = pgTable('complaint_rollup_deltas', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
  ...complaintRollupKey(),
  ...complaintRollupMeasures(),
});

/** The time zone `complaint_rollups`' months are in (one row); a server in another zone rebuilds them at start. */
export const complaintRollupState = pgTable('complaint_rollup_state', {
  id: integer('id').primaryKey().default(1),
  timeZone: text('time_zone').notNull(),
  builtAt: timestamp('built_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
});
