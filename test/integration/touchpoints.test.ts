import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, createStaff, seedOrg, unique, uniquePhone } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;
let pA: { id: string };
let pB: { id: string };

const RECORD = `mutation($input: RecordTouchpointInput!) {
  recordTouchpoint(input: $input) {
    touchpoint { id kind stage channel outcome occurredAt notes customer { id } project { id } unit { id } staff { id login } recordedBy { login } evidence { url kind caption } }
  }
}`;
const LIST = `query($filter: TouchpointFilter, $first: Int, $after: String, $last: Int, $before: String, $orderBy: TouchpointOrder) {
  touchpoints(filter: $filter, first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { cursor node { id kind notes occurredAt } }
  }
}`;
const COUNT = `query($filter: TouchpointFilter) { touchpoints(filter: $filter) { totalCount } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A customer of project A with a phone and a unit there, as their touchpoints' subject. */
async function customerWithUnit(over: Record<string, unknown> = {}) {
  const phone = uniquePhone();
  const name = `李${unique()}`;
  const id = await createCustomer(t, pA.id, { phone, name, ...over });
  const ownership = await addUnit(t, id, pA.id);
  return { id, phone, name, unitId: ownership.unit.id };
}

const input = (customerId: string, over: Record<string, unknown> = {}) => ({
  customerId,
  projectId: pA.id,
  stage: 'SIGNING',
  channel: 'PHONE',
  kind: 'FOLLOW_UP_CALL',
  notes: '电话回访，客户对签约服务满意',
  ...over,
});

async function record(customerId: string, over: Record<string, unknown> = {}, auth: string = 'ADMIN') {
  return must<any>(await t.gql(RECORD, { input: input(customerId, over) }, auth), 'recordTouchpoint').recordTouchpoint.touchpoint;
}

beforeAll(async () => {
  t = await startTestApp({ env: { PERSONAL_LOOKUPS_PER_MINUTE: '100000' } });
  org = await seedOrg(t);
  pA = await createProject(t, org.szId);
  pB = await createProject(t, org.shId);
});
afterAll(() => t?.close());

describe('recordTouchpoint', () => {
  it('records a contact with its unit, outcome and evidence; the recorder is the staff member by default', async () => {
    const c = await customerWithUnit();
    const agent = await t.token('AGENT', { sub: 'agent.tp1', scope: [pA.id] });
    const r = await t.gql(
      RECORD,
      {
        input: input(c.id, {
          unitId: c.unitId,
          channel: 'SMS',
          kind: 'SIGNING_CONGRATS_SMS',
          outcome: 'REACHED',
          occurredAt: '2026-01-05T02:00:00.000Z',
          evidence: [
            { url: 'https://files.example.com/sms/1.png', kind: 'SCREENSHOT', caption: '短信截屏' },
            { url: 'http://files.example.com/letter.pdf', kind: 'DOCUMENT' },
          ],
        }),
      },
      agent,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.recordTouchpoint.touchpoint).toMatchObject({
      kind: 'SIGNING_CONGRATS_SMS',
      stage: 'SIGNING',
      channel: 'SMS',
      outcome: 'REACHED',
      occurredAt: '2026-01-05T02:00:00.000Z',
      customer: { id: c.id },
      project: { id: pA.id },
      unit: { id: c.unitId },
      staff: { login: 'agent.tp1' },
      recordedBy: { login: 'agent.tp1' },
      evidence: [
        { url: 'https://files.example.com/sms/1.png', kind: 'SCREENSHOT', caption: '短信截屏' },
        { url: 'http://files.example.com/letter.pdf', kind: 'DOCUMENT', caption: null },
      ],
    });
  });

  it('names another staff member who made the contact; an unknown one is NOT_FOUND', async () => {
    const c = await customerWithUnit();
    const member = await createStaff(t, { role: 'AGENT', department: null });
    const tp = await record(c.id, { staffId: member.id });
    expect(tp.staff).toEqual({ id: member.id, login: member.login });
    expect(tp.recordedBy.login).toBe('test-admin');
    const unknown = Buffer.from('Staff:nobody.here').toString('base64url');
    const r = await t.gql(RECORD, { input: input(c.id, { staffId: unknown }) }, 'ADMIN');
    expect(codeOf(r)).toBe('NOT_FOUND');
  });

  it.each([
    ['an evidence URL that is not http(s)', { evidence: [{ url: 'javascript:alert(1)', kind: 'PHOTO' }] }, 'input.evidence.0.url'],
    ['too much evidence', { evidence: Array.from({ length: 21 }, (_, i) => ({ url: `https://x.example/${i}.jpg`, kind: 'PHOTO' })) }, 'input.evidence'],
    ['a caption over 200 characters', { evidence: [{ url: 'https://x.example/1.jpg', kind: 'PHOTO', caption: '字'.repeat(201) }] }, 'input.evidence.0.caption'],
    ['a kind that is not a code', { kind: 'follow up' }, 'input.kind'],
    ['empty notes', { notes: '   ' }, 'input.notes'],
    ['notes over 4000 characters', { notes: '字'.repeat(4001) }, 'input.notes'],
    ['a time in the future', { occurredAt: new Date(Date.now() + 86_400_000).toISOString() }, 'input.occurredAt'],
  ])('refuses %s with BAD_USER_INPUT naming the field, and records nothing', async (_what, over, field) => {
    const c = await customerWithUnit();
    const r = await t.gql(RECORD, { input: input(c.id, over) }, 'ADMIN');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.field).toBe(field);
    expect(must<any>(await t.gql(COUNT, { filter: { customerIds: [c.id] } }, 'ADMIN'), 'count').touchpoints.totalCount).toBe(0);
  });

  it('requires the customer to be linked to the project and to hold the unit there', async () => {
    const c = await customerWithUnit();
    const notLinked = await t.gql(RECORD, { input: input(c.id, { projectId: pB.id }) }, 'ADMIN');
    expect(codeOf(notLinked)).toBe('BAD_USER_INPUT');
    expect(notLinked.errors![0]!.extensions!.field).toBe('input.projectId');
    const other = await customerWithUnit();
    const notHeld = await t.gql(RECORD, { input: input(c.id, { unitId: other.unitId }) }, 'ADMIN');
    expect(codeOf(notHeld)).toBe('BAD_USER_INPUT');
    expect(notHeld.errors![0]!.extensions!.field).toBe('input.unitId');
    expect(must<any>(await t.gql(COUNT, { filter: { customerIds: [c.id] } }, 'ADMIN'), 'count').touchpoints.totalCount).toBe(0);
  });

  it('is for the desk: ANALYST and HANDLER are FORBIDDEN; a customer out of scope is NOT_FOUND', async () => {
    const c = await customerWithUnit();
    expect(codeOf(await t.gql(RECORD, { input: input(c.id) }, 'ANALYST'))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(RECORD, { input: input(c.id) }, 'HANDLER'))).toBe('FORBIDDEN');
    const elsewhere = await t.token('AGENT', { scope: [pB.id] });
    expect(codeOf(await t.gql(RECORD, { input: input(c.id) }, elsewhere))).toBe('NOT_FOUND');
    expect(must<any>(await t.gql(COUNT, { filter: { customerIds: [c.id] } }, 'ADMIN'), 'count').touchpoints.totalCount).toBe(0);
  });

  it('is audited without the notes’ contact data', async () => {
    const c = await customerWithUnit();
    const tp = await record(c.id, { notes: `客户留了新号码 ${c.phone}` });
    const audit = await t.gql(`query($ids: [String!]) { auditLog(filter: { subjectIds: $ids }) { edges { node { action changes } } } }`, { ids: [tp.id] }, 'ADMIN');
    const [entry] = must<any>(audit, 'auditLog').auditLog.edges;
    expect(entry.node.action).toBe('recordTouchpoint');
    expect(entry.node.changes).toMatchObject({ customerId: c.id, kind: 'FOLLOW_UP_CALL', channel: 'PHONE', evidence: 0 });
    expect(JSON.stringify(entry.node.changes)).not.toContain(c.phone);
  });

  it('with an idempotency key, a retry returns the first touchpoint and records nothing; another input under the key is CONFLICT', async () => {
    const c = await customerWithUnit();
    const key = `tp-${unique()}`;
    const first = await record(c.id, { idempotencyKey: key });
    const again = await record(c.id, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    const changed = await t.gql(RECORD, { input: input(c.id, { idempotencyKey: key, notes: '另一次联系' }) }, 'ADMIN');
    expect(codeOf(changed)).toBe('CONFLICT');
    expect(must<any>(await t.gql(COUNT, { filter: { customerIds: [c.id] } }, 'ADMIN'), 'count').touchpoints.totalCount).toBe(1);
  });
});

describe('masking of notes', () => {
  it('ADMIN reads the notes as written; every other role with the quoted contact data and the customer’s name masked', async () => {
    const c = await customerWithUnit();
    const notes = `${c.name}来电，新号码 ${c.phone}，邮箱 li.si@example.com`;
    const tp = await record(c.id, { notes, evidence: [{ url: 'https://x.example/1.jpg', kind: 'PHOTO', caption: `致电 ${c.phone}` }] });
    const masked = `${c.name[0]}${'*'.repeat([...c.name].length - 1)}来电，新号码 ${c.phone.slice(0, 3)}****${c.phone.slice(-4)}，邮箱 l***@example.com`;
    const READ = `query($id: ID!) { node(id: $id) { ... on Touchpoint { notes evidence { caption } } } }`;
    expect(must<any>(await t.gql(READ, { id: tp.id }, 'ADMIN'), 'node').node).toEqual({ notes, evidence: [{ caption: `致电 ${c.phone}` }] });
    for (const role of ['MANAGER', 'AGENT', 'HANDLER', 'ANALYST'] as const) {
      const d = must<any>(await t.gql(READ, { id: tp.id }, role), `node as ${role}`);
      expect(d.node, role).toEqual({ notes: masked, evidence: [{ caption: `致电 ${c.phone.slice(0, 3)}****${c.phone.slice(-4)}` }] });
    }
  });

  it('a masked viewer’s search matches what it reads, so hidden digits cannot be probed', async () => {
    const c = await customerWithUnit();
    const tp = await record(c.id, { notes: `客户新号码 ${c.phone} 已登记` });
    const hits = async (search: string, role: 'ADMIN' | 'AGENT' | 'ANALYST') =>
      must<any>(await t.gql(LIST, { filter: { customerIds: [c.id], search } }, role), 'search').touchpoints.edges.map((e: any) => e.node.id);
    expect(await hits(c.phone, 'ADMIN')).toEqual([tp.id]);
    expect(await hits(c.phone.slice(3, 7), 'ADMIN')).toEqual([tp.id]);
    expect(await hits(c.phone, 'AGENT')).toEqual([]);
    expect(await hits(c.phone.slice(3, 7), 'ANALYST')).toEqual([]);
    expect(await hits('已登记', 'AGENT')).toEqual([tp.id]);
    expect(await hits(`****${c.phone.slice(-4)}`, 'AGENT')).toEqual([tp.id]);
  });
});

describe('touchpoints', () => {
  it('filters by customer, stage, channel, kind, outcome, staff and time, all conditions together', async () => {
    const c = await customerWithUnit();
    const member = await createStaff(t, { role: 'AGENT', department: null });
    const a = await record(c.id, { stage: 'SIGNING', channel: 'SMS', kind: 'CONGRATS_SMS', outcome: 'REACHED', occurredAt: '2026-02-01T00:00:00Z' });
    const b = await record(c.id, { stage: 'DELIVERY', channel: 'VISIT', kind: 'HOME_VISIT', outcome: 'FOLLOW_UP', staffId: member.id, occurredAt: '2026-03-01T00:00:00Z' });
    const d = await record(c.id, { stage: 'DELIVERY', channel: 'PHONE', kind: 'HOME_VISIT', occurredAt: '2026-04-01T00:00:00Z' });
    const ids = async (filter: Record<string, unknown>) =>
      must<any>(await t.gql(LIST, { filter: { customerIds: [c.id], ...filter } }, 'ADMIN'), 'list').touchpoints.edges.map((e: any) => e.node.id);
    expect(await ids({})).toEqual([d.id, b.id, a.id]);
    expect(await ids({ stages: ['DELIVERY'] })).toEqual([d.id, b.id]);
    expect(await ids({ channels: ['SMS', 'VISIT'] })).toEqual([b.id, a.id]);
    expect(await ids({ kinds: ['HOME_VISIT'] })).toEqual([d.id, b.id]);
    expect(await ids({ outcomes: ['FOLLOW_UP'] })).toEqual([b.id]);
    expect(await ids({ staffIds: [member.id] })).toEqual([b.id]);
    expect(await ids({ staffIds: [member.login] })).toEqual([b.id]);
    expect(await ids({ occurredFrom: '2026-02-15T00:00:00Z', occurredTo: '2026-04-01T00:00:00Z' })).toEqual([b.id]);
    expect(await ids({ kinds: ['HOME_VISIT'], channels: ['PHONE'] })).toEqual([d.id]);
    expect(await ids({ projectIds: [pB.id] })).toEqual([]);
    const bad = await t.gql(LIST, { filter: { kinds: ['not a kind'] } }, 'ADMIN');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('filter.kinds.0');
  });

  it('pages forwards and backwards in either order without gaps or repeats', async () => {
    const c = await customerWithUnit();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await record(c.id, { occurredAt: `2026-05-0${i + 1}T08:00:00Z` })).id);
    const page = async (vars: Record<string, unknown>) => must<any>(await t.gql(LIST, { filter: { customerIds: [c.id] }, ...vars }, 'AGENT'), 'page').touchpoints;
    const asc = { field: 'OCCURRED_AT', direction: 'ASC' };
    const p1 = await page({ first: 2, orderBy: asc });
    expect(p1.totalCount).toBe(5);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await page({ first: 2, after: p1.pageInfo.endCursor, orderBy: asc });
    const p3 = await page({ first: 2, after: p2.pageInfo.endCursor, orderBy: asc });
    expect(p3.pageInfo.hasNextPage).toBe(false);
    expect([...p1.edges, ...p2.edges, ...p3.edges].map((e: any) => e.node.id)).toEqual(made);
    const back = await page({ last: 2, before: p3.pageInfo.startCursor, orderBy: asc });
    expect(back.edges.map((e: any) => e.node.id)).toEqual(made.slice(2, 4));
    const desc = await page({ first: 5 });
    expect(desc.edges.map((e: any) => e.node.id)).toEqual([...made].reverse());
    const wrongOrder = await t.gql(LIST, { first: 2, after: p1.pageInfo.endCursor, orderBy: { field: 'CREATED_AT' } }, 'AGENT');
    expect(codeOf(wrongOrder)).toBe('BAD_USER_INPUT');
  });

  it('hides touchpoints of CONFIDENTIAL customers from all but ADMIN and MANAGER, and those of projects out of scope', async () => {
    const c = await customerWithUnit({ confidentiality: 'CONFIDENTIAL' });
    const tp = await record(c.id);
    const ids = async (auth: string) => must<any>(await t.gql(LIST, { filter: { customerIds: [c.id] } }, auth), 'list').touchpoints.edges.map((e: any) => e.node.id);
    const node = async (auth: string) => must<any>(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: tp.id }, auth), 'node').node;
    expect(await ids('ADMIN')).toEqual([tp.id]);
    expect(await ids('MANAGER')).toEqual([tp.id]);
    for (const role of ['AGENT', 'HANDLER', 'ANALYST'] as const) {
      expect(await ids(role), role).toEqual([]);
      expect(await node(role), role).toBeNull();
    }
    const normal = await customerWithUnit();
    const visible = await record(normal.id);
    const elsewhere = await t.token('MANAGER', { scope: [pB.id] });
    expect(await ids(elsewhere)).toEqual([]);
    expect(await node(elsewhere)).toBeNull();
    expect(must<any>(await t.gql(LIST, { filter: { customerIds: [normal.id] } }, elsewhere), 'list').touchpoints.totalCount).toBe(0);
    expect(await node(await t.token('MANAGER', { scope: [pA.id] }))).toEqual({ id: tp.id });
    expect(await node(await t.token('AGENT', { scope: [pA.id] }))).toBeNull();
    const inScopeAgent = await t.token('AGENT', { scope: [pA.id] });
    expect(must<any>(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: visible.id }, inScopeAgent), 'node').node).toEqual({ id: visible.id });
  });
});

describe('Customer.touchpoints and Project.touchpoints', () => {
  it('lists each customer’s touchpoints, with a constant number of statements for a page of customers', async () => {
    const project = await createProject(t, org.szId);
    const made = new Map<string, string[]>();
    for (let i = 0; i < 6; i++) {
      const id = await createCustomer(t, project.id, { name: `赵${unique()}` });
      const tps: string[] = [];
      for (let j = 0; j < i % 3; j++) tps.push((await record(id, { projectId: project.id, occurredAt: `2026-06-0${j + 1}T00:00:00Z` })).id);
      made.set(id, tps.reverse());
    }
    const Q = `query($p: [ID!], $first: Int) { customers(filter: { projectIds: $p }, first: $first, orderBy: { field: CREATED_AT }) {
      edges { node { id touchpoints(first: 5) { totalCount edges { node { id project { id } } } } } } } }`;
    const statements = async (first: number) => {
      await t.settle();
      const before = t.requestStatements();
      const d = must<any>(await t.gql(Q, { p: [project.id], first }, 'AGENT'), 'customers');
      const used = t.requestStatements() - before;
      for (const e of d.customers.edges) {
        expect(e.node.touchpoints.edges.map((x: any) => x.node.id)).toEqual(made.get(e.node.id));
        expect(e.node.touchpoints.totalCount).toBe(made.get(e.node.id)!.length);
      }
      return used;
    };
    const two = await statements(2);
    const six = await statements(6);
    expect(six).toBe(two);
    const P = `query($id: ID!) { project(id: $id) { touchpoints(first: 50) { totalCount } } }`;
    expect(must<any>(await t.gql(P, { id: project.id }, 'ADMIN'), 'project').project.touchpoints.totalCount).toBe(6);
  });
});
