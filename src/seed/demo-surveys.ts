import type { Tx } from '../db/client.js';
import type { Channel } from '../domain/enums.js';
import { segmentOf, type SegmentThresholds } from '../domain/segment.js';
import { checkAnswers, currentTemplate, insertResponse, questionsOf, type AnswerInput, type QuestionRow, type TemplateRow } from '../modules/surveys/responses.js';
import type { CarriedOut } from './demo-actions.js';
import type { Rng } from './demo.js';

/**
 * Demo satisfaction surveys (满意度调查): the answers customers gave in the satisfaction calls the
 * demo staff made (signing, delivery and three-month revisits: about 80 % of those calls carry a
 * survey) and the year-end group survey (a quarter of the customers holding a delivered unit),
 * written through the API's one write path (`insertResponse`: the same answer checks, the same
 * LOW_SATISFACTION alerts and recovery follow-ups). Overall scores lean to 4–5 (mean about 4.0);
 * dimension scores lie within a point of the overall; NPS follows the overall.
 */
export type SurveySeedInput = {
  now: Date;
  timeZone: string;
  segments: SegmentThresholds;
  /** Each customer's holdings (segment at response time). */
  holdings: Map<number, { signedAt: Date | null; deliveredAt: Date | null }[]>;
  customerNames: Map<number, string>;
  /** Customers' projects for the annual survey: one delivered holding each. */
  delivered: { customerId: number; projectId: number; deliveredAt: Date }[];
  carried: CarriedOut[];
};

const TEMPLATE_OF_RULE: Record<string, string> = {
  SIGNING_SATISFACTION_CALL: 'SIGNING',
  DELIVERY_SATISFACTION_CALL: 'DELIVERY',
  THREE_MONTH_REVISIT: 'THREE_MONTH',
};
const OVERALL = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5];
const COMMENTS = ['交付时卫生间有渗水，已报修', '物业服务很好，保安很负责', '希望小区绿化再加强', '销售顾问很专业', '车位太少，希望增加', '维修师傅很准时'];
const DAY = 86_400_000;

export async function seedSurveys(tx: Tx, rng: Rng, input: SurveySeedInput): Promise<number> {
  const forms = new Map<string, { template: TemplateRow; questions: QuestionRow[] }>();
  for (const code of [...Object.values(TEMPLATE_OF_RULE), 'ANNUAL']) {
    const template = await currentTemplate(tx, code);
    if (template?.active) forms.set(code, { template, questions: await questionsOf(tx, template.id) });
  }
  const answer = (questions: QuestionRow[]): AnswerInput[] => {
    const overall = rng.pick(OVERALL);
    return questions.flatMap((q): AnswerInput[] => {
      if (q.kind === 'OVERALL') return [{ questionCode: q.code, score: overall }];
      if (q.kind === 'NPS') return [{ questionCode: q.code, score: Math.min(10, Math.max(0, overall * 2 + rng.int(-1, 1))) }];
      if (q.kind === 'SCORE') return q.required || rng.next() < 0.7 ? [{ questionCode: q.code, score: Math.min(5, Math.max(1, overall + rng.int(-1, 1))) }] : [];
      return rng.next() < 0.1 ? [{ questionCode: q.code, text: rng.pick(COMMENTS) }] : [];
    });
  };
  let written = 0;
  const write = async (code: string, r: { customerId: number; projectId: number; at: Date; by: string; channel: Channel | null; touchpointId?: number; plannedTouchpointId?: number }) => {
    const form = forms.get(code);
    if (!form) return;
    const answers = checkAnswers(form.template, form.questions, answer(form.questions), 'demo.answers');
    await insertResponse(
      tx,
      {
        template: form.template,
        customerId: r.customerId,
        customerName: input.customerNames.get(r.customerId) ?? '',
        projectId: r.projectId,
        segment: segmentOf(input.holdings.get(r.customerId) ?? [], r.at, input.segments),
        touchpointId: r.touchpointId ?? null,
        plannedTouchpointId: r.plannedTouchpointId ?? null,
        channel: r.channel,
        submittedAt: r.at,
        createdBy: r.by,
        answers,
      },
      r.at,
      input.timeZone,
    );
    written++;
  };
  for (const c of input.carried) {
    const code = TEMPLATE_OF_RULE[c.code];
    if (!code || rng.next() >= 0.8) continue;
    await write(code, { customerId: c.planned.customerId, projectId: c.planned.projectId, at: c.at, by: c.by, channel: c.planned.channel, touchpointId: c.touchpointId, plannedTouchpointId: c.planned.id });
  }
  for (const d of input.delivered) {
    if (rng.next() >= 0.25) continue;
    const since = Math.max(d.deliveredAt.getTime() + 90 * DAY, input.now.getTime() - 330 * DAY);
    if (since >= input.now.getTime()) continue;
    const at = new Date(since + rng.next() * (input.now.getTime() - since));
    await write('ANNUAL', { customerId: d.customerId, projectId: d.projectId, at, by: 'survey.annual', channel: rng.pick(['PHONE', 'WECHAT', 'EMAIL'] as const) });
  }
  return written;
}
