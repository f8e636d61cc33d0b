import { PlannedSurveyInput } from '../surveys/survey.input.js';
import { Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type { Channel, EvidenceKind, PlannedTouchpointStatus, ProjectStage, RuleTrigger, TouchpointOutcome } from '../../domain/enums.js';
import { OrderDirection } from '../../graphql/connection.js';
import { ChannelEnum, EvidenceKindEnum, PlannedTouchpointStatusEnum, ProjectStageEnum, RuleTriggerEnum, TouchpointOutcomeEnum } from '../../graphql/enums.js';

export enum TouchpointOrderField {
  OCCURRED_AT = 'OCCURRED_AT',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(TouchpointOrderField, {
  name: 'TouchpointOrderField',
  description: 'What touchpoints can be ordered by.',
  valuesConfig: {
    OCCURRED_AT: { description: '发生时间 — when the contact happened' },
    CREATED_AT: { description: '记录时间 — when it was recorded' },
  },
});

@InputType({ description: 'Ordering of a touchpoint list.' })
export class TouchpointOrder {
  @Field(() => TouchpointOrderField, { description: 'Sort key.' })
  field!: TouchpointOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Direction, newest first by default.' })
  direction!: OrderDirection;
}

@InputType({ description: 'Filter for `touchpoints`. All given conditions must hold; a list matches any of its values.' })
export class TouchpointFilter {
  @Field(() => [ID], { nullable: true, description: 'Customers (any of).' })
  customerIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Projects (any of); projects out of the viewer’s scope match nothing.' })
  projectIds?: string[];

  @Field(() => [ProjectStageEnum], { nullable: true, description: 'Journey stages (any of).' })
  stages?: ProjectStage[];

  @Field(() => [ChannelEnum], { nullable: true, description: 'Channels (any of).' })
  channels?: Channel[];

  @Field(() => [String], { nullable: true, description: 'Kinds (any of), e.g. standard action rule codes.' })
  kinds?: string[];

  @Field(() => [TouchpointOutcomeEnum], { nullable: true, description: 'Outcomes (any of).' })
  outcomes?: TouchpointOutcome[];

  @Field(() => [String], { nullable: true, description: 'Staff who made the contact (any of): Staff IDs; a bare login (token subject) is also accepted.' })
  staffIds?: string[];

  @Field({ nullable: true, description: 'Happened at or after.' })
  occurredFrom?: Date;

  @Field({ nullable: true, description: 'Happened before.' })
  occurredTo?: Date;

  @Field({
    nullable: true,
    description:
      'Text in the notes (at most 100 characters, case-insensitive). ADMIN searches the notes as written; every other role searches them as it reads them, with contact data masked, so a search cannot probe a hidden phone number or name.',
  })
  search?: string;
}

@InputType({ description: 'A piece of evidence to archive with a touchpoint.' })
export class EvidenceInput {
  @Field({ description: 'Where the file is kept: an http(s) URL of at most 1000 characters (upload it to the document store first).' })
  url!: string;

  @Field(() => EvidenceKindEnum, { description: 'What kind of evidence it is.' })
  kind!: EvidenceKind;

  @Field(() => String, { nullable: true, description: 'Caption, at most 200 characters.' })
  caption?: string | null;
}

@InputType({ description: 'A contact with a customer to record.' })
export class RecordTouchpointInput {
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field(() => ID, { description: 'The project; the customer must be linked to it (came in through it or holds a unit there).' })
  projectId!: string;

  @Field(() => ID, { nullable: true, description: 'The unit concerned; one the customer holds in the project.' })
  unitId?: string | null;

  @Field(() => ProjectStageEnum, { description: 'Journey stage the contact belongs to.' })
  stage!: ProjectStage;

  @Field(() => ChannelEnum, { description: 'Channel of the contact.' })
  channel!: Channel;

  @Field({ description: 'Kind of contact: 2–50 characters of A–Z, 0–9 and _, starting with a letter (e.g. FOLLOW_UP_CALL).' })
  kind!: string;

  @Field(() => ID, { nullable: true, description: 'Staff member (Staff ID) who made the contact; the viewer by default.' })
  staffId?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it happened; now by default, not in the future.' })
  occurredAt?: Date | null;

  @Field({ description: 'What was said or done (1–4000 characters). Contact data quoted here is masked for roles that see personal data masked.' })
  notes!: string;

  @Field(() => TouchpointOutcomeEnum, { nullable: true, description: 'What came of it.' })
  outcome?: TouchpointOutcome | null;

  @Field(() => [EvidenceInput], { nullable: true, description: 'Evidence to archive (at most 20).' })
  evidence?: EvidenceInput[] | null;

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first touchpoint and records nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'A standard action rule to create, or to change when its code exists (ADMIN).' })
export class UpsertStandardActionRuleInput {
  @Field({ description: 'Stable code: 2–50 characters of A–Z, 0–9 and _, starting with a letter. An existing code updates that rule.' })
  code!: string;

  @Field({ description: 'Name (1–200 characters).' })
  name!: string;

  @Field(() => RuleTriggerEnum, { description: 'What plans the action.' })
  trigger!: RuleTrigger;

  @Field({ defaultValue: 'PT0S', description: 'ISO-8601 calendar duration from the trigger to when the action may be done; may be negative (e.g. -P1M, a month before a warranty ends). PT0S by default.' })
  startAfter!: string;

  @Field({ description: 'ISO-8601 calendar duration from the trigger to the due time (P1D, P7D, P2M, P1Y…); not before `startAfter`.' })
  dueWithin!: string;

  @Field(() => String, { nullable: true, description: 'For PERIODIC_AWAITING_DELIVERY (required there, at least P1D): the period between occurrences, e.g. P2M. Refused for other triggers.' })
  repeatEvery?: string | null;

  @Field(() => ChannelEnum, { description: 'Channel the action uses.' })
  channel!: Channel;

  @Field(() => ProjectStageEnum, { description: 'Journey stage the action belongs to.' })
  stage!: ProjectStage;

  @Field(() => Float, { nullable: true, description: 'Sample the triggers: the least share (0 < share ≤ 1) of a project’s deliveries that get the action. Only for DELIVERED rules.' })
  sampleShare?: number | null;

  @Field(() => Int, { nullable: true, description: 'Sample the triggers: the most actions per project (≥ 1). Only for DELIVERED rules.' })
  sampleCap?: number | null;

  @Field({ defaultValue: true, description: 'Whether it plans actions for new triggers; true by default.' })
  active!: boolean;
}

@InputType({ description: 'Filter for `plannedTouchpoints`. All given conditions must hold; a list matches any of its values.' })
export class PlannedTouchpointFilter {
  @Field(() => [ID], { nullable: true, description: 'Customers (any of).' })
  customerIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Projects (any of); projects out of the viewer’s scope match nothing.' })
  projectIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Rule codes (any of).' })
  ruleCodes?: string[];

  @Field(() => [PlannedTouchpointStatusEnum], { nullable: true, description: 'Statuses (any of); OVERDUE is every planned action past its due time and not done.' })
  statuses?: PlannedTouchpointStatus[];

  @Field({ nullable: true, description: 'Due at or after.' })
  dueFrom?: Date;

  @Field({ nullable: true, description: 'Due before.' })
  dueTo?: Date;

  @Field({ nullable: true, description: 'Only actions already open (true: `opensAt` has passed) or not yet open (false).' })
  open?: boolean;
}

@InputType({ description: 'Carries out a planned standard action: records the real touchpoint and links it.' })
export class CompletePlannedTouchpointInput {
  @Field(() => ID, { description: 'The planned touchpoint (PLANNED or OVERDUE).' })
  plannedTouchpointId!: string;

  @Field(() => ChannelEnum, { description: 'Channel actually used.' })
  channel!: Channel;

  @Field({ description: 'What was said or done (1–4000 characters); masked for other roles as touchpoint notes are.' })
  notes!: string;

  @Field(() => Date, { nullable: true, description: 'When it happened; now by default; not in the future nor before the action opened. After `dueAt` it counts as done late.' })
  occurredAt?: Date | null;

  @Field(() => TouchpointOutcomeEnum, { nullable: true, description: 'What came of it.' })
  outcome?: TouchpointOutcome | null;

  @Field(() => ID, { nullable: true, description: 'Staff member (Staff ID) who made the contact; the viewer by default.' })
  staffId?: string | null;

  @Field(() => [EvidenceInput], { nullable: true, description: 'Evidence to archive (at most 20), e.g. the screenshot of a sent SMS.' })
  evidence?: EvidenceInput[] | null;

  @Field(() => PlannedSurveyInput, {
    nullable: true,
    description: 'Survey answers taken in the contact (e.g. the delivery satisfaction call): recorded as a survey response linked to the touchpoint and the planned action, at the contact’s time, with its LOW_SATISFACTION alert when the overall score is 2 or less.',
  })
  survey?: PlannedSurveyInput | null;
}

@InputType({ description: 'Skips a planned standard action, with the reason (audited).' })
export class SkipPlannedTouchpointInput {
  @Field(() => ID, { description: 'The planned touchpoint (PLANNED or OVERDUE).' })
  plannedTouchpointId!: string;

  @Field({ description: 'Why it is skipped (4–500 characters), e.g. the customer asked not to be called.' })
  reason!: string;
}
