import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_COMPLAINT, complaintFixture, step, testClock } from '../helpers/complaints.js';
import type { Role } from '../../src/domain/enums.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type App } from '../../src/server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// Operations run on graphql-jit by default (GRAPHQL_EXECUTOR=jit, src/http/executor.ts), on
// graphql-js when asked. Two servers on one database, one per executor, must answer every
// request the same: data, errors, codes and HTTP status.

const clock = testClock('2026-06-01T02:00:00Z');
let jit: TestApp;
let js: { app: App; url: string };
let ids: { customer: string; complaint: string };
let fixture: Awaited<ReturnType<typeof complaintFixture>>;

beforeAll(async () => {
  jit = await startTestApp({ clock: clock.now });
  expect(jit.config.graphqlExecutor).toBe('jit');
  const app = await createApp({ config: { ...jit.config, graphqlExecutor: 'graphql-js' }, database: jit.database, logger: createLogger('silent'), clock: clock.now });
  js = { app, url: `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}` };
  const f = await complaintFixture(jit);
  const agent = await jit.token('AGENT');
  let first = '';
  for (let i = 0; i < 3; i++) {
    const input = { customerId: f.customerId, projectId: f.project.id, unitId: f.unitId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: `漏水 ${i}` };
    const r = await jit.gql(CREATE_COMPLAINT.replace('...C', 'id'), { input }, agent);
    expect(r.errors).toBeUndefined();
    first ||= r.data.createComplaint.complaint.id;
  }
  expect((await step(jit, 'acceptComplaint', { complaintId: first, department: 'ENGINEERING' }, agent)).errors).toBeUndefined();
  await jit.settle();
  ids = { customer: f.customerId, complaint: first };
  fixture = f;
});
afterAll(async () => {
  await js?.app.close();
  await jit?.close();
});

/** Status, media type, cache policy and body (as sent, and parsed) of a POST, with request ids (random per request) taken out. */
async function answer(url: string, body: unknown, role: Role, accept?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await jit.token(role)}`, ...(accept ? { accept } : {}) },
    body: JSON.stringify(body),
  });
  const text = (await res.text()).replace(/"requestId":"[^"]+"/g, '"requestId":"…"');
  return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), text, body: JSON.parse(text) as unknown };
}

describe('graphql-jit and graphql-js answer alike', () => {
  const cases: [string, () => { query: string; variables?: Record<string, unknown>; operationName?: string }, Role][] = [
    ['the standard introspection query', () => ({ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }) }), 'ADMIN'],
    ['the complaint desk', () => ({ query: `{ complaints(first: 10) { edges { cursor node { id number status receivedAt nextDueAt customer { name phone } project { name } clocks { clock state dueAt breached remaining } } } pageInfo { hasNextPage endCursor } totalCount } }` }), 'ADMIN'],
    ['the customer 360 with a masked role', () => ({ query: `query($id: ID!) { customer(id: $id) { id name phone segment units { unit { label } } complaints(first: 5) { edges { node { number timeline { type at note } } } } } }`, variables: { id: ids.customer } }), 'AGENT'],
    ['node(id:) through the interface, with fragments and __typename', () => ({ query: `query($id: ID!) { node(id: $id) { __typename id ... on Complaint { number allowedActions } } }`, variables: { id: ids.complaint } }), 'ADMIN'],
    ['a NOT_FOUND in a nullable field', () => ({ query: `{ a: complaint(id: "Q29tcGxhaW50Ojk5OTk5") { id } b: viewer { role } }` }), 'ADMIN'],
    ['a refused root field (FORBIDDEN)', () => ({ query: `{ auditLog(first: 1) { totalCount } }` }), 'AGENT'],
    ['a bad variable (BAD_USER_INPUT, 400)', () => ({ query: `query($first: Int) { complaints(first: $first) { totalCount } }`, variables: { first: 'many' } }), 'ADMIN'],
    ['a bad argument value caught by a resolver', () => ({ query: `{ complaints(first: -1) { totalCount } }` }), 'ADMIN'],
    ['a named operation among several', () => ({ query: `query A { viewer { role } } query B { complaints(first: 1) { totalCount } }`, operationName: 'B' }), 'ADMIN'],
    ['several operations and no name', () => ({ query: `query A { viewer { role } } query B { viewer { role } }` }), 'ADMIN'],
    ['@skip and @include on fields and fragments', () => ({ query: `query($s: Boolean!) { viewer { role @skip(if: $s) ...V @include(if: $s) } } fragment V on Viewer { id }`, variables: { s: true } }), 'ADMIN'],
    ['a mutation refused by its rules', () => ({ query: `mutation($id: ID!) { closeComplaint(input: { complaintId: $id }) { complaint { status } } }`, variables: { id: ids.complaint } }), 'AGENT'],
  ];
  for (const [label, body, role] of cases) {
    it(label, async () => {
      const [a, b] = [await answer(jit.url, body(), role), await answer(js.url, body(), role)];
      expect(a).toEqual(b);
      expect(a.status).toBeGreaterThanOrEqual(200);
      // Sent again: a query answered without errors now skips Apollo's pipeline (JitExecutor.answer); the answer is the same, byte for byte.
      expect(await answer(jit.url, body(), role)).toEqual(b);
    });
  }

  // Accept headers negotiate the answer's media type; a query kept ready is answered with the type Apollo gave that header.
  it.each([
    ['application/json', 'application/json; charset=utf-8'],
    ['application/graphql-response+json', 'application/graphql-response+json; charset=utf-8'],
    ['application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json; charset=utf-8'],
  ])('answers again with the media type negotiated for Accept: %s', async (accept, type) => {
    const body = { query: `query Again($n: Int) { complaints(first: $n) { totalCount edges { node { number } } } }`, variables: { n: 2 } };
    const first = await answer(jit.url, body, 'ADMIN', accept);
    const again = await answer(jit.url, body, 'ADMIN', accept);
    expect(first.type).toBe(type);
    expect(again).toEqual(first);
    expect(again).toEqual(await answer(js.url, body, 'ADMIN', accept));
  });

  it('counts the answers given ready in /metrics: the second POST of a text, not the first', async () => {
    const ready = async () => Number(/^graphql_ready_answers_total (\d+)/m.exec(await (await fetch(`${jit.url}/metrics`)).text())?.[1]);
    const body = { query: `query Counted { complaints(first: 1) { totalCount } }` };
    const before = await ready();
    await answer(jit.url, body, 'ADMIN');
    expect(await ready()).toBe(before);
    await answer(jit.url, body, 'ADMIN');
    await answer(jit.url, body, 'AGENT');
    expect(await ready()).toBe(before + 2);
  });

  it.each(['application/json', 'application/graphql-response+json'])('refuses a bad variable of a query kept ready as Apollo does (Accept: %s)', async (accept) => {
    const query = `query($first: Int) { complaints(first: $first) { totalCount } }`;
    await answer(jit.url, { query, variables: { first: 1 } }, 'ADMIN', accept);
    const bad = { query, variables: { first: 'many' } };
    const [a, b] = [await answer(jit.url, bad, 'ADMIN', accept), await answer(js.url, bad, 'ADMIN', accept)];
    expect(a).toEqual(b);
    expect(a.text).toContain('BAD_USER_INPUT');
    expect(a.status).toBe(accept === 'application/json' ? 200 : 400);
  });

  it('answers a query kept ready for another viewer by that viewer’s rights', async () => {
    const query = `query($id: ID!) { customer(id: $id) { name phone } }`;
    const admin = await answer(jit.url, { query, variables: { id: ids.customer } }, 'ADMIN');
    const agent = await answer(jit.url, { query, variables: { id: ids.customer } }, 'AGENT');
    expect(agent).toEqual(await answer(js.url, { query, variables: { id: ids.customer } }, 'AGENT'));
    // The agent sees the phone masked: the ready query ran on the agent's context, not the admin's answer.
    expect(agent.text).not.toBe(admin.text);
  });

  it('answers again with errors as Apollo does, running the operation once', async () => {
    const query = `query($id: ID!) { complaint(id: $id) { number } }`;
    const ok = await answer(jit.url, { query, variables: { id: ids.complaint } }, 'ADMIN');
    expect(ok.text).toContain('"number"');
    // The same text, kept ready, now fails: NOT_FOUND, formatted by Apollo's path.
    const missing = { query, variables: { id: 'Q29tcGxhaW50Ojk5OTk5' } };
    const [a, b] = [await answer(jit.url, missing, 'ADMIN'), await answer(js.url, missing, 'ADMIN')];
    expect(a).toEqual(b);
    expect(a.text).toContain('NOT_FOUND');
  });
});

describe('an answer with errors', () => {
  // The plugin answers operations without errors; one with errors goes through Apollo's
  // execution path (src/http/executor.ts), which must not run it a second time.
  it('is computed once: a mutation whose second field fails creates one complaint, not two', async () => {
    const agent = await jit.token('AGENT');
    const count = async () => (await jit.gql(`query($id: ID!) { customer(id: $id) { complaints(first: 1) { totalCount } } }`, { id: ids.customer }, agent)).data.customer.complaints.totalCount as number;
    const before = await count();
    const input = { customerId: fixture.customerId, projectId: fixture.project.id, unitId: fixture.unitId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: '一次' };
    const r = await jit.gql(
      `mutation($input: CreateComplaintInput!, $id: ID!) { a: createComplaint(input: $input) { complaint { id } } b: closeComplaint(input: { complaintId: $id }) { complaint { status } } }`,
      { input, id: ids.complaint },
      agent,
    );
    // b's payload is non-null: its error nulls the whole answer, after a ran.
    expect(r.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'INVALID_TRANSITION']]);
    expect(await count()).toBe(before + 1);
  });
});
