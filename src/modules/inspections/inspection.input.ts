import { Field, ID, InputType } from 'type-graphql';
import type { Department, InspectionFindingStatus, InspectionKind } from '../../domain/enums.js';
import { DepartmentEnum, InspectionFindingStatusEnum, InspectionKindEnum } from '../../graphql/enums.js';
import { EvidenceInput } from '../touchpoints/touchpoint.input.js';

@InputType({ description: 'A deficiency found in one standard action.' })
export class InspectionFindingInput {
  @Field(() => String, { nullable: true, description: 'Code of the standard action rule it concerns; null for a finding about the 6+2 work in general.' })
  ruleCode?: string | null;

  @Field({ description: 'What was found lacking (1–2000 characters).' })
  deficiency!: string;

  @Field(() => DepartmentEnum, { description: 'The department that must rectify it.' })
  department!: Department;
}

@InputType({ description: 'An inspection of a project’s standard actions (ADMIN).' })
export class RecordInspectionInput {
  @Field(() => ID, { description: 'The project inspected.' })
  projectId!: string;

  @Field(() => InspectionKindEnum, { description: 'Visible (明访) or mystery (暗访).' })
  kind!: InspectionKind;

  @Field(() => Date, { nullable: true, description: 'When it took place; now by default, not in the future. The 15 days of rectification count from it.' })
  inspectedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Who inspected (at most 100 characters).' })
  inspector?: string | null;

  @Field(() => String, { nullable: true, description: 'Summary (at most 4000 characters).' })
  summary?: string | null;

  @Field(() => [InspectionFindingInput], { description: 'The deficiencies found (at most 200; none for a clean inspection).' })
  findings!: InspectionFindingInput[];

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first inspection and records nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Records the rectification (整改) of a finding.' })
export class RectifyInspectionFindingInput {
  @Field(() => ID, { description: 'The finding.' })
  findingId!: string;

  @Field({ description: 'What was done (1–2000 characters).' })
  rectification!: string;

  @Field(() => [EvidenceInput], { nullable: true, description: 'Evidence of the rectification (at most 20).' })
  evidence?: EvidenceInput[] | null;
}

@InputType({ description: 'Filter for `inspections`. All given conditions must hold.' })
export class InspectionFilter {
  @Field(() => [ID], { nullable: true, description: 'Projects (any of).' })
  projectIds?: string[];

  @Field(() => [InspectionKindEnum], { nullable: true, description: 'Kinds (any of).' })
  kinds?: InspectionKind[];

  @Field({ nullable: true, description: 'Inspected at or after.' })
  inspectedFrom?: Date;

  @Field({ nullable: true, description: 'Inspected before.' })
  inspectedTo?: Date;
}

@InputType({ description: 'Filter for `inspectionFindings`. All given conditions must hold.' })
export class InspectionFindingFilter {
  @Field(() => [ID], { nullable: true, description: 'Inspections (any of).' })
  inspectionIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Projects (any of).' })
  projectIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Standard action rule codes (any of).' })
  ruleCodes?: string[];

  @Field(() => [DepartmentEnum], { nullable: true, description: 'Owning departments (any of).' })
  departments?: Department[];

  @Field(() => [InspectionFindingStatusEnum], { nullable: true, description: 'Statuses (any of); OVERDUE is every open finding past its deadline.' })
  statuses?: InspectionFindingStatus[];
}
