import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { customers } from '../../src/db/schema/index.js';
import { CREATE_COMPLAINT, complaintFixture, dbId } from '../helpers/complaints.js';
import { createCustomer, createProject, seedOrg } from '../helpers/factories.js';
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
  it('A: the complaint desk costs 2 statements for ADMIN, for 5 or 50 complaints', async () => {
    const admin = await t.token('ADMIN');
    const small = await statements(DESK, { first: 5 }, admin);
    const large = await statements(DESK, { first: 50 }, admin);
    expect(small.data.complaints.edges).toHaveLength(5);
    expect(large.data.complaints.edges).toHaveLength(50);
    expect(large.data.complaints.edges.every((e: any) => e.node.customer && e.node.clocks.length > 0)).toBe(true);
    // The page with its customers and projects joined ahead; clocks. No unit-ownership lookup:
    // a whole-group viewer sees every customer whatever units they hold.
    expect([small.n, large.n]).toEqual([2, 2]);
  });

  it('A: a scoped MANAGER pays the same for 5 or 50 complaints', async () => {
    const manager = await t.token('MANAGER', { scope: [projectId] });
    const small = await statements(DESK, { first: 5 }, manager);
    const large = await statements(DESK, { first: 50 }, manager);
    expect(large.data.complaints.edges).toHaveLength(50);
    expect(large.n).toBe(small.n);
    // The above, plus resolving the scope claim (each customer's origin project is in scope,
    // so no unit-ownership lookup either).
    expect(large.n).toBe(3);
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
    // Customer; segment; ownerships and their units; the complaint page; timelines.
    expect(large.n).toBe(5);
  });

  it('A: customers and projects are joined ahead whether selected directly, aliased or through fragments', async () => {
    const admin = await t.token('ADMIN');
    const direct = await statements(`{ complaints(first: 10) { edges { node { id customer { name } project { name } } } } }`, {}, admin);
    const viaFragments = await statements(
      `query { complaints(first: 10) { ...Page } }
       fragment Page on ComplaintConnection { edges { node { id ... on Complaint { who: customer { name } } ...Where } } }
       fragment Where on Complaint { project { name } }`,
      {},
      admin,
    );
    const without = await statements(`{ complaints(first: 10) { edges { node { id number } } } }`, {}, admin);
    expect([direct.n, viaFragments.n, without.n]).toEqual([1, 1, 1]);
    // The same answers as the loaders give when a single complaint is read.
    const first = direct.data.complaints.edges[0].node;
    const one = await t.gql(`query($id: ID!) { complaint(id: $id) { customer { name } project { name } } }`, { id: first.id }, admin);
    expect(one.data.complaint).toEqual({ customer: first.customer, project: first.project });
    expect(viaFragments.data.complaints.edges[0].node).toEqual({ id: first.id, who: first.customer, project: first.project });
  });

  it('A: a customer joined ahead is still shown only to who may see them', async () => {
    // A customer who came in through this project, whose origin then moves to another (as a
    // data correction would) and who holds no unit here: a MANAGER of this project still sees
    // the complaint filed here, but not the customer (Complaint.customer is null).
    const org = await seedOrg(t);
    const elsewhere = await createProject(t, org.szId);
    const stranger = await createCustomer(t, projectId);
    const input = { customerId: stranger, projectId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: '噪音' };
    const created = await t.gql(CREATE_COMPLAINT.replace('...C', 'id'), { input }, 'ADMIN');
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    const id = created.data.createComplaint.complaint.id;
    await t.database.db.update(customers).set({ originProjectId: dbId(elsewhere.id) }).where(eq(customers.id, dbId(stranger)));
    const manager = await t.token('MANAGER', { scope: [projectId] });
    const page = await statements(`{ complaints(first: 200) { edges { node { id customer { id name } project { id } } } } }`, {}, manager);
    const mine = page.data.complaints.edges.find((e: any) => e.node.id === id);
    expect(mine.node).toEqual({ id, customer: null, project: { id: projectId } });
    // Whereas ADMIN, on the same page, sees them.
    const all = await statements(`{ complaints(first: 1) { edges { node { id customer { id } } } } }`, {}, await t.token('ADMIN'));
    expect(all.data.complaints.edges[0].node).toEqual({ id, customer: { id: stranger } });
  });

  it('C: a page of projects with their city companies is one statement', async () => {
    const admin = await t.token('ADMIN');
    const r = await statements(`{ projects(first: 20) { edges { node { id name cityCompany { id name } } } } }`, {}, admin);
    expect(r.data.projects.edges.length).toBeGreaterThan(0);
    expect(r.data.projects.edges.every((e: any) => typeof e.node.cityCompany.name === 'string')).toBe(true);
    expect(r.n).toBe(1);
  });
});
