import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Channel, EvidenceKind, ProjectStage, TouchpointOutcome } from '../../domain/enums.js';
import { OrderDirection } from '../../graphql/connection.js';
import { ChannelEnum, EvidenceKindEnum, ProjectStageEnum, TouchpointOutcomeEnum } from '../../graphql/enums.js';

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
