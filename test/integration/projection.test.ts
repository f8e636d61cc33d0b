import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_COMPLAINT, complaintFixture, step, testClock } from '../helpers/complaints.js';
import { startTestApp, traced as tracedOn, type TestApp } from '../helpers/test-app.js';

// Lists of complaints, their clocks and their timelines select only the columns the operation
// reads (src/graphql/projection.ts). What must hold: the statements leave out what nobody
// selected, and every field answers exactly what the whole row answers (Query.complaint reads
// whole rows through the loader), whichever way the selection is written.

/** Every field of a complaint and of its clocks, timeline and alerts. */
const EVERYTHING = `fragment All on Complaint {
  id number status kind category defectLocation channel description attachments severity majorReason department slaPaused
  receivedAt acceptedAt resolvedAt returnVisitedAt closedAt escalatedAt escalationReportedAt nextDueAt repairAppointmentAt
  returnVisitScore resolution rejectReason reopenCount isRepeat allowedActions
  customer { id name } project { id name } unit { id label } firstResponder { id login } handler { id login } repeatOf { id number }
  clocks { clock cycle state target workingTime warnShare startedAt dueAt stoppedAt warnedAt breachedAt remaining breached }
  timeline { id type fromStatus toStatus actor { login } note data at }
  alerts { id level clock }
}`;

let t: TestApp;
let customerId: string;
let projectId: string;
let agent: string;
let admin: string;
// A stopped clock: `remaining` answers the same in the list and in the single read.
const clock = testClock('2026-06-01T02:00:00Z');

beforeAll(async () => {
  t = await startTestApp({ clock: clock.now });
  const f = await complaintFixture(t);
  customerId = f.customerId;
  projectId = f.project.id;
  agent = await t.token('AGENT');
  admin = await t.token('ADMIN');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const input = { customerId, projectId, unitId: f.unitId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: `卫生间漏水 ${i}`, attachments: [`https://img.example.com/${i}.jpg`] };
    const r = await t.gql(CREATE_COMPLAINT.replace('...C', 'id'), { input }, agent);
    expect(r.errors).toBeUndefined();
    ids.push(r.data.createComplaint.complaint.id);
  }
  // One accepted with a note and escalated: department, handler-less acceptance, major reason, a longer timeline.
  expect((await step(t, 'acceptComplaint', { complaintId: ids[0], department: 'ENGINEERING', note: '方案：重做防水' }, agent)).errors).toBeUndefined();
  expect((await step(t, 'escalateComplaint', { complaintId: ids[0], reason: 'AUTHORITY_OR_MEDIA', note: '业主投诉至住建局' }, agent)).errors).toBeUndefined();
  await t.settle();
});
afterAll(() => t?.close());

const traced = <T>(fn: () => Promise<T>) => tracedOn(t, fn);
const from = (texts: string[], table: string) => texts.filter((s) => new RegExp(`from "${table}"`).test(s));

describe('columns selected for lists of complaints', () => {
  it('the complaint desk reads the columns it shows, and no others, from complaints and clocks', async () => {
    const query = `{ complaints(first: 10) { edges { node { id number status receivedAt description customer { name } clocks { clock state dueAt breached } } } } }`;
    const { texts, value } = await traced(() => t.gql(query, {}, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.complaints.edges.length).toBeGreaterThanOrEqual(4);
    const [page] = from(texts, 'complaints');
    expect(page).toContain('"description"');
    expect(page).toContain('"customer_id"');
    for (const unread of ['"attachments"', '"sla_targets"', '"resolution"', '"closed_at"', '"channel"']) expect(page).not.toContain(unread);
    const [clocks] = from(texts, 'sla_clocks');
    expect(clocks).toContain('"breached_at"');
    for (const unread of ['"next_check_at"', '"warn_due_at"', '"paused_at"', '"target"']) expect(clocks).not.toContain(unread);
  });

  it('a customer’s nested complaints and their timelines read only what is selected', async () => {
    const query = `query($id: ID!) { customer(id: $id) { complaints(first: 5) { edges { node { number timeline { type at } } } } } }`;
    const { texts, value } = await traced(() => t.gql(query, { id: customerId }, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.customer.complaints.edges).toHaveLength(4);
    const [page] = from(texts, 'complaints');
    expect(page).toContain('"number"');
    expect(page).not.toContain('"description"');
    const [events] = from(texts, 'complaint_events');
    expect(events).toContain('"type"');
    expect(events).not.toContain('"note"');
    expect(events).not.toContain('"data"');
  });

  it('a page of projects with their complaints, customers and touchpoints reads only the project columns shown', async () => {
    // Each nested list reads the project's id alone (declared with fieldNeeds): selecting one
    // must not make the page read whole project rows.
    const query = `{ projects(first: 5) { edges { node { name complaints(first: 1) { totalCount } customers(first: 1) { totalCount } touchpoints(first: 1) { totalCount } } } } }`;
    const { texts, value } = await traced(() => t.gql(query, {}, admin));
    expect(value.errors).toBeUndefined();
    const mine = value.data.projects.edges.find((e: { node: { complaints: { totalCount: number } } }) => e.node.complaints.totalCount >= 4);
    expect(mine.node.customers.totalCount).toBeGreaterThanOrEqual(1);
    const [page] = from(texts, 'projects');
    expect(page).toContain('"name"');
    for (const unread of ['"warranty_terms"', '"total_units"', '"sales_opened_on"', '"phase"', '"code"']) expect(page).not.toContain(unread);
  });

  it('a page of customers with their journeys reads only the customer columns shown', async () => {
    const query = `{ customers(first: 5) { edges { node { name journey { truncated stages { stage } } } } } }`;
    const { texts, value } = await traced(() => t.gql(query, {}, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.customers.edges.some((e: { node: { journey: { stages: unknown[] } } }) => e.node.journey.stages.length > 0)).toBe(true);
    const [page] = from(texts, 'customers');
    expect(page).toContain('"name"');
    for (const unread of ['"email"', '"birthday"', '"id_number"', '"member_no"']) expect(page).not.toContain(unread);
  });

  it('every field of a listed complaint answers what the complaint read whole answers, masked for a masked role', async () => {
    for (const viewer of [admin, agent]) {
      const list = await t.gql(`{ complaints(first: 10) { edges { node { ...All } } } } ${EVERYTHING}`, {}, viewer);
      expect(list.errors).toBeUndefined();
      const nodes = list.data.complaints.edges.map((e: any) => e.node);
      expect(nodes.some((n: any) => n.majorReason === 'AUTHORITY_OR_MEDIA' && n.timeline.length > 2 && n.attachments.length === 1)).toBe(true);
      // The customer is masked for AGENT as everywhere else.
      expect(nodes.every((n: any) => (viewer === agent ? n.customer.name.includes('*') : !n.customer.name.includes('*')))).toBe(true);
      for (const node of nodes) {
        const one = await t.gql(`query($id: ID!) { complaint(id: $id) { ...All } } ${EVERYTHING}`, { id: node.id }, viewer);
        expect(one.errors).toBeUndefined();
        expect(node).toEqual(one.data.complaint);
      }
    }
    const list = await t.gql(`{ complaints(first: 10) { edges { node { ...All } } } } ${EVERYTHING}`, {}, admin);
    const nodes = list.data.complaints.edges.map((e: any) => e.node);
    // The nested list (customer) and the project's answer the same.
    const nested = await t.gql(`query($c: ID!, $p: ID!) { customer(id: $c) { complaints(first: 10) { edges { node { ...All } } } } project(id: $p) { complaints(first: 10) { edges { node { ...All } } } } } ${EVERYTHING}`, { c: customerId, p: projectId }, admin);
    expect(nested.errors).toBeUndefined();
    expect(nested.data.customer.complaints.edges.map((e: any) => e.node)).toEqual(nodes.filter((n: any) => n.customer.id === customerId));
    expect(nested.data.project.complaints.edges.map((e: any) => e.node)).toEqual(nodes.filter((n: any) => n.project.id === projectId));
  });

  it('relations a list loads ahead answer alike under aliases, twice, or behind directives', async () => {
    // The complaint list loads the customers, projects and clocks its nodes select before their
    // resolvers run (complaint.resolver.ts loadRelations); selected twice or conditionally, the
    // resolvers load them themselves. Either way each node answers what complaint(id:) answers.
    const selection = `id
      customer @include(if: $d) { id name phone }
      who: customer { phone idNumber email birthday contactMasked }
      project @skip(if: $d) { id name }
      clocks { clock breached }
      late: clocks { dueAt state breached }`;
    for (const viewer of [admin, agent]) {
      for (const d of [true, false]) {
        const list = await t.gql(`query($d: Boolean!) { complaints(first: 10) { edges { node { ${selection} } } } }`, { d }, viewer);
        expect(list.errors).toBeUndefined();
        const nodes = list.data.complaints.edges.map((e: any) => e.node);
        expect(nodes.length).toBeGreaterThanOrEqual(4);
        expect(nodes.every((n: any) => n.who.contactMasked === (viewer === agent) && n.who.phone.includes('*') === (viewer === agent))).toBe(true);
        for (const node of nodes) {
          const one = await t.gql(`query($id: ID!, $d: Boolean!) { complaint(id: $id) { ${selection} } }`, { id: node.id, d }, viewer);
          expect(one.errors).toBeUndefined();
          expect(node).toEqual(one.data.complaint);
        }
      }
    }
  });

  it('pages by cursor in either order when the sort key itself is not selected', async () => {
    for (const field of ['RECEIVED_AT', 'DUE_AT']) {
      const everyNumber = (await t.gql(`{ complaints(first: 10, orderBy: { field: ${field}, direction: ASC }) { edges { node { number } } } }`, {}, admin)).data.complaints.edges.map((e: any) => e.node.number);
      expect(everyNumber).toHaveLength(4);
      for (const nested of [false, true]) {
        const q = nested
          ? `query($after: String) { customer(id: "${customerId}") { complaints(first: 1, after: $after, orderBy: { field: ${field}, direction: ASC }) { edges { cursor node { number } } } } }`
          : `query($after: String) { complaints(first: 1, after: $after, orderBy: { field: ${field}, direction: ASC }) { edges { cursor node { number } } } }`;
        const seen: string[] = [];
        let after: string | null = null;
        for (let i = 0; i < 5; i++) {
          const r: { data?: any; errors?: unknown } = await t.gql(q, { after }, admin);
          expect(r.errors).toBeUndefined();
          const edges: { cursor: string; node: { number: string } }[] = (nested ? r.data.customer : r.data).complaints.edges;
          if (edges.length === 0) break;
          seen.push(edges[0]!.node.number);
          after = edges[0]!.cursor;
        }
        expect(seen).toEqual(everyNumber);
      }
    }
  });

  it('follows fragments, inline fragments, aliases, directives and fields selected twice', async () => {
    const query = `query($d: Boolean!) {
      a: complaints(first: 4) { ...Numbers }
      b: complaints(first: 4) { ...Numbers edges { node { ... on Complaint { text: description } ... { channel } ...Sev } } }
      c: complaints(first: 4) { edges { node { id } } }
      c: complaints(first: 4) { edges { node { description @include(if: $d) kind } } }
      x: customer(id: "${customerId}") { ...Theirs }
      y: customer(id: "${customerId}") { ...Theirs complaints(first: 4) { edges { node { description } } } }
    }
    fragment Numbers on ComplaintConnection { edges { node { id number } } }
    fragment Sev on Node { ... on Complaint { severity } }
    fragment Theirs on Customer { complaints(first: 4) { edges { node { number } } } }`;
    for (const d of [true, false]) {
      const r = await t.gql(query, { d }, admin);
      expect(r.errors).toBeUndefined();
      const all = (await t.gql(`{ complaints(first: 4) { edges { node { id number description channel severity kind } } } }`, {}, admin)).data.complaints.edges.map((e: any) => e.node);
      expect(r.data.a.edges.map((e: any) => e.node)).toEqual(all.map((n: any) => ({ id: n.id, number: n.number })));
      expect(r.data.b.edges.map((e: any) => e.node)).toEqual(all.map((n: any) => ({ id: n.id, number: n.number, text: n.description, channel: n.channel, severity: n.severity })));
      expect(r.data.c.edges.map((e: any) => e.node)).toEqual(all.map((n: any) => ({ id: n.id, ...(d ? { description: n.description } : {}), kind: n.kind })));
      expect(r.data.x.complaints.edges.map((e: any) => e.node)).toEqual(all.map((n: any) => ({ number: n.number })));
      expect(r.data.y.complaints.edges.map((e: any) => e.node)).toEqual(all.map((n: any) => ({ number: n.number, description: n.description })));
    }
  });
});
