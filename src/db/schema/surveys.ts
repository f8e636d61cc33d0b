import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
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

/** The key of a rollup row: the month (local, business time zone) and what statistics filter and group by. */
const rollupKey = () => ({
  month: date('month', { mode: 'string' }).notNull(),
  projectId: bigint('project_id', { mode: 'number' }).notNull(),
  templateId: bigint('template_id', { mode: 'number' }).notNull(),
  segment: text('segment').$type<Segment>().notNull(),
  stage: text('stage').$type<ProjectStage>().notNull(),
  /** The customer is CONFIDENTIAL or SECRET now (only ADMIN and MANAGER count such responses). */
  restricted: boolean('restricted').notNull(),
});
const count = (name: string) => integer(name).notNull().default(0);

/**
 * Exact monthly rollup of the responses for `satisfactionStats`: one row per local month (in the
 * time zone of `survey_rollup_state`), project, template version, segment, stage and whether the
 * customer is restricted. Kept in each response's transaction (and when a customer's
 * confidentiality changes), so it is as fresh as the responses themselves.
 */
export const surveyResponseRollups = pgTable(
  'survey_response_rollups',
  {
    ...rollupKey(),
    responses: count('responses'),
    scored: count('scored'),
    scoreSum: count('score_sum'),
    s1: count('s1'),
    s2: count('s2'),
    s3: count('s3'),
    s4: count('s4'),
    s5: count('s5'),
    npsAnswers: count('nps_answers'),
    promoters: count('promoters'),
    detractors: count('detractors'),
  },
  (t) => [primaryKey({ name: 'survey_response_rollups_pk', columns: [t.month, t.projectId, t.templateId, t.segment, t.stage, t.restricted] })],
);

/**
 * Exact monthly rollup of the (dimension score, overall score) pairs for `satisfactionDrivers`: per
 * rollup key and dimension, the sufficient statistics of the Pearson correlation, in `numeric` (a
 * response's dimension score is the mean of its answers in the dimension, so sums are exact).
 */
export const surveyDriverRollups = pgTable(
  'survey_driver_rollups',
  {
    ...rollupKey(),
    dimension: text('dimension').$type<Dimension>().notNull(),
    n: count('n'),
    sx: numeric('sx').notNull().default('0'),
    sy: numeric('sy').notNull().default('0'),
    sxx: numeric('sxx').notNull().default('0'),
    syy: numeric('syy').notNull().default('0'),
    sxy: numeric('sxy').notNull().default('0'),
  },
  (t) => [primaryKey({ name: 'survey_driver_rollups_pk', columns: [t.month, t.projectId, t.templateId, t.segment, t.stage, t.restricted, t.dimension] })],
);

/** Which business time zone the rollups' months are in (one row). Without it, or in another zone, the server rebuilds them at start. */
export const surveyRollupState = pgTable('survey_rollup_state', {
  id: integer('id').primaryKey().default(1),
  timeZone: text('time_zone').notNull(),
  builtAt: timestamp('built_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
});
