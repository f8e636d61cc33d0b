import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Channel, Confidentiality, CustomerClass, Gender, Segment } from '../../domain/enums.js';
import { OrderDirection } from '../../graphql/connection.js';
import { ChannelEnum, ConfidentialityEnum, CustomerClassEnum, GenderEnum, SegmentEnum } from '../../graphql/enums.js';
import { LocalDateScalar } from '../../graphql/scalars.js';

export enum CustomerOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(CustomerOrderField, {
  name: 'CustomerOrderField',
  description: 'What customers can be ordered by.',
  valuesConfig: {
    NAME: { description: '姓名 — by name. For viewers who see names masked (every role but ADMIN): by the first character of the surname, then creation order, so the order reveals nothing hidden.' },
    CREATED_AT: { description: '创建时间 — by creation time' },
  },
});

@InputType({ description: 'Ordering of a customer list.' })
export class CustomerOrder {
  @Field(() => CustomerOrderField, { description: 'Sort key.' })
  field!: CustomerOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction, ascending by default.' })
  direction!: OrderDirection;
}

@InputType({ description: 'Filter for `customers`. All given conditions must hold.' })
export class CustomerFilter {
  @Field(() => [ID], { nullable: true, description: 'Projects the customer came in through or holds a unit in (any of).' })
  projectIds?: string[];

  @Field(() => [SegmentEnum], { nullable: true, description: 'Derived segments (any of).' })
  segments?: Segment[];

  @Field(() => [CustomerClassEnum], { nullable: true, description: 'Customer classes (any of).' })
  classes?: CustomerClass[];

  @Field(() => [ConfidentialityEnum], { nullable: true, description: 'Confidentiality levels (any of).' })
  confidentialities?: Confidentiality[];

  @Field({
    nullable: true,
    description:
      'Search (at most 100 characters). ADMIN: any part of the name, or 3+ digits of the phone number. Every other role sees names and phones masked, so it matches only what cannot uncover a hidden value: a whole phone number, a whole name, or a one-character surname; each distinct value searched counts against the per-minute budget of lookups by personal data (PERSONAL_LOOKUPS_PER_MINUTE, RATE_LIMITED beyond).',
  })
  search?: string;
}

@InputType({ description: 'Fields of a new customer.' })
export class CreateCustomerInput {
  @Field({ description: 'Full name (up to 50 characters).' })
  name!: string;

  @Field({ description: 'Chinese mobile (13812345678, +86 allowed) or landline (010-12345678). Must be unique.' })
  phone!: string;

  @Field(() => ID, { description: 'The project where the customer first came in; puts the customer in its scope.' })
  projectId!: string;

  @Field(() => String, { nullable: true, description: '18-digit resident ID number (身份证号).' })
  idNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'Email address.' })
  email?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Birthday.' })
  birthday?: string | null;

  @Field(() => GenderEnum, { nullable: true, description: 'Gender (UNKNOWN by default).' })
  gender?: Gender | null;

  @Field(() => ChannelEnum, { nullable: true, description: 'Preferred contact channel.' })
  preferredChannel?: Channel | null;

  @Field(() => String, { nullable: true, description: 'Member-club number (万客会).' })
  memberNo?: string | null;

  @Field(() => CustomerClassEnum, { nullable: true, description: 'Class A–D (C by default).' })
  customerClass?: CustomerClass | null;

  @Field(() => ConfidentialityEnum, { nullable: true, description: 'Confidentiality (NORMAL by default; only ADMIN and MANAGER may set others).' })
  confidentiality?: Confidentiality | null;

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first customer and creates nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to a customer; omitted fields stay, `null` clears optional ones.' })
export class UpdateCustomerInput {
  @Field(() => ID, { description: 'The customer to change.' })
  id!: string;

  @Field({ nullable: true, description: 'New name.' })
  name?: string;

  @Field({ nullable: true, description: 'New phone (must stay unique).' })
  phone?: string;

  @Field(() => String, { nullable: true, description: 'New ID number.' })
  idNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'New email.' })
  email?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New birthday.' })
  birthday?: string | null;

  @Field(() => GenderEnum, { nullable: true, description: 'New gender.' })
  gender?: Gender;

  @Field(() => ChannelEnum, { nullable: true, description: 'New preferred channel.' })
  preferredChannel?: Channel | null;

  @Field(() => String, { nullable: true, description: 'New member-club number.' })
  memberNo?: string | null;

  @Field(() => CustomerClassEnum, { nullable: true, description: 'New class.' })
  customerClass?: CustomerClass;

  @Field(() => ConfidentialityEnum, { nullable: true, description: 'New confidentiality (ADMIN, MANAGER).' })
  confidentiality?: Confidentiality;
}

@InputType({ description: 'Records that a customer holds (or subscribed to) a unit; the unit is created if new.' })
export class AddUnitOwnershipInput {
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field(() => ID, { description: 'The project of the unit.' })
  projectId!: string;

  @Field({ description: 'Building (楼栋).' })
  building!: string;

  @Field({ description: 'Unit/entrance (单元).' })
  unitNo!: string;

  @Field({ description: 'Room (房号).' })
  room!: string;

  @Field(() => Date, { nullable: true, description: 'Subscription (认购) time; not in the future.' })
  subscribedAt?: Date | null;
}

@InputType({ description: 'Records the signing (签约) of an ownership.' })
export class RecordSigningInput {
  @Field(() => ID, { description: 'The ownership.' })
  ownershipId!: string;

  @Field(() => Date, { nullable: true, description: 'Signing time; now by default; not in the future.' })
  signedAt?: Date | null;
}

@InputType({ description: 'Records the delivery/handover (交付) of a signed ownership.' })
export class RecordDeliveryInput {
  @Field(() => ID, { description: 'The ownership.' })
  ownershipId!: string;

  @Field(() => Date, { nullable: true, description: 'Handover time; now by default; not before signing nor in the future.' })
  deliveredAt?: Date | null;
}

@InputType({ description: 'Records that the customer moved into a delivered unit (入住).' })
export class RecordMoveInInput {
  @Field(() => ID, { description: 'The ownership.' })
  ownershipId!: string;

  @Field(() => Date, { nullable: true, description: 'Move-in time; now by default; not before the delivery nor in the future.' })
  movedInAt?: Date | null;
}

@InputType({ description: 'Reveals a customer’s unmasked contact data; the reason is written to the audit trail.' })
export class RevealCustomerContactInput {
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field({ description: 'Why the data is needed (4–500 characters), e.g. the call being made.' })
  reason!: string;
}
