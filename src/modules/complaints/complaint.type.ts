import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { getTableColumns } from 'drizzle-orm';
import { complaintEvents, complaints, type slaAlerts, slaClocks } from '../../db/schema/index.js';
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
import { Connection } from '../../graphql/connection.js';
import {
  AlertLevelEnum,
  ChannelEnum,
  ComplaintCategoryEnum,
  ComplaintKindEnum,
  ComplaintStatusEnum,
  DefectLocationEnum,
  DepartmentEnum,
  SeverityEnum,
  SlaClockEnum,
  SlaClockStateEnum,
} from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node, readsRow } from '../../graphql/node.js';

export type ComplaintRow = typeof complaints.$inferSelect;
export type ComplaintEventRow = typeof complaintEvents.$inferSelect;
export type ClockRow = typeof slaClocks.$inferSelect;
export type AlertRow = typeof slaAlerts.$inferSelect;

@ObjectType({ implements: Node, description: '投诉与报修 — a complaint, repair request, inquiry or suggestion.' })
export class Complaint extends Node {
  dbId!: number;
  customerId!: number;
  projectId!: number;
  unitId!: number | null;
  firstResponderId!: string;
  handlerId!: string | null;
  repeatOfId!: number | null;
  slaPolicyId!: number | null;

  @Field({ description: 'Human-readable number, unique and increasing within its receipt year (a write that fails after taking one leaves a gap), e.g. TS-2026-000123.' })
  number!: string;

  @Field(() => ComplaintStatusEnum, { description: 'Lifecycle status.' })
  status!: ComplaintStatus;

  @Field(() => ComplaintKindEnum, { description: 'Kind.' })
  kind!: ComplaintKind;

  @Field(() => ComplaintCategoryEnum, { description: 'Category.' })
  category!: ComplaintCategory;

  @Field(() => DefectLocationEnum, { nullable: true, description: 'Defect location (engineering complaints).' })
  defectLocation!: DefectLocation | null;

  @Field(() => ChannelEnum, { description: 'Channel it came in through.' })
  channel!: Channel;

  @Field({ description: 'What the customer reported.' })
  description!: string;

  @Field(() => [String], { description: 'Attachment URLs (photos, recordings).' })
  attachments!: string[];

  @Field(() => SeverityEnum, { description: 'Severity.' })
  severity!: Severity;

  @Field(() => String, { nullable: true, description: 'Why it is MAJOR (when escalated).' })
  majorReason!: string | null;

  @Field(() => DepartmentEnum, { nullable: true, description: 'Responsible department, once accepted.' })
  department!: Department | null;

  @Field({ description: 'Whether the SLA clocks are paused (waiting on the customer).' })
  slaPaused!: boolean;

  @Field({ description: 'When it was received.' })
  receivedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was accepted.' })
  acceptedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was (last) resolved.' })
  resolvedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the (last) return visit happened.' })
  returnVisitedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was closed.' })
  closedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was escalated to MAJOR.' })
  escalatedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the major-complaint escalation report was made.' })
  escalationReportedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Earliest due instant of the running SLA clocks.' })
  nextDueAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Agreed repair appointment (starts the REPAIR_VISIT clock).' })
  repairAppointmentAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Satisfaction (1–5) at the last return visit.' })
  returnVisitScore!: number | null;

  @Field(() => String, { nullable: true, description: 'How it was resolved.' })
  resolution!: string | null;

  @Field(() => String, { nullable: true, description: 'Explanation given to the customer when rejected.' })
  rejectReason!: string | null;

  @Field(() => Int, { description: 'How many times it was reopened.' })
  reopenCount!: number;

  @Field({ description: 'Whether it repeats an earlier complaint (same customer, unit, category within 30 days).' })
  isRepeat!: boolean;

  /** The row the columns are read from (see {@link readsRow}). */
  row!: ComplaintRow;

  static from(row: ComplaintRow): Complaint {
    const c = new Complaint();
    c.row = row;
    c.dbId = row.id;
    c.id = toGlobalId('Complaint', row.id);
    c.isRepeat = row.repeatOfId !== null;
    return c;
  }
}
readsRow(Complaint, Object.keys(getTableColumns(complaints)), ['id', 'isRepeat']);

export const ComplaintConnection = Connection(Complaint, 'Complaint');

@ObjectType({ description: 'An entry of a complaint’s timeline: transition, assignment, note, clock event or alert.' })
export class ComplaintEvent {
  @Field(() => ID, { description: 'Event id (ordering key within the complaint).' })
  id!: string;

  @Field({ description: 'What happened, e.g. ACCEPTED, NOTE, CLOCK_STARTED, ALERT_FIRED.' })
  type!: string;

  @Field(() => ComplaintStatusEnum, { nullable: true, description: 'Status before, for transitions.' })
  fromStatus!: ComplaintStatus | null;

  @Field(() => ComplaintStatusEnum, { nullable: true, description: 'Status after, for transitions.' })
  toStatus!: ComplaintStatus | null;

  /** Token subject of who did it (resolved to `actor`); null for the system. */
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: 'Note or reason.' })
  note!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Details (department, clock, alert level, score, …).' })
  data!: Record<string, unknown> | null;

  @Field({ description: 'When.' })
  at!: Date;

  /** The row the columns are read from (see {@link readsRow}). */
  row!: ComplaintEventRow;

  static from(r: ComplaintEventRow): ComplaintEvent {
    const e = new ComplaintEvent();
    e.row = r;
    e.id = String(r.id);
    return e;
  }
}
readsRow(ComplaintEvent, Object.keys(getTableColumns(complaintEvents)), ['id']);

@ObjectType({ description: 'An SLA clock of a complaint (时限).' })
export class SlaClock {
  dbId!: number;
  runningSince!: Date | null;
  consumedMs!: number;
  targetMs!: number;
  warnAt!: number;

  @Field(() => SlaClockEnum, { description: 'Which clock.' })
  clock!: SlaClockKind;

  @Field(() => Int, { description: 'Window number: 0 for the first; a new return visit or repair appointment opens the next (RESOLUTION continues in its own).' })
  cycle!: number;

  @Field(() => SlaClockStateEnum, { description: 'Running, paused or stopped.' })
  state!: SlaClockState;

  @Field({ description: 'Target as an ISO-8601 duration, e.g. P1D.' })
  target!: string;

  @Field({ description: 'Whether the target counts working time (business calendar) rather than calendar time.' })
  workingTime!: boolean;

  @Field(() => Float, { description: 'Share of the target at which a WARNING fires.' })
  warnShare!: number;

  @Field({ description: 'When the clock first started.' })
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Due instant while running; null while paused or stopped.' })
  dueAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it stopped.' })
  stoppedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the WARNING fired.' })
  warnedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the BREACHED alert fired.' })
  breachedAt!: Date | null;

  /** The request's clock (`Context.now`), for {@link SlaClock.breached}. */
  private now!: () => Date;

  @Field({ description: 'Whether the target was missed (now, or when the clock stopped).' })
  get breached(): boolean {
    if (this.breachedAt) return true;
    if (this.state === 'STOPPED') return this.dueAt !== null && this.stoppedAt !== null && this.stoppedAt > this.dueAt;
    return this.dueAt !== null && this.dueAt <= this.now();
  }

  /** The row the columns are read from (see {@link readsRow}). */
  row!: ClockRow;

  /** The clock of `r`, `breached` judged by `now` (the request's clock). */
  static from(r: ClockRow, now: () => Date): SlaClock {
    const c = new SlaClock();
    c.row = r;
    c.dbId = r.id;
    c.warnShare = r.warnAt;
    c.now = now;
    return c;
  }
}
readsRow(SlaClock, Object.keys(getTableColumns(slaClocks)), ['id']);

@ObjectType({ implements: Node, description: 'An SLA alert (预警): stored, listable, acknowledgeable and replayable.' })
export class SlaAlert extends Node {
  dbId!: number;
  complaintId!: number | null;
  projectId!: number;
  plannedTouchpointId!: number | null;
  inspectionFindingId!: number | null;
  surveyResponseId!: number | null;

  @Field(() => AlertLevelEnum, { description: 'Level.' })
  level!: AlertLevel;

  @Field(() => SlaClockEnum, { nullable: true, description: 'The clock, for clock alerts.' })
  clock!: SlaClockKind | null;

  @Field(() => Date, { nullable: true, description: 'The moment the alert was for (warning instant or due instant).' })
  dueAt!: Date | null;

  @Field({ description: 'When it fired.' })
  firedAt!: Date;

  @Field({ description: 'Whether it fired late (e.g. at start-up after the server was down).' })
  late!: boolean;

  @Field(() => String, { nullable: true, description: 'For ESCALATED: ID of the org unit notified (the next level up).' })
  escalatedTo!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was acknowledged.' })
  acknowledgedAt!: Date | null;

  /** Token subject of who acknowledged it (resolved to `acknowledgedBy`). */
  acknowledgedById!: string | null;

  static from(r: AlertRow): SlaAlert {
    return Object.assign(new SlaAlert(), {
      ...r,
      dbId: r.id,
      id: toGlobalId('SlaAlert', r.id),
      acknowledgedById: r.acknowledgedBy,
    });
  }
}

export const SlaAlertConnection = Connection(SlaAlert, 'SlaAlert');
