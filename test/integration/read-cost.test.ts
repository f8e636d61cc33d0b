import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_COMPLAINT, complaintFixture } from '../helpers/complaints.js';
import { createCustomer } from '../helpers/factories.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The two hot read shapes of the performance work (bench/read.mjs, workloads A and B): what
// each costs in SQL statements must not grow with the page, and must not creep up unseen.

/** A. The complaint desk: open complaints by receipt time with customer, project and clocks. */
const DESK = `query A($first: Int!) {
  complaints(first: $first, filter: { statuses: [RECEIVED, ACCEPTED, IN_PROGRESS, REOPENED] }, orderBy: { field: RECEIVED_AT, direction: DESC }) {
    edges { node { id number kind category severity status receivedAt nextDueAt description
      customer { id name phone } project { id name } clocks { clock state dueAt breached } } }
    pageInfo { hasNextPage }
  }
}`;

/** B. The customer 360: one customer, their units, and their complaints with timelines. */
const CUSTOMER_360 = `query B($id: ID!, $first: Int!) {
  customer(id: $id) {
    id name phone segment
    units { unit { label } signedAt deliveredAt }
    complaints(first: $first) { edges { node { id number status receivedAt description timeline { type at fromStatus toStatus note } } } }
  }
}`;

let t: TestApp;
let projectId: string;
let regular: string;

beforeAll(async () => {
  t = await startTestApp();
  const f = await complaintFixture(t);
  projectId = f.project.id;
  regular = f.customerId;
  const others = await Promise.all(Array.from({ length: 5 }, () => createCustomer(t, projectId)));
  // 20 complaints of one customer (B), and 50 open complaints of six customers (A).
  for (let i = 0; i < 50; i++) {
    const customerId = i < 20 ? regular : others[i % others.length]!;
    const input = { customerId, projectId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: `漏水 ${i}`, ...(i < 20 ? { unitId: f.unitId } : {}) };
    const r = await t.gql(CREATE_COMPLAINT.replace('...C', 'id'), { input }, 'AGENT');
    expect(r.errors).toBeUndefined();
  }
  await t.settle();
});
afterAll(() => t?.close());

async function statements(query: string, variables: Record<string, unknown>, auth: string): Promise<{ n: number; data: any }> {
  const before = t.requestStatements();
  const r = await t.gql(query, variables, auth);
  expect(r.errors).toBeUndefined();
  return { n: t.requestStatements() - before, data: r.data };
}

describe('statements per request of the hot read shapes', () => {
  it('A: the complaint desk costs 1 statement for ADMIN, for 5 or 50 complaints', async () => {
    const admin = await t.token('ADMIN');
    const small = await statements(DESK, { first: 5 }, admin);
    const large = await statements(DESK, { first: 50 }, admin);
    expect(small.data.complaints.edges).toHaveLength(5);
    expect(large.data.complaints.edges).toHaveLength(50);
    expect(large.data.complaints.edges.every((e: any) => e.node.customer && e.node.clocks.length > 0)).toBe(true);
    // The page, with its customers, projects and clocks in the same statement. No
    // unit-ownership lookup: a whole-group viewer sees every customer whatever units they hold.
    expect([small.n, large.n]).toEqual([1, 1]);
  });

  it('A: a scoped MANAGER pays the same for 5 or 50 complaints', async () => {
    const manager = await t.token('MANAGER', { scope: [projectId] });
    const small = await statements(DESK, { first: 5 }, manager);
    const large = await statements(DESK, { first: 50 }, manager);
    expect(large.data.complaints.edges).toHaveLength(50);
    expect(large.n).toBe(small.n);
    // The above, plus resolving the scope claim (each customer's origin project is in scope,
    // so no unit-ownership lookup either).
    expect(large.n).toBe(2);
  });

  it('B: the customer 360 costs the same for 3 or 20 complaints with timelines', async () => {
    const admin = await t.token('ADMIN');
    const small = await statements(CUSTOMER_360, { id: regular, first: 3 }, admin);
    const large = await statements(CUSTOMER_360, { id: regular, first: 20 }, admin);
    expect(small.data.customer.complaints.edges).toHaveLength(3);
    expect(large.data.customer.complaints.edges).toHaveLength(20);
    expect(large.data.customer.complaints.edges.every((e: any) => e.node.timeline.length > 0)).toBe(true);
    expect(large.data.customer.units).toHaveLength(1);
    expect(large.n).toBe(small.n);
    // The customer; their ownerships with the units joined (segment and units share them); the
    // complaint page with each complaint's timeline as a JSON list.
    expect(large.n).toBe(3);
  });

  it('relations behind a directive that turns them off are not loaded ahead', async () => {
    const admin = await t.token('ADMIN');
    const relations = 'customer { name } project { name } clocks { state } timeline { type }';
    for (const query of [
      `query($d: Boolean!) { complaints(first: 10) { edges { node { id ... @include(if: $d) { ${relations} } } } } }`,
      `query($d: Boolean!) { complaints(first: 10) { edges @include(if: $d) { node { id ${relations} } } pageInfo { hasNextPage } } }`,
      `query($d: Boolean!) { complaints(first: 10) { edges { node @include(if: $d) { id ...R } } } } fragment R on Complaint { ${relations} }`,
      `query($d: Boolean!) { complaints(first: 10) { edges { node { id ...R @include(if: $d) } } } } fragment R on Complaint { ${relations} }`,
    ]) {
      // Off: the page alone. On: the page and one statement per relation.
      expect((await statements(query, { d: false }, admin)).n, query).toBe(1);
      expect((await statements(query, { d: true }, admin)).n, query).toBe(5);
    }
  });

  it('nested complaint pages of many customers load their relations together: the same for 2 or 6 customers', async () => {
    // Each customer's page loads its rows' relations before their fields resolve; the pages of
    // all customers must share those statements, as their field resolvers' loads did.
    const NESTED = `query($n: Int!) { customers(first: $n) { edges { node { id complaints(first: 5) { edges { node {
      number customer { name } project { name } clocks { state breached } timeline { type at } } } } } } } }`;
    const admin = await t.token('ADMIN');
    const small = await statements(NESTED, { n: 2 }, admin);
    const large = await statements(NESTED, { n: 6 }, admin);
    const pages = (r: { data: any }) => r.data.customers.edges.map((e: any) => e.node.complaints.edges);
    expect(pages(large).length).toBe(6);
    expect(pages(large).filter((p: unknown[]) => p.length > 0).length).toBeGreaterThanOrEqual(4);
    expect(pages(large).flat().every((e: any) => e.node.customer && e.node.project && e.node.clocks.length > 0 && e.node.timeline.length > 0)).toBe(true);
    expect(large.n).toBe(small.n);
    // Customers (whole rows, at hand for the complaints' `customer`); the complaint pages of all
    // of them in one statement, with their projects joined and their clocks and timelines as
    // JSON lists.
    expect(large.n).toBe(2);
  });
});
