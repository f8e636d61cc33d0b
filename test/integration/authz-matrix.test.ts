/**
 * Authorization matrix (issue 6 §8): every root Query field and every Mutation, read from the
 * executable schema, × every role (and anonymous) × in scope / out of scope (and, for
 * complaint-bound fields, a HANDLER of another department).
 *
 * QUERY_RULES and MUTATION_RULES below are the intended policy, written from the README's "Access
 * rules" table and SPEC §1/§4, not from the code. A root field without an entry fails the first
 * test, naming it. Cells showing a hole assert the policy and are marked it.fails (see HOLES).
 *
 * Tokens: "in scope" is scoped to region A (its city company fully, project A and everything
 * in it); "out of scope" is scoped to project B (another region) and acts on A's objects;
 * "other department" is a HANDLER of LEGAL, in scope, acting on ENGINEERING complaints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Department, Role } from '../../src/domain/enums.js';
import { getSchema } from '../../src/schema.js';
import { addUnit, createCustomer, createProject, createStaff, unique, uniquePhone, type StaffMember } from '../helpers/factories.js';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

// ---------------------------------------------------------------------------------------------
// Policy: who may call what (README "Access rules", SPEC §1)
// ---------------------------------------------------------------------------------------------

const ROLES = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST', 'SUBSCRIBER'] as const satisfies readonly Role[];
/** Every authenticated caller (the viewer's own identity). */
const ANYONE: readonly Role[] = ROLES;
/** Reads: every role but SUBSCRIBER ("– (subscriptions only)"). */
const READERS: readonly Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST'];
/** Audit log, SLA policies, business calendar, regions and city companies: ADMIN writes (README table). */
const ADMIN_ONLY: readonly Role[] = ['ADMIN'];
/** Projects (MANAGER: under city companies in scope) and staff (MANAGER: not ADMINs, city companies fully in scope). */
const MANAGERS: readonly Role[] = ['ADMIN', 'MANAGER'];
/** Customers, units, signings, deliveries (AGENT row; MANAGER writes customers). */
const CUSTOMER_EDITORS: readonly Role[] = ['ADMIN', 'MANAGER', 'AGENT'];
/** The complaint desk: receive, dispatch, reject, return visit, close, reopen (AGENT row; MANAGER read/write in scope). */
const DESK: readonly Role[] = ['ADMIN', 'MANAGER', 'AGENT'];
/**
 * Working a complaint: start, resolve, notes, pause (HANDLER row, its department only), and with
 * them resume, escalation to MAJOR and its report, acknowledging alerts. The desk may do the same.
 */
const WORKERS: readonly Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER'];
/** Unmasked contact data on request, audited (MANAGER row: "may revealCustomerContact"). */
const REVEALERS: readonly Role[] = ['ADMIN', 'MANAGER'];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

type Org = { id: string; code: string; name: string };
type Fixtures = {
  regionA: Org;
  regionB: Org;
  companyA: Org;
  companyB: Org;
  projectA: { id: string; code: string };
  projectB: { id: string; code: string };
  customerA: { id: string; phone: string };
  unitA: string;
  ownershipA: string;
  /** A customer with a unit in project A on whom the complaint mutations get fresh complaints. */
  worker: { id: string; unitId: string };
  /** ENGINEERING handler of city company A. */
  staffA: StaffMember;
  policy: { id: string; name: string };
  /** Received 20 days ago, accepted to ENGINEERING, with fired alerts. */
  complaintA: { id: string; number: string };
  alertA: string;
  /** The audit entry of customer A's creation. */
  auditA: string;
  /** A touchpoint of customer A in project A. */
  touchpointA: string;
  /** A planned action of customer A in project A (the congratulation SMS of ownership A's signing). */
  plannedA: string;
  /** A standard action rule (group-wide configuration). */
  ruleA: { id: string; code: string };
  /** A 6+2 inspection of project A with one ENGINEERING finding. */
  inspectionA: string;
  findingA: string;
  /** A survey response of customer A in project A. */
  responseA: string;
  /** Unacknowledged alerts of ENGINEERING complaints in project A: one per acknowledgeSlaAlert call that may acknowledge, one shared by the others. */
  alertPool: string[];
  /** Every fixture of project A's side: none may appear in an out-of-scope answer. */
  aIds: string[];
};

let t: TestApp;
let fx: Fixtures;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
/** Runs an operation as a whole-group ADMIN (fixtures, state snapshots). */
const asAdmin = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => must(await t.gql(query, variables, 'ADMIN'), query.slice(0, 60));

const CREATE_REGION = `mutation($input: CreateRegionInput!) { createRegion(input: $input) { region { id code name } } }`;
const CREATE_COMPANY = `mutation($input: CreateCityCompanyInput!) { createCityCompany(input: $input) { cityCompany { id code name } } }`;
const CREATE_COMPLAINT = `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id number status } } }`;
const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id signedAt } } }`;
const ALERT_IDS = `query($f: SlaAlertFilter) { slaAlerts(filter: $f, first: 200) { edges { node { id acknowledgedAt } } } }`;
const SUBMIT_SURVEY = `mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { response { id project { id } } } }`;
const RECORD_INSPECTION = `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { inspection { id findings { id } } } }`;
const inspectionInput = (projectId: string) => ({ projectId, kind: 'VISIBLE', findings: [{ ruleCode: 'SIGNING_CONGRATS_SMS', deficiency: '恭贺短信缺截屏存档', department: 'ENGINEERING' }] });
const upper = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const complaintStep = (name: string, input: Record<string, unknown>) =>
  asAdmin(`mutation($input: ${upper(name)}Input!) { ${name}(input: $input) { complaint { id status } } }`, { input });

const fresh = {
  region: async (): Promise<Org> => (await asAdmin(CREATE_REGION, { input: { code: `AZR-${unique()}`, name: '临时区域' } })).createRegion.region,
  company: async (): Promise<Org> =>
    (await asAdmin(CREATE_COMPANY, { input: { code: `AZC-${unique()}`, name: '临时公司', city: '临时', regionId: fx.regionA.id } })).createCityCompany.cityCompany,
  project: () => createProject(t, fx.companyA.id, { code: `AZP-${unique()}` }),
  staff: () => createStaff(t, { role: 'AGENT', department: null, cityCompanyId: fx.companyA.id }),
  customer: async () => {
    const phone = uniquePhone();
    return { id: await createCustomer(t, fx.projectA.id, { phone }), phone };
  },
  ownership: async (signed: boolean) => {
    const o = await addUnit(t, await createCustomer(t, fx.projectA.id), fx.projectA.id);
    if (signed) await asAdmin(SIGN, { input: { ownershipId: o.id } });
    return o.id;
  },
  /** A complaint of the worker customer in project A, brought to `stage` by an ADMIN; accepted ones are ENGINEERING's. */
  complaint: async (stage: 'RECEIVED' | 'ACCEPTED' | 'PAUSED' | 'RESOLVED' | 'RETURN_VISITED' | 'MAJOR'): Promise<string> => {
    const major = stage === 'MAJOR' ? { severity: 'MAJOR', majorReason: 'GROUP_COMPLAINT' } : {};
    const input = { customerId: fx.worker.id, projectId: fx.projectA.id, unitId: fx.worker.unitId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: '卫生间渗水', ...major };
    const id: string = (await asAdmin(CREATE_COMPLAINT, { input })).createComplaint.complaint.id;
    if (stage === 'RECEIVED') return id;
    await complaintStep('acceptComplaint', { complaintId: id, department: 'ENGINEERING' });
    if (stage === 'PAUSED') await complaintStep('pauseComplaintSla', { complaintId: id, note: '等待业主回复' });
    if (stage === 'RESOLVED' || stage === 'RETURN_VISITED') await complaintStep('resolveComplaint', { complaintId: id, resolution: '已修复' });
    if (stage === 'RETURN_VISITED') await complaintStep('recordReturnVisit', { complaintId: id, satisfaction: 5 });
    return id;
  },
  /** A planned congratulation SMS of a fresh signed ownership in project A. */
  planned: async (): Promise<string> => {
    const customerId = await createCustomer(t, fx.projectA.id);
    const o = await addUnit(t, customerId, fx.projectA.id);
    await asAdmin(SIGN, { input: { ownershipId: o.id } });
    const d = await asAdmin(`query($c: [ID!]) { plannedTouchpoints(filter: { customerIds: $c, ruleCodes: ["SIGNING_CONGRATS_SMS"] }) { edges { node { id } } } }`, { c: [customerId] });
    return d.plannedTouchpoints.edges[0].node.id;
  },
  alert: (): string => {
    const id = fx.alertPool.pop();
    if (!id) throw new Error('the alert pool is exhausted: create more backdated complaints in beforeAll');
    return id;
  },
};

/**
 * What a mutation may change, read as ADMIN: a selection (with its variable declarations) that the
 * runner reads after a refused call together with the audit entries written under the cell's own
 * token subject. `initial` is its known value before (e.g. no object with a fresh code yet); without
 * it the value is read once per prepared object.
 */
type State = { decl?: string; body: string; variables?: Record<string, unknown>; pick?: (data: any) => unknown; initial?: unknown };
const nodeState = (id: string, fragment: string): State => ({ decl: '$sid: ID!', body: `node(id: $sid) { ${fragment} }`, variables: { sid: id } });
const countState = (list: string, filter: string, type: string, value: unknown): State => ({
  decl: `$s: ${type}`,
  body: `${list}(filter: { ${filter}: $s }) { totalCount }`,
  variables: { s: value },
  initial: { [list]: { totalCount: 0 } },
});
const complaintState = (id: string): State => ({
  decl: '$sid: ID!',
  body: `complaint(id: $sid) { status severity slaPaused department handler { login } returnVisitScore escalationReportedAt reopenCount rejectReason timeline { type } }`,
  variables: { sid: id },
});
/** The state, and how many audit entries `actor` wrote (every write is audited, in its transaction). */
async function readState(s: State, actor: string): Promise<{ state: unknown; written: number }> {
  const decl = [s.decl, '$actor: [String!]'].filter(Boolean).join(', ');
  const d = await asAdmin(`query(${decl}) { ${s.body} writtenBy: auditLog(filter: { actorIds: $actor }) { totalCount } }`, { ...s.variables, actor: [actor] });
  const { writtenBy, ...state } = d;
  return { state: s.pick ? s.pick(state) : state, written: writtenBy.totalCount };
}

let calendarYear = 2040;

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off', PERSONAL_LOOKUPS_PER_MINUTE: '100000' } });
  const n = unique();
  const region = async (code: string) => (await asAdmin(CREATE_REGION, { input: { code, name: `区域${code}` } })).createRegion.region as Org;
  const company = async (code: string, regionId: string) =>
    (await asAdmin(CREATE_COMPANY, { input: { code, name: `公司${code}`, city: `城${code}`, regionId } })).createCityCompany.cityCompany as Org;
  const [regionA, regionB] = await Promise.all([region(`AZRA-${n}`), region(`AZRB-${n}`)]);
  const [companyA, companyB] = await Promise.all([company(`AZCA-${n}`, regionA.id), company(`AZCB-${n}`, regionB.id)]);
  const [projectA, projectB] = await Promise.all([createProject(t, companyA.id, { code: `AZPA-${n}` }), createProject(t, companyB.id, { code: `AZPB-${n}` })]);
  const phone = uniquePhone();
  // Customer A first: the oldest customer of project A (the customers list is read oldest first).
  const customerA = await createCustomer(t, projectA.id, { name: '欧阳娜娜', phone });
  const [ownershipA, [workerId, workerUnit], staffA, policy] = await Promise.all([
    addUnit(t, customerA, projectA.id),
    createCustomer(t, projectA.id).then(async (id) => [id, await addUnit(t, id, projectA.id)] as const),
    createStaff(t, { login: `azh.${n}`, name: '王工', role: 'HANDLER', department: 'ENGINEERING', cityCompanyId: companyA.id }),
    asAdmin(`mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id name } } }`, {
      input: { name: `authz-matrix-${n}`, active: false, match: { kinds: ['SUGGESTION'] }, clocks: [{ clock: 'RESOLUTION', target: 'P7D' }] },
    }).then((d) => d.upsertSlaPolicy.policy as { id: string; name: string }),
  ]);

  // Complaints received 20 days ago and accepted now: their ACCEPTANCE and RESOLUTION clocks are
  // past due, so the scheduler fires alerts for them (late) on its next tick.
  const receivedAt = new Date(Date.now() - 20 * 86_400_000).toISOString();
  const backdated = async () => {
    const input = { customerId: customerA, projectId: projectA.id, unitId: ownershipA.unit.id, kind: 'COMPLAINT', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: '外墙渗水', receivedAt };
    const c = (await asAdmin(CREATE_COMPLAINT, { input })).createComplaint.complaint as { id: string; number: string };
    await complaintStep('acceptComplaint', { complaintId: c.id, department: 'ENGINEERING', handlerId: staffA.id });
    return c;
  };
  // One for reading, three for the pool (each fires at least two alerts: ACCEPTANCE and RESOLUTION).
  const [complaintA, ...pool] = await Promise.all([backdated(), backdated(), backdated(), backdated()]);
  for (let i = 0; i < 20 && (await t.app.scheduler.tick()) > 0; i++);
  const alertsOf = async (ids: string[]) =>
    ((await asAdmin(ALERT_IDS, { f: { complaintIds: ids, acknowledged: false } })).slaAlerts.edges as { node: { id: string } }[]).map((e) => e.node.id);
  const [alertA] = await alertsOf([complaintA.id]);
  const alertPool = await alertsOf(pool.map((c) => c.id));
  if (!alertA || alertPool.length < 6) throw new Error(`too few alerts fired: ${alertA ? 1 : 0} for complaint A, ${alertPool.length} in the pool`);
  const audit = await asAdmin(`query($ids: [String!]) { auditLog(filter: { subjectIds: $ids, actions: ["createCustomer"] }) { edges { node { id } } } }`, { ids: [customerA] });
  const auditA: string = audit.auditLog.edges[0].node.id;
  const touchpointA: string = (
    await asAdmin(`mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`, {
      input: { customerId: customerA, projectId: projectA.id, stage: 'SIGNING', channel: 'SMS', kind: 'SIGNING_CONGRATS_SMS', notes: '恭贺签约短信已发送' },
    })
  ).recordTouchpoint.touchpoint.id;
  await asAdmin(SIGN, { input: { ownershipId: ownershipA.id } });
  const planned = await asAdmin(`query($c: [ID!]) { plannedTouchpoints(filter: { customerIds: $c, ruleCodes: ["SIGNING_CONGRATS_SMS"] }) { edges { node { id rule { id code } } } } }`, {
    c: [customerA],
  });
  const plannedA: string = planned.plannedTouchpoints.edges[0].node.id;
  const inspection = (await asAdmin(RECORD_INSPECTION, { input: inspectionInput(projectA.id) })).recordInspection.inspection;
  const inspectionA: string = inspection.id;
  const findingA: string = inspection.findings[0].id;
  const ruleA: { id: string; code: string } = planned.plannedTouchpoints.edges[0].node.rule;
  const responseA: string = (
    await asAdmin(SUBMIT_SURVEY, { input: { templateCode: 'SIGNING', customerId: customerA, projectId: projectA.id, answers: [{ questionCode: 'OVERALL', score: 4 }, { questionCode: 'SALES', score: 5 }] } })
  ).submitSurveyResponse.response.id;

  fx = {
    regionA,
    regionB,
    companyA,
    companyB,
    projectA,
    projectB,
    customerA: { id: customerA, phone },
    unitA: ownershipA.unit.id,
    ownershipA: ownershipA.id,
    worker: { id: workerId, unitId: workerUnit.unit.id },
    staffA,
    policy,
    complaintA,
    alertA,
    auditA,
    touchpointA,
    plannedA,
    ruleA,
    inspectionA,
    findingA,
    responseA,
    alertPool,
    aIds: [regionA.id, companyA.id, projectA.id, customerA, ownershipA.unit.id, ownershipA.id, staffA.id, complaintA.id, alertA, auditA, touchpointA, plannedA, inspectionA, findingA, responseA],
  };
});
afterAll(() => t?.close());

// ---------------------------------------------------------------------------------------------
// The rule table
// ---------------------------------------------------------------------------------------------

type Where = 'in' | 'out' | 'dept';
type Kit = { role: Role | null; where: Where; sub: string };
/** One operation of a cell: the document, its variables, the A-side objects it acts on, extra scope for the in-scope token, a state snapshot. */
type Op = { query: string; variables?: Record<string, unknown>; ids?: string[]; scope?: string[]; state?: State };
type Rule<T = any> = {
  /** Roles that may call it (others: FORBIDDEN). */
  allowed: readonly Role[];
  /** Project-bound objects: a token scoped elsewhere does not find them. False for group-wide configuration. */
  scoped: boolean;
  /** Complaint-bound: a HANDLER sees and works only its department's complaints. */
  department?: boolean;
  /** How an object out of scope (or of another department) shows to an allowed role. */
  hidden?: 'NOT_FOUND' | 'null' | 'absent';
  /** Anonymous callers get a null answer instead of UNAUTHENTICATED. */
  anonymousNull?: boolean;
  /**
   * The object a mutation acts on, made by an ADMIN: fresh for each call that may change it; one per
   * field, shared, for the calls that must not (their state is compared with its first reading).
   */
  prepare?: () => Promise<T>;
  build(k: Kit, obj: T): Op | Promise<Op>;
  /** Checks on the answer of an allowed role that sees the objects. */
  seen?(data: any, k: Kit, op: Op): void;
  /** Checks on the answer of an allowed role that does not see them (beyond "none of A's IDs"). */
  unseen?(data: any, k: Kit, op: Op): void;
};

const idsOf = (conn: { edges: { node: { id: string } }[] }) => conn.edges.map((e) => e.node.id);
/** Type inference for a rule's prepared object. */
const rule = <T,>(r: Rule<T>): Rule<T> => r;
const empty = (list: string) => (d: any) => expect(d[list]).toMatchObject({ totalCount: 0, edges: [] });

/** A list filtered down to fixture A: the fixture is listed in scope, nothing out of it. */
function list(name: string, args: string, vars: () => Record<string, unknown>, expected: () => string, allowed = READERS): Rule<undefined> {
  return {
    allowed,
    scoped: true,
    hidden: 'absent',
    build: () => ({ query: `query(${args}) { ${name}(${listArgs(args)}) { totalCount edges { node { id } } } }`, variables: vars() }),
    seen: (d) => expect(idsOf(d[name])).toContain(expected()),
    unseen: empty(name),
  };
}
/** `$filter: X, $first: Int` → `filter: $filter, first: $first`. */
const listArgs = (decl: string) =>
  decl
    .split(',')
    .map((p) => p.trim().split(':')[0]!.replace('$', ''))
    .map((v) => `${v}: $${v}`)
    .join(', ');

/** A complaint lifecycle mutation on a fresh complaint at `stage`. */
function complaintMutation(
  name: string,
  allowed: readonly Role[],
  stage: Parameters<typeof fresh.complaint>[0],
  input: Record<string, unknown>,
  status?: string,
): Rule<string> {
  return {
    allowed,
    scoped: true,
    department: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.complaint(stage),
    build: (_k, id) => ({
      query: `mutation($input: ${upper(name)}Input!) { ${name}(input: $input) { complaint { id status } } }`,
      variables: { input: { complaintId: id, ...input } },
      ids: [id],
      state: complaintState(id),
    }),
    seen: (d, _k, op) => {
      expect(d[name].complaint.id).toBe(op.ids![0]);
      if (status) expect(d[name].complaint.status).toBe(status);
    },
  };
}

const NODE_ALIASES = ['region', 'company', 'project', 'customer', 'unit', 'ownership', 'staff', 'complaint', 'alert', 'audit', 'policy', 'touchpoint', 'planned', 'rule', 'inspection', 'finding'] as const;
type NodeAlias = (typeof NODE_ALIASES)[number];
const nodeIds = (): Record<NodeAlias, string> => ({
  region: fx.regionA.id,
  company: fx.companyA.id,
  project: fx.projectA.id,
  customer: fx.customerA.id,
  unit: fx.unitA,
  ownership: fx.ownershipA,
  staff: fx.staffA.id,
  complaint: fx.complaintA.id,
  alert: fx.alertA,
  audit: fx.auditA,
  policy: fx.policy.id,
  touchpoint: fx.touchpointA,
  planned: fx.plannedA,
  rule: fx.ruleA.id,
  inspection: fx.inspectionA,
  finding: fx.findingA,
});
/** Which of node()'s objects a reader sees: scope hides all but the group-wide policy; department hides complaints and their alerts; the audit trail is ADMIN's. */
function nodeVisible(k: Kit): Record<NodeAlias, boolean> {
  const inScope = k.where !== 'out';
  const ofDept = k.where !== 'dept';
  return {
    region: inScope,
    company: inScope,
    project: inScope,
    customer: inScope,
    unit: inScope,
    ownership: inScope,
    staff: inScope,
    complaint: inScope && ofDept,
    alert: inScope && ofDept,
    audit: inScope && k.role === 'ADMIN',
    policy: true,
    touchpoint: inScope,
    planned: inScope,
    rule: true,
    inspection: inScope,
    finding: inScope,
  };
}
const checkNode = (d: any, k: Kit) => {
  const ids = nodeIds();
  const visible = nodeVisible(k);
  const expected = Object.fromEntries(NODE_ALIASES.map((a) => [a, visible[a] ? { id: ids[a] } : null]));
  expect(d).toEqual(expected);
};

const QUERY_RULES: Record<string, Rule> = {
  // "The authenticated caller; null when anonymous": every role sees itself.
  viewer: {
    allowed: ANYONE,
    scoped: false,
    anonymousNull: true,
    build: () => ({ query: `{ viewer { id role department scope } }` }),
    seen: (d, k) => expect(d.viewer).toMatchObject({ id: k.sub, role: k.role }),
  },
  // Any object by global ID: null when not visible (scope, department, ADMIN-only audit entries).
  node: {
    allowed: READERS,
    scoped: true,
    department: true,
    hidden: 'null',
    build: () => ({
      query: `query(${NODE_ALIASES.map((a) => `$${a}: ID!`).join(', ')}) { ${NODE_ALIASES.map((a) => `${a}: node(id: $${a}) { id }`).join(' ')} }`,
      variables: nodeIds(),
    }),
    seen: checkNode,
    unseen: checkNode,
  },
  projects: list('projects', '$filter: ProjectFilter, $first: Int', () => ({ filter: { search: fx.projectA.code }, first: 50 }), () => fx.projectA.id),
  project: {
    allowed: READERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => ({ query: `query($id: ID!) { project(id: $id) { id code cityCompany { id } } }`, variables: { id: fx.projectA.id } }),
    seen: (d) => expect(d.project).toEqual({ id: fx.projectA.id, code: fx.projectA.code, cityCompany: { id: fx.companyA.id } }),
  },
  customers: list(
    'customers',
    '$filter: CustomerFilter, $first: Int, $orderBy: CustomerOrder',
    () => ({ filter: { projectIds: [fx.projectA.id] }, first: 10, orderBy: { field: 'CREATED_AT' } }),
    () => fx.customerA.id,
  ),
  customer: {
    allowed: READERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => ({ query: `query($id: ID!) { customer(id: $id) { id phone } }`, variables: { id: fx.customerA.id } }),
    seen: (d, k) => {
      expect(d.customer.id).toBe(fx.customerA.id);
      // Personal data: unmasked for ADMIN only.
      if (k.role === 'ADMIN') expect(d.customer.phone).toBe(fx.customerA.phone);
      else expect(d.customer.phone).toBe(`${fx.customerA.phone.slice(0, 3)}****${fx.customerA.phone.slice(-4)}`);
    },
  },
  // HANDLERs: their department's complaints only.
  complaints: {
    ...list('complaints', '$filter: ComplaintFilter, $first: Int', () => ({ filter: { customerIds: [fx.customerA.id] }, first: 50 }), () => fx.complaintA.id),
    department: true,
  },
  complaint: {
    allowed: READERS,
    scoped: true,
    department: true,
    hidden: 'NOT_FOUND',
    build: () => ({ query: `query($id: ID!) { complaint(id: $id) { id number project { id } } }`, variables: { id: fx.complaintA.id } }),
    seen: (d) => expect(d.complaint).toEqual({ id: fx.complaintA.id, number: fx.complaintA.number, project: { id: fx.projectA.id } }),
  },
  // Touchpoints follow their project's scope (and their customer's confidentiality); every reader.
  touchpoints: list('touchpoints', '$filter: TouchpointFilter', () => ({ filter: { customerIds: [fx.customerA.id] } }), () => fx.touchpointA),
  plannedTouchpoints: list('plannedTouchpoints', '$filter: PlannedTouchpointFilter', () => ({ filter: { customerIds: [fx.customerA.id] } }), () => fx.plannedA),
  // 6+2 inspections and findings: readers in the project's scope.
  inspections: list('inspections', '$filter: InspectionFilter', () => ({ filter: { projectIds: [fx.projectA.id] } }), () => fx.inspectionA),
  inspectionFindings: list('inspectionFindings', '$filter: InspectionFindingFilter', () => ({ filter: { projectIds: [fx.projectA.id] } }), () => fx.findingA),
  // Compliance statistics: every reader (ANALYST included), counting its scope only.
  touchpointCompliance: {
    allowed: READERS,
    scoped: true,
    hidden: 'absent',
    build: () => ({
      query: `query($f: TouchpointComplianceFilter) { touchpointCompliance(filter: $f, groupBy: [PROJECT]) { cells { group { projectId } planned } total { planned } } }`,
      variables: { f: { projectIds: [fx.projectA.id] } },
    }),
    seen: (d) => expect(d.touchpointCompliance.cells.map((c: { group: { projectId: string } }) => c.group.projectId)).toEqual([fx.projectA.id]),
    unseen: (d) => expect(d.touchpointCompliance).toEqual({ cells: [], total: { planned: 0 } }),
  },
  // Survey responses follow their customer's records (scope; confidentiality); every reader, ANALYST with personal data masked.
  surveyResponses: list('surveyResponses', '$filter: SurveyResponseFilter', () => ({ filter: { customerIds: [fx.customerA.id] } }), () => fx.responseA),
  // Complaint statistics: every reader, counting the complaints it may see (a HANDLER its department's).
  complaintStats: {
    allowed: READERS,
    scoped: true,
    department: true,
    hidden: 'absent',
    build: () => ({
      query: `query($f: ComplaintStatsFilter) { complaintStats(filter: $f, groupBy: [PROJECT]) { cells { group { projectId } complaints } total { complaints } } }`,
      variables: { f: { projectIds: [fx.projectA.id], categories: ['ENGINEERING_QUALITY'] } },
    }),
    seen: (d) => expect(d.complaintStats.cells.map((c: { group: { projectId: string } }) => c.group.projectId)).toEqual([fx.projectA.id]),
    unseen: (d) => expect(d.complaintStats).toEqual({ cells: [], total: { complaints: 0 } }),
  },
  // Satisfaction statistics: every reader (ANALYST included), counting its scope only.
  satisfactionStats: {
    allowed: READERS,
    scoped: true,
    hidden: 'absent',
    build: () => ({
      query: `query($f: SatisfactionStatsFilter) { satisfactionStats(filter: $f, groupBy: [PROJECT]) { cells { group { projectId } responses } total { responses } } }`,
      variables: { f: { projectIds: [fx.projectA.id] } },
    }),
    seen: (d) => expect(d.satisfactionStats.cells.map((c: { group: { projectId: string } }) => c.group.projectId)).toEqual([fx.projectA.id]),
    unseen: (d) => expect(d.satisfactionStats).toEqual({ cells: [], total: { responses: 0 } }),
  },
  // Driver analysis: every reader, over its scope (response A scored SALES in project A).
  satisfactionDrivers: {
    allowed: READERS,
    scoped: true,
    hidden: 'absent',
    build: () => ({
      query: `query($f: SatisfactionStatsFilter) { satisfactionDrivers(filter: $f, minSample: 10) { drivers { dimension sample } } }`,
      variables: { f: { projectIds: [fx.projectA.id] } },
    }),
    seen: (d) => expect(d.satisfactionDrivers.drivers).toContainEqual({ dimension: 'SALES', sample: 1 }),
    unseen: (d) => expect(d.satisfactionDrivers.drivers.map((x: { sample: number }) => x.sample)).toEqual([0, 0, 0, 0, 0]),
  },
  // Survey templates: group-wide configuration (ADMIN writes it).
  surveyTemplates: {
    allowed: READERS,
    scoped: false,
    build: () => ({ query: `{ surveyTemplates(code: "SIGNING") { code version } }` }),
    seen: (d) => expect(d.surveyTemplates).toContainEqual({ code: 'SIGNING', version: 1 }),
  },
  // Standard action rules: group-wide configuration, like SLA policies.
  standardActionRules: {
    allowed: READERS,
    scoped: false,
    build: () => ({ query: `{ standardActionRules { id code } }` }),
    seen: (d) => expect(d.standardActionRules).toContainEqual(fx.ruleA),
  },
  // Group-wide configuration: readable by every reader, scope hides nothing (ADMIN writes it).
  slaPolicies: {
    allowed: READERS,
    scoped: false,
    build: () => ({ query: `{ slaPolicies { id name } }` }),
    seen: (d) => expect(d.slaPolicies).toContainEqual({ id: fx.policy.id, name: fx.policy.name }),
  },
  // Alerts follow their complaint: scope and the HANDLER's department.
  slaAlerts: { ...list('slaAlerts', '$filter: SlaAlertFilter', () => ({ filter: { complaintIds: [fx.complaintA.id] } }), () => fx.alertA), department: true },
  businessCalendar: {
    allowed: READERS,
    scoped: false,
    build: () => ({ query: `{ businessCalendar(year: 2026) { year scheduleLoaded } }` }),
    seen: (d) => expect(d.businessCalendar).toEqual({ year: 2026, scheduleLoaded: true }),
  },
  // ADMIN only (README table: "ADMIN … audit log"); a scoped token still finds nothing outside its scope.
  auditLog: list('auditLog', '$filter: AuditLogFilter', () => ({ filter: { subjectIds: [fx.customerA.id] } }), () => fx.auditA, ADMIN_ONLY),
  regions: list('regions', '$filter: RegionFilter', () => ({ filter: { search: fx.regionA.code } }), () => fx.regionA.id),
  cityCompanies: list('cityCompanies', '$filter: CityCompanyFilter', () => ({ filter: { search: fx.companyA.code } }), () => fx.companyA.id),
  // Group-level staff and staff of visible city companies.
  staff: list('staff', '$filter: StaffFilter', () => ({ filter: { search: fx.staffA.login } }), () => fx.staffA.id),
};

const MUTATION_RULES: Record<string, Rule> = {
  // --- organisation: ADMIN ("regions and city companies") ---
  createRegion: {
    allowed: ADMIN_ONLY,
    scoped: false,
    build: () => {
      const code = `AZN-${unique()}`;
      return { query: CREATE_REGION, variables: { input: { code, name: '新区域' } }, state: countState('regions', 'search', 'String', code) };
    },
    seen: (d, _k, op) => expect(d.createRegion.region.code).toBe((op.variables!.input as { code: string }).code),
  },
  updateRegion: rule({
    allowed: ADMIN_ONLY,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.region(),
    build: (_k, r) => ({
      query: `mutation($input: UpdateRegionInput!) { updateRegion(input: $input) { region { id name } } }`,
      variables: { input: { id: r.id, name: '改名区域' } },
      ids: [r.id],
      // A fresh region is outside region A: the in-scope token names it too.
      scope: [r.id],
      state: nodeState(r.id, '... on Region { code name }'),
    }),
    seen: (d) => expect(d.updateRegion.region.name).toBe('改名区域'),
  }),
  createCityCompany: {
    allowed: ADMIN_ONLY,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const code = `AZN-${unique()}`;
      return {
        query: CREATE_COMPANY,
        variables: { input: { code, name: '新公司', city: '新城', regionId: fx.regionA.id } },
        state: countState('cityCompanies', 'search', 'String', code),
      };
    },
    seen: (d, _k, op) => expect(d.createCityCompany.cityCompany.code).toBe((op.variables!.input as { code: string }).code),
  },
  updateCityCompany: rule({
    allowed: ADMIN_ONLY,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.company(),
    build: (_k, c) => ({
      query: `mutation($input: UpdateCityCompanyInput!) { updateCityCompany(input: $input) { cityCompany { id name } } }`,
      variables: { input: { id: c.id, name: '改名公司' } },
      ids: [c.id],
      state: nodeState(c.id, '... on CityCompany { code name city region { id } }'),
    }),
    seen: (d) => expect(d.updateCityCompany.cityCompany.name).toBe('改名公司'),
  }),
  // --- projects: ADMIN, MANAGER of city companies in scope ---
  createProject: {
    allowed: MANAGERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const code = `AZN-${unique()}`;
      return {
        query: `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id code } } }`,
        variables: { input: { code, name: '新项目', city: '深圳', cityCompanyId: fx.companyA.id, stage: 'SIGNING' } },
        state: countState('projects', 'search', 'String', code),
      };
    },
    seen: (d, _k, op) => expect(d.createProject.project.code).toBe((op.variables!.input as { code: string }).code),
  },
  updateProject: rule({
    allowed: MANAGERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.project(),
    build: (_k, p) => ({
      query: `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id name } } }`,
      variables: { input: { id: p.id, name: '改名项目' } },
      ids: [p.id],
      state: nodeState(p.id, '... on Project { code name stage updatedAt }'),
    }),
    seen: (d) => expect(d.updateProject.project.name).toBe('改名项目'),
  }),
  // --- staff directory: ADMIN; MANAGER for non-ADMIN staff of city companies fully in scope ---
  createStaff: {
    allowed: MANAGERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const login = `azn.${unique()}`;
      return {
        query: `mutation($input: CreateStaffInput!) { createStaff(input: $input) { staff { id login } } }`,
        variables: { input: { login, name: '新员工', role: 'AGENT', cityCompanyId: fx.companyA.id } },
        state: countState('staff', 'search', 'String', login),
      };
    },
    seen: (d, _k, op) => expect(d.createStaff.staff.login).toBe((op.variables!.input as { login: string }).login),
  },
  updateStaff: rule({
    allowed: MANAGERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.staff(),
    build: (_k, s) => ({
      query: `mutation($input: UpdateStaffInput!) { updateStaff(input: $input) { staff { id name } } }`,
      variables: { input: { id: s.id, name: '改名员工' } },
      ids: [s.id],
      state: nodeState(s.id, '... on Staff { name role department active updatedAt }'),
    }),
    seen: (d) => expect(d.updateStaff.staff.name).toBe('改名员工'),
  }),
  // --- customers, units and milestones: ADMIN, MANAGER, AGENT ---
  createCustomer: {
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const phone = uniquePhone();
      return {
        query: `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id originProject { id } } } }`,
        variables: { input: { name: '李新', phone, projectId: fx.projectA.id } },
        state: countState('customers', 'search', 'String', phone),
      };
    },
    seen: (d) => expect(d.createCustomer.customer.originProject).toEqual({ id: fx.projectA.id }),
  },
  updateCustomer: rule({
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.customer(),
    build: (_k, c) => ({
      query: `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id customerClass } } }`,
      variables: { input: { id: c.id, customerClass: 'A' } },
      ids: [c.id],
      state: nodeState(c.id, '... on Customer { name phone customerClass updatedAt }'),
    }),
    seen: (d) => expect(d.updateCustomer.customer.customerClass).toBe('A'),
  }),
  addUnitOwnership: rule({
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.customer(),
    build: (_k, c) => ({
      query: `mutation($input: AddUnitOwnershipInput!) { addUnitOwnership(input: $input) { ownership { id project { id } } } }`,
      variables: { input: { customerId: c.id, projectId: fx.projectA.id, building: '9栋', unitNo: '1单元', room: String(unique()) } },
      ids: [c.id],
      state: nodeState(c.id, '... on Customer { units { id } }'),
    }),
    seen: (d) => expect(d.addUnitOwnership.ownership.project).toEqual({ id: fx.projectA.id }),
  }),
  // Recording contacts: the customer desk (AGENT row: "creates … touchpoints … in scope").
  recordTouchpoint: {
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const marker = `authz-${unique()}`;
      return {
        query: `mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id project { id } } } }`,
        variables: { input: { customerId: fx.worker.id, projectId: fx.projectA.id, unitId: fx.worker.unitId, stage: 'DELIVERY', channel: 'VISIT', kind: 'HOME_VISIT', notes: marker } },
        ids: [fx.worker.id, fx.worker.unitId],
        state: countState('touchpoints', 'search', 'String', marker),
      };
    },
    seen: (d) => expect(d.recordTouchpoint.touchpoint.project).toEqual({ id: fx.projectA.id }),
  },
  recordMoveIn: rule({
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: async () => {
      const id = await fresh.ownership(true);
      await asAdmin(`mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id } } }`, { input: { ownershipId: id } });
      return id;
    },
    build: (_k, id) => ({
      query: `mutation($input: RecordMoveInInput!) { recordMoveIn(input: $input) { ownership { id movedInAt } } }`,
      variables: { input: { ownershipId: id } },
      ids: [id],
      state: nodeState(id, '... on UnitOwnership { deliveredAt movedInAt }'),
    }),
    seen: (d) => expect(d.recordMoveIn.ownership.movedInAt).toMatch(/^\d{4}-\d\d-\d\dT/),
  }),
  // Survey answers: the customer desk (AGENT row: "creates … survey responses in scope").
  submitSurveyResponse: {
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const from = new Date(Date.now() - 3_600_000 - unique() * 1000).toISOString();
      return {
        query: SUBMIT_SURVEY,
        variables: { input: { templateCode: 'SIGNING', customerId: fx.worker.id, projectId: fx.projectA.id, submittedAt: from, answers: [{ questionCode: 'OVERALL', score: 5 }, { questionCode: 'SALES', score: 5 }] } },
        ids: [fx.worker.id],
        // Each cell answers at its own millisecond: the state counts that cell's response only.
        state: {
          decl: '$c: [ID!], $from: DateTime, $to: DateTime',
          body: `surveyResponses(filter: { customerIds: $c, submittedFrom: $from, submittedTo: $to }) { totalCount }`,
          variables: { c: [fx.worker.id], from, to: new Date(Date.parse(from) + 1).toISOString() },
          initial: { surveyResponses: { totalCount: 0 } },
        },
      };
    },
    seen: (d) => expect(d.submitSurveyResponse.response.project).toEqual({ id: fx.projectA.id }),
  },
  // Standard actions: the desk completes them; skipping (it lowers compliance) is ADMIN's and MANAGER's.
  completePlannedTouchpoint: rule({
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.planned(),
    build: (_k, id) => ({
      query: `mutation($input: CompletePlannedTouchpointInput!) { completePlannedTouchpoint(input: $input) { plannedTouchpoint { id status } } }`,
      variables: { input: { plannedTouchpointId: id, channel: 'SMS', notes: '恭贺短信已发送' } },
      ids: [id],
      state: nodeState(id, '... on PlannedTouchpoint { status touchpoint { id } }'),
    }),
    seen: (d, _k, op) => expect(d.completePlannedTouchpoint.plannedTouchpoint).toEqual({ id: op.ids![0], status: 'DONE' }),
  }),
  skipPlannedTouchpoint: rule({
    allowed: MANAGERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.planned(),
    build: (_k, id) => ({
      query: `mutation($input: SkipPlannedTouchpointInput!) { skipPlannedTouchpoint(input: $input) { plannedTouchpoint { id status } } }`,
      variables: { input: { plannedTouchpointId: id, reason: '客户要求不发短信' } },
      ids: [id],
      state: nodeState(id, '... on PlannedTouchpoint { status skipReason }'),
    }),
    seen: (d, _k, op) => expect(d.skipPlannedTouchpoint.plannedTouchpoint).toEqual({ id: op.ids![0], status: 'SKIPPED' }),
  }),
  recordSigning: rule({
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.ownership(false),
    build: (_k, id) => ({ query: SIGN, variables: { input: { ownershipId: id } }, ids: [id], state: nodeState(id, '... on UnitOwnership { signedAt }') }),
    seen: (d) => expect(d.recordSigning.ownership.signedAt).toMatch(/^\d{4}-\d\d-\d\dT/),
  }),
  recordDelivery: rule({
    allowed: CUSTOMER_EDITORS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.ownership(true),
    build: (_k, id) => ({
      query: `mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id deliveredAt } } }`,
      variables: { input: { ownershipId: id } },
      ids: [id],
      state: nodeState(id, '... on UnitOwnership { signedAt deliveredAt }'),
    }),
    seen: (d) => expect(d.recordDelivery.ownership.deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/),
  }),
  // Unmasked contact data: ADMIN, MANAGER in scope; every call audited.
  revealCustomerContact: rule({
    allowed: REVEALERS,
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: () => fresh.customer(),
    build: (_k, c) => ({
      query: `mutation($input: RevealCustomerContactInput!) { revealCustomerContact(input: $input) { phone customer { id } } }`,
      variables: { input: { customerId: c.id, reason: '交付回访电话' } },
      // The unmasked phone is A's data too: a refused call must not show it.
      ids: [c.id, c.phone],
      state: {
        decl: '$ids: [String!]',
        body: `auditLog(filter: { subjectIds: $ids, actions: ["revealCustomerContact"] }) { totalCount }`,
        variables: { ids: [c.id] },
      },
    }),
    seen: (d, _k, op) => expect(d.revealCustomerContact).toEqual({ phone: op.ids![1], customer: { id: op.ids![0] } }),
  }),
  // --- complaints: the desk receives, dispatches, rejects, return-visits, closes, reopens ---
  createComplaint: {
    allowed: DESK,
    scoped: true,
    department: true,
    hidden: 'NOT_FOUND',
    build: () => {
      const marker = `authz-${unique()}`;
      return {
        query: `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id status project { id } } } }`,
        variables: {
          input: { customerId: fx.worker.id, projectId: fx.projectA.id, unitId: fx.worker.unitId, kind: 'REPAIR', category: 'PROPERTY_MANAGEMENT', channel: 'HOTLINE_400', description: marker },
        },
        ids: [fx.worker.id, fx.worker.unitId],
        state: countState('complaints', 'search', 'String', marker),
      };
    },
    seen: (d) => expect(d.createComplaint.complaint).toMatchObject({ status: 'RECEIVED', project: { id: fx.projectA.id } }),
  },
  acceptComplaint: {
    ...complaintMutation('acceptComplaint', DESK, 'RECEIVED', {}, 'ACCEPTED'),
    // The handler is resolved when the cell runs (fixtures do not exist at collection time).
    build: (_k, id: string) => ({
      query: `mutation($input: AcceptComplaintInput!) { acceptComplaint(input: $input) { complaint { id status } } }`,
      variables: { input: { complaintId: id, department: 'ENGINEERING', handlerId: fx.staffA.id } },
      ids: [id],
      state: complaintState(id),
    }),
  },
  rejectComplaint: complaintMutation('rejectComplaint', DESK, 'RECEIVED', { reason: '非本项目问题' }, 'REJECTED'),
  recordReturnVisit: complaintMutation('recordReturnVisit', DESK, 'RESOLVED', { satisfaction: 5 }, 'RETURN_VISITED'),
  closeComplaint: complaintMutation('closeComplaint', DESK, 'RETURN_VISITED', {}, 'CLOSED'),
  reopenComplaint: complaintMutation('reopenComplaint', DESK, 'RESOLVED', { note: '业主反映仍渗水' }, 'REOPENED'),
  // --- working a complaint: the desk and the HANDLER of its department ---
  startComplaintWork: complaintMutation('startComplaintWork', WORKERS, 'ACCEPTED', {}, 'IN_PROGRESS'),
  resolveComplaint: complaintMutation('resolveComplaint', WORKERS, 'ACCEPTED', { resolution: '已修复' }, 'RESOLVED'),
  addComplaintNote: complaintMutation('addComplaintNote', WORKERS, 'ACCEPTED', { note: '已联系业主' }),
  pauseComplaintSla: complaintMutation('pauseComplaintSla', WORKERS, 'ACCEPTED', { note: '等待业主回复' }),
  resumeComplaintSla: complaintMutation('resumeComplaintSla', WORKERS, 'PAUSED', {}),
  escalateComplaint: complaintMutation('escalateComplaint', WORKERS, 'ACCEPTED', { reason: 'GROUP_COMPLAINT' }),
  reportComplaintEscalation: complaintMutation('reportComplaintEscalation', WORKERS, 'MAJOR', { note: '已上报集团' }),
  // Alerts: acknowledged by those who work complaints (schema: ADMIN, MANAGER, AGENT, HANDLER); ANALYST is read-only.
  acknowledgeSlaAlert: rule({
    allowed: WORKERS,
    scoped: true,
    department: true,
    hidden: 'NOT_FOUND',
    prepare: async () => fresh.alert(),
    build: (_k, id) => ({
      query: `mutation($input: AcknowledgeSlaAlertInput!) { acknowledgeSlaAlert(input: $input) { alert { id acknowledgedAt } } }`,
      variables: { input: { alertId: id } },
      ids: [id],
      state: nodeState(id, '... on SlaAlert { acknowledgedAt acknowledgedBy { login } }'),
    }),
    seen: (d, _k, op) => expect(d.acknowledgeSlaAlert.alert).toEqual({ id: op.ids![0], acknowledgedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
  }),
  // The group records inspections (ADMIN); ADMIN, MANAGER in scope and the owning department's HANDLER rectify.
  recordInspection: rule({
    allowed: ADMIN_ONLY,
    scoped: true,
    hidden: 'NOT_FOUND',
    // A project of its own per call: the count of its inspections is this cell's alone.
    prepare: () => fresh.project(),
    build: (_k, p) => ({
      query: RECORD_INSPECTION,
      variables: { input: inspectionInput(p.id) },
      ids: [p.id],
      state: { decl: '$p: [ID!]', body: 'inspections(filter: { projectIds: $p }) { totalCount }', variables: { p: [p.id] } },
    }),
    seen: (d) => expect(d.recordInspection.inspection.findings).toHaveLength(1),
  }),
  rectifyInspectionFinding: rule({
    allowed: ['ADMIN', 'MANAGER', 'HANDLER'],
    scoped: true,
    hidden: 'NOT_FOUND',
    prepare: async () => (await asAdmin(RECORD_INSPECTION, { input: inspectionInput(fx.projectA.id) })).recordInspection.inspection.findings[0].id as string,
    build: (_k, id) => ({
      query: `mutation($input: RectifyInspectionFindingInput!) { rectifyInspectionFinding(input: $input) { finding { id status } } }`,
      variables: { input: { findingId: id, rectification: '已补充截屏存档' } },
      ids: [id],
      state: nodeState(id, '... on InspectionFinding { rectifiedAt rectification }'),
    }),
    seen: (d, _k, op) => expect(d.rectifyInspectionFinding.finding).toEqual({ id: op.ids![0], status: 'RECTIFIED' }),
  }),
  upsertSurveyTemplate: {
    allowed: ADMIN_ONLY,
    scoped: false,
    build: () => {
      const code = `AUTHZ_${unique()}`;
      return {
        query: `mutation($input: UpsertSurveyTemplateInput!) { upsertSurveyTemplate(input: $input) { template { id code } } }`,
        variables: { input: { code, name: '授权测试问卷', kind: 'CUSTOM', stage: 'RESIDENCE', questions: [{ code: 'OVERALL', kind: 'OVERALL', labelZh: '总体', labelEn: 'Overall' }] } },
        state: { body: `surveyTemplates { code }`, pick: (d) => d.surveyTemplates.filter((r: { code: string }) => r.code === code), initial: [] },
      };
    },
    seen: (d, _k, op) => expect(d.upsertSurveyTemplate.template.code).toBe((op.variables!.input as { code: string }).code),
  },
  upsertStandardActionRule: {
    allowed: ADMIN_ONLY,
    scoped: false,
    build: () => {
      const code = `AUTHZ_${unique()}`;
      return {
        // Inactive: it plans nothing for the other cells' milestones.
        query: `mutation($input: UpsertStandardActionRuleInput!) { upsertStandardActionRule(input: $input) { rule { id code } } }`,
        variables: { input: { code, name: '授权测试规则', trigger: 'SIGNED', dueWithin: 'P1D', channel: 'SMS', stage: 'SIGNING', active: false } },
        state: { body: `standardActionRules { code }`, pick: (d) => d.standardActionRules.filter((r: { code: string }) => r.code === code), initial: [] },
      };
    },
    seen: (d, _k, op) => expect(d.upsertStandardActionRule.rule.code).toBe((op.variables!.input as { code: string }).code),
  },
  // --- group-wide SLA configuration: ADMIN ---
  upsertSlaPolicy: {
    allowed: ADMIN_ONLY,
    scoped: false,
    build: () => {
      const name = `authz-policy-${unique()}`;
      return {
        // Inactive: it matches nothing, so it cannot move the deadlines of the other cells' complaints.
        query: `mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id name } } }`,
        variables: { input: { name, active: false, match: { kinds: ['SUGGESTION'] }, clocks: [{ clock: 'RESOLUTION', target: 'P7D' }] } },
        state: { body: `slaPolicies { name }`, pick: (d) => d.slaPolicies.filter((p: { name: string }) => p.name === name), initial: [] },
      };
    },
    seen: (d, _k, op) => expect(d.upsertSlaPolicy.policy.name).toBe((op.variables!.input as { name: string }).name),
  },
  upsertBusinessCalendarYear: {
    allowed: ADMIN_ONLY,
    scoped: false,
    build: () => {
      // A distant year per cell: no running clock depends on it, and none is loaded yet.
      const year = calendarYear++;
      return {
        query: `mutation($input: UpsertBusinessCalendarYearInput!) { upsertBusinessCalendarYear(input: $input) { calendar { year scheduleLoaded } } }`,
        variables: { input: { year, holidays: [{ name: '国庆节', from: `${year}-10-01`, to: `${year}-10-03` }], workdays: [] } },
        state: {
          decl: '$y: Int!',
          body: `businessCalendar(year: $y) { scheduleLoaded days { date } }`,
          variables: { y: year },
          initial: { businessCalendar: { scheduleLoaded: false, days: [] } },
        },
      };
    },
    seen: (d, _k, op) => expect(d.upsertBusinessCalendarYear.calendar).toEqual({ year: (op.variables!.input as { year: number }).year, scheduleLoaded: true }),
  },
};

// ---------------------------------------------------------------------------------------------
// Cells, generated from the schema
// ---------------------------------------------------------------------------------------------

const schema = await getSchema();
const roots = [
  ...Object.keys(schema.getQueryType()?.getFields() ?? {}).map((field) => ({ kind: 'query' as const, field })),
  ...Object.keys(schema.getMutationType()?.getFields() ?? {}).map((field) => ({ kind: 'mutation' as const, field })),
];
const ruleOf = (kind: 'query' | 'mutation', field: string): Rule | undefined => (kind === 'query' ? QUERY_RULES : MUTATION_RULES)[field];

type Expectation = 'allowed' | 'hidden' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'anonymous null';
type Cell = { name: string; kind: 'query' | 'mutation'; field: string; role: Role | null; where: Where; expect: Expectation };

const WHERE_LABEL: Record<Where, string> = { in: 'in scope', out: 'out of scope', dept: 'other department' };
const cells: Cell[] = [];
for (const { kind, field } of roots) {
  const rule = ruleOf(kind, field);
  if (!rule) continue; // reported by the first test
  const anon: Expectation = rule.anonymousNull ? 'anonymous null' : 'UNAUTHENTICATED';
  cells.push({ name: `${field} × anonymous → ${rule.anonymousNull ? 'null' : 'UNAUTHENTICATED'}`, kind, field, role: null, where: 'in', expect: anon });
  for (const role of ROLES) {
    const wheres: Where[] = role === 'HANDLER' && rule.department ? ['in', 'out', 'dept'] : ['in', 'out'];
    for (const where of wheres) {
      const e: Expectation = !rule.allowed.includes(role)
        ? 'FORBIDDEN'
        : where === 'in' || (where === 'out' && !rule.scoped)
          ? 'allowed'
          : 'hidden';
      const label = e === 'hidden' ? rule.hidden! : e;
      cells.push({ name: `${field} × ${role} × ${WHERE_LABEL[where]} → ${label}`, kind, field, role, where, expect: e });
    }
  }
}

/** Per mutation field: the object shared by its calls that must change nothing, and its state before them. */
const shared = new Map<string, Promise<{ obj: unknown; before?: Promise<unknown> }>>();

/** Runs one cell and asserts its expectation. */
async function runCell(cell: Cell) {
  const rule = ruleOf(cell.kind, cell.field)!;
  const sub = cell.role ? `authz.${cell.field}.${cell.role}.${cell.where}`.toLowerCase() : '';
  const k: Kit = { role: cell.role, where: cell.where, sub };
  const mayChange = cell.expect === 'allowed';
  let obj: unknown;
  let sharedEntry: { obj: unknown; before?: Promise<unknown> } | undefined;
  if (rule.prepare && mayChange) obj = await rule.prepare();
  else if (rule.prepare) {
    if (!shared.has(cell.field)) shared.set(cell.field, rule.prepare().then((o) => ({ obj: o })));
    sharedEntry = await shared.get(cell.field)!;
    obj = sharedEntry.obj;
  }
  const op = await rule.build(k, obj);
  let auth: string | null = null;
  if (cell.role) {
    const scope = cell.where === 'out' ? [fx.projectB.id] : [fx.regionA.id, ...(op.scope ?? [])];
    const department: Department | undefined = cell.role === 'HANDLER' ? (cell.where === 'dept' ? 'LEGAL' : 'ENGINEERING') : undefined;
    auth = await t.token(cell.role, { sub, scope, department });
  }
  // A refused write: the state it would change, as it was before.
  let before: unknown;
  const guarded = !mayChange && !!op.state;
  if (guarded && op.state) {
    if (op.state.initial !== undefined) before = op.state.initial;
    else if (sharedEntry) before = await (sharedEntry.before ??= readState(op.state, '').then((r) => r.state));
    else before = (await readState(op.state, '')).state;
  }

  const res = await t.gql(op.query, op.variables, auth);
  const codes = (res.errors ?? []).map((e) => e.extensions?.code);
  const rootValues = Object.entries((res.data ?? {}) as Record<string, unknown>);
  const noData = () => expect(rootValues.filter(([, v]) => v !== null)).toEqual([]);
  const only = (code: string) => expect(codes, JSON.stringify(res.errors)).toEqual(codes.length ? codes.map(() => code) : [code]);
  // Never any of A's objects (or those the cell acted on) in an answer that should not show them.
  const noneOfA = () => {
    const json = JSON.stringify(res.data ?? null);
    const hidden = cell.where === 'dept' ? [fx.complaintA.id, fx.alertA, ...(op.ids ?? [])] : [...fx.aIds, ...(op.ids ?? [])];
    for (const id of hidden) expect(json, `the answer shows ${id}`).not.toContain(id);
  };

  switch (cell.expect) {
    case 'anonymous null':
      expect(res.errors).toBeUndefined();
      noData();
      break;
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      only(cell.expect);
      noData();
      noneOfA();
      break;
    case 'allowed':
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      rule.seen?.(res.data, k, op);
      break;
    case 'hidden':
      if (rule.hidden === 'NOT_FOUND') {
        only('NOT_FOUND');
        noData();
      } else {
        expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      }
      noneOfA();
      rule.unseen?.(res.data, k, op);
      break;
  }
  if (guarded) {
    // Nothing changed, and nothing was written (audited) under this cell's token subject.
    const after = await readState(op.state!, sub);
    expect(after, 'a refused write changed something').toEqual({ state: before, written: 0 });
  }
}

// Cells showing an authorization hole: they assert the intended policy and are marked it.fails
// below (a fixed hole makes its it.fails fail: then remove it from here).
const HOLES = new Set<string>([]);

describe('the rule table', () => {
  it('has an entry for every root Query field and Mutation of the schema, and none for fields that do not exist', () => {
    const missing = roots.filter((r) => !ruleOf(r.kind, r.field)).map((r) => `${r.kind} ${r.field}`);
    expect(missing, `root fields without an entry in the authorization rule table (add one to QUERY_RULES/MUTATION_RULES): ${missing.join(', ')}`).toEqual([]);
    const known = new Set(roots.map((r) => `${r.kind} ${r.field}`));
    const stale = [...Object.keys(QUERY_RULES).map((f) => `query ${f}`), ...Object.keys(MUTATION_RULES).map((f) => `mutation ${f}`)].filter((f) => !known.has(f));
    expect(stale, `rules for fields the schema does not have: ${stale.join(', ')}`).toEqual([]);
  });
});

/** A hole cell by name, looked up at collection time: a renamed or vanished cell fails the file instead of passing as it.fails. */
function hole(name: string): Cell {
  const cell = cells.find((c) => c.name === name);
  if (!cell || !HOLES.has(name)) throw new Error(`no hole cell named ${name}`);
  return cell;
}

describe.concurrent('authorization matrix', () => {
  it.each(cells.filter((c) => !HOLES.has(c.name)))('$name', (cell) => runCell(cell));

});
