import { bigint, boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Dimension, QuestionKind, SurveyTemplateKind } from '../../domain/enums.js';
import { complaints } from './complaints.js';
import { customers } from './customers.js';
import { createdAt, id, projects, updatedAt } from './org.js';
import { touchpoints } from './touchpoints.js';

/** 满意度调查 template. */
export const surveyTemplates = pgTable('survey_templates', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  kind: text('kind').$type<SurveyTemplateKind>().notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A question of a template. */
export const surveyQuestions = pgTable(
  'survey_questions',
  {
    id: id(),
    templateId: bigint('template_id', { mode: 'number' })
      .notNull()
      .references(() => surveyTemplates.id),
    position: integer('position').notNull(),
    kind: text('kind').$type<QuestionKind>().notNull(),
    dimension: text('dimension').$type<Dimension>(),
    text: text('text').notNull(),
  },
  (t) => [index('survey_questions_template_idx').on(t.templateId, t.position)],
);

/** A customer's answers to one template. `overallScore`/`npsScore` are denormalised for statistics. */
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
    complaintId: bigint('complaint_id', { mode: 'number' }).references(() => complaints.id),
    overallScore: integer('overall_score'),
    npsScore: integer('nps_score'),
    submittedAt: timestamp('submitted_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    createdBy: text('created_by'),
  },
  (t) => [
    index('survey_responses_project_submitted_idx').on(t.projectId, t.submittedAt),
    index('survey_responses_template_submitted_idx').on(t.templateId, t.submittedAt),
    index('survey_responses_customer_idx').on(t.customerId),
  ],
);

/** One answer of a response. */
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
  },
  (t) => [index('survey_answers_response_idx').on(t.responseId), index('survey_answers_question_idx').on(t.questionId)],
);
