import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import type { slaPolicies } from '../../db/schema/index.js';
import type { AlertLevel, ComplaintCategory, ComplaintKind, Severity, SlaClockKind } from '../../domain/enums.js';
import { AlertLevelEnum, ComplaintCategoryEnum, ComplaintKindEnum, SeverityEnum, SlaClockEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node } from '../../graphql/node.js';

export type PolicyRow = typeof slaPolicies.$inferSelect;

@ObjectType({ description: 'Which complaints a policy applies to; an empty list matches everything.' })
export class SlaPolicyMatch {
  @Field(() => [ComplaintKindEnum], { description: 'Kinds (empty: any).' })
  kinds!: ComplaintKind[];

  @Field(() => [ComplaintCategoryEnum], { description: 'Categories (empty: any).' })
  categories!: ComplaintCategory[];

  @Field(() => [SeverityEnum], { description: 'Severities (empty: any).' })
  severities!: Severity[];
}

@ObjectType({ description: 'A clock target of a policy.' })
export class SlaClockTarget {
  @Field(() => SlaClockEnum, { description: 'The clock.' })
  clock!: SlaClockKind;

  @Field({ description: 'Target as an ISO-8601 duration (weeks, days, hours, minutes, seconds), e.g. P1D, PT24H.' })
  target!: string;

  @Field({ description: 'Whether the target counts working time on the business calendar.' })
  workingTime!: boolean;

  @Field(() => Float, { description: 'Share of the target at which a WARNING fires (0–1, default 0.8).' })
  warnAt!: number;
}

@ObjectType({ implements: Node, description: 'An SLA policy (时限策略): clock targets for the complaints it matches.' })
export class SlaPolicy extends Node {
  @Field({ description: 'Unique name; saving a policy with an existing name replaces it for complaints received afterwards.' })
  name!: string;

  @Field(() => SlaPolicyMatch, { description: 'Which complaints it matches.' })
  match!: SlaPolicyMatch;

  @Field(() => [SlaClockTarget], { description: 'Clock targets.' })
  clocks!: SlaClockTarget[];

  @Field(() => Int, { description: 'Tie-breaker among equally specific matching policies (higher wins, then newer).' })
  priority!: number;

  @Field({ description: 'Inactive policies match nothing.' })
  active!: boolean;

  @Field({ description: 'When it was last saved.' })
  updatedAt!: Date;

  static from(r: PolicyRow): SlaPolicy {
    return Object.assign(new SlaPolicy(), {
      ...r,
      id: toGlobalId('SlaPolicy', r.id),
      match: { kinds: r.kinds, categories: r.categories, severities: r.severities },
    });
  }
}

@InputType({ description: 'Which complaints a policy applies to; omitted or empty lists match everything.' })
export class SlaPolicyMatchInput {
  @Field(() => [ComplaintKindEnum], { nullable: true, description: 'Kinds.' })
  kinds?: ComplaintKind[];

  @Field(() => [ComplaintCategoryEnum], { nullable: true, description: 'Categories.' })
  categories?: ComplaintCategory[];

  @Field(() => [SeverityEnum], { nullable: true, description: 'Severities.' })
  severities?: Severity[];
}

@InputType({ description: 'A clock target.' })
export class SlaClockTargetInput {
  @Field(() => SlaClockEnum, { description: 'The clock.' })
  clock!: SlaClockKind;

  @Field({ description: 'ISO-8601 duration (W, D, H, M, S; no months or years), e.g. P1D, PT24H, PT10M.' })
  target!: string;

  @Field({ nullable: true, defaultValue: false, description: 'Count working time on the business calendar (default false: calendar time).' })
  workingTime!: boolean;

  @Field(() => Float, { nullable: true, defaultValue: 0.8, description: 'Warning share of the target, strictly between 0 and 1 (default 0.8).' })
  warnAt!: number;
}

@InputType({ description: 'Creates or replaces (by name) an SLA policy. It applies to complaints received after it is saved.' })
export class UpsertSlaPolicyInput {
  @Field({ description: 'Unique name (1–100 characters).' })
  name!: string;

  @Field(() => SlaPolicyMatchInput, { nullable: true, description: 'Which complaints it matches (default: all).' })
  match?: SlaPolicyMatchInput | null;

  @Field(() => [SlaClockTargetInput], { description: 'Clock targets, at most one per clock.' })
  clocks!: SlaClockTargetInput[];

  @Field(() => Int, { nullable: true, defaultValue: 0, description: 'Priority among equally specific matches.' })
  priority!: number;

  @Field({ nullable: true, defaultValue: true, description: 'Whether it is in force.' })
  active!: boolean;
}

@InputType({ description: 'Filter for `slaAlerts`.' })
export class SlaAlertFilter {
  @Field(() => [AlertLevelEnum], { nullable: true, description: 'Levels (any of).' })
  levels?: AlertLevel[];

  @Field(() => [SlaClockEnum], { nullable: true, description: 'Clocks (any of).' })
  clocks?: SlaClockKind[];

  @Field(() => [String], { nullable: true, description: 'Projects (IDs, any of).' })
  projectIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Complaints (IDs, any of).' })
  complaintIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Planned touchpoints (IDs, any of): their TOUCHPOINT_OVERDUE alerts.' })
  plannedTouchpointIds?: string[];

  @Field({ nullable: true, description: 'Only acknowledged (true) or unacknowledged (false) alerts.' })
  acknowledged?: boolean;

  @Field({ nullable: true, description: 'Only late (true) or on-time (false) alerts.' })
  late?: boolean;

  @Field({ nullable: true, description: 'Fired at or after.' })
  firedFrom?: Date;

  @Field({ nullable: true, description: 'Fired before.' })
  firedTo?: Date;
}

@ObjectType({ description: 'A day that differs from the weekday/weekend rule.' })
export class CalendarDay {
  @Field({ description: 'Local date YYYY-MM-DD.' })
  date!: string;

  @Field({ description: 'HOLIDAY (放假) or WORKDAY (调休上班: a make-up working day).' })
  kind!: string;

  @Field(() => String, { nullable: true, description: 'Name, e.g. 春节.' })
  name!: string | null;
}

@ObjectType({ description: 'The business calendar of one year, used for working-time SLA targets.' })
export class BusinessCalendarYear {
  @Field(() => Int, { description: 'Year.' })
  year!: number;

  @Field({ description: 'Whether the published holiday schedule is loaded; when false, only weekends count as days off.' })
  scheduleLoaded!: boolean;

  @Field(() => String, { nullable: true, description: 'A warning when the schedule is missing.' })
  warning!: string | null;

  @Field({ description: 'Time zone of the calendar.' })
  timeZone!: string;

  @Field({ description: 'Working hours, local HH:MM-HH:MM.' })
  workingHours!: string;

  @Field(() => [CalendarDay], { description: 'Holidays and make-up working days of the year.' })
  days!: CalendarDay[];
}

@InputType({ description: 'A holiday range.' })
export class HolidayInput {
  @Field({ description: 'Name, e.g. 春节 Spring Festival.' })
  name!: string;

  @Field({ description: 'First day off, YYYY-MM-DD.' })
  from!: string;

  @Field({ description: 'Last day off, YYYY-MM-DD (inclusive).' })
  to!: string;
}

@InputType({ description: 'Replaces one year of the business calendar (e.g. when the State Council publishes next year’s schedule).' })
export class UpsertBusinessCalendarYearInput {
  @Field(() => Int, { description: 'Year, 2000–2100.' })
  year!: number;

  @Field(() => [HolidayInput], { description: 'Holiday ranges (放假).' })
  holidays!: HolidayInput[];

  @Field(() => [String], { description: 'Make-up working days (调休上班), YYYY-MM-DD.' })
  workdays!: string[];

  @Field(() => String, { nullable: true, description: 'Source, e.g. the notice number.' })
  source?: string | null;
}
