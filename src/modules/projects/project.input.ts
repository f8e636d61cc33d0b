import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type { ProjectStage } from '../../domain/enums.js';
import { OrderDirection } from '../../graphql/connection.js';
import { ProjectStageEnum } from '../../graphql/enums.js';
import { LocalDateScalar } from '../../graphql/scalars.js';

export enum ProjectOrderField {
  NAME = 'NAME',
  CODE = 'CODE',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ProjectOrderField, {
  name: 'ProjectOrderField',
  description: 'What projects can be ordered by.',
  valuesConfig: {
    NAME: { description: '项目名称 — by name' },
    CODE: { description: '项目编码 — by code' },
    CREATED_AT: { description: '创建时间 — by creation time' },
  },
});

@InputType({ description: 'Ordering of a project list.' })
export class ProjectOrder {
  @Field(() => ProjectOrderField, { description: 'Sort key.' })
  field!: ProjectOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction, ascending by default.' })
  direction!: OrderDirection;
}

@InputType({ description: 'Filter for `projects`. All given conditions must hold.' })
export class ProjectFilter {
  @Field({ nullable: true, description: 'Text contained in the name or code (case-insensitive).' })
  search?: string;

  @Field(() => [String], { nullable: true, description: 'Cities (any of).' })
  cities?: string[];

  @Field(() => [ProjectStageEnum], { nullable: true, description: 'Lifecycle stages (any of).' })
  stages?: ProjectStage[];

  @Field(() => [ID], { nullable: true, description: 'City company IDs (any of).' })
  cityCompanyIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Region IDs (any of).' })
  regionIds?: string[];
}

@InputType({ description: 'A warranty term (保修期) for one component.' })
export class WarrantyTermInput {
  @Field({ description: 'Component, e.g. 防水 waterproofing.' })
  component!: string;

  @Field(() => Int, { description: 'Years, 1–100.' })
  years!: number;
}

@InputType({ description: 'Fields of a new project.' })
export class CreateProjectInput {
  @Field({ description: 'Unique code (letters, digits, `-` and `_`, up to 32).' })
  code!: string;

  @Field({ description: 'Name (up to 100 characters).' })
  name!: string;

  @Field({ description: 'City (城市).' })
  city!: string;

  @Field(() => ID, { description: 'City company the project belongs to.' })
  cityCompanyId!: string;

  @Field(() => ProjectStageEnum, { description: 'Lifecycle stage.' })
  stage!: ProjectStage;

  @Field(() => String, { nullable: true, description: 'Phase/batch (期).' })
  phase?: string | null;

  @Field(() => Int, { nullable: true, description: 'Total number of units.' })
  totalUnits?: number | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Sales opening date.' })
  salesOpenedOn?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Planned delivery date.' })
  plannedDeliveryOn?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Actual delivery date.' })
  actualDeliveryOn?: string | null;

  @Field(() => [WarrantyTermInput], { nullable: true, description: 'Warranty terms per component.' })
  warrantyTerms?: WarrantyTermInput[] | null;

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first project and creates nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to a project; omitted fields stay as they are, `null` clears optional ones.' })
export class UpdateProjectInput {
  @Field(() => ID, { description: 'The project to change.' })
  id!: string;

  @Field({ nullable: true, description: 'New code.' })
  code?: string;

  @Field({ nullable: true, description: 'New name.' })
  name?: string;

  @Field({ nullable: true, description: 'New city.' })
  city?: string;

  @Field(() => ProjectStageEnum, { nullable: true, description: 'New lifecycle stage.' })
  stage?: ProjectStage;

  @Field(() => String, { nullable: true, description: 'New phase/batch.' })
  phase?: string | null;

  @Field(() => Int, { nullable: true, description: 'New total number of units.' })
  totalUnits?: number | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New sales opening date.' })
  salesOpenedOn?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New planned delivery date.' })
  plannedDeliveryOn?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New actual delivery date.' })
  actualDeliveryOn?: string | null;

  @Field(() => [WarrantyTermInput], { nullable: true, description: 'Replaces the warranty terms.' })
  warrantyTerms?: WarrantyTermInput[] | null;
}
