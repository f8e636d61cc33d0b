import { getIntrospectionQuery } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';
import { idCheckChar } from '../../src/domain/contact.js';
import { createCustomer, createProject, seedOrg, unique, uniquePhone } from '../helpers/factories.js';

/**
 * Replays of the attacks of the security review (issue 6): each test fails if the hole
 * it closes opens again.
 */
let t: TestApp;
let projectId: string;
let otherProjectId: string;
const LOOKUPS = 8;

beforeAll(async () => {
  t = await startTestApp({ env: { PERSONAL_LOOKUPS_PER_MINUTE: String(LOOKUPS), METRICS_TOKEN: 'metrics-secret-0123456789' } });
  const org = await seedOrg(t);
  projectId = (await createProject(t, org.szId)).id;
  otherProjectId = (await createProject(t, org.shId)).id;
});
afterAll(() => t?.close());

/** POSTs a document with the given Accept header and returns status, content type and body. */
async function post(query: string, opts: { accept?: string; auth?: string | null; variables?: unknown } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.accept) headers.accept = opts.accept;
  if (opts.auth !== null) headers.authorization = `Bearer ${opts.auth ?? (await t.token('ADMIN'))}`;
  const res = await t.fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables: opts.variables }) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as GqlResult };
}

const MODERN = 'application/graphql-response+json, application/json;q=0.9';

describe('standard clients load the schema (§1)', () => {
  it.each([
    ['graphql 16 defaults (Apollo, Rover, Postman, Insomnia)', {}],
    ['GraphiQL 3 (inputValueDeprecation, schemaDescription)', { inputValueDeprecation: true, schemaDescription: true }],
    ['GraphQL Code Generator with every option', { inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true }],
  ])('answers the standard introspection query of %s, without a token', async (_who, options) => {
    const r = await post(getIntrospectionQuery(options), { auth: null, accept: MODERN });
    expect(r.body.errors).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.body.data.__schema.queryType.name).toBe('Query');
    const names = (r.body.data.__schema.types as { name: string }[]).map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['Customer', 'Complaint', 'CustomerConnection']));
  });

  it('still refuses a data query deeper than MAX_QUERY_DEPTH', async () => {
    const r = await post(`{ viewer { id } p: projects(first: 1) { edges { node { customers(first: 1) { edges { node { complaints(first: 1) { edges { node { project { customers(first: 1) { edges { node { id } } } } } } } } } } } } } }`);
    expect(codeOf(r.body)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors?.[0]?.extensions?.maxDepth).toBe(12);
  });
});

describe('small documents cannot freeze the server (§2)', () => {
  /** `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment Fn on Query { viewer { id } }`. */
  const bomb = (n: number) => {
    let doc = 'query { ...F0 }\n';
    for (let i = 0; i < n; i++) doc += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    return `${doc}fragment F${n} on Query { viewer { id } }\n`;
  };

  it('answers a doubling fragment chain of 30 levels (2^30 spreads) without a token, and the server stays responsive', async () => {
    const [r, health] = await Promise.all([post(bomb(30), { auth: null }), t.fetch('/healthz')]);
    expect(health.status).toBe(200);
    // Analysed in linear time and run: the anonymous viewer is null.
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { viewer: null } });
  });

  it('costs the fragment bomb once per fragment: with a token it is cheap and runs', async () => {
    const r = await post(bomb(30));
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.viewer.id).toBe('test-admin');
  });

  it.each([
    ['graphql-response+json', MODERN, 400, 'application/graphql-response+json'],
    ['legacy application/json', 'application/json', 200, 'application/json'],
  ])('an operation over the cost limit is QUERY_TOO_COMPLEX, HTTP %s → %i', async (_what, accept, status, type) => {
    const q = '{ projects(first: 200) { edges { node { customers(first: 200) { edges { node { id name } } } } } } }';
    const r = await post(q, { accept });
    expect(r.status).toBe(status);
    expect(r.type).toContain(type);
    expect(codeOf(r.body)).toBe('QUERY_TOO_COMPLEX');
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ maxCost: 50_000 });
    expect(r.body.errors?.[0]?.extensions?.http).toBeUndefined();
  });

  it.each<[string, () => string, string]>([
    ['500 aliases of complaints(first: 0) { totalCount }', () => `{ ${Array.from({ length: 500 }, (_, i) => `c${i}: complaints(first: 0) { totalCount }`).join(' ')} }`, 'maxAliases'],
    ['51 aliases', () => `{ ${Array.from({ length: 51 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`, 'maxAliases'],
    ['21 root fields', () => `{ ${Array.from({ length: 21 }, () => 'viewer { id }').join(' ')} }`, 'maxRootFields'],
    ['a document of 200,000 characters', () => `{ viewer { id } } # ${'x'.repeat(200_000)}`, 'maxLength'],
    ['10,001 tokens', () => `{ viewer { ${'id '.repeat(10_001)} } }`, 'maxTokens'],
    ['301 fragment spreads', () => `{ viewer { ${'...V '.repeat(301)} } } fragment V on Viewer { id }`, 'maxFragmentSpreads'],
  ])('refuses %s before validation, as a client error (400)', async (_what, make, limit) => {
    const r = await post(make(), { accept: MODERN, auth: null });
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/graphql-response+json');
    expect(codeOf(r.body)).toBe('QUERY_TOO_COMPLEX');
    expect(r.body.errors?.[0]?.extensions?.limit).toBe(limit);
  });

  it('refuses a search longer than 100 characters on every list', async () => {
    const long = '测'.repeat(101);
    for (const q of [
      `{ customers(filter: { search: "${long}" }) { totalCount } }`,
      `{ projects(filter: { search: "${long}" }) { totalCount } }`,
      `{ complaints(filter: { search: "${long}" }) { totalCount } }`,
    ]) {
      const r = await post(q);
      expect(codeOf(r.body), q.slice(0, 20)).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.extensions?.field).toBe('filter.search');
    }
    const ok = await post(`{ customers(filter: { search: "${'测'.repeat(100)}" }) { totalCount } }`);
    expect(ok.body.errors).toBeUndefined();
  });
});

describe('masked roles cannot recover personal data (§3)', () => {
  const CUSTOMER = `query($id: ID!) { customer(id: $id) { name phone idNumber birthday contactMasked } }`;

  it('masks the birthday for every role but ADMIN; revealCustomerContact returns it', async () => {
    const idNumber = `11010119900307123${idCheckChar('11010119900307123')}`;
    const id = await createCustomer(t, projectId, { birthday: '1990-03-07', idNumber });
    const admin = await t.gql(CUSTOMER, { id }, 'ADMIN');
    expect(admin.data.customer).toMatchObject({ birthday: '1990-03-07', idNumber, contactMasked: false });
    for (const role of ['MANAGER', 'AGENT', 'HANDLER', 'ANALYST'] as const) {
      const r = await t.gql(CUSTOMER, { id }, role);
      expect(r.data.customer, role).toMatchObject({ birthday: null, idNumber: `110***********${idNumber.slice(-4)}`, contactMasked: true });
    }
    const revealed = await t.gql(
      `mutation($input: RevealCustomerContactInput!) { revealCustomerContact(input: $input) { birthday idNumber } }`,
      { input: { customerId: id, reason: '核对生日以便回访' } },
      'MANAGER',
    );
    expect(revealed.data.revealCustomerContact).toEqual({ birthday: '1990-03-07', idNumber });
  });

  /** Budgets count per calendar minute: start a budget test well inside one. */
  async function awayFromMinuteEnd() {
    const s = new Date().getSeconds();
    if (s >= 55) await new Promise((r) => setTimeout(r, (61 - s) * 1000));
  }

  it('budgets searches by personal data per token subject, aliases included, with a retry hint', async () => {
    await awayFromMinuteEnd();
    const token = await t.token('AGENT', { sub: `agent-${unique()}` });
    const search = (s: string) => `customers(filter: { search: "${s}" }) { totalCount }`;
    // Five distinct phones under aliases take five lookups…
    const aliased = await t.gql(`{ ${Array.from({ length: 5 }, (_, i) => `p${i}: ${search(`1390000${1000 + i}`)}`).join(' ')} }`, {}, token);
    expect(aliased.errors).toBeUndefined();
    for (let i = 5; i < LOOKUPS; i++) expect((await t.gql(`{ ${search(`1390000${1000 + i}`)} }`, {}, token)).errors, `lookup ${i}`).toBeUndefined();
    // …so the budget is spent after LOOKUPS values, whatever their shape.
    const over = await t.gql(`{ ${search('李四')} }`, {}, token);
    expect(codeOf(over)).toBe('RATE_LIMITED');
    expect(over.data).toBeNull();
    expect(over.errors?.[0]?.extensions?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(over.errors?.[0]?.extensions?.retryAfter).toBeLessThanOrEqual(60);
    // Aliases beyond the budget in one request get nothing either.
    const burst = await t.gql(`{ ${Array.from({ length: 5 }, (_, i) => `q${i}: ${search(`1380000${1000 + i}`)}`).join(' ')} }`, {}, token);
    expect(codeOf(burst)).toBe('RATE_LIMITED');
    // Another subject has its own budget; ADMIN (unmasked) has none.
    const other = await t.gql(`{ ${search('李四')} }`, {}, await t.token('AGENT', { sub: `agent-${unique()}` }));
    expect(other.errors).toBeUndefined();
    const admin = await t.gql(`{ ${Array.from({ length: LOOKUPS + 4 }, (_, i) => `p${i}: ${search(`1390000${1000 + i}`)}`).join(' ')} }`, {}, 'ADMIN');
    expect(admin.errors).toBeUndefined();
  });

  it('counts a value repeated under aliases, or paged and counted, as one lookup', async () => {
    const token = await t.token('AGENT', { sub: `agent-${unique()}` });
    const same = Array.from({ length: LOOKUPS + 5 }, (_, i) => `s${i}: customers(filter: { search: "王五" }) { totalCount edges { node { id } } }`);
    const r = await t.gql(`{ ${same.join(' ')} }`, {}, token);
    expect(r.errors).toBeUndefined();
  });

  it('counts duplicate checks on create and update, so aliased updateCustomer(idNumber) cannot enumerate candidates', async () => {
    await awayFromMinuteEnd();
    const token = await t.token('AGENT', { sub: `agent-${unique()}` });
    const target = await createCustomer(t, projectId);
    // The attack: every valid ID number that fits the masked one, one alias each.
    const candidates = Array.from({ length: LOOKUPS + 3 }, (_, i) => {
      const first17 = `110${String(101 + i).padStart(3, '0')}19900307456`;
      return first17 + idCheckChar(first17);
    });
    const m = candidates.map((c, i) => `u${i}: updateCustomer(input: { id: "${target}", idNumber: "${c}" }) { customer { id } }`);
    const r = await t.gql(`mutation { ${m.join(' ')} }`, {}, token);
    // Mutations run one after another: the first LOOKUPS check and succeed, the rest are refused.
    expect(r.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(r.errors?.[0]?.path).toEqual([`u${LOOKUPS}`]);
    const stored = await t.gql(`query($id: ID!) { customer(id: $id) { idNumber } }`, { id: target }, 'ADMIN');
    expect(stored.data.customer.idNumber).toBe(candidates[LOOKUPS - 1]);
    // A create's duplicate check draws on the same budget.
    const create = await t.gql(
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`,
      { input: { name: '孙八', phone: uniquePhone(), projectId } },
      token,
    );
    expect(codeOf(create)).toBe('RATE_LIMITED');
  });

  it('answers a duplicate of a hidden customer exactly like one out of scope: no id, no hint of confidentiality', async () => {
    const secretPhone = uniquePhone();
    const outPhone = uniquePhone();
    await createCustomer(t, projectId, { phone: secretPhone, confidentiality: 'SECRET' });
    await createCustomer(t, otherProjectId, { phone: outPhone });
    const agent = await t.token('AGENT', { sub: `agent-${unique()}`, scope: [projectId] });
    const create = (phone: string) =>
      t.gql(`mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`, { input: { name: '赵六', phone, projectId } }, agent);
    const secret = await create(secretPhone);
    const outside = await create(outPhone);
    expect(codeOf(secret)).toBe('CONFLICT');
    expect(secret.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'input.phone' });
    expect(outside.errors?.[0]?.extensions).toEqual(secret.errors?.[0]?.extensions);
    expect(outside.errors?.[0]?.message).toBe(secret.errors?.[0]?.message);
    expect(secret.errors?.[0]?.message).not.toMatch(/SECRET|CONFIDENTIAL|机密|绝密/);
  });

  it('orders masked viewers by what they see of the name, not by the hidden part', async () => {
    const org = await seedOrg(t);
    const p = (await createProject(t, org.szId)).id;
    // Created in this order; full names sort 张甲… < 张乙 differently from creation order.
    const names = ['张乙乙', '李丙', '张甲甲', '张丁'];
    const ids: string[] = [];
    for (const name of names) ids.push(await createCustomer(t, p, { name }));
    const q = `query($p: ID!) { customers(filter: { projectIds: [$p] }, orderBy: { field: NAME }) { edges { node { id name } } } }`;
    const admin = await t.gql(q, { p }, 'ADMIN');
    expect(admin.data.customers.edges.map((e: any) => e.node.name)).toEqual([...names].sort());
    const agent = await t.gql(q, { p }, 'AGENT');
    // Surname first (张 before 李 in code-point order), then creation order.
    const bySurname = [...ids.keys()].sort((a, b) => ([...names[a]!][0]! < [...names[b]!][0]! ? -1 : [...names[a]!][0]! > [...names[b]!][0]! ? 1 : a - b));
    expect(agent.data.customers.edges.map((e: any) => e.node.id)).toEqual(bySurname.map((i) => ids[i]));
    // Paging with cursors follows the same order.
    const page1 = await t.gql(`query($p: ID!) { customers(first: 2, filter: { projectIds: [$p] }) { pageInfo { endCursor } edges { node { id } } } }`, { p }, 'AGENT');
    const page2 = await t.gql(
      `query($p: ID!, $after: String) { customers(first: 2, after: $after, filter: { projectIds: [$p] }) { edges { node { id } } } }`,
      { p, after: page1.data.customers.pageInfo.endCursor },
      'AGENT',
    );
    expect([...page1.data.customers.edges, ...page2.data.customers.edges].map((e: any) => e.node.id)).toEqual(bySurname.map((i) => ids[i]));
  });
});

describe('input and log hygiene (§5)', () => {
  it.each([
    ['in a variable', `query($s: String) { customers(filter: { search: $s }) { totalCount } }`, { s: 'a\u0000b' }, 's'],
    ['in a nested input variable', `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`, { input: { name: '张\u0000三', phone: '13900000000', projectId: 'x' } }, 'input.name'],
    ['in a literal', `{ customers(filter: { search: "a\\u0000b" }) { totalCount } }`, undefined, 'filter.search'],
    ['an unpaired surrogate in a variable', `query($s: String) { customers(filter: { search: $s }) { totalCount } }`, { s: 'x\ud800' }, 's'],
  ])('refuses a control character %s as BAD_USER_INPUT naming the field', async (_what, query, variables, field) => {
    const r = await post(query, { variables, accept: MODERN });
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('BAD_USER_INPUT');
    expect(r.body.errors?.[0]?.extensions?.field).toBe(field);
  });

  const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id name } } }`;

  it.each([
    ['a right-to-left override', '\u202E张三'],
    ['a left-to-right isolate', '张\u2066三'],
    ['only invisible characters', '\u200B\u200D\u3164'],
    ['only spaces', '\u3000 '],
  ])('refuses a name with %s', async (_what, name) => {
    const r = await t.gql(CREATE, { input: { name, phone: uniquePhone(), projectId } }, 'ADMIN');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.extensions?.field).toBe('input.name');
  });

  it('stores text in NFC', async () => {
    const r = await t.gql(CREATE, { input: { name: 'Jose\u0301 Chen', phone: uniquePhone(), projectId } }, 'ADMIN');
    expect(r.data.createCustomer.customer.name).toBe('Jos\u00e9 Chen');
  });
});

describe('tokens and endpoints (§6)', () => {
  const secret = () => new TextEncoder().encode(t.config.jwtSecret);
  const base = () => new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(t.config.jwtIssuer);

  it('refuses a token without exp', async () => {
    const token = await base().setIssuedAt().sign(secret());
    const r = await t.gql('{ viewer { id } }', {}, token);
    expect(r.status).toBe(401);
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
    expect(r.errors?.[0]?.message).toMatch(/exp/);
  });

  it('refuses a token living longer than TOKEN_MAX_TTL, and one without iat', async () => {
    const long = await base().setIssuedAt().setExpirationTime('25h').sign(secret());
    expect((await t.gql('{ viewer { id } }', {}, long)).status).toBe(401);
    const noIat = await base().setExpirationTime('1h').sign(secret());
    expect((await t.gql('{ viewer { id } }', {}, noIat)).status).toBe(401);
    const ok = await base().setIssuedAt().setExpirationTime('24h').sign(secret());
    expect((await t.gql('{ viewer { id } }', {}, ok)).data.viewer.id).toBe('x');
  });

  it('protects /metrics with METRICS_TOKEN when set', async () => {
    expect((await t.fetch('/metrics')).status).toBe(401);
    expect((await t.fetch('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await t.fetch('/metrics', { headers: { authorization: 'Bearer metrics-secret-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('graphql_errors_total');
  });
});

describe('idempotent replays respect visibility', () => {
  it('does not return a customer made SECRET since to the AGENT replaying its create', async () => {
    const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`;
    const agent = await t.token('AGENT', { sub: `agent-${unique()}` });
    const input = { name: '周九', phone: uniquePhone(), projectId, idempotencyKey: `k-${unique()}` };
    const first = await t.gql(CREATE, { input }, agent);
    const id = first.data.createCustomer.customer.id as string;
    const secret = await t.gql(`mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } } }`, { input: { id, confidentiality: 'SECRET' } }, 'ADMIN');
    expect(secret.errors).toBeUndefined();
    const replay = await t.gql(CREATE, { input }, agent);
    expect(codeOf(replay)).toBe('NOT_FOUND');
    expect(JSON.stringify(replay)).not.toContain(id);
  });
});

describe('dates', () => {
  it.each(['0000-01-01', '1899-12-31', '3000-01-01'])('refuses the birthday %s as a client error', async (birthday) => {
    const r = await t.gql(`mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`, { input: { name: '吴十', phone: uniquePhone(), projectId, birthday } }, 'ADMIN');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });
});

describe('viewer', () => {
  it('tells a UI when the token expires and what the viewer may manage', async () => {
    const q = '{ viewer { expiresAt can { manageOrganisation manageStaff seePersonalData } } }';
    const admin = (await t.gql(q, {}, 'ADMIN')).data.viewer;
    expect(Date.parse(admin.expiresAt)).toBeGreaterThan(Date.now());
    expect(admin.can).toEqual({ manageOrganisation: true, manageStaff: true, seePersonalData: true });
    expect((await t.gql(q, {}, 'MANAGER')).data.viewer.can).toEqual({ manageOrganisation: false, manageStaff: true, seePersonalData: false });
    expect((await t.gql(q, {}, 'AGENT')).data.viewer.can).toEqual({ manageOrganisation: false, manageStaff: false, seePersonalData: false });
  });
});

describe('idempotency keys (§7)', () => {
  const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`;

  it('replays the same input, and refuses the same key with a different input as CONFLICT', async () => {
    const key = `k-${unique()}`;
    const input = { name: '钱七', phone: uniquePhone(), projectId, idempotencyKey: key };
    const first = await t.gql(CREATE, { input }, 'AGENT');
    const again = await t.gql(CREATE, { input: { ...input, name: ' 钱七 ' } }, 'AGENT');
    expect(again.data.createCustomer.customer.id).toBe(first.data.createCustomer.customer.id);
    const other = await t.gql(CREATE, { input: { ...input, phone: uniquePhone() } }, 'AGENT');
    expect(codeOf(other)).toBe('CONFLICT');
    expect(other.errors?.[0]?.extensions?.field).toBe('input.idempotencyKey');
    const count = await t.gql(`query($s: String) { customers(filter: { search: $s }) { totalCount } }`, { s: '钱七' }, 'ADMIN');
    expect(count.data.customers.totalCount).toBe(1);
  });
});
