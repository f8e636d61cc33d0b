import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/graphql/global-id.js';
import { createProject, seedOrg, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, traced, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;
const projects: { id: string; code: string; name: string; city: string; stage: string }[] = [];

const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: ProjectFilter, $orderBy: ProjectOrder) {
  projects(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id code name city stage cityCompany { id name region { name } } } }
  }
}`;

beforeAll(async () => {
  t = await startTestApp();
  org = await seedOrg(t);
  const stages = ['PRE_PROJECT', 'SALES_PREP', 'SIGNING', 'AWAITING_DELIVERY', 'DELIVERY', 'WARRANTY', 'RESIDENCE'];
  for (let i = 0; i < 7; i++) {
    projects.push(await createProject(t, i < 4 ? org.szId : org.shId, { name: `项目${String.fromCharCode(65 + i)}`, city: i < 4 ? '深圳' : '上海', stage: stages[i] }));
  }
});
afterAll(() => t?.close());

describe('projects query', () => {
  it('lists projects with relations and totalCount, ordered by name', async () => {
    const r = await t.gql(LIST, {}, 'ANALYST');
    expect(r.errors).toBeUndefined();
    const c = r.data.projects;
    expect(c.totalCount).toBe(7);
    expect(c.edges.map((e: any) => e.node.name)).toEqual(['项目A', '项目B', '项目C', '项目D', '项目E', '项目F', '项目G']);
    expect(c.edges[0].node.cityCompany).toMatchObject({ id: org.szId, name: '深圳公司', region: { name: '华南区域' } });
    expect(c.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('pages forwards and backwards with keyset cursors', async () => {
    const p1 = (await t.gql(LIST, { first: 3 }, 'ADMIN')).data.projects;
    expect(p1.edges.map((e: any) => e.node.name)).toEqual(['项目A', '项目B', '项目C']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = (await t.gql(LIST, { first: 3, after: p1.pageInfo.endCursor }, 'ADMIN')).data.projects;
    expect(p2.edges.map((e: any) => e.node.name)).toEqual(['项目D', '项目E', '项目F']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = (await t.gql(LIST, { first: 3, after: p2.pageInfo.endCursor }, 'ADMIN')).data.projects;
    expect(p3.edges.map((e: any) => e.node.name)).toEqual(['项目G']);
    expect(p3.pageInfo.hasNextPage).toBe(false);
    const back = (await t.gql(LIST, { last: 2, before: p2.pageInfo.startCursor }, 'ADMIN')).data.projects;
    expect(back.edges.map((e: any) => e.node.name)).toEqual(['项目B', '项目C']);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const lastTwo = (await t.gql(LIST, { last: 2 }, 'ADMIN')).data.projects;
    expect(lastTwo.edges.map((e: any) => e.node.name)).toEqual(['项目F', '项目G']);
  });

  it('orders descending and by code', async () => {
    const r = await t.gql(LIST, { first: 2, orderBy: { field: 'NAME', direction: 'DESC' } }, 'ADMIN');
    expect(r.data.projects.edges.map((e: any) => e.node.name)).toEqual(['项目G', '项目F']);
    const next = await t.gql(LIST, { first: 2, after: r.data.projects.pageInfo.endCursor, orderBy: { field: 'NAME', direction: 'DESC' } }, 'ADMIN');
    expect(next.data.projects.edges.map((e: any) => e.node.name)).toEqual(['项目E', '项目D']);
    const byCode = await t.gql(LIST, { orderBy: { field: 'CODE' } }, 'ADMIN');
    const codes = byCode.data.projects.edges.map((e: any) => e.node.code);
    expect(codes).toEqual([...codes].sort());
  });

  it('refuses a cursor from another ordering, page sizes over 200 and mixed directions', async () => {
    const r = await t.gql(LIST, { first: 1 }, 'ADMIN');
    const cursor = r.data.projects.pageInfo.endCursor;
    expect(codeOf(await t.gql(LIST, { after: cursor, orderBy: { field: 'CODE' } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { first: 201 }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { first: -1 }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { first: 1, last: 1 }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { after: 'garbage' }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect((await t.gql(LIST, { first: 200 }, 'ADMIN')).errors).toBeUndefined();
  });

  it('filters by city, stage, city company, region and text', async () => {
    const names = async (filter: object) => (await t.gql(LIST, { filter }, 'ADMIN')).data.projects.edges.map((e: any) => e.node.name);
    expect(await names({ cities: ['上海'] })).toEqual(['项目E', '项目F', '项目G']);
    expect(await names({ stages: ['SIGNING', 'WARRANTY'] })).toEqual(['项目C', '项目F']);
    expect(await names({ cityCompanyIds: [org.szId] })).toEqual(['项目A', '项目B', '项目C', '项目D']);
    expect(await names({ regionIds: [org.eastId] })).toEqual(['项目E', '项目F', '项目G']);
    expect(await names({ search: '目b' })).toEqual(['项目B']);
    expect(await names({ search: projects[3]!.code.toLowerCase() })).toEqual(['项目D']);
    expect(await names({ search: '%' })).toEqual([]);
    const r = await t.gql(LIST, { filter: { cities: ['上海'] } }, 'ADMIN');
    expect(r.data.projects.totalCount).toBe(3);
  });

  it('applies scope: project, city company and region scopes', async () => {
    const scoped = await t.token('MANAGER', { scope: [projects[0]!.id, projects[5]!.id] });
    let r = await t.gql(LIST, {}, scoped);
    expect(r.data.projects.edges.map((e: any) => e.node.name)).toEqual(['项目A', '项目F']);
    expect(r.data.projects.totalCount).toBe(2);
    r = await t.gql(LIST, {}, await t.token('AGENT', { scope: [org.shId] }));
    expect(r.data.projects.totalCount).toBe(3);
    r = await t.gql(LIST, {}, await t.token('ANALYST', { scope: [org.southId] }));
    expect(r.data.projects.totalCount).toBe(4);
    r = await t.gql(LIST, {}, await t.token('ANALYST', { scope: [] }));
    expect(r.data.projects.totalCount).toBe(0);
  });

  it('refuses anonymous callers and SUBSCRIBER service accounts', async () => {
    expect(codeOf(await t.gql(LIST, {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(LIST, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });
});

describe('a page of projects and its city companies in one statement', () => {
  // The list selects only the columns its fields read and, when cityCompany is selected, reads
  // the city companies in the same statement (src/db/rows.ts selectPage) into the loader that
  // the field resolver reads. What must hold: one statement, and every field answering exactly
  // what the single read (`project(id:)`, whole rows through the loaders) answers.
  const FIELDS = `id code name city phase totalUnits stage salesOpenedOn plannedDeliveryOn actualDeliveryOn warrantyTerms { component years } createdAt updatedAt
    cityCompany { id code name city region { id name } }`;
  const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $orderBy: ProjectOrder) {
    projects(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) { pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { node { ${FIELDS} } } } }`;

  it('sends one statement for the C workload, naming the columns it reads and joining city companies', async () => {
    const query = `{ projects(first: 20) { edges { node { id code name city cityCompany { id name } } } } }`;
    const admin = await t.token('ADMIN');
    await t.gql(query, {}, admin); // the token's first request may look up its directory entry
    const { texts, value } = await traced(t, () => t.gql(query, {}, admin));
    expect(value.errors).toBeUndefined();
    expect(value.data.projects.edges).toHaveLength(7);
    expect(value.data.projects.edges[0].node.cityCompany).toEqual({ id: org.szId, name: '深圳公司' });
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/from "projects" left join "city_companies"/);
    for (const unread of ['"warranty_terms"', '"planned_delivery_on"', '"updated_at"']) expect(texts[0]).not.toContain(unread);
    // The city companies with the columns shown only.
    for (const read of ['"id"', '"name"']) expect(texts[0]).toContain(`"city_companies".${read}`);
    for (const unread of ['"code"', '"city"', '"region_id"', '"created_at"']) expect(texts[0]).not.toContain(`"city_companies".${unread}`);
    // Without cityCompany the page reads no city company at all.
    const bare = await traced(t, () => t.gql(`{ projects(first: 20) { edges { node { id name } } } }`, {}, admin));
    expect(bare.texts).toHaveLength(1);
    expect(bare.texts[0]).not.toContain('city_companies');
  });

  it('answers every field as the single read does, for the whole group and for a scoped role', async () => {
    const scoped = await t.token('MANAGER', { scope: [org.szId] });
    for (const auth of [await t.token('ADMIN'), scoped]) {
      const page = await t.gql(PAGE, { first: 50 }, auth);
      expect(page.errors).toBeUndefined();
      const nodes = page.data.projects.edges.map((e: any) => e.node);
      expect(nodes.length).toBe(auth === scoped ? 4 : 7);
      for (const node of nodes) {
        const one = await t.gql(`query($id: ID!) { project(id: $id) { ${FIELDS} } }`, { id: node.id }, auth);
        expect(one.errors).toBeUndefined();
        expect(node).toEqual(one.data.project);
      }
    }
  });

  /** Every project's id, page by page (3 a page), forwards or backwards, selecting only `id`. */
  async function walk(orderBy: { field: string; direction: string }, backward: boolean): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    const page = backward ? 'last: 3, before: $cursor' : 'first: 3, after: $cursor';
    for (let i = 0; i < 10; i++) {
      const r: any = await t.gql(
        `query($cursor: String, $orderBy: ProjectOrder) { projects(${page}, orderBy: $orderBy) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } } }`,
        { cursor, orderBy },
        'ADMIN',
      );
      expect(r.errors).toBeUndefined();
      const got = r.data.projects.edges.map((e: any) => e.node.id);
      if (backward) ids.unshift(...got);
      else ids.push(...got);
      const info = r.data.projects.pageInfo;
      if (!(backward ? info.hasPreviousPage : info.hasNextPage)) break;
      cursor = backward ? info.startCursor : info.endCursor;
    }
    return ids;
  }

  it('pages by every ordering, both ways, without selecting the sort key', async () => {
    for (const field of ['NAME', 'CODE', 'CREATED_AT']) {
      for (const direction of ['ASC', 'DESC']) {
        const orderBy = { field, direction };
        const all = (await t.gql(PAGE, { first: 50, orderBy }, 'ADMIN')).data.projects.edges.map((e: any) => e.node.id);
        expect(all).toHaveLength(7);
        expect(await walk(orderBy, false)).toEqual(all);
        expect(await walk(orderBy, true)).toEqual(all);
      }
    }
  });
});

describe('project query', () => {
  const ONE = `query($id: ID!) { project(id: $id) { id code name stage warrantyTerms { component years } } }`;

  it('returns a project in scope', async () => {
    const r = await t.gql(ONE, { id: projects[0]!.id }, 'AGENT');
    expect(r.data.project).toMatchObject({ id: projects[0]!.id, name: '项目A' });
  });

  it('is NOT_FOUND out of scope, unknown or of another type, and BAD_USER_INPUT when malformed', async () => {
    const scoped = await t.token('MANAGER', { scope: [projects[0]!.id] });
    expect(codeOf(await t.gql(ONE, { id: projects[1]!.id }, scoped))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(ONE, { id: toGlobalId('Project', 999999) }, 'ADMIN'))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(ONE, { id: toGlobalId('Customer', 1) }, 'ADMIN'))).toBe('NOT_FOUND');
    const bad = await t.gql(ONE, { id: 'not an id' }, 'ADMIN');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('id');
  });

  it('is reachable through node(id) and null there when out of scope', async () => {
    const NODE = `query($id: ID!) { node(id: $id) { id ... on Project { name } ... on CityCompany { city } } }`;
    expect((await t.gql(NODE, { id: projects[0]!.id }, 'ADMIN')).data.node).toEqual({ id: projects[0]!.id, name: '项目A' });
    expect((await t.gql(NODE, { id: org.szId }, 'ADMIN')).data.node).toEqual({ id: org.szId, city: '深圳' });
    const scoped = await t.token('MANAGER', { scope: [projects[0]!.id] });
    expect((await t.gql(NODE, { id: projects[1]!.id }, scoped)).data.node).toBeNull();
    expect((await t.gql(NODE, { id: org.shId }, scoped)).data.node).toBeNull();
    expect(codeOf(await t.gql(NODE, { id: '!!' }, 'ADMIN'))).toBe('BAD_USER_INPUT');
  });
});

describe('createProject / updateProject', () => {
  const CREATE = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id code name city stage phase totalUnits plannedDeliveryOn warrantyTerms { component years } cityCompany { id } } } }`;
  const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { id name stage totalUnits } } }`;
  const AUDIT = `query($ids: [String!]) { auditLog(filter: { subjectIds: $ids }) { totalCount edges { node { action actor { id role } subjectId changes } } } }`;
  const input = () => ({
    code: `NEW-${unique()}`,
    name: '新项目',
    city: '深圳',
    cityCompanyId: org.szId,
    stage: 'SALES_PREP',
    phase: '一期',
    totalUnits: 800,
    plannedDeliveryOn: '2028-06-30',
    warrantyTerms: [{ component: '防水', years: 5 }],
  });

  it('answers a city company renamed earlier in the same operation with its new name', async () => {
    // The first field reads the city company's name through the loader of those columns; the
    // rename must make every loader of its rows forget it.
    const p = projects[0]!;
    const doc = `mutation($p: UpdateProjectInput!, $c: UpdateCityCompanyInput!) {
      before: updateProject(input: $p) { project { cityCompany { id name } } }
      rename: updateCityCompany(input: $c) { cityCompany { id name } }
      after: updateProject(input: $p) { project { cityCompany { id name } } } }`;
    const name = `改名${unique()}`;
    const r = await t.gql(doc, { p: { id: p.id, phase: '二期' }, c: { id: org.szId, name } }, 'ADMIN');
    expect(r.errors).toBeUndefined();
    expect(r.data.before.project.cityCompany.name).not.toBe(name);
    expect(r.data.rename.cityCompany.name).toBe(name);
    expect(r.data.after.project.cityCompany).toEqual({ id: org.szId, name });
    const restored = await t.gql(`mutation($c: UpdateCityCompanyInput!) { updateCityCompany(input: $c) { cityCompany { name } } }`, { c: { id: org.szId, name: r.data.before.project.cityCompany.name } }, 'ADMIN');
    expect(restored.errors).toBeUndefined();
  });

  it('creates a project (ADMIN) and audits it', async () => {
    const i = input();
    const r = await t.gql(CREATE, { input: i }, 'ADMIN');
    expect(r.errors).toBeUndefined();
    const p = r.data.createProject.project;
    expect(p).toMatchObject({ code: i.code, phase: '一期', totalUnits: 800, plannedDeliveryOn: '2028-06-30', warrantyTerms: [{ component: '防水', years: 5 }], cityCompany: { id: org.szId } });
    const a = await t.gql(AUDIT, { ids: [p.id] }, 'ADMIN');
    expect(a.data.auditLog.edges[0].node).toMatchObject({ action: 'createProject', actor: { id: 'test-admin', role: 'ADMIN' }, subjectId: p.id });
  });

  it('lets a MANAGER create only under a city company in scope', async () => {
    const mine = await t.token('MANAGER', { scope: [org.szId] });
    expect((await t.gql(CREATE, { input: input() }, mine)).errors).toBeUndefined();
    expect(codeOf(await t.gql(CREATE, { input: { ...input(), cityCompanyId: org.shId } }, mine))).toBe('NOT_FOUND');
    const projectOnly = await t.token('MANAGER', { scope: [projects[0]!.id] });
    expect(codeOf(await t.gql(CREATE, { input: input() }, projectOnly))).toBe('NOT_FOUND');
  });

  it('forbids AGENT, HANDLER, ANALYST', async () => {
    for (const role of ['AGENT', 'HANDLER', 'ANALYST'] as const) {
      expect(codeOf(await t.gql(CREATE, { input: input() }, role))).toBe('FORBIDDEN');
    }
  });

  it('refuses a duplicate code (case-insensitive) with CONFLICT pointing at the existing project', async () => {
    const r = await t.gql(CREATE, { input: { ...input(), code: projects[0]!.code.toLowerCase() } }, 'ADMIN');
    expect(codeOf(r)).toBe('CONFLICT');
    expect(r.errors![0]!.extensions!.existingId).toBe(projects[0]!.id);
  });

  it('validates input with the field named', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ code: 'has space' }, 'input.code'],
      [{ name: '  ' }, 'input.name'],
      [{ name: 'x'.repeat(101) }, 'input.name'],
      [{ totalUnits: -1 }, 'input.totalUnits'],
      [{ plannedDeliveryOn: '2028-02-30' }, 'input.plannedDeliveryOn'],
      [{ warrantyTerms: [{ component: '防水', years: 0 }] }, 'input.warrantyTerms.0.years'],
      [{ cityCompanyId: 'garbage' }, 'input.cityCompanyId'],
    ];
    for (const [over, field] of cases) {
      const r = await t.gql(CREATE, { input: { ...input(), ...over } }, 'ADMIN');
      expect(codeOf(r), field).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.extensions!.field, JSON.stringify(over)).toBe(field);
    }
    expect(codeOf(await t.gql(CREATE, { input: { ...input(), stage: 'NOPE' } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(CREATE, { input: { ...input(), cityCompanyId: toGlobalId('CityCompany', 99999) } }, 'ADMIN'))).toBe('NOT_FOUND');
  });

  it('is idempotent with an idempotencyKey', async () => {
    const i = { ...input(), idempotencyKey: `key-${unique()}` };
    const a = await t.gql(CREATE, { input: i }, 'ADMIN');
    const b = await t.gql(CREATE, { input: i }, 'ADMIN');
    expect(b.errors).toBeUndefined();
    expect(b.data.createProject.project.id).toBe(a.data.createProject.project.id);
    const n = await t.gql(LIST, { filter: { search: i.code } }, 'ADMIN');
    expect(n.data.projects.totalCount).toBe(1);
  });

  it('updates a project, audits the change, and refuses out-of-scope updates', async () => {
    const p = await createProject(t, org.szId);
    const r = await t.gql(UPDATE, { input: { id: p.id, name: '改名', stage: 'DELIVERY', totalUnits: 10 } }, 'MANAGER');
    expect(r.data.updateProject.project).toMatchObject({ name: '改名', stage: 'DELIVERY', totalUnits: 10 });
    const a = await t.gql(AUDIT, { ids: [p.id] }, 'ADMIN');
    const upd = a.data.auditLog.edges.find((e: any) => e.node.action === 'updateProject').node;
    expect(upd.changes.name).toEqual({ from: p.name, to: '改名' });
    const other = await t.token('MANAGER', { scope: [projects[5]!.id] });
    expect(codeOf(await t.gql(UPDATE, { input: { id: p.id, name: 'x' } }, other))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE, { input: { id: p.id, name: 'x' } }, 'AGENT'))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UPDATE, { input: { id: p.id, code: projects[0]!.code } }, 'ADMIN'))).toBe('CONFLICT');
  });
});
