import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg, unique } from '../helpers/factories.js';
import { CREATE_COMPLAINT, COMPLAINT_FIELDS, step } from '../helpers/complaints.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;
let pA: { id: string };
let pB: { id: string };

const TEMPLATES = `query($code: String, $all: Boolean) {
  surveyTemplates(code: $code, allVersions: $all) { id code version name kind stage active current supersededAt questions { id code position kind dimension required labelZh labelEn minScore maxScore } }
}`;
const UPSERT = `mutation($input: UpsertSurveyTemplateInput!) { upsertSurveyTemplate(input: $input) { template { id code version name kind stage active current questions { id code kind } } } }`;
const SUBMIT = `mutation($input: SubmitSurveyResponseInput!) {
  submitSurveyResponse(input: $input) {
    response {
      id overallScore npsScore segment stage channel submittedAt lowSatisfaction
      template { id code version } customer { id name } project { id } touchpoint { id } complaint { id } recordedBy { login }
      answers { score text question { code kind } }
    }
  }
}`;
const RESPONSES = `query($filter: SurveyResponseFilter, $first: Int) { surveyResponses(filter: $filter, first: $first) { totalCount edges { node { id overallScore template { code version } answers { text question { code } } } } } }`;
const ALERTS = `query($f: SlaAlertFilter) { slaAlerts(filter: $f, first: 50) { totalCount edges { node { id level complaint { id } surveyResponse { id overallScore } } } } }`;
const PLANNED = `query($filter: PlannedTouchpointFilter) { plannedTouchpoints(filter: $filter, first: 20) { totalCount edges { node { id triggerAt dueAt stage channel rule { code } customer { id } } } } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A customer of project A holding a unit there. */
async function owner(over: Record<string, unknown> = {}) {
  const name = `王${unique()}`;
  const projectId = (over.projectId as string | undefined) ?? pA.id;
  const id = await createCustomer(t, projectId, { name, ...over });
  const o = await addUnit(t, id, projectId);
  return { id, name, ownershipId: o.id, unitId: o.unit.id };
}

const answersOf = (scores: Record<string, number | string>) =>
  Object.entries(scores).map(([questionCode, v]) => (typeof v === 'number' ? { questionCode, score: v } : { questionCode, text: v }));

async function submit(customerId: string, over: Record<string, unknown> = {}, auth = 'ADMIN') {
  return t.gql(SUBMIT, { input: { templateCode: 'DELIVERY', customerId, projectId: pA.id, answers: answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 5 }), ...over } }, auth);
}

/** A template of its own code with an OVERALL, a DESIGN score, an NPS and a comment. */
function templateInput(code: string, over: Record<string, unknown> = {}) {
  return {
    code,
    name: `测试问卷${code}`,
    kind: 'CUSTOM',
    stage: 'RESIDENCE',
    questions: [
      { code: 'OVERALL', kind: 'OVERALL', labelZh: '总体满意度', labelEn: 'Overall' },
      { code: 'DESIGN', kind: 'SCORE', dimension: 'DESIGN', labelZh: '设计', labelEn: 'Design' },
      { code: 'NPS', kind: 'NPS', required: false, labelZh: '推荐意愿', labelEn: 'Recommend' },
      { code: 'COMMENT', kind: 'TEXT', required: false, labelZh: '意见', labelEn: 'Comments' },
    ],
    ...over,
  };
}

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off', PERSONAL_LOOKUPS_PER_MINUTE: '100000' } });
  org = await seedOrg(t);
  pA = await createProject(t, org.szId);
  pB = await createProject(t, org.shId);
});
afterAll(() => t?.close());

describe('survey templates', () => {
  it('come with the six templates of the SPEC, each with one OVERALL question and labels in both languages, readable by every reading role', async () => {
    const list = must<any>(await t.gql(TEMPLATES, {}, 'ANALYST'), 'surveyTemplates').surveyTemplates as any[];
    const byCode = Object.fromEntries(list.map((x) => [x.code, x]));
    for (const code of ['SIGNING', 'DELIVERY', 'THREE_MONTH', 'COMPLAINT_RETURN_VISIT', 'REPAIR_RETURN_VISIT', 'ANNUAL']) {
      expect(byCode[code], code).toMatchObject({ kind: code, version: 1, active: true, current: true, supersededAt: null });
      expect(byCode[code].questions.filter((q: any) => q.kind === 'OVERALL'), code).toHaveLength(1);
      for (const q of byCode[code].questions) expect(q.labelZh && q.labelEn, `${code}.${q.code}`).toBeTruthy();
    }
    const annual = byCode.ANNUAL.questions as any[];
    expect(annual.filter((q) => q.kind === 'SCORE').map((q) => q.dimension).sort()).toEqual(['CUSTOMER_SERVICE', 'DESIGN', 'ENGINEERING', 'PROPERTY_MANAGEMENT', 'SALES']);
    expect(annual.find((q) => q.kind === 'NPS')).toMatchObject({ minScore: 0, maxScore: 10 });
    expect(annual.find((q) => q.kind === 'OVERALL')).toMatchObject({ minScore: 1, maxScore: 5, required: true });
    expect(annual.find((q) => q.kind === 'TEXT')).toMatchObject({ minScore: null, maxScore: null, required: false });
    expect(codeOf(await t.gql(TEMPLATES, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });

  it('are configured by ADMIN only, and checked: one OVERALL, a dimension on every SCORE question and nowhere else, unique codes', async () => {
    const code = `T${unique()}`;
    expect(codeOf(await t.gql(UPSERT, { input: templateInput(code) }, 'MANAGER'))).toBe('FORBIDDEN');
    const bad = async (input: Record<string, unknown>) => {
      const r = await t.gql(UPSERT, { input }, 'ADMIN');
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      return r.errors![0]!.extensions!.field;
    };
    const q = templateInput(code).questions;
    expect(await bad(templateInput(code, { questions: q.filter((x) => x.kind !== 'OVERALL') }))).toBe('input.questions');
    expect(await bad(templateInput(code, { questions: [...q, { ...q[0], code: 'OVERALL2' }] }))).toBe('input.questions');
    expect(await bad(templateInput(code, { questions: [q[0], { ...q[1], dimension: null }] }))).toBe('input.questions.1.dimension');
    expect(await bad(templateInput(code, { questions: [{ ...q[0], dimension: 'DESIGN' }] }))).toBe('input.questions.0.dimension');
    expect(await bad(templateInput(code, { questions: [q[0], q[1], { ...q[3], code: 'DESIGN' }] }))).toBe('input.questions.2.code');
    expect(must<any>(await t.gql(TEMPLATES, { code }, 'ADMIN'), 'list').surveyTemplates).toEqual([]);
  });

  it('are versioned: changed questions add a version and supersede the old one; a change of name alone edits the current version', async () => {
    const code = `T${unique()}`;
    const v1 = must<any>(await t.gql(UPSERT, { input: templateInput(code) }, 'ADMIN'), 'v1').upsertSurveyTemplate.template;
    expect(v1).toMatchObject({ code, version: 1, current: true });
    const renamed = must<any>(await t.gql(UPSERT, { input: templateInput(code, { name: '改名' }) }, 'ADMIN'), 'rename').upsertSurveyTemplate.template;
    expect(renamed).toMatchObject({ id: v1.id, version: 1, name: '改名' });
    const q = templateInput(code).questions;
    const v2 = must<any>(await t.gql(UPSERT, { input: templateInput(code, { name: '改名', questions: [q[0], { ...q[1], labelZh: '规划设计' }] }) }, 'ADMIN'), 'v2').upsertSurveyTemplate.template;
    expect(v2).toMatchObject({ code, version: 2, current: true });
    expect(v2.id).not.toBe(v1.id);
    expect(v2.questions.map((x: any) => x.code)).toEqual(['OVERALL', 'DESIGN']);
    const all = must<any>(await t.gql(TEMPLATES, { code, all: true }, 'ADMIN'), 'all').surveyTemplates as any[];
    expect(all.map((x) => [x.version, x.current, x.supersededAt !== null])).toEqual([
      [2, true, false],
      [1, false, true],
    ]);
    expect(must<any>(await t.gql(TEMPLATES, { code }, 'ADMIN'), 'current').surveyTemplates.map((x: any) => x.version)).toEqual([2]);
  });
});

describe('submitSurveyResponse', () => {
  it('records the answers with the overall and NPS scores, the segment at response time and the template’s stage', async () => {
    const c = await owner();
    const r = must<any>(
      await submit(c.id, { answers: answersOf({ OVERALL: 5, ENGINEERING: 4, CUSTOMER_SERVICE: 5, NPS: 9, COMMENT: '很好' }), channel: 'PHONE', submittedAt: '2026-03-01T02:00:00.000Z' }, await t.token('AGENT', { sub: 'agent.s1', scope: [pA.id] })),
      'submit',
    ).submitSurveyResponse.response;
    expect(r).toMatchObject({
      overallScore: 5,
      npsScore: 9,
      segment: 'PROSPECT',
      stage: 'DELIVERY',
      channel: 'PHONE',
      submittedAt: '2026-03-01T02:00:00.000Z',
      lowSatisfaction: false,
      template: { code: 'DELIVERY', version: 1 },
      customer: { id: c.id },
      project: { id: pA.id },
      recordedBy: { login: 'agent.s1' },
    });
    expect(r.answers.map((a: any) => [a.question.code, a.score, a.text])).toEqual([
      ['OVERALL', 5, null],
      ['ENGINEERING', 4, null],
      ['CUSTOMER_SERVICE', 5, null],
      ['NPS', 9, null],
      ['COMMENT', null, '很好'],
    ]);
  });

  it('refuses a bad answer with BAD_USER_INPUT naming it, and records nothing', async () => {
    const c = await owner();
    const field = async (over: Record<string, unknown>) => {
      const r = await submit(c.id, over);
      expect(codeOf(r), JSON.stringify(over)).toBe('BAD_USER_INPUT');
      return r.errors![0]!.extensions!.field;
    };
    expect(await field({ answers: answersOf({ OVERALL: 6, ENGINEERING: 4, CUSTOMER_SERVICE: 5 }) })).toBe('input.answers.0.score');
    expect(await field({ answers: answersOf({ OVERALL: 0, ENGINEERING: 4, CUSTOMER_SERVICE: 5 }) })).toBe('input.answers.0.score');
    expect(await field({ answers: answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 5, NPS: 11 }) })).toBe('input.answers.3.score');
    expect(codeOf(await submit(c.id, { answers: [...answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 5 }), { questionCode: 'NPS', score: 7.5 }] }))).toBe('BAD_USER_INPUT');
    expect(await field({ answers: answersOf({ OVERALL: 4, ENGINEERING: 4 }) })).toBe('input.answers');
    expect(await field({ answers: answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 5, SALES: 3 }) })).toBe('input.answers.3.questionCode');
    expect(await field({ answers: [...answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 5 }), { questionCode: 'COMMENT', score: 3 }] })).toBe('input.answers.3.score');
    expect(await field({ answers: [...answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 5 }), { questionCode: 'ENGINEERING', score: 3 }] })).toBe('input.answers.3');
    expect(await field({ submittedAt: new Date(Date.now() + 3_600_000).toISOString() })).toBe('input.submittedAt');
    expect(await field({ projectId: pB.id })).toBe('input.projectId');
    expect(await field({ templateCode: null })).toBe('input');
    const list = must<any>(await t.gql(RESPONSES, { filter: { customerIds: [c.id] } }, 'ADMIN'), 'list').surveyResponses;
    expect(list.totalCount).toBe(0);
  });

  it('keeps the version a response answered when the template is edited between responses; a question of another version is refused', async () => {
    const code = `T${unique()}`;
    const v1 = must<any>(await t.gql(UPSERT, { input: templateInput(code) }, 'ADMIN'), 'v1').upsertSurveyTemplate.template;
    const c = await owner();
    const first = must<any>(await submit(c.id, { templateCode: code, answers: answersOf({ OVERALL: 3, DESIGN: 4 }) }), 'r1').submitSurveyResponse.response;
    const q = templateInput(code).questions;
    const v2 = must<any>(await t.gql(UPSERT, { input: templateInput(code, { questions: [q[0], { ...q[1], required: false }, q[3]] }) }, 'ADMIN'), 'v2').upsertSurveyTemplate.template;
    const second = must<any>(await submit(c.id, { templateCode: code, answers: answersOf({ OVERALL: 5 }) }), 'r2').submitSurveyResponse.response;
    expect(first.template).toMatchObject({ id: v1.id, version: 1 });
    expect(second.template).toMatchObject({ id: v2.id, version: 2 });
    // The v1 DESIGN question is not a question of v2.
    const v1Design = v1.questions.find((x: any) => x.code === 'DESIGN').id;
    const wrong = await submit(c.id, { templateCode: null, templateId: v2.id, answers: [{ questionCode: 'OVERALL', score: 4 }, { questionId: v1Design, score: 4 }] });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0]!.extensions!.field).toBe('input.answers.1.questionId');
    // A response to the superseded version by ID is still taken (a paper form entered late).
    const late = must<any>(await submit(c.id, { templateCode: null, templateId: v1.id, answers: [{ questionCode: 'OVERALL', score: 2 }, { questionId: v1Design, score: 4 }] }), 'late').submitSurveyResponse.response;
    expect(late.template.version).toBe(1);
    const listed = must<any>(await t.gql(RESPONSES, { filter: { templateCodes: [code] } }, 'ADMIN'), 'list').surveyResponses;
    expect(listed.edges.map((e: any) => e.node.template.version).sort()).toEqual([1, 1, 2]);
  });

  it('a response scored 2 or less raises exactly one LOW_SATISFACTION alert and plans the recovery follow-up; 3 raises none', async () => {
    const c = await owner();
    const ok = must<any>(await submit(c.id, { answers: answersOf({ OVERALL: 3, ENGINEERING: 2, CUSTOMER_SERVICE: 1 }) }), 'ok').submitSurveyResponse.response;
    expect(ok.lowSatisfaction).toBe(false);
    const low = must<any>(await submit(c.id, { answers: answersOf({ OVERALL: 2, ENGINEERING: 3, CUSTOMER_SERVICE: 3 }), submittedAt: '2026-06-10T04:00:00.000Z' }), 'low').submitSurveyResponse.response;
    expect(low.lowSatisfaction).toBe(true);
    const alerts = must<any>(await t.gql(ALERTS, { f: { levels: ['LOW_SATISFACTION'], projectIds: [pA.id] } }, 'ADMIN'), 'alerts').slaAlerts.edges.map((e: any) => e.node);
    const mine = alerts.filter((a: any) => a.surveyResponse?.id === low.id || a.surveyResponse?.id === ok.id);
    expect(mine).toEqual([{ id: expect.any(String), level: 'LOW_SATISFACTION', complaint: null, surveyResponse: { id: low.id, overallScore: 2 } }]);
    const planned = must<any>(await t.gql(PLANNED, { filter: { customerIds: [c.id], ruleCodes: ['RECOVERY_FOLLOW_UP'] } }, 'ADMIN'), 'planned').plannedTouchpoints;
    expect(planned.edges.map((e: any) => e.node)).toEqual([
      { id: expect.any(String), triggerAt: '2026-06-10T04:00:00.000Z', dueAt: '2026-06-13T04:00:00.000Z', stage: 'DELIVERY', channel: 'PHONE', rule: { code: 'RECOVERY_FOLLOW_UP' }, customer: { id: c.id } },
    ]);
  });

  it('is idempotent with a key, and refused for ANALYST, HANDLER and out-of-scope agents', async () => {
    const c = await owner();
    const key = `k-${unique()}`;
    const a = must<any>(await submit(c.id, { idempotencyKey: key }), 'a').submitSurveyResponse.response;
    const b = must<any>(await submit(c.id, { idempotencyKey: key }), 'b').submitSurveyResponse.response;
    expect(b.id).toBe(a.id);
    expect(codeOf(await submit(c.id, { idempotencyKey: key, channel: 'SMS' }))).toBe('CONFLICT');
    expect(codeOf(await submit(c.id, {}, 'ANALYST'))).toBe('FORBIDDEN');
    expect(codeOf(await submit(c.id, {}, 'HANDLER'))).toBe('FORBIDDEN');
    expect(codeOf(await submit(c.id, {}, await t.token('AGENT', { scope: [pB.id] })))).toBe('NOT_FOUND');
    expect(must<any>(await t.gql(RESPONSES, { filter: { customerIds: [c.id] } }, 'ADMIN'), 'list').surveyResponses.totalCount).toBe(1);
  });
});

describe('personal data in responses', () => {
  it('free text quoting contact data reaches ADMIN as written and every other role, ANALYST included, masked; ANALYST sees no name', async () => {
    const c = await owner();
    const comment = `请${c.name}本人回电 13912345678 或 li.si@example.com`;
    const r = must<any>(await submit(c.id, { answers: answersOf({ OVERALL: 4, ENGINEERING: 4, CUSTOMER_SERVICE: 4, COMMENT: comment }) }), 'submit').submitSurveyResponse.response;
    const q = `query($id: ID!) { node(id: $id) { ... on SurveyResponse { customer { name phone } answers { text question { code } } } } }`;
    const textOf = (d: any) => d.node.answers.find((a: any) => a.question.code === 'COMMENT').text as string;
    expect(textOf(must<any>(await t.gql(q, { id: r.id }, 'ADMIN'), 'admin'))).toBe(comment);
    for (const role of ['MANAGER', 'AGENT', 'ANALYST'] as const) {
      const d = must<any>(await t.gql(q, { id: r.id }, role), role);
      const text = textOf(d);
      expect(text, role).not.toContain('13912345678');
      expect(text, role).not.toContain('li.si@example.com');
      expect(text, role).not.toContain(c.name);
      expect(text, role).toContain('139****5678');
    }
    const analyst = must<any>(await t.gql(q, { id: r.id }, 'ANALYST'), 'analyst').node.customer;
    expect(analyst.name).not.toBe(c.name);
    expect(analyst.phone).not.toMatch(/^\d{11}$/);
  });

  it('responses of a CONFIDENTIAL customer, and their LOW_SATISFACTION alert, are hidden from AGENT and ANALYST', async () => {
    const c = await owner({ confidentiality: 'CONFIDENTIAL' });
    const r = must<any>(await submit(c.id, { answers: answersOf({ OVERALL: 1, ENGINEERING: 1, CUSTOMER_SERVICE: 1 }) }), 'submit').submitSurveyResponse.response;
    const byId = `query($id: ID!) { node(id: $id) { id } }`;
    expect(must<any>(await t.gql(byId, { id: r.id }, 'MANAGER'), 'manager').node).toEqual({ id: r.id });
    for (const role of ['AGENT', 'ANALYST'] as const) {
      expect(must<any>(await t.gql(byId, { id: r.id }, role), role).node, role).toBeNull();
      expect(must<any>(await t.gql(RESPONSES, { filter: { customerIds: [c.id] } }, role), role).surveyResponses.totalCount, role).toBe(0);
      const alerts = must<any>(await t.gql(ALERTS, { f: { levels: ['LOW_SATISFACTION'], projectIds: [pA.id] } }, role), role).slaAlerts.edges;
      expect(alerts.filter((e: any) => e.node.surveyResponse?.id === r.id), role).toEqual([]);
    }
    const adminAlerts = must<any>(await t.gql(ALERTS, { f: { levels: ['LOW_SATISFACTION'], projectIds: [pA.id] } }, 'ADMIN'), 'admin').slaAlerts.edges;
    expect(adminAlerts.filter((e: any) => e.node.surveyResponse?.id === r.id)).toHaveLength(1);
  });
});

describe('responses that follow other work', () => {
  it('recordReturnVisit scored 2 records a COMPLAINT_RETURN_VISIT response and raises exactly one LOW_SATISFACTION alert; a repair answers REPAIR_RETURN_VISIT', async () => {
    const c = await owner();
    const agent = await t.token('AGENT', { scope: [pA.id] });
    const open = async (kind: string) => {
      const created = must<any>(
        await t.gql(`${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`, { input: { customerId: c.id, projectId: pA.id, unitId: c.unitId, kind, category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: '卫生间漏水' } }, agent),
        'create',
      ).createComplaint.complaint;
      must(await step(t, 'acceptComplaint', { complaintId: created.id, department: 'ENGINEERING' }, agent), 'accept');
      must(await step(t, 'resolveComplaint', { complaintId: created.id, resolution: '已修复' }, 'ADMIN'), 'resolve');
      return created.id as string;
    };
    const complaintId = await open('COMPLAINT');
    const visited = await step(t, 'recordReturnVisit', { complaintId, satisfaction: 2, note: '处理太慢', answers: [{ questionCode: 'COMMENT', text: '希望更快' }] }, agent);
    expect(visited.errors).toBeUndefined();
    expect(visited.data.recordReturnVisit.complaint).toMatchObject({ status: 'REOPENED', returnVisitScore: 2 });
    const responses = must<any>(await t.gql(RESPONSES, { filter: { complaintIds: [complaintId] } }, 'ADMIN'), 'list').surveyResponses.edges.map((e: any) => e.node);
    expect(responses).toEqual([{ id: expect.any(String), overallScore: 2, template: { code: 'COMPLAINT_RETURN_VISIT', version: 1 }, answers: [{ text: '希望更快', question: { code: 'COMMENT' } }, { text: null, question: { code: 'OVERALL' } }] }]);
    const alerts = must<any>(await t.gql(ALERTS, { f: { levels: ['LOW_SATISFACTION'], complaintIds: [complaintId] } }, 'ADMIN'), 'alerts').slaAlerts;
    expect(alerts.totalCount).toBe(1);
    expect(alerts.edges[0].node).toMatchObject({ complaint: { id: complaintId }, surveyResponse: { id: responses[0].id, overallScore: 2 } });
    const bad = await step(t, 'recordReturnVisit', { complaintId, satisfaction: 4, answers: [{ questionCode: 'OVERALL', score: 5 }] }, agent);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');

    const repairId = await open('REPAIR');
    must(await step(t, 'recordReturnVisit', { complaintId: repairId, satisfaction: 5 }, agent), 'repair visit');
    const repair = must<any>(await t.gql(RESPONSES, { filter: { complaintIds: [repairId] } }, 'ADMIN'), 'list').surveyResponses.edges.map((e: any) => e.node);
    expect(repair.map((r: any) => [r.template.code, r.overallScore])).toEqual([['REPAIR_RETURN_VISIT', 5]]);
    expect(must<any>(await t.gql(ALERTS, { f: { levels: ['LOW_SATISFACTION'], complaintIds: [repairId] } }, 'ADMIN'), 'none').slaAlerts.totalCount).toBe(0);

    // complaintStats reads the return visits from the responses: both visits, then a further
    // response that follows the complaint through submitSurveyResponse.
    const STATS = `query($f: ComplaintStatsFilter) { complaintStats(filter: $f) { total { complaints returnVisited returnVisitScored returnVisitScore } } }`;
    const visits = async () => must<any>(await t.gql(STATS, { f: { projectIds: [pA.id] } }, 'ANALYST'), 'complaintStats').complaintStats.total;
    expect(await visits()).toEqual({ complaints: 2, returnVisited: 2, returnVisitScored: 2, returnVisitScore: 3.5 });
    must(await t.gql(SUBMIT, { input: { templateCode: 'COMPLAINT_RETURN_VISIT', customerId: c.id, projectId: pA.id, complaintId, answers: [{ questionCode: 'OVERALL', score: 4 }] } }, agent), 'follow-up');
    expect(await visits()).toEqual({ complaints: 2, returnVisited: 2, returnVisitScored: 3, returnVisitScore: 11 / 3 });
  });

  const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id } } }`;
  const DELIVER = `mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id } } }`;
  /** Signs and delivers the owner's unit (a day ago), which plans DELIVERY_SATISFACTION_CALL. */
  async function delivered(o: { ownershipId: string }) {
    must(await t.gql(SIGN, { input: { ownershipId: o.ownershipId, signedAt: new Date(Date.now() - 30 * 86_400_000).toISOString() } }, 'ADMIN'), 'sign');
    must(await t.gql(DELIVER, { input: { ownershipId: o.ownershipId, deliveredAt: new Date(Date.now() - 86_400_000).toISOString() } }, 'ADMIN'), 'deliver');
  }

  it('completePlannedTouchpoint can carry the survey taken in the contact, linked to the touchpoint and the planned action', async () => {
    const c = await owner();
    await delivered(c);
    const planned = must<any>(await t.gql(PLANNED, { filter: { customerIds: [c.id], ruleCodes: ['DELIVERY_SATISFACTION_CALL'] } }, 'ADMIN'), 'planned').plannedTouchpoints.edges[0].node;
    const done = await t.gql(
      `mutation($input: CompletePlannedTouchpointInput!) { completePlannedTouchpoint(input: $input) { plannedTouchpoint { id status touchpoint { id } } } }`,
      { input: { plannedTouchpointId: planned.id, channel: 'PHONE', notes: '交付满意度回访', survey: { templateCode: 'DELIVERY', answers: answersOf({ OVERALL: 5, ENGINEERING: 5, CUSTOMER_SERVICE: 4 }) } } },
      'ADMIN',
    );
    expect(done.errors).toBeUndefined();
    const touchpointId = done.data.completePlannedTouchpoint.plannedTouchpoint.touchpoint.id;
    const q = `query($f: SurveyResponseFilter) { surveyResponses(filter: $f) { edges { node { overallScore segment touchpoint { id } plannedTouchpoint { id } } } } }`;
    expect(must<any>(await t.gql(q, { f: { customerIds: [c.id] } }, 'ADMIN'), 'list').surveyResponses.edges.map((e: any) => e.node)).toEqual([
      { overallScore: 5, segment: 'BREAK_IN', touchpoint: { id: touchpointId }, plannedTouchpoint: { id: planned.id } },
    ]);
    // A bad survey leaves the action open and records nothing.
    const other = await owner();
    await delivered(other);
    const p2 = must<any>(await t.gql(PLANNED, { filter: { customerIds: [other.id], ruleCodes: ['DELIVERY_SATISFACTION_CALL'] } }, 'ADMIN'), 'planned').plannedTouchpoints.edges[0].node;
    const refused = await t.gql(
      `mutation($input: CompletePlannedTouchpointInput!) { completePlannedTouchpoint(input: $input) { plannedTouchpoint { id } } }`,
      { input: { plannedTouchpointId: p2.id, channel: 'PHONE', notes: '回访', survey: { templateCode: 'DELIVERY', answers: answersOf({ OVERALL: 9 }) } } },
      'ADMIN',
    );
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.extensions!.field).toBe('input.survey.answers.0.score');
    const still = must<any>(await t.gql(`query($id: ID!) { node(id: $id) { ... on PlannedTouchpoint { status touchpoint { id } } } }`, { id: p2.id }, 'ADMIN'), 'p2').node;
    expect(still).toEqual({ status: 'PLANNED', touchpoint: null });
  });
});

describe('Customer.surveyResponses and the journey', () => {
  it('list the customer’s responses newest first, batched across a page of customers, and place them in the journey by their stage', async () => {
    const pC = await createProject(t, org.szId);
    const c1 = await owner({ projectId: pC.id });
    const c2 = await owner({ projectId: pC.id });
    must(await submit(c1.id, { projectId: pC.id, submittedAt: '2026-01-01T00:00:00.000Z' }), 's1');
    must(await submit(c1.id, { projectId: pC.id, templateCode: 'ANNUAL', answers: answersOf({ OVERALL: 5, ENGINEERING: 5, DESIGN: 5, CUSTOMER_SERVICE: 5, PROPERTY_MANAGEMENT: 5, NPS: 10 }), submittedAt: '2026-02-01T00:00:00.000Z' }), 's2');
    must(await submit(c2.id, { projectId: pC.id }), 's3');
    const q = `query($p: [ID!]) { customers(filter: { projectIds: $p }, first: 5) { edges { node { id surveyResponses(first: 5) { totalCount edges { node { template { code } } } } journey { stages { stage entries { kind surveyResponse { template { code } } } } } } } } }`;
    const d = must<any>(await t.gql(q, { p: [pC.id] }, 'ADMIN'), 'customers').customers.edges.map((e: any) => e.node);
    const one = d.find((n: any) => n.id === c1.id);
    expect(one.surveyResponses.totalCount).toBe(2);
    expect(one.surveyResponses.edges.map((e: any) => e.node.template.code)).toEqual(['ANNUAL', 'DELIVERY']);
    const surveysByStage = one.journey.stages.map((s: any) => [s.stage, s.entries.filter((e: any) => e.kind === 'SURVEY_RESPONSE').map((e: any) => e.surveyResponse.template.code)]);
    expect(surveysByStage.filter(([, codes]: [string, string[]]) => codes.length)).toEqual([
      ['DELIVERY', ['DELIVERY']],
      ['RESIDENCE', ['ANNUAL']],
    ]);
    expect(d.find((n: any) => n.id === c2.id).surveyResponses.totalCount).toBe(1);
  });
});
