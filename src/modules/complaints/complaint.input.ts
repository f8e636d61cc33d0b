import { SurveyAnswerInput } from '../surveys/survey.input.js';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type { Channel, ComplaintCategory, ComplaintKind, ComplaintStatus, DefectLocation, Department, MajorReason, Severity } from '../../domain/enums.js';
import { OrderDirection } from '../../graphql/connection.js';
import {
  ChannelEnum,
  ComplaintCategoryEnum,
  ComplaintKindEnum,
  ComplaintStatusEnum,
  DefectLocationEnum,
  DepartmentEnum,
  MajorReasonEnum,
  SeverityEnum,
} from '../../graphql/enums.js';


export enum ComplaintOrderField {
  RECEIVED_AT = 'RECEIVED_AT',
  DUE_AT = 'DUE_AT',
}
registerEnumType(ComplaintOrderField, {
  name: 'ComplaintOrderField',
  description: 'What complaints can be ordered by.',
  valuesConfig: {
    RECEIVED_AT: { description: '受理时间 — by time received' },
    DUE_AT: { description: '最近到期 — by the earliest running SLA deadline (none last)' },
  },
});

@InputType({ description: 'Ordering of a complaint list.' })
export class ComplaintOrder {
  @Field(() => ComplaintOrderField, { description: 'Sort key.' })
  field!: ComplaintOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Direction; newest/latest first by default.' })
  direction!: OrderDirection;
}

@InputType({ description: 'Filter for `complaints` and the complaint subscriptions. All given conditions must hold.' })
export class ComplaintFilter {
  @Field(() => [ComplaintStatusEnum], { nullable: true, description: 'Statuses (any of).' })
  statuses?: ComplaintStatus[];

  @Field(() => [ComplaintKindEnum], { nullable: true, description: 'Kinds (any of).' })
  kinds?: ComplaintKind[];

  @Field(() => [ComplaintCategoryEnum], { nullable: true, description: 'Categories (any of).' })
  categories?: ComplaintCategory[];

  @Field(() => [SeverityEnum], { nullable: true, description: 'Severities (any of).' })
  severities?: Severity[];

  @Field(() => [ID], { nullable: true, description: 'Projects (any of).' })
  projectIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Customers (any of).' })
  customerIds?: string[];

  @Field(() => [DepartmentEnum], { nullable: true, description: 'Responsible departments (any of).' })
  departments?: Department[];

  @Field(() => [String], { nullable: true, description: 'Current handlers (any of): Staff IDs; a bare login (token subject) is still accepted.' })
  handlerIds?: string[];

  @Field({ nullable: true, description: 'Only complaints whose handler or first responder is the viewer.' })
  assignedToMe?: boolean;

  @Field({ nullable: true, description: 'Only complaints with a running clock past its due instant (true) or none (false).' })
  overdue?: boolean;

  @Field({ nullable: true, description: 'Only complaints with a running clock past its warning instant but not yet due.' })
  atRisk?: boolean;

  @Field({ nullable: true, description: 'Only repeat complaints (true) or first complaints (false).' })
  repeat?: boolean;

  @Field({ nullable: true, description: 'Received at or after.' })
  receivedFrom?: Date;

  @Field({ nullable: true, description: 'Received before.' })
  receivedTo?: Date;

  @Field({ nullable: true, description: 'Text in the number or description.' })
  search?: string;
}

@InputType({ description: 'A new complaint or repair request.' })
export class CreateComplaintInput {
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field(() => ID, { description: 'The project; the customer must be linked to it.' })
  projectId!: string;

  @Field(() => ID, { nullable: true, description: 'The unit concerned; must be in the project.' })
  unitId?: string | null;

  @Field(() => ComplaintKindEnum, { description: 'Kind.' })
  kind!: ComplaintKind;

  @Field(() => ComplaintCategoryEnum, { description: 'Category.' })
  category!: ComplaintCategory;

  @Field(() => DefectLocationEnum, { nullable: true, description: 'Defect location, for engineering-quality cases.' })
  defectLocation?: DefectLocation | null;

  @Field(() => SeverityEnum, { nullable: true, description: 'Severity; NORMAL by default.' })
  severity?: Severity | null;

  @Field(() => MajorReasonEnum, { nullable: true, description: 'Why it is MAJOR; required with severity MAJOR.' })
  majorReason?: MajorReason | null;

  @Field(() => ChannelEnum, { description: 'Channel it came in through.' })
  channel!: Channel;

  @Field({ description: 'What the customer reports (1–4000 characters).' })
  description!: string;

  @Field(() => [String], { nullable: true, description: 'Attachment URLs (http/https, at most 20).' })
  attachments?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'Agreed repair appointment; starts the REPAIR_VISIT clock.' })
  repairAppointmentAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was received, if earlier than now (e.g. entered after a call); not in the future.' })
  receivedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first complaint and creates nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Accepts a complaint: assigns the responsible department and handler (派单).' })
export class AcceptComplaintInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field(() => DepartmentEnum, { description: 'Responsible department.' })
  department!: Department;

  @Field(() => ID, {
    nullable: true,
    description: 'Handler: the Staff ID of an active directory member (see `staff`) whose department, if it has one, is `department`; the first responder stays accountable.',
  })
  handlerId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Agreed repair appointment; starts the REPAIR_VISIT clock.' })
  repairAppointmentAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Note, e.g. the proposed solution.' })
  note?: string | null;
}

@InputType({ description: 'A lifecycle step with an optional note.' })
export class ComplaintStepInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field(() => String, { nullable: true, description: 'Note for the timeline.' })
  note?: string | null;
}

@InputType({ description: 'Starts work on an accepted or reopened complaint (on site for repairs).' })
export class StartComplaintWorkInput extends ComplaintStepInput {}

@InputType({ description: 'Closes a return-visited complaint.' })
export class CloseComplaintInput extends ComplaintStepInput {}

@InputType({ description: 'Resumes the SLA clocks of a complaint.' })
export class ResumeComplaintSlaInput extends ComplaintStepInput {}

@InputType({ description: 'Marks a complaint resolved.' })
export class ResolveComplaintInput extends ComplaintStepInput {
  @Field({ description: 'How it was resolved (1–4000 characters).' })
  resolution!: string;
}

@InputType({ description: 'Records the return visit (回访) with the customer’s satisfaction.' })
export class RecordReturnVisitInput extends ComplaintStepInput {
  @Field(() => Int, { description: 'Satisfaction 1–5 (5 非常满意 … 1 很不满意); 2 or less reopens the complaint and needs a note saying why.' })
  satisfaction!: number;

  @Field(() => [SurveyAnswerInput], { nullable: true, description: 'Further answers to the return-visit template (e.g. CUSTOMER_SERVICE, COMMENT); `satisfaction` is its OVERALL answer.' })
  answers?: SurveyAnswerInput[] | null;
}

@InputType({ description: 'Reopens a resolved, return-visited or closed complaint.' })
export class ReopenComplaintInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field({ description: 'Why it is reopened.' })
  note!: string;
}

@InputType({ description: 'Rejects an invalid complaint, with the explanation given to the customer.' })
export class RejectComplaintInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field({ description: 'Explanation to the customer (required).' })
  reason!: string;

  @Field(() => String, { nullable: true, description: 'Internal note.' })
  note?: string | null;
}

@InputType({ description: 'Upgrades a complaint to MAJOR (重大投诉) and starts the escalation-report clock.' })
export class EscalateComplaintInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field(() => MajorReasonEnum, { description: 'Why it is major.' })
  reason!: MajorReason;

  @Field(() => String, { nullable: true, description: 'Details.' })
  note?: string | null;
}

@InputType({ description: 'Records that the major-complaint report was made (stops ESCALATION_REPORT).' })
export class ReportComplaintEscalationInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field({ description: 'Summary of the report.' })
  note!: string;
}

@InputType({ description: 'Pauses the SLA clocks while waiting on the customer.' })
export class PauseComplaintSlaInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field({ description: 'What the complaint waits for (required).' })
  note!: string;
}

@InputType({ description: 'Adds a note to the timeline.' })
export class AddComplaintNoteInput {
  @Field(() => ID, { description: 'The complaint.' })
  complaintId!: string;

  @Field({ description: 'The note (1–4000 characters).' })
  note!: string;
}
