import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, seedOrg, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/** The app's clock: tests move it past the 15 days of rectification. */
let now = new Date('2026-06-01T02:00:00.000Z');
let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;

const DAY = 86_400_000;
const RECORD = `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) {
  inspection { id kind inspectedAt inspector summary project { id } recordedBy { login } findings { id deficiency department status warnAt dueAt rule { code } } } } }`;
const RECTIFY = `mutation($input: RectifyInspectionFindingInput!) { rectifyInspectionFinding(input: $input) { finding { id status rectifiedAt rectification rectifiedBy { login } } } }`;
const FINDINGS = `query($f: InspectionFindingFilter) { inspectionFindings(filter: $f, first: 100) { totalCount edges { node { id status department rule { code } inspection { id } } } } }`;
const INSPECTIONS = `query($f: InspectionFilter) { inspections(filter: $f) { totalCount edges { node { id kind } } } }`;
const ALERTS = `query($f: SlaAlertFilter) { slaAlerts(filter: $f, first: 100) { edges { node { level dueAt late inspectionFinding { id deficiency } } } } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

const findings = [
  { ruleCode: 'SIGNING_CONGRATS_SMS', deficiency: '恭贺短信未在签约后一日内发送，缺截屏存档', department: 'MARKETING' },
  { ruleCode: 'THREE_MONTH_REVISIT', deficiency: '回访比例不足10%', department: 'CUSTOMER_SERVICE' },
  { deficiency: '6+2执行记录不完整', department: 'ENGINEERING' },
];

async function inspect(projectId: string, over: Record<string, unknown> = {}) {
  return must<any>(await t.gql(RECORD, { input: { projectId, kind: 'MYSTERY', inspector: '第三方调研公司', summary: '暗访发现三项缺陷', findings, ...over } }, 'ADMIN'), 'recordInspection')
    .recordInspection.inspection;
}

beforeAll(async () => {
  t = await startTestApp({ clock: () => now, env: { SLA_SCHEDULER: 'off' } });
  org = await seedOrg(t);
});
afterAll(() => t?.close());

describe('6+2 inspections', () => {
  it('records an inspection with findings per rule, each due for rectification 15 days later', async () => {
    now = new Date('2026-06-01T02:00:00.000Z');
    const project = await createProject(t, org.szId);
    const i = await inspect(project.id);
    expect(i).toMatchObject({ kind: 'MYSTERY', inspectedAt: '2026-06-01T02:00:00.000Z', inspector: '第三方调研公司', project: { id: project.id }, recordedBy: { login: 'test-admin' } });
    expect(i.findings).toHaveLength(3);
    expect(i.findings[0]).toMatchObject({ department: 'MARKETING', status: 'OPEN', rule: { code: 'SIGNING_CONGRATS_SMS' }, dueAt: '2026-06-16T02:00:00.000Z', warnAt: '2026-06-13T02:00:00.000Z' });
    expect(i.findings[2].rule).toBeNull();
    const listed = must<any>(await t.gql(INSPECTIONS, { f: { projectIds: [project.id], kinds: ['MYSTERY'] } }, 'ANALYST'), 'inspections').inspections;
    expect(listed.edges.map((e: any) => e.node.id)).toEqual([i.id]);
  });

  it('a finding not rectified warns at 80 % and breaches after 15 days, each alert once; a rectified one stays quiet', async () => {
    now = new Date('2026-07-01T02:00:00.000Z');
    const project = await createProject(t, org.szId);
    const i = await inspect(project.id);
    const [open, fixed] = i.findings;
    now = new Date(now.getTime() + 5 * DAY);
    const r = must<any>(await t.gql(RECTIFY, { input: { findingId: fixed.id, rectification: '已补充回访至12%，附回访记录' } }, await t.token('MANAGER', { sub: 'mgr.cs' })), 'rectify')
      .rectifyInspectionFinding.finding;
    expect(r).toMatchObject({ status: 'RECTIFIED', rectifiedAt: now.toISOString(), rectifiedBy: { login: 'mgr.cs' } });
    expect(codeOf(await t.gql(RECTIFY, { input: { findingId: fixed.id, rectification: '再次整改' } }, 'ADMIN'))).toBe('INVALID_TRANSITION');

    const alerts = async () => must<any>(await t.gql(ALERTS, { f: { projectIds: [project.id] } }, 'ADMIN'), 'alerts').slaAlerts.edges.map((e: any) => e.node);
    await t.app.scheduler.tick();
    expect(await alerts()).toEqual([]);
    now = new Date('2026-07-13T03:00:00.000Z'); // past 12 days
    await t.app.scheduler.tick();
    const warned = await alerts();
    expect(warned.map((a: any) => [a.level, a.inspectionFinding.id]).sort()).toEqual([
      ['WARNING', open.id],
      ['WARNING', i.findings[2].id],
    ]);
    now = new Date('2026-07-16T02:00:01.000Z'); // past 15 days
    await t.app.scheduler.tick();
    await t.app.scheduler.tick();
    const all = await alerts();
    expect(all.filter((a: any) => a.level === 'BREACHED').map((a: any) => a.inspectionFinding.id).sort()).toEqual([open.id, i.findings[2].id].sort());
    expect(all.find((a: any) => a.level === 'BREACHED')).toMatchObject({ dueAt: '2026-07-16T02:00:00.000Z', late: false });
    expect(all).toHaveLength(4);
    const overdue = must<any>(await t.gql(FINDINGS, { f: { projectIds: [project.id], statuses: ['OVERDUE'] } }, 'ADMIN'), 'findings').inspectionFindings;
    expect(overdue.edges.map((e: any) => e.node.id).sort()).toEqual([open.id, i.findings[2].id].sort());
    // Rectified late: no more alerts, status RECTIFIED.
    must(await t.gql(RECTIFY, { input: { findingId: open.id, rectification: '已补发并截屏存档' } }, 'ADMIN'), 'rectify late');
    await t.app.scheduler.tick();
    expect(await alerts()).toHaveLength(4);
  });

  it('filters findings by rule, department and status', async () => {
    now = new Date('2026-08-01T02:00:00.000Z');
    const project = await createProject(t, org.szId);
    const i = await inspect(project.id);
    const ids = async (f: Record<string, unknown>) =>
      must<any>(await t.gql(FINDINGS, { f: { inspectionIds: [i.id], ...f } }, 'AGENT'), 'findings').inspectionFindings.edges.map((e: any) => e.node.id);
    expect(await ids({ ruleCodes: ['THREE_MONTH_REVISIT'] })).toEqual([i.findings[1].id]);
    expect(await ids({ departments: ['ENGINEERING', 'MARKETING'] })).toEqual([i.findings[0].id, i.findings[2].id]);
    expect(await ids({ statuses: ['OPEN'] })).toHaveLength(3);
    expect(await ids({ statuses: ['RECTIFIED'] })).toEqual([]);
  });

  it('is recorded by ADMIN only; a HANDLER rectifies only its department’s findings; scope hides other projects; bad input names the field', async () => {
    now = new Date('2026-09-01T02:00:00.000Z');
    const project = await createProject(t, org.szId);
    const input = { projectId: project.id, kind: 'VISIBLE', findings };
    for (const role of ['MANAGER', 'AGENT', 'ANALYST'] as const) expect(codeOf(await t.gql(RECORD, { input }, role)), role).toBe('FORBIDDEN');
    const badRule = await t.gql(RECORD, { input: { ...input, findings: [{ ruleCode: 'NO_SUCH_RULE', deficiency: '缺陷', department: 'LEGAL' }] } }, 'ADMIN');
    expect(codeOf(badRule)).toBe('BAD_USER_INPUT');
    expect(badRule.errors![0]!.extensions!.field).toBe('input.findings.0.ruleCode');
    const empty = await t.gql(RECORD, { input: { ...input, findings: [{ deficiency: ' ', department: 'LEGAL' }] } }, 'ADMIN');
    expect(empty.errors![0]!.extensions!.field).toBe('input.findings.0.deficiency');
    expect(codeOf(await t.gql(RECORD, { input: { ...input, inspectedAt: new Date(now.getTime() + 2 * DAY).toISOString() } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(must<any>(await t.gql(INSPECTIONS, { f: { projectIds: [project.id] } }, 'ADMIN'), 'none').inspections.totalCount).toBe(0);

    const key = `insp-${unique()}`;
    const i = await inspect(project.id, { kind: 'VISIBLE', idempotencyKey: key });
    expect((await inspect(project.id, { kind: 'VISIBLE', idempotencyKey: key })).id).toBe(i.id);
    const marketing = i.findings[0].id;
    const engineer = await t.token('HANDLER', { department: 'ENGINEERING' });
    expect(codeOf(await t.gql(RECTIFY, { input: { findingId: marketing, rectification: '已整改' } }, engineer))).toBe('FORBIDDEN');
    const marketer = await t.token('HANDLER', { department: 'MARKETING', sub: 'mkt.1' });
    expect(must<any>(await t.gql(RECTIFY, { input: { findingId: marketing, rectification: '已整改' } }, marketer), 'rectify').rectifyInspectionFinding.finding.rectifiedBy.login).toBe('mkt.1');
    expect(codeOf(await t.gql(RECTIFY, { input: { findingId: i.findings[1].id, rectification: '已整改' } }, 'ANALYST'))).toBe('FORBIDDEN');

    const elsewhere = await t.token('MANAGER', { scope: [(await createProject(t, org.shId)).id] });
    expect(must<any>(await t.gql(INSPECTIONS, { f: { projectIds: [project.id] } }, elsewhere), 'inspections').inspections.totalCount).toBe(0);
    expect(must<any>(await t.gql(FINDINGS, { f: { inspectionIds: [i.id] } }, elsewhere), 'findings').inspectionFindings.totalCount).toBe(0);
    expect(codeOf(await t.gql(RECTIFY, { input: { findingId: i.findings[1].id, rectification: '已整改' } }, elsewhere))).toBe('NOT_FOUND');
    expect(must<any>(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: i.id }, elsewhere), 'node').node).toBeNull();
  });
});
