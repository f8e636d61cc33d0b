import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckChar } from '../../src/domain/contact.js';
import { CREATE_COMPLAINT, step } from '../helpers/complaints.js';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { startTestApp, traced as tracedOn, type TestApp } from '../helpers/test-app.js';

// The customers, projects and clocks of a complaint list are read with only the columns the
// operation shows and the access rules read (Customer: confidentiality and origin project; see
// the fieldNeeds declarations in customer.resolver.ts and project.resolver.ts): in the page's
// own statement (joined, and the clocks as a JSON array per complaint), primed into loaders of
// their own (RequestLoaders.customersWith / projectsWith / clocksWith); other lists read them
// through those loaders. What must hold: the statements leave out what nobody reads, a field
// nobody declared gets the whole row, and every viewer sees exactly what the whole row shows
// them (`complaint(id:)` reads the customer's whole row to decide visibility and its clocks
// through their loader; `project(id:)` reads the project's).

const ID_NUMBER = `11010119900307123${idCheckChar('11010119900307123')}`;
let t: TestApp;
let p1: string;
let admin: string;
const ids: string[] = [];

/** The customers and projects of every listed complaint, and of the same complaint read alone. */
const PROJECT = `id name code cityCompany { id }`;
const CLOCKS = `clocks { clock cycle state target workingTime warnShare startedAt dueAt stoppedAt warnedAt breachedAt breached }`;
const SHOWN = `id customer { id name phone idNumber email birthday contactMasked segment originProject { id } } project { ${PROJECT} } ${CLOCKS}`;

beforeAll(async () => {
  t = await startTestApp();
  const org = await seedOrg(t);
  p1 = (await createProject(t, org.szId)).id;
  const p2 = (await createProject(t, org.szId)).id;
  admin = await t.token('ADMIN');
  const agent = await t.token('AGENT');
  // In project 1: a customer of project 1, and one of project 2 holding a unit in project 1 (a
  // viewer scoped to project 1 sees them through the unit: their origin project is out of scope).
  const own = await createCustomer(t, p1, { idNumber: ID_NUMBER, email: 'zhang@example.com', birthday: '1990-03-07' });
  const holder = await createCustomer(t, p2);
  await addUnit(t, holder, p1);
  for (const customerId of [own, holder]) {
    const input = { customerId, projectId: p1, kind: 'COMPLAINT', category: 'SERVICE_ATTITUDE', channel: 'PHONE', description: '物业前台态度差' };
    const r = await t.gql(CREATE_COMPLAINT.replace('...C', 'id'), { input }, agent);
    expect(r.errors).toBeUndefined();
    ids.push(r.data.createComplaint.complaint.id);
  }
  // One clock stopped (ACCEPTANCE, on acceptance): its stop time travels in the list's JSON too.
  const accepted = await step(t, 'acceptComplaint', { complaintId: ids[0], department: 'PROPERTY' }, agent);
  expect(accepted.errors).toBeUndefined();
  const touchpoint = { customerId: own, projectId: p1, stage: 'SIGNING', channel: 'PHONE', kind: 'FOLLOW_UP_CALL', notes: '电话回访' };
  const r = await t.gql(`mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`, { input: touchpoint }, admin);
  expect(r.errors).toBeUndefined();
  await t.settle();
});
afterAll(() => t?.close());

const traced = <T>(fn: () => Promise<T>) => tracedOn(t, fn);
const from = (texts: string[], table: string) => texts.filter((s) => new RegExp(`from "${table}"`).test(s));
/** The statements of a loader by primary key (`where "table"."id" = $1` for one key, `= any($1)` for several). */
const byKey = (texts: string[], table: string) => from(texts, table).filter((s) => s.includes(`"${table}"."id" = any(`) || s.includes(`"${table}"."id" = $1`));

describe('customers, projects and clocks of a complaint list', () => {
  it('are read in the page\'s statement with the columns shown and those access reads, and no others', async () => {
    const query = `{ complaints(first: 10) { edges { node { id customer { name phone } project { name } clocks { state dueAt } } } } }`;
    const { texts, value } = await traced(() => t.gql(query, {}, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.complaints.edges).toHaveLength(2);
    expect(value.data.complaints.edges.every((e: any) => e.node.customer.name && e.node.project.name && e.node.clocks.length > 0)).toBe(true);
    expect(texts).toHaveLength(1);
    const [page] = texts as [string];
    expect(page).toMatch(/from "complaints" left join "customers" .* left join "projects"/);
    for (const read of ['"name"', '"phone"', '"confidentiality"', '"origin_project_id"']) expect(page).toContain(`"customers".${read}`);
    for (const unread of ['"id_number"', '"email"', '"birthday"', '"member_no"', '"created_at"']) expect(page).not.toContain(`"customers".${unread}`);
    expect(page).toContain('"projects"."name"');
    for (const unread of ['"warranty_terms"', '"stage"', '"city_company_id"']) expect(page).not.toContain(`"projects".${unread}`);
    expect(page).toContain('from "sla_clocks"');
    for (const read of ['"state"', '"due_at"']) expect(page).toContain(`"sla_clocks".${read}`);
    for (const unread of ['"target"', '"consumed_ms"', '"next_check_at"']) expect(page).not.toContain(`"sla_clocks".${unread}`);
  });

  it('read only what fields declared in other modules read, in the page', async () => {
    // `journey` (journey module) and `customers` (customer module, on Project) read the row's id
    // alone. (A field that declares nothing would read whole rows: test/unit/projection-declared.test.ts.)
    const query = `{ complaints(first: 10) { edges { node { customer { name journey { stages { stage } } } project { name customers(first: 1) { totalCount } } } } } }`;
    const { texts, value } = await traced(() => t.gql(query, {}, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.complaints.edges.every((e: any) => e.node.project.customers.totalCount > 0)).toBe(true);
    const page = from(texts, 'complaints').find((s) => s.includes('left join'))!;
    expect(page).toContain('"customers"."name"');
    expect(page).not.toContain('"customers"."id_number"');
    expect(page).not.toContain('"projects"."warranty_terms"');
    // No loader's statement by key for either: the page brought them.
    expect(byKey(texts, 'customers')).toHaveLength(0);
    expect(byKey(texts, 'projects')).toHaveLength(0);
  });

  it('answer every viewer what the whole rows answer: masked, and seen through a unit in scope', async () => {
    const viewers = {
      admin,
      agent: await t.token('AGENT'),
      scoped: await t.token('MANAGER', { scope: [p1] }),
    };
    for (const [name, viewer] of Object.entries(viewers)) {
      const list = await t.gql(`{ complaints(first: 10) { edges { node { ${SHOWN} } } } }`, {}, viewer);
      expect(list.errors, name).toBeUndefined();
      const nodes = list.data.complaints.edges.map((e: any) => e.node);
      expect(nodes, name).toHaveLength(2);
      expect(nodes.every((n: any) => n.customer !== null), name).toBe(true);
      // The scoped viewer sees the customer of project 2, not their origin project.
      const holder = nodes.find((n: any) => n.id === ids[1]).customer;
      expect(holder.originProject, name).toEqual(name === 'scoped' ? null : { id: expect.any(String) });
      const own = nodes.find((n: any) => n.id === ids[0]).customer;
      expect(own.contactMasked, name).toBe(name !== 'admin');
      expect(own.idNumber, name).toBe(name === 'admin' ? ID_NUMBER : `110***********${ID_NUMBER.slice(-4)}`);
      expect(own.birthday, name).toBe(name === 'admin' ? '1990-03-07' : null);
      const stopped = nodes.find((n: any) => n.id === ids[0]).clocks.find((c: any) => c.clock === 'ACCEPTANCE');
      expect(stopped, name).toMatchObject({ state: 'STOPPED', stoppedAt: expect.stringMatching(/Z$/), warnShare: expect.any(Number), workingTime: expect.any(Boolean) });
      for (const node of nodes) {
        const one = await t.gql(`query($id: ID!, $p: ID!) { complaint(id: $id) { ${SHOWN} } project(id: $p) { ${PROJECT} } }`, { id: node.id, p: node.project.id }, viewer);
        expect(one.errors, name).toBeUndefined();
        expect(node, name).toEqual(one.data.complaint);
        expect(node.project, name).toEqual(one.data.project);
      }
    }
  });

  it('read nothing more where the whole row is at hand', async () => {
    // complaint(id:) reads the whole customer to decide visibility: the field answers from it.
    const { texts, value } = await traced(() => t.gql(`query($id: ID!) { complaint(id: $id) { customer { name } } }`, { id: ids[0] }, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.complaint.customer.name).toMatch(/^张/);
    expect(from(texts, 'customers')).toHaveLength(1);
  });
});

describe('nested complaint pages', () => {
  const NESTED = `${SHOWN} timeline { type at fromStatus toStatus note actor { id } }`;

  it('read their relations and timelines in the pages\' statement, and answer every viewer what complaint(id:) answers', async () => {
    const viewers = { admin, agent: await t.token('AGENT'), scoped: await t.token('MANAGER', { scope: [p1] }) };
    for (const [name, viewer] of Object.entries(viewers)) {
      const { texts, value } = await traced(() => t.gql(`query($p: ID!) { project(id: $p) { complaints(first: 10) { edges { node { ${NESTED} } } } } }`, { p: p1 }, viewer));
      expect(value.errors, name).toBeUndefined();
      const nodes = value.data.project.complaints.edges.map((e: any) => e.node);
      expect(nodes, name).toHaveLength(2);
      expect(nodes.every((n: any) => n.timeline.length > 0 && n.clocks.length > 0), name).toBe(true);
      // One statement for every parent's page, its customers and projects joined, its clocks and timelines as lists.
      const pages = from(texts, 'complaints').filter((x) => x.includes('partition by'));
      expect(pages, name).toHaveLength(1);
      expect(pages[0], name).toMatch(/from "complaint_events"/);
      expect(pages[0], name).toMatch(/from "sla_clocks"/);
      expect(from(texts, 'complaint_events').filter((x) => !x.includes('partition by')), name).toHaveLength(0);
      for (const node of nodes) {
        const one = await t.gql(`query($id: ID!) { complaint(id: $id) { ${NESTED} } }`, { id: node.id }, viewer);
        expect(one.errors, name).toBeUndefined();
        expect(node, name).toEqual(one.data.complaint);
      }
    }
  });
});

describe('fields of one mutation', () => {
  it('read what an earlier field changed: each root field starts with fresh loaders', async () => {
    // The first note's payload reads the project's name through the loader of those columns;
    // the rename between them must not leave the third field that name.
    const doc = `mutation($n: AddComplaintNoteInput!, $p: UpdateProjectInput!) {
      before: addComplaintNote(input: $n) { complaint { project { id name } customer { id name } } }
      rename: updateProject(input: $p) { project { id name } }
      after: addComplaintNote(input: $n) { complaint { project { id name } customer { id name } } } }`;
    const name = `改名项目${Date.now()}`;
    const r = await t.gql(doc, { n: { complaintId: ids[0], note: '跟进' }, p: { id: p1, name } }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.before.complaint.project.name).not.toBe(name);
    expect(r.data.rename.project.name).toBe(name);
    expect(r.data.after.complaint.project).toEqual({ id: p1, name });
    expect(r.data.after.complaint.customer).toEqual(r.data.before.complaint.customer);
  });
});

describe('the customer list', () => {
  const FIELDS = `id name phone idNumber email birthday gender preferredChannel memberNo customerClass confidentiality contactMasked viewerCanReveal segment createdAt updatedAt originProject { id } units { id }`;

  it('reads the columns shown, those access reads and the sort\'s, and no others', async () => {
    const { texts, value } = await traced(() => t.gql(`{ customers(first: 10, orderBy: { field: CREATED_AT }) { edges { cursor node { id phone } } } }`, {}, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.customers.edges.length).toBeGreaterThan(1);
    const [list] = from(texts, 'customers');
    // What the statement selects (its ORDER BY names the sort's column as well).
    const selected = list!.slice(0, list!.indexOf(' from '));
    for (const read of ['"phone"', '"confidentiality"', '"origin_project_id"', '"created_at"']) expect(selected).toContain(`"customers".${read}`);
    for (const unread of ['"id_number"', '"email"', '"birthday"', '"member_no"', '"updated_at"']) expect(selected).not.toContain(`"customers".${unread}`);
  });

  it('answers every viewer, page after page, what each customer read whole answers', async () => {
    const viewers = { admin, agent: await t.token('AGENT'), scoped: await t.token('MANAGER', { scope: [p1] }) };
    for (const [name, viewer] of Object.entries(viewers)) {
      for (const field of ['NAME', 'CREATED_AT']) {
        const all = await t.gql(`{ customers(first: 50, orderBy: { field: ${field} }) { edges { node { ${FIELDS} } } } }`, {}, viewer);
        expect(all.errors, name).toBeUndefined();
        const seen = all.data.customers.edges.map((e: any) => e.node);
        expect(seen.length, name).toBeGreaterThan(1);
        // Page by page, selecting neither the name nor the creation time: the cursors still carry the sort's column.
        const paged: string[] = [];
        let after: string | null = null;
        do {
          const r: any = await t.gql(`query($after: String) { customers(first: 1, after: $after, orderBy: { field: ${field} }) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after }, viewer);
          expect(r.errors, name).toBeUndefined();
          paged.push(...r.data.customers.edges.map((e: any) => e.node.id));
          after = r.data.customers.pageInfo.hasNextPage ? r.data.customers.pageInfo.endCursor : null;
        } while (after && paged.length <= seen.length);
        expect(paged, `${name} ${field}`).toEqual(seen.map((n: any) => n.id));
        for (const node of seen) {
          const one = await t.gql(`query($id: ID!) { customer(id: $id) { ${FIELDS} } }`, { id: node.id }, viewer);
          expect(one.errors, name).toBeUndefined();
          expect(node, `${name} ${field}`).toEqual(one.data.customer);
        }
      }
    }
  });
});

describe('customers of other lists', () => {
  it('a touchpoint list reads its customers with the columns shown, and answers what the customer read whole answers', async () => {
    for (const viewer of [admin, await t.token('AGENT')]) {
      const { texts, value } = await traced(() => t.gql(`{ touchpoints(first: 10) { edges { node { customer { id name phone touchpoints(first: 1) { totalCount } } } } } }`, {}, viewer));
      expect(value.errors).toBeUndefined();
      const [node] = value.data.touchpoints.edges.map((e: any) => e.node);
      const customers = byKey(texts, 'customers');
      expect(customers).toHaveLength(1);
      expect(customers[0]).toContain('"phone"');
      expect(customers[0]).not.toContain('"id_number"');
      const whole = await t.gql(`query($id: ID!) { customer(id: $id) { id name phone touchpoints(first: 1) { totalCount } } }`, { id: node.customer.id }, viewer);
      expect(whole.errors).toBeUndefined();
      expect(node.customer).toEqual(whole.data.customer);
    }
  });
});
