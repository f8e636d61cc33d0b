import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg, uniquePhone } from '../helpers/factories.js';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;

const DAY = 86_400_000;
const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id } } }`;
const DELIVER = `mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id } } }`;
const RECORD = `mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`;
const COMPLAIN = `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id } } }`;
const ACCEPT = `mutation($input: AcceptComplaintInput!) { acceptComplaint(input: $input) { complaint { id } } }`;
const PLANNED = `query($c: [ID!]) { plannedTouchpoints(filter: { customerIds: $c }) { edges { node { id rule { code } } } } }`;
const COMPLETE = `mutation($input: CompletePlannedTouchpointInput!) { completePlannedTouchpoint(input: $input) { plannedTouchpoint { touchpoint { id } } } }`;
const JOURNEY = `query($id: ID!) { customer(id: $id) { journey { truncated stages { stage entries { at kind
  touchpoint { id kind notes } plannedTouchpoint { id status rule { code } } complaint { id category } } } } } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const asAdmin = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => must(await t.gql(query, variables, 'ADMIN'), query.slice(0, 50));
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A customer with a recorded life: a sales call, a signing 100 days ago (its standard actions,
 * the congratulation SMS done), a complaint while waiting for delivery (ENGINEERING), a delivery
 * 10 days ago and a repair request after it (PROPERTY).
 */
async function life(projectId: string) {
  const phone = uniquePhone();
  const customerId = await createCustomer(t, projectId, { phone, name: '周旅程' });
  const o = await addUnit(t, customerId, projectId);
  const base = Date.now();
  const call = (await asAdmin(RECORD, { input: { customerId, projectId, stage: 'SIGNING', channel: 'PHONE', kind: 'SALES_CALL', notes: `来电 ${phone} 咨询户型`, occurredAt: iso(base - 120 * DAY) } }))
    .recordTouchpoint.touchpoint.id as string;
  await asAdmin(SIGN, { input: { ownershipId: o.id, signedAt: iso(base - 100 * DAY) } });
  const planned = Object.fromEntries((await asAdmin(PLANNED, { c: [customerId] })).plannedTouchpoints.edges.map((e: any) => [e.node.rule.code, e.node.id]));
  const sms = (await asAdmin(COMPLETE, { input: { plannedTouchpointId: planned.SIGNING_CONGRATS_SMS, channel: 'SMS', notes: '已发送恭贺短信', occurredAt: iso(base - 100 * DAY + 3_600_000) } }))
    .completePlannedTouchpoint.plannedTouchpoint.touchpoint.id as string;
  const waiting = (await asAdmin(COMPLAIN, { input: { customerId, projectId, unitId: o.unit.id, kind: 'COMPLAINT', category: 'SALES_PROMISE', channel: 'PHONE', description: '交房时间推迟', receivedAt: iso(base - 50 * DAY) } }))
    .createComplaint.complaint.id as string;
  await asAdmin(ACCEPT, { input: { complaintId: waiting, department: 'MARKETING' } });
  await asAdmin(DELIVER, { input: { ownershipId: o.id, deliveredAt: iso(base - 10 * DAY) } });
  const repair = (await asAdmin(COMPLAIN, { input: { customerId, projectId, unitId: o.unit.id, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: '卫生间渗水', receivedAt: iso(base - 5 * DAY) } }))
    .createComplaint.complaint.id as string;
  await asAdmin(ACCEPT, { input: { complaintId: repair, department: 'ENGINEERING' } });
  return { customerId, phone, call, sms, waiting, repair, planned };
}

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
  org = await seedOrg(t);
});
afterAll(() => t?.close());

describe('Customer.journey', () => {
  it('puts touchpoints, planned actions not done and complaints in time order, by lifecycle stage', async () => {
    const project = await createProject(t, org.szId);
    const l = await life(project.id);
    const j = must<any>(await t.gql(JOURNEY, { id: l.customerId }, 'ADMIN'), 'journey').customer.journey;
    expect(j.truncated).toBe(false);
    const stages = Object.fromEntries(j.stages.map((s: any) => [s.stage, s.entries]));
    // WARRANTY: the three-month revisit (the project's first delivery is in its sample).
    expect(j.stages.map((s: any) => s.stage)).toEqual(['SIGNING', 'AWAITING_DELIVERY', 'DELIVERY', 'WARRANTY']);
    expect(stages.WARRANTY.map((e: any) => e.plannedTouchpoint.rule.code)).toEqual(['THREE_MONTH_REVISIT']);
    // Signing: the sales call, the done SMS (as its touchpoint), the other signing actions still open, oldest first.
    const signing = stages.SIGNING.map((e: any) => e.touchpoint?.id ?? e.plannedTouchpoint?.rule.code);
    expect(signing.slice(0, 2)).toEqual([l.call, l.sms]);
    expect(signing.slice(2).sort()).toEqual(['SERVICE_SUPERVISION_SMS', 'SIGNING_SATISFACTION_CALL']);
    expect(stages.SIGNING.every((e: any) => e.plannedTouchpoint?.rule.code !== 'SIGNING_CONGRATS_SMS')).toBe(true);
    // Waiting for delivery: the bulletin and the complaint about the delay.
    expect(stages.AWAITING_DELIVERY.map((e: any) => e.kind)).toContain('COMPLAINT');
    expect(stages.AWAITING_DELIVERY.find((e: any) => e.kind === 'COMPLAINT').complaint.id).toBe(l.waiting);
    // Delivery: the repair and the delivery's actions.
    expect(stages.DELIVERY.find((e: any) => e.kind === 'COMPLAINT').complaint.id).toBe(l.repair);
    expect(stages.DELIVERY.filter((e: any) => e.kind === 'PLANNED_TOUCHPOINT').map((e: any) => e.plannedTouchpoint.rule.code).sort()).toEqual(
      expect.arrayContaining(['DELIVERY_SATISFACTION_CALL', 'MOVE_IN_CONGRATS_VISIT']),
    );
    for (const s of j.stages) {
      const times = s.entries.map((e: any) => e.at);
      expect(times).toEqual([...times].sort());
    }
  });

  it('shows each role what it may see: notes masked, a HANDLER only its department’s complaints', async () => {
    const project = await createProject(t, org.szId);
    const l = await life(project.id);
    const entries = async (auth: string) =>
      must<any>(await t.gql(JOURNEY, { id: l.customerId }, auth), 'journey').customer.journey.stages.flatMap((s: any) => s.entries);
    const agent = await entries('AGENT');
    expect(agent.find((e: any) => e.touchpoint?.id === l.call).touchpoint.notes).toBe(`来电 ${l.phone.slice(0, 3)}****${l.phone.slice(-4)} 咨询户型`);
    expect(agent.filter((e: any) => e.kind === 'COMPLAINT')).toHaveLength(2);
    const handler = await entries(await t.token('HANDLER', { department: 'ENGINEERING' }));
    expect(handler.filter((e: any) => e.kind === 'COMPLAINT').map((e: any) => e.complaint.id)).toEqual([l.repair]);
    const admin = await entries('ADMIN');
    expect(admin.find((e: any) => e.touchpoint?.id === l.call).touchpoint.notes).toBe(`来电 ${l.phone} 咨询户型`);
  });

  it('costs a constant number of statements for a page of customers with their journeys', async () => {
    const project = await createProject(t, org.szId);
    for (let i = 0; i < 5; i++) await life(project.id);
    const Q = `query($p: [ID!], $first: Int) { customers(filter: { projectIds: $p }, first: $first) { edges { node { id journey { stages { stage entries { kind at
      touchpoint { id notes } plannedTouchpoint { id rule { code } } complaint { id number } } } } } } } }`;
    const statements = async (first: number) => {
      await t.settle();
      const before = t.requestStatements();
      const d = must<any>(await t.gql(Q, { p: [project.id], first }, 'AGENT'), 'customers');
      expect(d.customers.edges).toHaveLength(first);
      for (const e of d.customers.edges) expect(e.node.journey.stages.length).toBeGreaterThanOrEqual(3);
      return t.requestStatements() - before;
    };
    expect(await statements(5)).toBe(await statements(2));
  });
});
