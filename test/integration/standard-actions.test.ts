import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server.js';
import { createLogger } from '../../src/logger.js';
import { addUnit, createCustomer, createProject, seedOrg, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;
let pA: { id: string };

const DAY = 86_400_000;
const RULES = `query($active: Boolean) { standardActionRules(active: $active) { id code name trigger startAfter dueWithin repeatEvery channel stage sampleShare sampleCap active } }`;
const UPSERT = `mutation($input: UpsertStandardActionRuleInput!) { upsertStandardActionRule(input: $input) { rule { id code name trigger startAfter dueWithin active sampleShare sampleCap } } }`;
const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id signedAt } } }`;
const DELIVER = `mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id deliveredAt } } }`;
const MOVE_IN = `mutation($input: RecordMoveInInput!) { recordMoveIn(input: $input) { ownership { id movedInAt } } }`;
const PLANNED = `query($filter: PlannedTouchpointFilter, $first: Int) {
  plannedTouchpoints(filter: $filter, first: $first) {
    totalCount
    edges { node { id status triggerAt opensAt dueAt channel stage doneOnTime completedAt skipReason rule { code } customer { id } project { id } unit { id } touchpoint { id kind channel notes plannedTouchpoint { id } } closedBy { login } } }
  }
}`;
const COMPLETE = `mutation($input: CompletePlannedTouchpointInput!) { completePlannedTouchpoint(input: $input) { plannedTouchpoint { id status doneOnTime completedAt touchpoint { id kind stage channel occurredAt notes } } } }`;
const SKIP = `mutation($input: SkipPlannedTouchpointInput!) { skipPlannedTouchpoint(input: $input) { plannedTouchpoint { id status skipReason closedBy { login } } } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const asAdmin = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => must(await t.gql(query, variables, 'ADMIN'), query.slice(0, 50));

type Planned = { id: string; status: string; triggerAt: string; opensAt: string; dueAt: string; rule: { code: string }; [k: string]: any };
/** The planned actions of a customer, by rule code. */
async function plannedOf(customerId: string, auth = 'ADMIN'): Promise<Record<string, Planned>> {
  const d = must<any>(await t.gql(PLANNED, { filter: { customerIds: [customerId] }, first: 50 }, auth), 'plannedTouchpoints');
  return Object.fromEntries(d.plannedTouchpoints.edges.map((e: { node: Planned }) => [e.node.rule.code, e.node]));
}

/** A customer of `projectId` holding a new unit there. */
async function owner(projectId = pA.id, over: Record<string, unknown> = {}) {
  const customerId = await createCustomer(t, projectId, over);
  const o = await addUnit(t, customerId, projectId);
  return { customerId, ownershipId: o.id, unitId: o.unit.id };
}
const sign = (ownershipId: string, signedAt?: string) => asAdmin(SIGN, { input: { ownershipId, signedAt } });
const deliver = (ownershipId: string, deliveredAt?: string) => asAdmin(DELIVER, { input: { ownershipId, deliveredAt } });
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
  org = await seedOrg(t);
  pA = await createProject(t, org.szId);
});
afterAll(() => t?.close());

describe('standard action rules', () => {
  it('come with the 6+2 defaults in the seed’s wording, readable by every reading role', async () => {
    const rules = (await asAdmin(RULES)).standardActionRules as any[];
    expect(rules.map((r) => r.code)).toEqual(
      expect.arrayContaining([
        'SIGNING_CONGRATS_SMS',
        'SERVICE_SUPERVISION_SMS',
        'SIGNING_SATISFACTION_CALL',
        'CONSTRUCTION_BULLETIN',
        'DELIVERY_SATISFACTION_CALL',
        'MOVE_IN_CONGRATS_VISIT',
        'THREE_MONTH_REVISIT',
        'WARRANTY_EXPIRY_REMINDER',
        'ONE_YEAR_HOME_INSPECTION',
        'BIRTHDAY_GREETING',
      ]),
    );
    expect(rules.find((r) => r.code === 'SIGNING_CONGRATS_SMS')).toMatchObject({ name: '签约完成后一日内发送恭贺短信', trigger: 'SIGNED', startAfter: 'PT0S', dueWithin: 'P1D', channel: 'SMS', stage: 'SIGNING', active: true });
    expect(rules.find((r) => r.code === 'THREE_MONTH_REVISIT')).toMatchObject({ trigger: 'DELIVERED', startAfter: 'P3M', dueWithin: 'P6M', sampleShare: expect.closeTo(0.1, 6), sampleCap: 60 });
    expect(rules.find((r) => r.code === 'CONSTRUCTION_BULLETIN')).toMatchObject({ trigger: 'PERIODIC_AWAITING_DELIVERY', repeatEvery: 'P2M' });
    for (const role of ['MANAGER', 'AGENT', 'HANDLER', 'ANALYST'] as const) {
      expect(must<any>(await t.gql(RULES, {}, role), role).standardActionRules.length, role).toBe(rules.length);
    }
    expect(codeOf(await t.gql(RULES, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });

  it.each([
    ['a duration that is not ISO-8601', { dueWithin: '7 days' }, 'input.dueWithin'],
    ['a negative due offset', { dueWithin: '-P1D' }, 'input.dueWithin'],
    ['due before it opens', { startAfter: 'P3D', dueWithin: 'P1D' }, 'input.dueWithin'],
    ['a periodic rule without its period', { trigger: 'PERIODIC_AWAITING_DELIVERY' }, 'input.repeatEvery'],
    ['a period on another trigger', { repeatEvery: 'P1M' }, 'input.repeatEvery'],
    ['sampling a signing', { sampleShare: 0.5 }, 'input.sampleShare'],
    ['a share above 1', { trigger: 'DELIVERED', sampleShare: 1.5 }, 'input.sampleShare'],
    ['a code that is not a code', { code: 'my rule' }, 'input.code'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_what, over, field) => {
    const code = `R_${unique()}`;
    const r = await t.gql(UPSERT, { input: { code, name: '测试规则', trigger: 'SIGNED', dueWithin: 'P1D', channel: 'SMS', stage: 'SIGNING', ...over } }, 'ADMIN');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.field).toBe(field);
    expect((await asAdmin(RULES)).standardActionRules.some((x: any) => x.code === code)).toBe(false);
  });

  it('are configured by ADMIN only, and every change is audited', async () => {
    const code = `R_${unique()}`;
    const input = { code, name: '交房前提醒', trigger: 'DELIVERED', startAfter: '-P2D', dueWithin: 'P0D', channel: 'PHONE', stage: 'DELIVERY' };
    for (const role of ['MANAGER', 'AGENT', 'ANALYST'] as const) expect(codeOf(await t.gql(UPSERT, { input }, role)), role).toBe('FORBIDDEN');
    const created = (await asAdmin(UPSERT, { input })).upsertStandardActionRule.rule;
    expect(created).toMatchObject({ code, startAfter: '-P2D', dueWithin: 'P0D', active: true });
    const changed = (await asAdmin(UPSERT, { input: { ...input, name: '交房当日提醒', active: false } })).upsertStandardActionRule.rule;
    expect(changed).toMatchObject({ id: created.id, name: '交房当日提醒', active: false });
    const audit = await asAdmin(`query($ids: [String!]) { auditLog(filter: { subjectIds: $ids }) { edges { node { action changes } } } }`, { ids: [created.id] });
    const entries = audit.auditLog.edges.map((e: any) => e.node);
    expect(entries).toHaveLength(2);
    expect(entries.find((e: any) => e.changes.name?.to === '交房当日提醒')?.changes).toMatchObject({ name: { from: '交房前提醒', to: '交房当日提醒' }, active: { from: true, to: false } });
    expect(must<any>(await t.gql(`query($id: ID!) { node(id: $id) { ... on StandardActionRule { code } } }`, { id: created.id }, 'ANALYST'), 'node').node).toEqual({ code });
    await asAdmin(UPSERT, { input: { ...input, active: false } });
  });
});

describe('planning on milestones', () => {
  it('signing plans the congratulation SMS (1 day), the supervision SMS (7 days) and the month-end satisfaction call', async () => {
    const o = await owner();
    // 10:00 on 20 January 2026 in Shanghai.
    await sign(o.ownershipId, '2026-01-20T02:00:00.000Z');
    const p = await plannedOf(o.customerId);
    expect(p.SIGNING_CONGRATS_SMS).toMatchObject({ triggerAt: '2026-01-20T02:00:00.000Z', opensAt: '2026-01-20T02:00:00.000Z', dueAt: '2026-01-21T02:00:00.000Z', channel: 'SMS', stage: 'SIGNING' });
    expect(p.SERVICE_SUPERVISION_SMS).toMatchObject({ dueAt: '2026-01-27T02:00:00.000Z', channel: 'SMS' });
    // By the end of January in Shanghai: its last millisecond, 31 January 23:59:59.999 +08:00.
    expect(p.SIGNING_SATISFACTION_CALL).toMatchObject({ dueAt: '2026-01-31T15:59:59.999Z', channel: 'HOTLINE_400' });
    // The first construction bulletin (万科家书) is due two months after the signing; the scheduler plans the next ones.
    expect(p.CONSTRUCTION_BULLETIN).toMatchObject({ triggerAt: '2026-01-20T02:00:00.000Z', dueAt: '2026-03-20T02:00:00.000Z', channel: 'LETTER', stage: 'AWAITING_DELIVERY' });
    for (const x of Object.values(p)) expect(x).toMatchObject({ customer: { id: o.customerId }, project: { id: pA.id }, unit: { id: o.unitId }, status: 'OVERDUE' });
    expect(Object.keys(p).sort()).toEqual(['CONSTRUCTION_BULLETIN', 'SERVICE_SUPERVISION_SMS', 'SIGNING_CONGRATS_SMS', 'SIGNING_SATISFACTION_CALL']);
    expect(p.DELIVERY_SATISFACTION_CALL).toBeUndefined();
  });

  it('delivery plans the revisits, and move-in the one-year home inspection', async () => {
    const project = await createProject(t, org.szId);
    const o = await owner(project.id);
    const signedAt = Date.now() - 40 * DAY;
    const deliveredAt = Date.now() - 2 * DAY;
    await sign(o.ownershipId, iso(signedAt));
    await deliver(o.ownershipId, iso(deliveredAt));
    const p = await plannedOf(o.customerId);
    expect(p.DELIVERY_SATISFACTION_CALL).toMatchObject({ triggerAt: iso(deliveredAt), dueAt: iso(deliveredAt + 7 * DAY), status: 'PLANNED', stage: 'DELIVERY' });
    expect(p.MOVE_IN_CONGRATS_VISIT).toMatchObject({ dueAt: iso(deliveredAt + 30 * DAY), channel: 'VISIT' });
    // The project's first delivery is in the sample of the three-month revisit: it opens after 3 months, due within 6.
    const threeMonths = new Date(deliveredAt);
    expect(new Date(p.THREE_MONTH_REVISIT!.opensAt).getTime() - deliveredAt).toBeGreaterThan(88 * DAY);
    expect(new Date(p.THREE_MONTH_REVISIT!.dueAt).getTime() - deliveredAt).toBeGreaterThan(180 * DAY);
    expect(threeMonths.getTime()).toBe(deliveredAt);
    expect(p.ONE_YEAR_HOME_INSPECTION).toBeUndefined();

    const early = await t.gql(MOVE_IN, { input: { ownershipId: o.ownershipId, movedInAt: iso(deliveredAt - DAY) } }, 'ADMIN');
    expect(codeOf(early)).toBe('BAD_USER_INPUT');
    const movedInAt = Date.now() - DAY;
    expect((await asAdmin(MOVE_IN, { input: { ownershipId: o.ownershipId, movedInAt: iso(movedInAt) } })).recordMoveIn.ownership.movedInAt).toBe(iso(movedInAt));
    const after = await plannedOf(o.customerId);
    expect(after.ONE_YEAR_HOME_INSPECTION).toMatchObject({ triggerAt: iso(movedInAt), channel: 'ONSITE', stage: 'RESIDENCE', status: 'PLANNED' });
    const opens = new Date(after.ONE_YEAR_HOME_INSPECTION!.opensAt);
    const mv = new Date(movedInAt);
    expect([opens.getUTCFullYear(), opens.getUTCMonth()]).toEqual([mv.getUTCFullYear() + 1, mv.getUTCMonth()]);
    expect(codeOf(await t.gql(MOVE_IN, { input: { ownershipId: o.ownershipId } }, 'ADMIN'))).toBe('INVALID_TRANSITION');
    const undelivered = await owner(project.id);
    expect(codeOf(await t.gql(MOVE_IN, { input: { ownershipId: undelivered.ownershipId } }, 'ADMIN'))).toBe('INVALID_TRANSITION');
  });

  it('a sampled rule draws at least its share of a project’s deliveries, never above its cap, and the same after a restart', async () => {
    const project = await createProject(t, org.szId);
    const revisits = async () =>
      must<any>(await t.gql(`query($p: [ID!]) { plannedTouchpoints(filter: { projectIds: $p, ruleCodes: ["THREE_MONTH_REVISIT"] }) { totalCount } }`, { p: [project.id] }, 'ADMIN'), 'count')
        .plannedTouchpoints.totalCount as number;
    const deliverOne = async (through: (q: string, v: Record<string, unknown>) => Promise<GqlResult>) => {
      const o = await owner(project.id);
      must(await through(SIGN, { input: { ownershipId: o.ownershipId, signedAt: iso(Date.now() - 30 * DAY) } }), 'sign');
      must(await through(DELIVER, { input: { ownershipId: o.ownershipId } }), 'deliver');
    };
    const viaT = (q: string, v: Record<string, unknown>) => t.gql(q, v, 'ADMIN');
    for (let i = 0; i < 12; i++) await deliverOne(viaT);
    // 12 deliveries: at least 10% (2), the 1st and the 11th.
    expect(await revisits()).toBe(2);

    // Another instance on the same database (as after a restart) continues the same sample.
    const config = t.config;
    const other = await createApp({ config, database: t.database, logger: createLogger('silent') });
    const port = await other.listen(0, '127.0.0.1');
    const token = await t.token('ADMIN');
    const viaOther = async (q: string, v: Record<string, unknown>) => {
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: q, variables: v }) });
      return (await res.json()) as GqlResult;
    };
    try {
      for (let i = 0; i < 9; i++) await deliverOne(viaOther);
      // 21 deliveries: 3.
      expect(await revisits()).toBe(3);
    } finally {
      await other.close();
    }

    // A cap below the share: at most 4 per project, whatever the deliveries.
    const rules = (await asAdmin(RULES)).standardActionRules as any[];
    const revisit = rules.find((r) => r.code === 'THREE_MONTH_REVISIT');
    const capped = { ...revisit, sampleShare: 1, sampleCap: 4 };
    delete capped.id;
    delete capped.repeatEvery;
    await asAdmin(UPSERT, { input: capped });
    try {
      for (let i = 0; i < 3; i++) await deliverOne(viaT);
      expect(await revisits()).toBe(4);
    } finally {
      await asAdmin(UPSERT, { input: { ...capped, sampleShare: revisit.sampleShare, sampleCap: revisit.sampleCap } });
    }
  });

  it('an edited rule applies to later triggers only; a deactivated one plans nothing more and its open actions stay listed', async () => {
    const rules = (await asAdmin(RULES)).standardActionRules as any[];
    const congrats = rules.find((r) => r.code === 'SIGNING_CONGRATS_SMS');
    const input = { code: congrats.code, name: congrats.name, trigger: congrats.trigger, startAfter: congrats.startAfter, dueWithin: congrats.dueWithin, channel: congrats.channel, stage: congrats.stage };
    const before = await owner();
    await sign(before.ownershipId, '2026-03-02T02:00:00.000Z');
    try {
      await asAdmin(UPSERT, { input: { ...input, dueWithin: 'P2D', channel: 'WECHAT' } });
      const later = await owner();
      await sign(later.ownershipId, '2026-03-02T02:00:00.000Z');
      expect((await plannedOf(before.customerId)).SIGNING_CONGRATS_SMS).toMatchObject({ dueAt: '2026-03-03T02:00:00.000Z', channel: 'SMS' });
      expect((await plannedOf(later.customerId)).SIGNING_CONGRATS_SMS).toMatchObject({ dueAt: '2026-03-04T02:00:00.000Z', channel: 'WECHAT' });

      await asAdmin(UPSERT, { input: { ...input, active: false } });
      const inactive = await owner();
      await sign(inactive.ownershipId);
      const planned = await plannedOf(inactive.customerId);
      expect(planned.SIGNING_CONGRATS_SMS).toBeUndefined();
      expect(planned.SERVICE_SUPERVISION_SMS).toBeDefined();
      expect((await plannedOf(before.customerId)).SIGNING_CONGRATS_SMS).toMatchObject({ status: 'OVERDUE' });
    } finally {
      await asAdmin(UPSERT, { input });
    }
  });
});

describe('completing and skipping', () => {
  it('completing on time records the touchpoint, links it both ways and counts as on time; a second completion is INVALID_TRANSITION', async () => {
    const o = await owner();
    await sign(o.ownershipId);
    const planned = (await plannedOf(o.customerId)).SERVICE_SUPERVISION_SMS!;
    expect(planned.status).toBe('PLANNED');
    const agent = await t.token('AGENT', { sub: 'agent.sa1', scope: [pA.id] });
    const r = must<any>(
      await t.gql(COMPLETE, { input: { plannedTouchpointId: planned.id, channel: 'SMS', notes: '已发送服务监督短信，含客关投诉热线', evidence: [{ url: 'https://x.example/sms.png', kind: 'SCREENSHOT' }] } }, agent),
      'complete',
    ).completePlannedTouchpoint.plannedTouchpoint;
    expect(r).toMatchObject({ id: planned.id, status: 'DONE', doneOnTime: true, touchpoint: { kind: 'SERVICE_SUPERVISION_SMS', stage: 'SIGNING', channel: 'SMS' } });
    const listed = (await plannedOf(o.customerId)).SERVICE_SUPERVISION_SMS!;
    expect(listed).toMatchObject({ status: 'DONE', doneOnTime: true, closedBy: { login: 'agent.sa1' }, touchpoint: { id: r.touchpoint.id, plannedTouchpoint: { id: planned.id } } });
    const again = await t.gql(COMPLETE, { input: { plannedTouchpointId: planned.id, channel: 'SMS', notes: '再发一次' } }, agent);
    expect(codeOf(again)).toBe('INVALID_TRANSITION');
    const touchpoints = must<any>(await t.gql(`query($c: [ID!]) { touchpoints(filter: { customerIds: $c }) { totalCount } }`, { c: [o.customerId] }, 'ADMIN'), 'count');
    expect(touchpoints.touchpoints.totalCount).toBe(1);
  });

  it('an action past its due time is OVERDUE; completing it counts as late', async () => {
    const o = await owner();
    await sign(o.ownershipId, iso(Date.now() - 10 * DAY));
    const planned = (await plannedOf(o.customerId)).SIGNING_CONGRATS_SMS!;
    expect(planned.status).toBe('OVERDUE');
    const overdue = must<any>(await t.gql(PLANNED, { filter: { customerIds: [o.customerId], statuses: ['OVERDUE'] } }, 'ADMIN'), 'overdue');
    expect(overdue.plannedTouchpoints.edges.map((e: any) => e.node.rule.code)).toContain('SIGNING_CONGRATS_SMS');
    const done = must<any>(await t.gql(COMPLETE, { input: { plannedTouchpointId: planned.id, channel: 'PHONE', notes: '补发恭贺' } }, 'MANAGER'), 'complete').completePlannedTouchpoint.plannedTouchpoint;
    expect(done).toMatchObject({ status: 'DONE', doneOnTime: false, touchpoint: { channel: 'PHONE', kind: 'SIGNING_CONGRATS_SMS' } });
    // Backdated to before the due time, it counts as on time.
    const other = (await plannedOf(o.customerId)).SERVICE_SUPERVISION_SMS!;
    const onTime = must<any>(
      await t.gql(COMPLETE, { input: { plannedTouchpointId: other.id, channel: 'SMS', notes: '已发送', occurredAt: iso(Date.now() - 9 * DAY) } }, 'MANAGER'),
      'complete',
    ).completePlannedTouchpoint.plannedTouchpoint;
    expect(onTime.doneOnTime).toBe(true);
    const early = await t.gql(COMPLETE, { input: { plannedTouchpointId: (await plannedOf(o.customerId)).SIGNING_SATISFACTION_CALL!.id, channel: 'PHONE', notes: '太早', occurredAt: iso(Date.now() - 11 * DAY) } }, 'MANAGER');
    expect(codeOf(early)).toBe('BAD_USER_INPUT');
  });

  it('an action that has not opened yet cannot be completed', async () => {
    const project = await createProject(t, org.szId);
    const o = await owner(project.id);
    await sign(o.ownershipId, iso(Date.now() - 10 * DAY));
    await deliver(o.ownershipId);
    const revisit = (await plannedOf(o.customerId)).THREE_MONTH_REVISIT!;
    const r = await t.gql(COMPLETE, { input: { plannedTouchpointId: revisit.id, channel: 'VISIT', notes: '提前上门' } }, 'ADMIN');
    expect(codeOf(r)).toBe('INVALID_TRANSITION');
    expect((await plannedOf(o.customerId)).THREE_MONTH_REVISIT!.status).toBe('PLANNED');
  });

  it('skipping takes a reason, is for ADMIN and MANAGER, and is audited', async () => {
    const o = await owner();
    await sign(o.ownershipId);
    const planned = (await plannedOf(o.customerId)).SIGNING_CONGRATS_SMS!;
    expect(codeOf(await t.gql(SKIP, { input: { plannedTouchpointId: planned.id, reason: '客户要求不要发短信' } }, 'AGENT'))).toBe('FORBIDDEN');
    const noReason = await t.gql(SKIP, { input: { plannedTouchpointId: planned.id, reason: '  ' } }, 'MANAGER');
    expect(codeOf(noReason)).toBe('BAD_USER_INPUT');
    expect(noReason.errors![0]!.extensions!.field).toBe('input.reason');
    const manager = await t.token('MANAGER', { sub: 'mgr.sa1' });
    const skipped = must<any>(await t.gql(SKIP, { input: { plannedTouchpointId: planned.id, reason: '客户要求不要发短信' } }, manager), 'skip').skipPlannedTouchpoint.plannedTouchpoint;
    expect(skipped).toEqual({ id: planned.id, status: 'SKIPPED', skipReason: '客户要求不要发短信', closedBy: { login: 'mgr.sa1' } });
    expect(codeOf(await t.gql(SKIP, { input: { plannedTouchpointId: planned.id, reason: '再跳过一次' } }, 'ADMIN'))).toBe('INVALID_TRANSITION');
    expect(codeOf(await t.gql(COMPLETE, { input: { plannedTouchpointId: planned.id, channel: 'SMS', notes: '已发' } }, 'ADMIN'))).toBe('INVALID_TRANSITION');
    const audit = await asAdmin(`query($ids: [String!]) { auditLog(filter: { subjectIds: $ids }) { edges { node { action reason actor { id } } } } }`, { ids: [planned.id] });
    expect(audit.auditLog.edges.map((e: any) => e.node)).toEqual([{ action: 'skipPlannedTouchpoint', reason: '客户要求不要发短信', actor: { id: 'mgr.sa1' } }]);
  });
});

describe('plannedTouchpoints', () => {
  it('filters by rule, status, due time and whether the action is open', async () => {
    const project = await createProject(t, org.szId);
    const o = await owner(project.id);
    await sign(o.ownershipId, iso(Date.now() - 3 * DAY));
    await deliver(o.ownershipId);
    const codes = async (filter: Record<string, unknown>) =>
      must<any>(await t.gql(PLANNED, { filter: { customerIds: [o.customerId], ...filter }, first: 50 }, 'AGENT'), 'list').plannedTouchpoints.edges.map((e: any) => e.node.rule.code).sort();
    expect(await codes({ ruleCodes: ['SIGNING_CONGRATS_SMS', 'DELIVERY_SATISFACTION_CALL'] })).toEqual(['DELIVERY_SATISFACTION_CALL', 'SIGNING_CONGRATS_SMS']);
    // Signed 3 days ago: the 1-day SMS is overdue, the 7-day one is not (the month-end call depends on today's date).
    const overdue = await codes({ statuses: ['OVERDUE'] });
    expect(overdue).toContain('SIGNING_CONGRATS_SMS');
    expect(overdue).not.toContain('SERVICE_SUPERVISION_SMS');
    expect(await codes({ statuses: ['PLANNED'] })).toContain('SERVICE_SUPERVISION_SMS');
    expect(await codes({ statuses: ['PLANNED'], open: false })).toEqual(['THREE_MONTH_REVISIT']);
    expect(await codes({ dueFrom: iso(Date.now() + 20 * DAY), dueTo: iso(Date.now() + 40 * DAY) })).toEqual(['MOVE_IN_CONGRATS_VISIT']);
    const all = must<any>(await t.gql(PLANNED, { filter: { customerIds: [o.customerId] }, first: 50 }, 'AGENT'), 'list').plannedTouchpoints.edges.map((e: any) => e.node.dueAt);
    expect(all).toEqual([...all].sort());
  });

  it('hides the planned actions of CONFIDENTIAL customers from all but ADMIN and MANAGER, and those out of scope', async () => {
    const o = await owner(pA.id, { confidentiality: 'CONFIDENTIAL' });
    await sign(o.ownershipId);
    const count = async (auth: string) => must<any>(await t.gql(PLANNED, { filter: { customerIds: [o.customerId] } }, auth), 'list').plannedTouchpoints.totalCount;
    // Signing plans four: two SMS, the month-end call and the first construction bulletin.
    expect(await count('ADMIN')).toBe(4);
    expect(await count('MANAGER')).toBe(4);
    for (const role of ['AGENT', 'HANDLER', 'ANALYST'] as const) expect(await count(role), role).toBe(0);
    const elsewhere = await t.token('MANAGER', { scope: [(await createProject(t, org.shId)).id] });
    expect(await count(elsewhere)).toBe(0);
    const id = (await plannedOf(o.customerId)).SIGNING_CONGRATS_SMS!.id;
    expect(must<any>(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, 'AGENT'), 'node').node).toBeNull();
    expect(codeOf(await t.gql(COMPLETE, { input: { plannedTouchpointId: id, channel: 'SMS', notes: '发送' } }, 'AGENT'))).toBe('NOT_FOUND');
  });

  it('costs a constant number of statements per page, whatever its size', async () => {
    const project = await createProject(t, org.szId);
    for (let i = 0; i < 4; i++) {
      const o = await owner(project.id);
      await sign(o.ownershipId, iso(Date.now() - 20 * DAY));
      const p = (await plannedOf(o.customerId)).SERVICE_SUPERVISION_SMS!;
      await asAdmin(COMPLETE, { input: { plannedTouchpointId: p.id, channel: 'SMS', notes: '已发送' } });
    }
    const statements = async (first: number) => {
      await t.settle();
      const before = t.requestStatements();
      const d = must<any>(await t.gql(PLANNED, { filter: { projectIds: [project.id] }, first }, 'AGENT'), 'list');
      expect(d.plannedTouchpoints.edges).toHaveLength(first);
      return t.requestStatements() - before;
    };
    // Soonest due first: 4 open congratulation SMS, then 4 completed supervision SMS (with touchpoint and closer), then 4 calls.
    expect(await statements(12)).toBe(await statements(6));
  });
});
