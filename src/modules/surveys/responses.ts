import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { maskContactText } from '../../auth/masking.js';
import type { DbOrTx, Tx } from '../../db/client.js';
import { complaintEvents, complaints, domainEvents, slaAlerts, surveyAnswers, surveyQuestions, surveyResponses, surveyTemplates } from '../../db/schema/index.js';
import type { Channel, QuestionKind, Segment } from '../../domain/enums.js';
import { AppError } from '../../graphql/errors.js';
import { decodeGlobalId, parseId, toGlobalId } from '../../graphql/global-id.js';
import { alertFiredEvent, type AlertRow } from '../../sla/alerts.js';
import { planRecovery, type PlannedRow } from '../touchpoints/planner.js';
import { rollUpResponse } from './rollups.js';

/**
 * The survey core (满意度调查): templates' questions, the check of a set of answers against a
 * template version, and the one write of a response with what follows from it (a LOW_SATISFACTION
 * alert and the recovery follow-up). `submitSurveyResponse`, `completePlannedTouchpoint`,
 * `recordReturnVisit` and the demo seeder all write responses through {@link insertResponse}, so
 * the figures come from one place.
 */

export type TemplateRow = typeof surveyTemplates.$inferSelect;
export type QuestionRow = typeof surveyQuestions.$inferSelect;
export type ResponseRow = typeof surveyResponses.$inferSelect;
export type AnswerRow = typeof surveyAnswers.$inferSelect;

/** An overall score at or below this is 不满意 (2) or 很不满意 (1): it raises LOW_SATISFACTION and plans 挽回服务. */
export const LOW_SATISFACTION_MAX = 2;

/** The score range of each question kind; TEXT takes no score. */
export const SCALES: Record<QuestionKind, { min: number; max: number } | null> = {
  SCORE: { min: 1, max: 5 },
  OVERALL: { min: 1, max: 5 },
  NPS: { min: 0, max: 10 },
  TEXT: null,
};

/** One answer as given: the question by ID (of the version) or by code, and a score or a text. */
export type AnswerInput = { questionId?: string | null; questionCode?: string | null; score?: number | null; text?: string | null };

/** An answer checked against its question. */
export type CheckedAnswer = { question: QuestionRow; score: number | null; text: string | null };

/** The current version of the template with this code, or null. */
export async function currentTemplate(db: DbOrTx, code: string): Promise<TemplateRow | null> {
  const [row] = await db
    .select()
    .from(surveyTemplates)
    .where(and(eq(surveyTemplates.code, code), isNull(surveyTemplates.supersededAt)));
  return row ?? null;
}

/** The questions of a template version, in order. */
export function questionsOf(db: DbOrTx, templateId: number): Promise<QuestionRow[]> {
  return db.select().from(surveyQuestions).where(eq(surveyQuestions.templateId, templateId)).orderBy(asc(surveyQuestions.position));
}

/**
 * Checks answers against the questions of one template version: each names a question of that
 * version (by ID or code) at most once; scores are integers in the question's range (1–5, NPS
 * 0–10); TEXT questions take a text and score questions a score; every required question is
 * answered. The first problem is BAD_USER_INPUT naming the answer (`<field>.<i>…`).
 */
export function checkAnswers(template: TemplateRow, questions: readonly QuestionRow[], answers: readonly AnswerInput[], field: string): CheckedAnswer[] {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const byCode = new Map(questions.map((q) => [q.code, q]));
  const seen = new Set<number>();
  const label = `template ${template.code} version ${template.version}`;
  const checked = answers.map((a, i) => {
    const at = `${field}.${i}`;
    if ((a.questionId == null) === (a.questionCode == null)) throw AppError.badInput(at, 'give exactly one of questionId and questionCode');
    let question: QuestionRow | undefined;
    if (a.questionId != null) {
      const d = decodeGlobalId(a.questionId);
      if (!d || d.type !== 'SurveyQuestion') throw AppError.badInput(`${at}.questionId`, 'is not a SurveyQuestion ID');
      question = byId.get(d.id);
      if (!question) throw AppError.badInput(`${at}.questionId`, `is not a question of ${label}`);
    } else {
      question = byCode.get(a.questionCode!);
      if (!question) throw AppError.badInput(`${at}.questionCode`, `${JSON.stringify(a.questionCode)} is not a question of ${label}; its questions are ${questions.map((q) => q.code).join(', ')}`);
    }
    if (seen.has(question.id)) throw AppError.badInput(at, `question ${question.code} is answered twice`);
    seen.add(question.id);
    const scale = SCALES[question.kind];
    if (scale === null) {
      if (a.score != null) throw AppError.badInput(`${at}.score`, `question ${question.code} is a text question: give a text, not a score`);
      const text = a.text?.normalize('NFC').trim() ?? '';
      if (!text) throw AppError.badInput(`${at}.text`, `question ${question.code} needs a non-empty text`);
      if (text.length > 2000) throw AppError.badInput(`${at}.text`, 'must be at most 2000 characters');
      return { question, score: null, text };
    }
    if (a.text != null) throw AppError.badInput(`${at}.text`, `question ${question.code} takes a score, not a text`);
    if (a.score == null) throw AppError.badInput(`${at}.score`, `question ${question.code} needs a score ${scale.min}–${scale.max}`);
    if (!Number.isInteger(a.score) || a.score < scale.min || a.score > scale.max) {
      throw AppError.badInput(`${at}.score`, `must be an integer ${scale.min}–${scale.max} for question ${question.code} (${question.kind}); got ${a.score}`);
    }
    return { question, score: a.score, text: null };
  });
  const missing = questions.filter((q) => q.required && !seen.has(q.id));
  if (missing.length) throw AppError.badInput(field, `required question${missing.length > 1 ? 's' : ''} ${missing.map((q) => q.code).join(', ')} of ${label} not answered`, { missing: missing.map((q) => q.code) });
  return checked;
}

/** Which template version to answer: by ID, or the current version of a code. */
export type TemplateChoice = { templateId?: string | null; templateCode?: string | null };

/**
 * The template version chosen and the answers checked against it (BAD_USER_INPUT naming the
 * field; NOT_FOUND for an unknown template). A version that was superseded still takes answers
 * (a paper questionnaire entered late); an inactive template takes none.
 */
export async function prepareAnswers(db: DbOrTx, choice: TemplateChoice, answers: readonly AnswerInput[], field: string): Promise<{ template: TemplateRow; answers: CheckedAnswer[] }> {
  if ((choice.templateId == null) === (choice.templateCode == null)) throw AppError.badInput(field, 'give exactly one of templateId and templateCode');
  if (answers.length > 100) throw AppError.badInput(`${field}.answers`, 'at most 100 answers');
  let template: TemplateRow | null;
  if (choice.templateId != null) {
    const id = parseId(choice.templateId, 'SurveyTemplate', `${field}.templateId`);
    [template = null] = await db.select().from(surveyTemplates).where(eq(surveyTemplates.id, id));
    if (!template) throw AppError.notFound('SurveyTemplate', choice.templateId);
  } else {
    template = await currentTemplate(db, choice.templateCode!);
    if (!template) throw AppError.notFound('SurveyTemplate', choice.templateCode!);
  }
  if (!template.active) throw AppError.badInput(choice.templateId != null ? `${field}.templateId` : `${field}.templateCode`, `template ${template.code} is inactive and takes no new responses`);
  return { template, answers: checkAnswers(template, await questionsOf(db, template.id), answers, `${field}.answers`) };
}

/** A response ready to be written: every reference checked by the caller. */
export type NewResponse = {
  template: TemplateRow;
  customerId: number;
  /** The customer's full name, masked in free-text answers along with contact data. */
  customerName: string;
  projectId: number;
  segment: Segment;
  touchpointId?: number | null;
  plannedTouchpointId?: number | null;
  complaintId?: number | null;
  channel?: Channel | null;
  submittedAt: Date;
  createdBy: string;
  answers: CheckedAnswer[];
};

/** What writing a response did. */
export type Written = { response: ResponseRow; alert: AlertRow | null; recovery: PlannedRow[] };

/**
 * Writes a response and its answers in the caller's transaction. The overall and NPS scores are
 * copied from their answers. An overall score of 2 or less raises one LOW_SATISFACTION alert (the
 * SLA alert store: listed, acknowledged and streamed like the others; on the complaint's timeline
 * when it follows one) and plans the recovery follow-up (挽回服务) of the LOW_SATISFACTION rules.
 */
export async function insertResponse(tx: Tx, n: NewResponse, now: Date, timeZone: string): Promise<Written> {
  const scoreOf = (kind: QuestionKind) => n.answers.find((a) => a.question.kind === kind)?.score ?? null;
  const [response] = await tx
    .insert(surveyResponses)
    .values({
      templateId: n.template.id,
      customerId: n.customerId,
      projectId: n.projectId,
      touchpointId: n.touchpointId ?? null,
      plannedTouchpointId: n.plannedTouchpointId ?? null,
      complaintId: n.complaintId ?? null,
      overallScore: scoreOf('OVERALL'),
      npsScore: scoreOf('NPS'),
      segment: n.segment,
      stage: n.template.stage,
      channel: n.channel ?? null,
      submittedAt: n.submittedAt,
      createdBy: n.createdBy,
      createdAt: now,
    })
    .returning();
  const r = response!;
  if (n.answers.length) {
    await tx.insert(surveyAnswers).values(
      n.answers.map((a) => ({
        responseId: r.id,
        questionId: a.question.id,
        score: a.score,
        text: a.text,
        textMasked: a.text === null ? null : maskContactText(a.text, [n.customerName]),
      })),
    );
  }
  await rollUpResponse(tx, r.id, r.customerId, timeZone);
  if (r.complaintId !== null) {
    // The complaint's return-visit counters (complaint statistics read them from its row).
    const o = r.overallScore;
    await tx
      .update(complaints)
      .set({
        surveyResponses: sql`${complaints.surveyResponses} + 1`,
        surveyScored: sql`${complaints.surveyScored} + ${o === null ? 0 : 1}`,
        surveyScoreSum: sql`${complaints.surveyScoreSum} + ${o ?? 0}`,
        surveySatisfied: sql`${complaints.surveySatisfied} + ${o !== null && o >= 4 ? 1 : 0}`,
      })
      .where(eq(complaints.id, r.complaintId));
  }
  if (r.overallScore === null || r.overallScore > LOW_SATISFACTION_MAX) return { response: r, alert: null, recovery: [] };
  const [alert] = await tx
    .insert(slaAlerts)
    .values({ level: 'LOW_SATISFACTION', surveyResponseId: r.id, complaintId: r.complaintId, projectId: r.projectId, dueAt: null, firedAt: now, late: false })
    .onConflictDoNothing()
    .returning();
  if (alert) {
    const extra = { surveyResponseId: r.id, complaintId: r.complaintId, overallScore: r.overallScore, templateCode: n.template.code };
    await tx.insert(domainEvents).values(alertFiredEvent(alert, extra));
    if (r.complaintId !== null) {
      await tx.insert(complaintEvents).values({
        complaintId: r.complaintId,
        type: 'ALERT_FIRED',
        actorId: null,
        at: now,
        data: { alertId: toGlobalId('SlaAlert', alert.id), level: alert.level, surveyResponseId: toGlobalId('SurveyResponse', r.id), overallScore: r.overallScore },
      });
    }
  }
  const recovery = await planRecovery(tx, { id: r.id, customerId: r.customerId, projectId: r.projectId, stage: r.stage, submittedAt: r.submittedAt }, timeZone);
  return { response: r, alert: alert ?? null, recovery };
}
