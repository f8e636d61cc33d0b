import { Field, ID, InputType, Int } from 'type-graphql';
import type { Channel, Dimension, ProjectStage, QuestionKind, Segment, SurveyTemplateKind } from '../../domain/enums.js';
import { ChannelEnum, DimensionEnum, ProjectStageEnum, QuestionKindEnum, SegmentEnum, SurveyTemplateKindEnum } from '../../graphql/enums.js';

@InputType({ description: 'A question of a survey template being created or edited.' })
export class SurveyQuestionInput {
  @Field({ description: 'Code, unique in the template: 2–50 characters of A–Z, 0–9 and _, starting with a letter (e.g. OVERALL). Keep a question’s code across versions: statistics by question group on it.' })
  code!: string;

  @Field(() => QuestionKindEnum, { description: 'What it asks for. A template has exactly one OVERALL question and at most one NPS question.' })
  kind!: QuestionKind;

  @Field(() => DimensionEnum, { nullable: true, description: 'The dimension: required for SCORE questions, not allowed for the other kinds.' })
  dimension?: Dimension | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Whether a response must answer it (true by default).' })
  required?: boolean | null;

  @Field({ description: 'Label in Chinese (1–200 characters).' })
  labelZh!: string;

  @Field({ description: 'Label in English (1–200 characters).' })
  labelEn!: string;
}

@InputType({ description: 'A survey template to create, or to edit when its code exists (ADMIN). An edit that changes the questions adds a version; one that changes only the name, description or `active` changes the current version.' })
export class UpsertSurveyTemplateInput {
  @Field({ description: 'Code: 2–50 characters of A–Z, 0–9 and _, starting with a letter. An existing code edits that template.' })
  code!: string;

  @Field({ description: 'Name (1–100 characters).' })
  name!: string;

  @Field(() => SurveyTemplateKindEnum, { description: 'What the survey is for. recordReturnVisit answers the current COMPLAINT_RETURN_VISIT (or, for repairs, REPAIR_RETURN_VISIT) template with code of that kind.' })
  kind!: SurveyTemplateKind;

  @Field(() => ProjectStageEnum, { description: 'The journey stage its responses count in.' })
  stage!: ProjectStage;

  @Field(() => String, { nullable: true, description: 'Description (at most 500 characters).' })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Whether it takes new responses (true by default).' })
  active?: boolean | null;

  @Field(() => [SurveyQuestionInput], { description: 'The questions, in order (1–50).' })
  questions!: SurveyQuestionInput[];
}

@InputType({ description: 'One answer: the question by `questionId` (of the template version answered) or by `questionCode`, and a `score` (SCORE/OVERALL 1–5, NPS 0–10) or a `text` (TEXT questions, 1–2000 characters).' })
export class SurveyAnswerInput {
  @Field(() => ID, { nullable: true, description: 'The question (a SurveyQuestion ID of the version answered).' })
  questionId?: string | null;

  @Field(() => String, { nullable: true, description: 'The question by its code (e.g. OVERALL), instead of `questionId`.' })
  questionCode?: string | null;

  @Field(() => Int, { nullable: true, description: 'The score: 1–5 (5 非常满意, 4 满意, 3 一般, 2 不满意, 1 很不满意); 0–10 for NPS.' })
  score?: number | null;

  @Field(() => String, { nullable: true, description: 'The text of a TEXT question; masked for other roles as touchpoint notes are.' })
  text?: string | null;
}

@InputType({ description: 'A customer’s survey answers to record.' })
export class SubmitSurveyResponseInput {
  @Field(() => ID, { nullable: true, description: 'The template version answered (a SurveyTemplate ID). Give this or `templateCode`.' })
  templateId?: string | null;

  @Field(() => String, { nullable: true, description: 'The template by code: its current version.' })
  templateCode?: string | null;

  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field(() => ID, { description: 'The project the response is about; the customer must be linked to it (came in through it or holds a unit there).' })
  projectId!: string;

  @Field(() => ID, { nullable: true, description: 'The touchpoint it follows (same customer).' })
  touchpointId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The complaint it follows (same customer).' })
  complaintId?: string | null;

  @Field(() => ChannelEnum, { nullable: true, description: 'How the survey was taken.' })
  channel?: Channel | null;

  @Field(() => Date, { nullable: true, description: 'When the customer answered; now by default; not in the future.' })
  submittedAt?: Date | null;

  @Field(() => [SurveyAnswerInput], { description: 'The answers (at most 100); every required question must be answered.' })
  answers!: SurveyAnswerInput[];

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first response and records nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Survey answers taken while carrying out a planned standard action (e.g. the delivery satisfaction call).' })
export class PlannedSurveyInput {
  @Field(() => ID, { nullable: true, description: 'The template version answered. Give this or `templateCode`.' })
  templateId?: string | null;

  @Field(() => String, { nullable: true, description: 'The template by code: its current version.' })
  templateCode?: string | null;

  @Field(() => [SurveyAnswerInput], { description: 'The answers (at most 100).' })
  answers!: SurveyAnswerInput[];
}

@InputType({ description: 'Filter for survey responses. All given conditions must hold; a list matches any of its values.' })
export class SurveyResponseFilter {
  @Field(() => [ID], { nullable: true, description: 'Customers (any of).' })
  customerIds?: string[];

  @Field(() => [ID], { nullable: true, description: 'Projects (any of).' })
  projectIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Template codes (any of), every version.' })
  templateCodes?: string[];

  @Field(() => [ID], { nullable: true, description: 'Template versions (any of).' })
  templateIds?: string[];

  @Field(() => [SurveyTemplateKindEnum], { nullable: true, description: 'Template kinds (any of).' })
  kinds?: SurveyTemplateKind[];

  @Field(() => [ProjectStageEnum], { nullable: true, description: 'Stages (any of).' })
  stages?: ProjectStage[];

  @Field(() => [SegmentEnum], { nullable: true, description: 'Segments at response time (any of).' })
  segments?: Segment[];

  @Field(() => [ID], { nullable: true, description: 'Complaints followed (any of).' })
  complaintIds?: string[];

  @Field(() => Int, { nullable: true, description: 'Overall score at least (1–5).' })
  minOverallScore?: number;

  @Field(() => Int, { nullable: true, description: 'Overall score at most (1–5); 2 lists the low-satisfaction responses.' })
  maxOverallScore?: number;

  @Field({ nullable: true, description: 'Answered at or after.' })
  submittedFrom?: Date;

  @Field({ nullable: true, description: 'Answered before.' })
  submittedTo?: Date;
}
