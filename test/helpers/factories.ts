import { cityCompanies, regions } from '../../src/db/schema/index.js';
import { toGlobalId } from '../../src/graphql/global-id.js';
import type { TestApp } from './test-app.js';

let seq = Math.floor(Math.random() * 1_000_000);
/** A unique number per call within this process (tests never share values). */
export const unique = () => ++seq;

/** A unique valid mobile number. */
export const uniquePhone = () => `139${String(unique()).padStart(8, '0').slice(-8)}`;

/** Regions and city companies, inserted directly: quick setup (test/integration/org.test.ts covers their mutations). */
export async function seedOrg(t: TestApp) {
  const db = t.database.db;
  const n = unique();
  const [south, east] = await db
    .insert(regions)
    .values([
      { code: `S${n}`, name: '华南区域' },
      { code: `E${n}`, name: '华东区域' },
    ])
    .returning();
  const [sz, sh] = await db
    .insert(cityCompanies)
    .values([
      { code: `SZ${n}`, name: '深圳公司', city: '深圳', regionId: south!.id },
      { code: `SH${n}`, name: '上海公司', city: '上海', regionId: east!.id },
    ])
    .returning();
  return {
    southId: toGlobalId('Region', south!.id),
    eastId: toGlobalId('Region', east!.id),
    szId: toGlobalId('CityCompany', sz!.id),
    shId: toGlobalId('CityCompany', sh!.id),
  };
}

const CREATE_STAFF = `mutation($input: CreateStaffInput!) { createStaff(input: $input) { staff { id login name role department active cityCompany { id } } } }`;
const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id code name city stage } } }`;
const CREATE_CUSTOMER = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`;
const ADD_UNIT = `mutation($input: AddUnitOwnershipInput!) { addUnitOwnership(input: $input) { ownership { id unit { id } } } }`;

function must<T>(r: { data?: T; errors?: unknown[] }, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** Creates a project through the API as ADMIN. */
export async function createProject(t: TestApp, cityCompanyId: string, over: Record<string, unknown> = {}) {
  const n = unique();
  const r = await t.gql(CREATE_PROJECT, { input: { code: `P-${n}`, name: `测试项目${n}`, city: '深圳', cityCompanyId, stage: 'SIGNING', ...over } }, 'ADMIN');
  return must<any>(r, 'createProject').createProject.project as { id: string; code: string; name: string; city: string; stage: string };
}

/** Creates a customer through the API as ADMIN. */
export async function createCustomer(t: TestApp, projectId: string, over: Record<string, unknown> = {}) {
  const r = await t.gql(CREATE_CUSTOMER, { input: { name: `张${unique()}`, phone: uniquePhone(), projectId, ...over } }, 'ADMIN');
  return must<any>(r, 'createCustomer').createCustomer.customer.id as string;
}

/** Adds a unit ownership through the API as ADMIN. */
export async function addUnit(t: TestApp, customerId: string, projectId: string, over: Record<string, unknown> = {}) {
  const n = unique();
  const r = await t.gql(ADD_UNIT, { input: { customerId, projectId, building: `${n % 20}栋`, unitNo: '1单元', room: String(n), ...over } }, 'ADMIN');
  return must<any>(r, 'addUnitOwnership').addUnitOwnership.ownership as { id: string; unit: { id: string } };
}

/** A directory member as the factory returns it. */
export type StaffMember = { id: string; login: string; name: string; role: string; department: string | null; active: boolean; cityCompany: { id: string } | null };

/**
 * Creates a staff member through the API as ADMIN: by default an active ENGINEERING handler
 * at group level with a unique login; `over` sets any `CreateStaffInput` field.
 */
export async function createStaff(t: TestApp, over: Record<string, unknown> = {}) {
  const n = unique();
  const r = await t.gql(CREATE_STAFF, { input: { login: `staff.${n}`, name: `员工${n}`, role: 'HANDLER', department: 'ENGINEERING', ...over } }, 'ADMIN');
  return must<any>(r, 'createStaff').createStaff.staff as StaffMember;
}
