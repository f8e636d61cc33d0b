import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Channel, Dimension, ProjectStage, QuestionKind, Segment, SurveyTemplateKind } from '../../domain/enums.js';
import { complaints } from './complaints.js';
import { customers } from './customers.js';
import { createdAt, id, projects, updatedAt } from './org.js';
import { plannedTouchpoints, touchpoints } from './touchpoints.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * 满意度调查 template, one row per version: editing a template adds a version (same `code`,
 * `version` + 1) and stamps the old one `supersededAt`; responses keep the version they answered.
 */
export const surveyTemplates = pgTable(
  'survey_templates',
  {
    id: id(),
    code: text('code').notNull(),
    version: integer('version').notNull().default(1),
    name: text('name').notNull(),
    kind: text('kind').$type<SurveyTemplateKind>().notNull(),
    /** The journey stage its responses count in. */
    stage: text('stage').$type<ProjectStage>().notNull(),
    description: text('description'),
    active: boolean('active').notNull().default(true),
    /** When a newer version replaced it; null for the current version. */
    supersededAt: ts('superseded_at'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('survey_templates_code_version_uq').on(t.code, t.version),
    uniqueIndex('survey_templates_current_uq').on(t.code).where(sql`${t.supersededAt} is null`),
  ],
);

/** A question of one template version. `code` names the same question across versions. */
export const surveyQuestions = pgTable(
  'survey_questions',
  {
    id: id(),
    templateId: bigint('template_id', { mode: 'number' })
      .notNull()
      .references(() => surveyTemplates.id),
    code: text('code').notNull(),
    position: integer('position').notNull(),
    kind: text('kind').$type<QuestionKind>().notNull(),
    dimension: text('dimension').$type<Dimension>(),
    required: boolean('required').notNull().default(true),
    /** Chinese label (the column predates the English one). */
    labelZh: text('text').notNull(),
    labelEn: text('label_en').notNull(),
  },
  (t) => [index('survey_questions_template_idx').on(t.templateId, t.position), uniqueIndex('survey_questions_template_code_uq').on(t.templateId, t.code)],
);

/**
 * A customer's answers to one template version. The overall and NPS scores, the customer's
 * segment at response time and the template's stage are copied here for statistics.
 */
export const surveyResponses = pgTable(
  'survey_responses',
  {
    id: id(),
    templateId: bigint('template_id', { mode: 'number' })
      .notNull()
      .references(() => surveyTemplates.id),
    customerId: bigint('customer_id', { mode: 'number' })
      .notNull()
      .references(() => customers.id),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    touchpointId: bigint('touchpoint_id', { mode: 'number' }).references(() => touchpoints.id),
    plannedTouchpointId: bigint('planned_touchpoint_id', { mode: 'number' }).references(() => plannedTouchpoints.id),
    complaintId: bigint('complaint_id', { mode: 'number' }).references(() => complaints.id),
    overallScore: integer('overall_score'),
    npsScore: integer('nps_score'),
    segment: text('segment').$type<Segment>().notNull(),
    stage: text('stage').$type<ProjectStage>().notNull(),
    channel: text('channel').$type<Channel>(),
    submittedAt: ts('submitted_at').notNull().defaultNow(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('survey_responses_project_submitted_idx').on(t.projectId, t.submittedAt),
    index('survey_responses_template_submitted_idx').on(t.templateId, t.submittedAt),
    index('survey_responses_customer_idx').on(t.customerId, t.submittedAt, t.id),
    index('survey_responses_submitted_idx').on(t.submittedAt, t.id),
    index('survey_responses_complaint_idx').on(t.complaintId).where(sql`${t.complaintId} is not null`),
    uniqueIndex('survey_responses_planned_uq').on(t.plannedTouchpointId).where(sql`${t.plannedTouchpointId} is not null`),
  ],
);

/** One answer of a response: a score (1–5, NPS 0–10) or a text, masked once for the roles that read it masked. */
export const surveyAnswers = pgTable(
  'survey_answers',
  {
    id: id(),
    responseId: bigint('response_id', { mode: 'number' })
      .notNull()
      .references(() => surveyResponses.id),
    questionId: bigint('question_id', { mode: 'number' })
      .notNull()
      .references(() => surveyQuestions.id),
    score: integer('score'),
    text: text('text'),
    textMasked: text('text_masked'),
  },
  (t) => [index('survey_answers_response_idx').on(t.responseId), index('survey_answers_question_idx').on(t.questionId)],
);
