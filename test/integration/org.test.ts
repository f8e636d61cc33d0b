import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complaints } from '../../src/db/schema/index.js';
import { decodeGlobalId, toStaffGlobalId } from '../../src/graphql/global-id.js';
import { COMPLAINT_FIELDS, CREATE_COMPLAINT, step } from '../helpers/complaints.js';
import { addUnit, createCustomer, createProject, createStaff, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

let t: TestApp;

const REGION = `id code name`;
const COMPANY = `id code name city region { id code }`;
const STAFF = `id login name role department active createdAt updatedAt cityCompany { id }`;
const CREATE_REGION = `mutation($input: CreateRegionInput!) { createRegion(input: $input) { region { ${REGION} } } }`;
const UPDATE_REGION = `mutation($input: UpdateRegionInput!) { updateRegion(input: $input) { region { ${REGION} } } }`;
const CREATE_COMPANY = `mutation($input: CreateCityCompanyInput!) { createCityCompany(input: $input) { cityCompany { ${COMPANY} } } }`;
const UPDATE_COMPANY = `mutation($input: UpdateCityCompanyInput!) { updateCityCompany(input: $input) { cityCompany { ${COMPANY} } } }`;
const CREATE_STAFF = `mutation($input: CreateStaffInput!) { createStaff(input: $input) { staff { ${STAFF} } } }`;
const UPDATE_STAFF = `mutation($input: UpdateStaffInput!) { updateStaff(input: $input) { staff { ${STAFF} } } }`;
const REGIONS = `query($filter: RegionFilter, $orderBy: OrgUnitOrder, $first: Int, $after: String) {
  regions(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${REGION} } } }
}`;
const COMPANIES = `query($filter: CityCompanyFilter, $orderBy: OrgUnitOrder, $first: Int, $after: String) {
  cityCompanies(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${COMPANY} } } }
}`;
const STAFF_LIST = `query($filter: StaffFilter, $orderBy: StaffOrder, $first: Int, $after: String, $last: Int, $before: String) {
  staff(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { ${STAFF} } }
  }
}`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename ... on Staff { login name } ... on Region { code } ... on CityCompany { code } } }`;
const AUDIT = `query($ids: [String!]) { auditLog(filter: { subjectIds: $ids }) { totalCount edges { node { action actor { id role } subjectId changes } } } }`;

function must<T = any>(r: GqlResult<T>): T {
  if (r.errors?.length || !r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}
const fieldOf = (r: GqlResult) => r.errors?.[0]?.extensions?.field;
const ids = (r: GqlResult, list: string) => must<any>(r)[list].edges.map((e: any) => e.node.id);

/** A region and a city company under it, created through the API as ADMIN. */
async function orgUnit(tag = `U${unique()}`) {
  const region = must(await t.gql(CREATE_REGION, { input: { code: `R-${tag}`, name: `区域${tag}` } }, 'ADMIN')).createRegion.region;
  const company = must(await t.gql(CREATE_COMPANY, { input: { code: `C-${tag}`, name: `公司${tag}`, city: `城${tag}`, regionId: region.id } }, 'ADMIN')).createCityCompany.cityCompany;
  return { region, company, tag };
}

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
});
afterAll(() => t?.close());

describe('regions and city companies', () => {
  it('are set up by an ADMIN on an empty server, each write audited', async () => {
    const tag = `A${unique()}`;
    const created = await t.gql(CREATE_REGION, { input: { code: ` SOUTH-${tag} `, name: ' 华南区域 ' } }, 'ADMIN');
    expect(created.errors).toBeUndefined();
    const region = created.data.createRegion.region;
    expect(region).toMatchObject({ code: `SOUTH-${tag}`, name: '华南区域' });
    expect(decodeGlobalId(region.id)?.type).toBe('Region');

    const renamed = must(await t.gql(UPDATE_REGION, { input: { id: region.id, name: '华南区域公司' } }, 'ADMIN')).updateRegion.region;
    expect(renamed).toEqual({ ...region, name: '华南区域公司' });

    const company = must(await t.gql(CREATE_COMPANY, { input: { code: `SZ-${tag}`, name: '深圳公司', city: '深圳', regionId: region.id } }, 'ADMIN'))
      .createCityCompany.cityCompany;
    expect(company).toMatchObject({ code: `SZ-${tag}`, name: '深圳公司', city: '深圳', region: { id: region.id } });
    const other = (await orgUnit()).region;
    const moved = must(await t.gql(UPDATE_COMPANY, { input: { id: company.id, regionId: other.id, city: '深圳市' } }, 'ADMIN')).updateCityCompany.cityCompany;
    expect(moved).toMatchObject({ id: company.id, city: '深圳市', region: { id: other.id } });

    // A project goes under the new city company.
    const project = await createProject(t, company.id);
    expect(project.code).toMatch(/^P-/);

    const audit = must(await t.gql(AUDIT, { ids: [region.id, company.id] }, 'ADMIN')).auditLog;
    const entries = audit.edges.map((e: any) => e.node);
    expect(entries.map((e: any) => e.action).sort()).toEqual(['createCityCompany', 'createRegion', 'updateCityCompany', 'updateRegion']);
    expect(entries.find((e: any) => e.action === 'createRegion')).toMatchObject({
      actor: { id: 'test-admin', role: 'ADMIN' },
      subjectId: region.id,
      changes: { code: `SOUTH-${tag}`, name: '华南区域' },
    });
    expect(entries.find((e: any) => e.action === 'updateRegion').changes).toEqual({ name: { from: '华南区域', to: '华南区域公司' } });
    expect(entries.find((e: any) => e.action === 'updateCityCompany').changes).toEqual({
      city: { from: '深圳', to: '深圳市' },
      regionId: { from: region.id, to: other.id },
    });
  });

  it('refuses duplicate codes (regardless of case) with CONFLICT pointing at the existing one', async () => {
    const { region, company, tag } = await orgUnit();
    const dupRegion = await t.gql(CREATE_REGION, { input: { code: `r-${tag.toLowerCase()}`, name: '重复' } }, 'ADMIN');
    expect(codeOf(dupRegion)).toBe('CONFLICT');
    expect(dupRegion.errors![0]!.extensions).toMatchObject({ field: 'input.code', existingId: region.id });
    const dupCompany = await t.gql(CREATE_COMPANY, { input: { code: `C-${tag}`, name: '重复', city: '某市', regionId: region.id } }, 'ADMIN');
    expect(codeOf(dupCompany)).toBe('CONFLICT');
    expect(dupCompany.errors![0]!.extensions!.existingId).toBe(company.id);

    const second = await orgUnit();
    const clash = await t.gql(UPDATE_REGION, { input: { id: second.region.id, code: region.code } }, 'ADMIN');
    expect(codeOf(clash)).toBe('CONFLICT');
    expect(clash.errors![0]!.extensions!.existingId).toBe(region.id);
    const clashCompany = await t.gql(UPDATE_COMPANY, { input: { id: second.company.id, code: company.code.toLowerCase() } }, 'ADMIN');
    expect(clashCompany.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', existingId: company.id });
    // Changing only the case of its own code is no conflict.
    const own = await t.gql(UPDATE_REGION, { input: { id: second.region.id, code: second.region.code.toLowerCase() } }, 'ADMIN');
    expect(own.data.updateRegion.region.code).toBe(second.region.code.toLowerCase());
  });

  it('lets exactly one of two concurrent creates differing only in case win; staff logins likewise', async () => {
    const code = `Race${unique()}`;
    const results = await Promise.all([
      t.gql(CREATE_REGION, { input: { code, name: '竞争区域' } }, 'ADMIN'),
      t.gql(CREATE_REGION, { input: { code: code.toLowerCase(), name: '竞争区域' } }, 'ADMIN'),
    ]);
    expect(results.map((r) => (r.errors ? codeOf(r) : 'OK')).sort()).toEqual(['CONFLICT', 'OK']);
    const login = `Race.${unique()}`;
    const staffResults = await Promise.all([
      t.gql(CREATE_STAFF, { input: { login, name: '甲', role: 'AGENT' } }, 'ADMIN'),
      t.gql(CREATE_STAFF, { input: { login: login.toLowerCase(), name: '乙', role: 'AGENT' } }, 'ADMIN'),
    ]);
    expect(staffResults.map((r) => (r.errors ? codeOf(r) : 'OK')).sort()).toEqual(['CONFLICT', 'OK']);
  });

  it('replays a create with the same idempotency key', async () => {
    const tag = `I${unique()}`;
    const input = { code: `IDEM-${tag}`, name: '幂等区域', idempotencyKey: `key-${tag}` };
    const first = must(await t.gql(CREATE_REGION, { input }, 'ADMIN')).createRegion.region;
    const again = must(await t.gql(CREATE_REGION, { input }, 'ADMIN')).createRegion.region;
    expect(again.id).toBe(first.id);
    const cc = { code: `IDEMC-${tag}`, name: '幂等公司', city: '某市', regionId: first.id, idempotencyKey: `key-${tag}` };
    const c1 = must(await t.gql(CREATE_COMPANY, { input: cc }, 'ADMIN')).createCityCompany.cityCompany;
    const c2 = must(await t.gql(CREATE_COMPANY, { input: cc }, 'ADMIN')).createCityCompany.cityCompany;
    expect(c2.id).toBe(c1.id);
    expect(must(await t.gql(AUDIT, { ids: [first.id, c1.id] }, 'ADMIN')).auditLog.totalCount).toBe(2);
  });

  it('is ADMIN only: FORBIDDEN for every other role', async () => {
    const { region, company } = await orgUnit();
    for (const role of ['MANAGER', 'AGENT', 'HANDLER', 'ANALYST'] as const) {
      const token = await t.token(role, { department: 'ENGINEERING' });
      expect(codeOf(await t.gql(CREATE_REGION, { input: { code: `X${unique()}`, name: 'x' } }, token))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(UPDATE_REGION, { input: { id: region.id, name: 'x' } }, token))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(CREATE_COMPANY, { input: { code: `X${unique()}`, name: 'x', city: 'x', regionId: region.id } }, token))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(UPDATE_COMPANY, { input: { id: company.id, name: 'x' } }, token))).toBe('FORBIDDEN');
    }
    expect(codeOf(await t.gql(CREATE_REGION, { input: { code: `X${unique()}`, name: 'x' } }, null))).toBe('UNAUTHENTICATED');
    expect(must(await t.gql(NODE, { id: region.id }, 'ADMIN')).node).toMatchObject({ code: region.code });
  });

  it('validates input: BAD_USER_INPUT naming the field, NOT_FOUND for unknown references', async () => {
    const { region, company } = await orgUnit();
    const cases: [string, string, Record<string, unknown>, string][] = [
      [CREATE_REGION, 'space in code', { code: 'SOU TH', name: 'x' }, 'input.code'],
      [CREATE_REGION, 'code too long', { code: 'X'.repeat(33), name: 'x' }, 'input.code'],
      [CREATE_REGION, 'blank name', { code: `B${unique()}`, name: '   ' }, 'input.name'],
      [CREATE_REGION, 'bad idempotency key', { code: `B${unique()}`, name: 'x', idempotencyKey: 'has space' }, 'input.idempotencyKey'],
      [UPDATE_REGION, 'malformed id', { id: 'nope', name: 'x' }, 'input.id'],
      [UPDATE_REGION, 'bad code', { id: region.id, code: '区域' }, 'input.code'],
      [CREATE_COMPANY, 'malformed region', { code: `B${unique()}`, name: 'x', city: 'x', regionId: 'nope' }, 'input.regionId'],
      [CREATE_COMPANY, 'blank city', { code: `B${unique()}`, name: 'x', city: '', regionId: region.id }, 'input.city'],
      [UPDATE_COMPANY, 'name too long', { id: company.id, name: 'x'.repeat(101) }, 'input.name'],
    ];
    for (const [query, what, input, field] of cases) {
      const r = await t.gql(query, { input }, 'ADMIN');
      expect([what, codeOf(r), fieldOf(r)]).toEqual([what, 'BAD_USER_INPUT', field]);
    }
    // An ID of another type, or of no region, is not found.
    const notRegion = await t.gql(CREATE_COMPANY, { input: { code: `B${unique()}`, name: 'x', city: 'x', regionId: company.id } }, 'ADMIN');
    expect(codeOf(notRegion)).toBe('NOT_FOUND');
    const ghostRegion = await t.gql(UPDATE_COMPANY, { input: { id: company.id, regionId: Buffer.from('Region:999999').toString('base64url') } }, 'ADMIN');
    expect(codeOf(ghostRegion)).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_REGION, { input: { id: Buffer.from('Region:999999').toString('base64url'), name: 'x' } }, 'ADMIN'))).toBe('NOT_FOUND');
  });

  it('lists only what the scope reaches; node(id) of an out-of-scope region or city company is null', async () => {
    const a = await orgUnit();
    const b = await orgUnit();
    const a2 = must(await t.gql(CREATE_COMPANY, { input: { code: `D-${a.tag}`, name: `公司二${a.tag}`, city: `城${a.tag}`, regionId: a.region.id } }, 'ADMIN'))
      .createCityCompany.cityCompany;
    const project = await createProject(t, a.company.id);
    await createProject(t, b.company.id);

    // Scoped to one project: its city company and region, nothing else.
    const byProject = await t.token('AGENT', { scope: [project.id] });
    expect(ids(await t.gql(REGIONS, { first: 200 }, byProject), 'regions')).toEqual([a.region.id]);
    expect(ids(await t.gql(COMPANIES, { first: 200 }, byProject), 'cityCompanies')).toEqual([a.company.id]);
    expect(must(await t.gql(REGIONS, {}, byProject)).regions.totalCount).toBe(1);
    expect(must(await t.gql(NODE, { id: a.region.id }, byProject)).node).toMatchObject({ __typename: 'Region', code: a.region.code });
    expect(must(await t.gql(NODE, { id: a.company.id }, byProject)).node).toMatchObject({ __typename: 'CityCompany', code: a.company.code });
    for (const hidden of [b.region.id, b.company.id, a2.id]) expect(must(await t.gql(NODE, { id: hidden }, byProject)).node).toBeNull();

    // Scoped to a region: the region and every city company under it.
    const byRegion = await t.token('ANALYST', { scope: [a.region.id] });
    expect(ids(await t.gql(REGIONS, {}, byRegion), 'regions')).toEqual([a.region.id]);
    expect(ids(await t.gql(COMPANIES, { orderBy: { field: 'CODE' } }, byRegion), 'cityCompanies')).toEqual([a.company.id, a2.id]);
    expect(must(await t.gql(NODE, { id: b.region.id }, byRegion)).node).toBeNull();

    // Scoped to a city company: it and its region (above it), not its sibling.
    const byCompany = await t.token('MANAGER', { scope: [a2.id] });
    expect(ids(await t.gql(COMPANIES, {}, byCompany), 'cityCompanies')).toEqual([a2.id]);
    expect(ids(await t.gql(REGIONS, {}, byCompany), 'regions')).toEqual([a.region.id]);
    // The project's city company and its region resolve for a project-scoped viewer.
    const p = await t.gql(`query($id: ID!) { project(id: $id) { cityCompany { id region { id } } } }`, { id: project.id }, byProject);
    expect(p.data.project.cityCompany).toEqual({ id: a.company.id, region: { id: a.region.id } });

    // The whole group sees everything; filters narrow.
    const all = await t.gql(COMPANIES, { filter: { regionIds: [a.region.id] }, orderBy: { field: 'CODE', direction: 'DESC' } }, 'ANALYST');
    expect(ids(all, 'cityCompanies')).toEqual([a2.id, a.company.id]);
    expect(must(await t.gql(COMPANIES, { filter: { regionIds: [a.region.id, b.region.id] } }, 'ANALYST')).cityCompanies.totalCount).toBe(3);
    expect(ids(await t.gql(COMPANIES, { filter: { cities: [`城${b.tag}`] } }, 'ANALYST'), 'cityCompanies')).toEqual([b.company.id]);
    expect(ids(await t.gql(COMPANIES, { filter: { search: `公司二${a.tag}`.toLowerCase() } }, 'ANALYST'), 'cityCompanies')).toEqual([a2.id]);
    expect(ids(await t.gql(REGIONS, { filter: { search: `r-${b.tag}`.toLowerCase() } }, 'ANALYST'), 'regions')).toEqual([b.region.id]);
    expect(codeOf(await t.gql(COMPANIES, { filter: { regionIds: ['nope'] } }, 'ANALYST'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(REGIONS, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });

  it('pages regions with keyset cursors', async () => {
    const tag = `PG${unique()}`;
    const made: string[] = [];
    for (const k of ['c', 'a', 'b']) made.push(must(await t.gql(CREATE_REGION, { input: { code: `${tag}-${k}`, name: `${tag}-${k}` } }, 'ADMIN')).createRegion.region.id);
    const filter = { search: tag };
    const p1 = must(await t.gql(REGIONS, { filter, first: 2, orderBy: { field: 'CODE' } }, 'ADMIN')).regions;
    expect(p1.edges.map((e: any) => e.node.code)).toEqual([`${tag}-a`, `${tag}-b`]);
    expect(p1).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const p2 = must(await t.gql(REGIONS, { filter, first: 2, after: p1.pageInfo.endCursor, orderBy: { field: 'CODE' } }, 'ADMIN')).regions;
    expect(p2.edges.map((e: any) => e.node.id)).toEqual([made[0]]);
    expect(p2.pageInfo.hasNextPage).toBe(false);
  });
});

describe('staff directory', () => {
  it('creates and updates members (ADMIN), audited; node(id) finds them', async () => {
    const { company } = await orgUnit();
    const login = `Wang.Gong${unique()}`;
    const r = await t.gql(CREATE_STAFF, { input: { login, name: ' 王工 ', role: 'HANDLER', department: 'ENGINEERING', cityCompanyId: company.id } }, 'ADMIN');
    expect(r.errors).toBeUndefined();
    const member = r.data.createStaff.staff;
    expect(member).toMatchObject({ id: toStaffGlobalId(login), login, name: '王工', role: 'HANDLER', department: 'ENGINEERING', active: true, cityCompany: { id: company.id } });
    expect(must(await t.gql(NODE, { id: member.id }, 'AGENT')).node).toEqual({ id: member.id, __typename: 'Staff', login, name: '王工' });

    const u = must(await t.gql(UPDATE_STAFF, { input: { id: member.id, name: '王大工', active: false, cityCompanyId: null } }, 'ADMIN')).updateStaff.staff;
    expect(u).toMatchObject({ id: member.id, login, name: '王大工', active: false, cityCompany: null, department: 'ENGINEERING' });
    expect(new Date(u.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(member.updatedAt).getTime());

    const audit = must(await t.gql(AUDIT, { ids: [member.id] }, 'ADMIN')).auditLog.edges.map((e: any) => e.node);
    expect(audit.map((e: any) => e.action)).toEqual(['updateStaff', 'createStaff']);
    expect(audit[0].changes).toEqual({ name: { from: '王工', to: '王大工' }, active: { from: true, to: false }, cityCompanyId: { from: company.id, to: null } });
    expect(audit[1]).toMatchObject({ actor: { role: 'ADMIN' }, changes: { login, role: 'HANDLER', department: 'ENGINEERING', cityCompanyId: company.id } });

    // node(id) of an unknown login is null; a malformed ID is BAD_USER_INPUT.
    expect(must(await t.gql(NODE, { id: toStaffGlobalId('nobody.here') }, 'ADMIN')).node).toBeNull();
    expect(codeOf(await t.gql(NODE, { id: 'not-an-id' }, 'ADMIN'))).toBe('BAD_USER_INPUT');
  });

  it('refuses a login already taken, regardless of case (CONFLICT with existingId)', async () => {
    const first = await createStaff(t, { login: `li.ming${unique()}` });
    const dup = await t.gql(CREATE_STAFF, { input: { login: first.login.toUpperCase(), name: '李明', role: 'AGENT' } }, 'ADMIN');
    expect(codeOf(dup)).toBe('CONFLICT');
    expect(dup.errors![0]!.extensions).toMatchObject({ field: 'input.login', existingId: first.id });
  });

  it('validates input: BAD_USER_INPUT naming the field', async () => {
    const handler = await createStaff(t);
    const cases: [string, string, Record<string, unknown>, string][] = [
      [CREATE_STAFF, 'login with a space', { login: 'wang gong', name: '王', role: 'AGENT' }, 'input.login'],
      [CREATE_STAFF, 'login with a colon', { login: 'wang:gong', name: '王', role: 'AGENT' }, 'input.login'],
      [CREATE_STAFF, 'login too long', { login: 'x'.repeat(101), name: '王', role: 'AGENT' }, 'input.login'],
      [CREATE_STAFF, 'empty login', { login: '', name: '王', role: 'AGENT' }, 'input.login'],
      [CREATE_STAFF, 'blank name', { login: `n${unique()}`, name: ' ', role: 'AGENT' }, 'input.name'],
      [CREATE_STAFF, 'HANDLER without department', { login: `n${unique()}`, name: '王', role: 'HANDLER' }, 'input.department'],
      [CREATE_STAFF, 'malformed city company', { login: `n${unique()}`, name: '王', role: 'AGENT', cityCompanyId: 'nope' }, 'input.cityCompanyId'],
      [UPDATE_STAFF, 'malformed id', { id: 'nope', name: '王' }, 'input.id'],
      [UPDATE_STAFF, 'HANDLER losing its department', { id: handler.id, department: null }, 'input.department'],
      [UPDATE_STAFF, 'becoming a HANDLER without department', { id: (await createStaff(t, { role: 'AGENT', department: null })).id, role: 'HANDLER' }, 'input.department'],
    ];
    for (const [query, what, input, field] of cases) {
      const r = await t.gql(query, { input }, 'ADMIN');
      expect([what, codeOf(r), fieldOf(r)]).toEqual([what, 'BAD_USER_INPUT', field]);
    }
    const unknown = await t.gql(CREATE_STAFF, { input: { login: `n${unique()}`, name: '王', role: 'AGENT', cityCompanyId: Buffer.from('CityCompany:999999').toString('base64url') } }, 'ADMIN');
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: toStaffGlobalId('nobody.here'), name: '王' } }, 'ADMIN'))).toBe('NOT_FOUND');
  });

  it('lets a MANAGER manage non-ADMIN staff of city companies fully in its scope only', async () => {
    const a = await orgUnit();
    const b = await orgUnit();
    const projectA = await createProject(t, a.company.id);
    const manager = await t.token('MANAGER', { sub: `mgr.${a.tag}`, scope: [a.company.id] });
    const input = (over: Record<string, unknown> = {}) => ({ input: { login: `m${unique()}`, name: '员工', role: 'AGENT', cityCompanyId: a.company.id, ...over } });

    const ok = await t.gql(CREATE_STAFF, input(), manager);
    expect(ok.errors).toBeUndefined();
    const member = ok.data.createStaff.staff;
    expect(member.cityCompany).toEqual({ id: a.company.id });
    const changed = await t.gql(UPDATE_STAFF, { input: { id: member.id, role: 'HANDLER', department: 'PROPERTY' } }, manager);
    expect(changed.data.updateStaff.staff).toMatchObject({ role: 'HANDLER', department: 'PROPERTY' });

    expect(codeOf(await t.gql(CREATE_STAFF, input({ role: 'ADMIN' }), manager))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(CREATE_STAFF, input({ cityCompanyId: null }), manager))).toBe('FORBIDDEN');
    // Another city company is out of scope: not found.
    expect(codeOf(await t.gql(CREATE_STAFF, input({ cityCompanyId: b.company.id }), manager))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: member.id, cityCompanyId: b.company.id } }, manager))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: member.id, role: 'ADMIN' } }, manager))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: member.id, cityCompanyId: null } }, manager))).toBe('FORBIDDEN');
    // Members it may see but not manage: an ADMIN of its city company, group-level staff.
    const admin = await createStaff(t, { role: 'ADMIN', department: null, cityCompanyId: a.company.id });
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: admin.id, name: '改名' } }, manager))).toBe('FORBIDDEN');
    const groupLevel = await createStaff(t);
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: groupLevel.id, name: '改名' } }, manager))).toBe('FORBIDDEN');
    // Staff of another city company do not exist for it.
    const inB = await createStaff(t, { cityCompanyId: b.company.id });
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: inB.id, name: '改名' } }, manager))).toBe('NOT_FOUND');

    // A MANAGER scoped to a project sees its city company but does not hold it fully.
    const projectManager = await t.token('MANAGER', { scope: [projectA.id] });
    expect(codeOf(await t.gql(CREATE_STAFF, input(), projectManager))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: member.id, name: '改名' } }, projectManager))).toBe('FORBIDDEN');
    // Other roles may not write the directory at all.
    for (const role of ['AGENT', 'HANDLER', 'ANALYST'] as const) {
      const token = await t.token(role, { department: 'ENGINEERING' });
      expect(codeOf(await t.gql(CREATE_STAFF, input(), token))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(UPDATE_STAFF, { input: { id: member.id, name: '改名' } }, token))).toBe('FORBIDDEN');
    }
    const audit = must(await t.gql(AUDIT, { ids: [member.id] }, 'ADMIN')).auditLog.edges.map((e: any) => e.node);
    expect(audit.map((e: any) => [e.action, e.actor.id])).toEqual([
      ['updateStaff', `mgr.${a.tag}`],
      ['createStaff', `mgr.${a.tag}`],
    ]);
  });

  it('lists staff of visible city companies plus group-level staff, with filters and keyset pages', async () => {
    const a = await orgUnit();
    const b = await orgUnit();
    const project = await createProject(t, a.company.id);
    const tag = `dir${unique()}`;
    const mk = (k: string, over: Record<string, unknown>) => createStaff(t, { login: `${tag}.${k}`, name: `${tag}${k}`, ...over });
    const engA = await mk('a', { cityCompanyId: a.company.id });
    const propA = await mk('b', { department: 'PROPERTY', cityCompanyId: a.company.id });
    const agentA = await mk('c', { role: 'AGENT', department: null, cityCompanyId: a.company.id, active: false });
    const group = await mk('d', { department: 'LEGAL' });
    const engB = await mk('e', { cityCompanyId: b.company.id });

    const scoped = await t.token('AGENT', { scope: [project.id] });
    const list = async (filter: object, auth: string = scoped, orderBy: object = { field: 'LOGIN' }) =>
      ids(await t.gql(STAFF_LIST, { filter: { search: tag, ...filter }, orderBy, first: 50 }, auth), 'staff');
    expect(await list({})).toEqual([engA.id, propA.id, agentA.id, group.id]);
    expect(await list({}, await t.token('ANALYST'))).toEqual([engA.id, propA.id, agentA.id, group.id, engB.id]);
    expect(await list({ departments: ['ENGINEERING'] })).toEqual([engA.id]);
    expect(await list({ roles: ['AGENT'] })).toEqual([agentA.id]);
    expect(await list({ active: true })).toEqual([engA.id, propA.id, group.id]);
    expect(await list({ active: false })).toEqual([agentA.id]);
    expect(await list({ cityCompanyIds: [a.company.id] })).toEqual([engA.id, propA.id, agentA.id]);
    expect(await list({ cityCompanyIds: [b.company.id] })).toEqual([]);
    expect(await list({ search: `${tag}.D` })).toEqual([group.id]);
    expect(await list({}, scoped, { field: 'LOGIN', direction: 'DESC' })).toEqual([group.id, agentA.id, propA.id, engA.id]);
    expect(must(await t.gql(NODE, { id: engB.id }, scoped)).node).toBeNull();
    expect(must(await t.gql(NODE, { id: group.id }, scoped)).node).toMatchObject({ login: group.login });

    // Keyset pages over text logins, both directions, and by name and creation time.
    const filter = { search: tag };
    const p1 = must(await t.gql(STAFF_LIST, { filter, first: 2, orderBy: { field: 'LOGIN' } }, 'ADMIN')).staff;
    expect(p1.edges.map((e: any) => e.node.id)).toEqual([engA.id, propA.id]);
    expect(p1).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    const p2 = must(await t.gql(STAFF_LIST, { filter, first: 2, after: p1.pageInfo.endCursor, orderBy: { field: 'LOGIN' } }, 'ADMIN')).staff;
    expect(p2.edges.map((e: any) => e.node.id)).toEqual([agentA.id, group.id]);
    const back = must(await t.gql(STAFF_LIST, { filter, last: 2, before: p2.pageInfo.startCursor, orderBy: { field: 'LOGIN' } }, 'ADMIN')).staff;
    expect(back.edges.map((e: any) => e.node.id)).toEqual([engA.id, propA.id]);
    const byName = must(await t.gql(STAFF_LIST, { filter, first: 3, orderBy: { field: 'NAME' } }, 'ADMIN')).staff;
    expect(byName.edges.map((e: any) => e.node.id)).toEqual([engA.id, propA.id, agentA.id]);
    const byNameNext = must(await t.gql(STAFF_LIST, { filter, first: 3, after: byName.pageInfo.endCursor, orderBy: { field: 'NAME' } }, 'ADMIN')).staff;
    expect(byNameNext.edges.map((e: any) => e.node.id)).toEqual([group.id, engB.id]);
    const byTime = must(await t.gql(STAFF_LIST, { filter, first: 1, orderBy: { field: 'CREATED_AT', direction: 'DESC' } }, 'ADMIN')).staff;
    expect(byTime.edges.map((e: any) => e.node.id)).toEqual([engB.id]);
    // A cursor of a connection keyed by numbers is not a staff cursor, and the other way round.
    const regionCursor = must(await t.gql(REGIONS, { first: 1 }, 'ADMIN')).regions.pageInfo.endCursor;
    expect(codeOf(await t.gql(STAFF_LIST, { filter, after: regionCursor }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(REGIONS, { after: byName.pageInfo.endCursor }, 'ADMIN'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(STAFF_LIST, { filter: { cityCompanyIds: ['nope'] } }, 'ADMIN'))).toBe('BAD_USER_INPUT');
  });
});

describe('complaints and the staff directory', () => {
  let a: Awaited<ReturnType<typeof orgUnit>>;
  let b: Awaited<ReturnType<typeof orgUnit>>;
  let project: { id: string };
  let customerId: string;
  let unitId: string;
  let desk: string;
  let deskLogin: string;

  const receive = async () => {
    const r = await t.gql(
      `${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`,
      { input: { customerId, projectId: project.id, unitId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: '卫生间渗水' } },
      desk,
    );
    return must(r).createComplaint.complaint;
  };
  const accept = (complaintId: string, handlerId: unknown, department = 'ENGINEERING') =>
    step(t, 'acceptComplaint', { complaintId, department, handlerId }, desk);

  beforeAll(async () => {
    a = await orgUnit();
    b = await orgUnit();
    project = await createProject(t, a.company.id);
    customerId = await createCustomer(t, project.id);
    unitId = (await addUnit(t, customerId, project.id)).unit.id;
    deskLogin = `desk.${a.tag}`.toLowerCase();
    await createStaff(t, { login: deskLogin, name: '前台李', role: 'AGENT', department: 'CUSTOMER_SERVICE', cityCompanyId: a.company.id });
    desk = await t.token('AGENT', { sub: deskLogin, scope: [project.id] });
  });

  it('refuses unknown, malformed, inactive, out-of-scope and wrong-department handlers', async () => {
    const c = await receive();
    const inactive = await createStaff(t, { cityCompanyId: a.company.id, active: false });
    const property = await createStaff(t, { department: 'PROPERTY', cityCompanyId: a.company.id });
    const elsewhere = await createStaff(t, { cityCompanyId: b.company.id });
    const cases: [string, unknown, string, string | undefined][] = [
      ['a free-form login', 'eng.zhao', 'BAD_USER_INPUT', 'input.handlerId'],
      ['an unknown member', toStaffGlobalId('nobody.here'), 'NOT_FOUND', undefined],
      ['an ID of another type', project.id, 'NOT_FOUND', undefined],
      ['an inactive member', inactive.id, 'BAD_USER_INPUT', 'input.handlerId'],
      ['a member of another department', property.id, 'BAD_USER_INPUT', 'input.handlerId'],
      ['a member out of the desk’s scope', elsewhere.id, 'NOT_FOUND', undefined],
    ];
    for (const [what, handlerId, code, field] of cases) {
      const r = await accept(c.id, handlerId);
      expect([what, codeOf(r), fieldOf(r)]).toEqual([what, code, field]);
    }
    const [row] = await t.database.db.select().from(complaints).where(eq(complaints.id, decodeGlobalId(c.id)!.id));
    expect(row).toMatchObject({ status: 'RECEIVED', handlerId: null });
  });

  it('accepts an active member of the department, stores the login and resolves the directory entry', async () => {
    const c = await receive();
    const login = `eng.${a.tag}`.toLowerCase();
    const eng = await createStaff(t, { login, name: '赵工', department: 'ENGINEERING', cityCompanyId: a.company.id });
    const r = await accept(c.id, eng.id);
    expect(r.errors).toBeUndefined();
    const accepted = r.data.acceptComplaint.complaint;
    expect(accepted).toMatchObject({
      status: 'ACCEPTED',
      department: 'ENGINEERING',
      handler: { id: eng.id, login, name: '赵工' },
      firstResponder: { id: toStaffGlobalId(deskLogin), login: deskLogin },
    });
    expect(accepted.timeline.find((e: any) => e.type === 'ACCEPTED')).toMatchObject({ actor: { login: deskLogin }, data: { department: 'ENGINEERING', handlerId: login } });
    const [row] = await t.database.db.select().from(complaints).where(eq(complaints.id, decodeGlobalId(c.id)!.id));
    expect(row!.handlerId).toBe(login);

    const q = `query($f: ComplaintFilter) { complaints(filter: $f) { edges { node { id
      handler { id login name role department active cityCompany { id } } firstResponder { login name role } } } } }`;
    const mine = await t.gql(q, { f: { assignedToMe: true } }, await t.token('HANDLER', { sub: login, department: 'ENGINEERING' }));
    expect(mine.data.complaints.edges).toEqual([
      {
        node: {
          id: c.id,
          handler: { id: eng.id, login, name: '赵工', role: 'HANDLER', department: 'ENGINEERING', active: true, cityCompany: { id: a.company.id } },
          firstResponder: { login: deskLogin, name: '前台李', role: 'AGENT' },
        },
      },
    ]);
    expect(ids(await t.gql(q, { f: { handlerIds: [eng.id] } }, desk), 'complaints')).toEqual([c.id]);

    // A member without a department may take any department's complaint.
    const general = await createStaff(t, { role: 'MANAGER', department: null, cityCompanyId: a.company.id });
    const other = await receive();
    const r2 = await accept(other.id, general.id, 'PROPERTY');
    expect(r2.data.acceptComplaint.complaint).toMatchObject({ department: 'PROPERTY', handler: { id: general.id, login: general.login } });
  });

  it('shows a subject without a directory entry as a bare Staff, and resolves handlers in a constant number of statements', async () => {
    const stranger = await t.token('AGENT', { sub: `svc.${a.tag}`.toLowerCase(), scope: [project.id] });
    const c = await t.gql(
      `${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`,
      { input: { customerId, projectId: project.id, kind: 'INQUIRY', category: 'OTHER', channel: 'WECHAT', description: '咨询' } },
      stranger,
    );
    expect(must(c).createComplaint.complaint.firstResponder).toEqual({ id: toStaffGlobalId(`svc.${a.tag}`.toLowerCase()), login: `svc.${a.tag}`.toLowerCase() });
    const bare = await t.gql(
      `query($id: ID!) { complaint(id: $id) { firstResponder { id login name role department active cityCompany { id } createdAt } } }`,
      { id: c.data.createComplaint.complaint.id },
      'ADMIN',
    );
    expect(bare.data.complaint.firstResponder).toMatchObject({ name: null, role: null, department: null, active: null, cityCompany: null, createdAt: null });

    // Several complaints, each with its own handler: handler and first responder cost the same for 2 and for all.
    for (let i = 0; i < 4; i++) {
      const handler = await createStaff(t, { cityCompanyId: a.company.id });
      expect((await accept((await receive()).id, handler.id)).errors).toBeUndefined();
    }
    const q = `query($n: Int!, $p: [ID!]) { complaints(first: $n, filter: { projectIds: $p, statuses: [ACCEPTED] }) {
      edges { node { id handler { login name cityCompany { name region { name } } } firstResponder { name } timeline { actor { name } } } } } }`;
    const statements = async (n: number) => {
      await t.settle();
      const before = t.requestStatements();
      const r = await t.gql(q, { n, p: [project.id] }, 'ADMIN');
      expect(r.errors).toBeUndefined();
      expect(r.data.complaints.edges).toHaveLength(n);
      expect(r.data.complaints.edges.every((e: any) => typeof e.node.handler.name === 'string')).toBe(true);
      return t.requestStatements() - before;
    };
    expect(await statements(5)).toBe(await statements(2));
  });
});
