import { selectRows } from '../../db/rows.js';
import { and, eq, ilike, inArray, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { ORG_ADMINS, STAFF_WRITERS } from '../../auth/access.js';
import type { DbOrTx } from '../../db/client.js';
import { idempotent } from '../../db/idempotency.js';
import { cityCompanies, regions, staff } from '../../db/schema/index.js';
import { DEPARTMENTS, ROLES, type Department, type Role } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError, pgErrorOf } from '../../graphql/errors.js';
import { parseId, parseStaffId, toGlobalId, toStaffGlobalId } from '../../graphql/global-id.js';
import type { CityCompanyRow, RegionRow, StaffRow } from '../../graphql/loaders.js';
import { keyset, pageOf, pageRequest, type PageArgs, type SortSpec } from '../../graphql/pagination.js';
import { idempotencyKey, name, parseInput, searchText, text } from '../../graphql/validate.js';
import { diff, recordAudit } from '../audit/audit.service.js';
import { likePattern } from '../projects/project.service.js';
import type {
  CityCompanyFilter,
  CreateCityCompanyInput,
  CreateRegionInput,
  CreateStaffInput,
  OrgUnitOrder,
  RegionFilter,
  StaffFilter,
  StaffOrder,
  UpdateCityCompanyInput,
  UpdateRegionInput,
  UpdateStaffInput,
} from './org.input.js';

const code = z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, - or _');
const regionCreate = z.object({ code, name: name(100), idempotencyKey: idempotencyKey.nullish() });
const regionUpdate = z.object({ id: z.string(), code: code.optional(), name: name(100).optional() });
const companyCreate = z.object({ code, name: name(100), city: text(50), regionId: z.string(), idempotencyKey: idempotencyKey.nullish() });
const companyUpdate = z.object({ id: z.string(), code: code.optional(), name: name(100).optional(), city: text(50).optional(), regionId: z.string().optional() });

const login = z.string().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'must be 1–100 letters, digits, ., _, @ or -');
const HANDLER_NEEDS_DEPARTMENT = 'is required for a HANDLER (the department whose complaints they work)';
const staffCreate = z
  .object({
    login,
    name: name(50),
    role: z.enum(ROLES),
    department: z.enum(DEPARTMENTS).nullish(),
    cityCompanyId: z.string().nullish(),
    active: z.boolean().nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'HANDLER' && !v.department) ctx.addIssue({ code: 'custom', path: ['department'], message: HANDLER_NEEDS_DEPARTMENT });
  });
const staffUpdate = z.object({
  id: z.string(),
  name: name(50).optional(),
  role: z.enum(ROLES).optional(),
  department: z.enum(DEPARTMENTS).nullable().optional(),
  cityCompanyId: z.string().nullable().optional(),
  active: z.boolean().optional(),
});

/** A validated new staff member, as `insertStaff` stores it. */
export type NewStaff = { login: string; name: string; role: Role; department: Department | null; cityCompanyId: number | null; active: boolean };

/**
 * Validates a new staff member with the rules of `createStaff` (login format, HANDLERs need a
 * department, a well-formed city company ID). The API and the demo seeder both go through it.
 */
export function parseNewStaff(input: unknown): NewStaff {
  const data = parseInput(staffCreate, input);
  return {
    login: data.login,
    name: data.name,
    role: data.role,
    department: data.department ?? null,
    cityCompanyId: data.cityCompanyId ? parseId(data.cityCompanyId, 'CityCompany', 'input.cityCompanyId') : null,
    active: data.active ?? true,
  };
}

/**
 * Inserts a validated staff member (see {@link parseNewStaff}); CONFLICT when the login is
 * taken, regardless of case. `existingVisible` decides whether the conflict may point at the
 * existing member (`existingId`). Shared by `createStaff` and the demo seeder.
 */
export async function insertStaff(
  db: DbOrTx,
  values: NewStaff & { createdAt?: Date; updatedAt?: Date },
  existingVisible: (row: StaffRow) => Promise<boolean> = async () => true,
): Promise<StaffRow> {
  const [existing] = await db.select().from(staff).where(sql`lower(${staff.id}) = lower(${values.login})`);
  if (existing) {
    const visible = await existingVisible(existing);
    throw AppError.conflict(
      visible ? `A staff member with login ${existing.id} already exists` : `The login ${values.login} is taken by a staff member outside your access`,
      visible ? { field: 'input.login', existingId: toStaffGlobalId(existing.id) } : { field: 'input.login' },
    );
  }
  const { login: id, ...rest } = values;
  const [row] = await db
    .insert(staff)
    .values({ id, ...rest })
    .returning()
    .catch((e) => {
      const c = pgErrorOf(e).constraint;
      if (c === 'staff_pkey' || c === 'staff_login_lower_uq') throw AppError.conflict(`A staff member with login ${id} already exists`, { field: 'input.login' });
      throw e;
    });
  return row!;
}

type Sorts = Record<string, SortSpec>;
const REGION_SORTS: Sorts = {
  NAME: { key: 'NAME', column: regions.name, cast: 'text' },
  CODE: { key: 'CODE', column: regions.code, cast: 'text' },
  CREATED_AT: { key: 'CREATED_AT', column: regions.createdAt, cast: 'timestamptz' },
};
const COMPANY_SORTS: Sorts = {
  NAME: { key: 'NAME', column: cityCompanies.name, cast: 'text' },
  CODE: { key: 'CODE', column: cityCompanies.code, cast: 'text' },
  CREATED_AT: { key: 'CREATED_AT', column: cityCompanies.createdAt, cast: 'timestamptz' },
};
const STAFF_SORTS: Sorts = {
  NAME: { key: 'NAME', column: staff.name, cast: 'text' },
  LOGIN: { key: 'LOGIN', column: staff.id, cast: 'text' },
  CREATED_AT: { key: 'CREATED_AT', column: staff.createdAt, cast: 'timestamptz' },
};
const orgSortValue = (r: { name: string; code: string; createdAt: Date }, key: string) => (key === 'NAME' ? r.name : key === 'CODE' ? r.code : r.createdAt);
const staffSortValue = (r: StaffRow, key: string) => (key === 'NAME' ? r.name : key === 'LOGIN' ? r.id : r.createdAt);

/** The organisation: regions and city companies, listed by visibility and set up by ADMINs, each write audited. */
export class OrgService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** A visible region, or NOT_FOUND. */
  async getRegion(gid: string, field = 'id'): Promise<RegionRow> {
    const id = parseId(gid, 'Region', field);
    const row = await this.ctx.loaders.region.load(id);
    if (!row || !(await this.access.canSeeRegion(id))) throw AppError.notFound('Region', gid);
    return row;
  }

  /** A visible city company, or NOT_FOUND. */
  async getCityCompany(gid: string, field = 'id'): Promise<CityCompanyRow> {
    const id = parseId(gid, 'CityCompany', field);
    const row = await this.ctx.loaders.cityCompany.load(id);
    if (!row || !(await this.access.canSeeCityCompany(id))) throw AppError.notFound('CityCompany', gid);
    return row;
  }

  async listRegions(filter: RegionFilter | null | undefined, order: OrgUnitOrder | null | undefined, args: PageArgs) {
    const conds: (SQL | undefined)[] = [await this.access.regionCondition(regions.id)];
    const search = searchText(filter?.search);
    if (search) conds.push(or(ilike(regions.name, likePattern(search)), ilike(regions.code, likePattern(search))));
    const base = and(...conds);
    const sort = REGION_SORTS[order?.field ?? 'NAME']!;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const ks = keyset(req, sort, regions.id, order?.direction === 'DESC');
    const rows = await selectRows(this.ctx.db, this.ctx.db.select().from(regions).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit));
    for (const r of rows) this.ctx.loaders.region.prime(r.id, r);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode(sort.key, orgSortValue(r, sort.key), r.id)), count: () => this.ctx.db.$count(regions, base) };
  }

  async listCityCompanies(filter: CityCompanyFilter | null | undefined, order: OrgUnitOrder | null | undefined, args: PageArgs) {
    const conds: (SQL | undefined)[] = [await this.access.cityCompanyCondition(cityCompanies.id)];
    if (filter?.regionIds?.length) {
      conds.push(inArray(cityCompanies.regionId, filter.regionIds.map((g, i) => parseId(g, 'Region', `filter.regionIds.${i}`))));
    }
    if (filter?.cities?.length) conds.push(inArray(cityCompanies.city, filter.cities));
    const search = searchText(filter?.search);
    if (search) {
      const p = likePattern(search);
      conds.push(or(ilike(cityCompanies.name, p), ilike(cityCompanies.code, p), ilike(cityCompanies.city, p)));
    }
    const base = and(...conds);
    const sort = COMPANY_SORTS[order?.field ?? 'NAME']!;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const ks = keyset(req, sort, cityCompanies.id, order?.direction === 'DESC');
    const rows = await selectRows(this.ctx.db, this.ctx.db.select().from(cityCompanies).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit));
    for (const r of rows) this.ctx.loaders.cityCompany.prime(r.id, r);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode(sort.key, orgSortValue(r, sort.key), r.id)), count: () => this.ctx.db.$count(cityCompanies, base) };
  }

  async createRegion(input: CreateRegionInput): Promise<RegionRow> {
    const viewer = this.access.requireRole(ORG_ADMINS, 'create regions');
    const { idempotencyKey: key, ...values } = parseInput(regionCreate, input);
    const { id } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'createRegion', key, input: values }, async (tx) => {
      await assertCodeFree(tx, 'Region', values.code);
      const [row] = await tx.insert(regions).values(values).returning().catch((e) => rethrowCode(e, 'Region', values.code));
      await recordAudit(tx, this.ctx, { action: 'createRegion', subjectId: toGlobalId('Region', row!.id), changes: values });
      return row!.id;
    });
    const [row] = await this.ctx.db.select().from(regions).where(eq(regions.id, id));
    return row!;
  }

  async updateRegion(input: UpdateRegionInput): Promise<RegionRow> {
    this.access.requireRole(ORG_ADMINS, 'update regions');
    const data = parseInput(regionUpdate, input);
    const found = await this.getRegion(data.id, 'input.id');
    const { id: _id, ...changes } = data;
    const set = definedOnly(changes);
    return this.ctx.db.transaction(async (tx) => {
      // Lock the row and diff against what is stored now, not what was read before.
      const [before] = await tx.select().from(regions).where(eq(regions.id, found.id)).for('update');
      const changed = diff(before!, set);
      if (Object.keys(changed).length === 0) return before!;
      if (set.code && set.code.toLowerCase() !== before!.code.toLowerCase()) await assertCodeFree(tx, 'Region', set.code);
      const [row] = await tx.update(regions).set(set).where(eq(regions.id, found.id)).returning().catch((e) => rethrowCode(e, 'Region', String(set.code)));
      await recordAudit(tx, this.ctx, { action: 'updateRegion', subjectId: data.id, changes: changed });
      this.ctx.loaders.region.clear(found.id);
      return row!;
    });
  }

  async createCityCompany(input: CreateCityCompanyInput): Promise<CityCompanyRow> {
    const viewer = this.access.requireRole(ORG_ADMINS, 'create city companies');
    const { idempotencyKey: key, regionId: regionGid, ...values } = parseInput(companyCreate, input);
    const region = await this.getRegion(regionGid, 'input.regionId');
    const { id } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'createCityCompany', key, input: { ...values, regionId: regionGid } }, async (tx) => {
      await assertCodeFree(tx, 'CityCompany', values.code);
      const [row] = await tx
        .insert(cityCompanies)
        .values({ ...values, regionId: region.id })
        .returning()
        .catch((e) => rethrowCode(e, 'CityCompany', values.code));
      await recordAudit(tx, this.ctx, { action: 'createCityCompany', subjectId: toGlobalId('CityCompany', row!.id), changes: { ...values, regionId: regionGid } });
      return row!.id;
    });
    const [row] = await this.ctx.db.select().from(cityCompanies).where(eq(cityCompanies.id, id));
    return row!;
  }

  async updateCityCompany(input: UpdateCityCompanyInput): Promise<CityCompanyRow> {
    this.access.requireRole(ORG_ADMINS, 'update city companies');
    const data = parseInput(companyUpdate, input);
    const found = await this.getCityCompany(data.id, 'input.id');
    const { id: _id, regionId: regionGid, ...changes } = data;
    const set: Partial<CityCompanyRow> = definedOnly(changes);
    if (regionGid !== undefined) set.regionId = (await this.getRegion(regionGid, 'input.regionId')).id;
    return this.ctx.db.transaction(async (tx) => {
      const [before] = await tx.select().from(cityCompanies).where(eq(cityCompanies.id, found.id)).for('update');
      const changed = diff(before!, set);
      if (Object.keys(changed).length === 0) return before!;
      if (set.code && set.code.toLowerCase() !== before!.code.toLowerCase()) {
        await assertCodeFree(tx, 'CityCompany', set.code);
      }
      const [row] = await tx
        .update(cityCompanies)
        .set(set)
        .where(eq(cityCompanies.id, found.id))
        .returning()
        .catch((e) => rethrowCode(e, 'CityCompany', String(set.code)));
      if (changed.regionId) changed.regionId = { from: toGlobalId('Region', before!.regionId), to: regionGid };
      await recordAudit(tx, this.ctx, { action: 'updateCityCompany', subjectId: data.id, changes: changed });
      this.ctx.loaders.forgetCityCompany(found.id);
      return row!;
    });
  }
}

/** The staff directory: visible members, creation and changes by ADMINs and in-scope MANAGERs, each audited. */
export class StaffService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** A visible directory entry by Staff ID, or NOT_FOUND (BAD_USER_INPUT naming `field` when malformed). */
  async get(gid: string, field = 'id'): Promise<StaffRow> {
    const loginOf = parseStaffId(gid, field);
    const row = await this.ctx.loaders.staff.load(loginOf);
    if (!row || !(await this.access.canSeeStaff(row))) throw AppError.notFound('Staff', gid);
    return row;
  }

  /**
   * The Staff shown for a token subject (first responder, handler, actor): its directory entry
   * when it has one the viewer may see, otherwise null (the caller shows the bare login).
   */
  async forSubject(subject: string): Promise<StaffRow | null> {
    const row = await this.ctx.loaders.staff.load(subject);
    return row && (await this.access.canSeeStaff(row)) ? row : null;
  }

  /**
   * The handler a complaint is assigned to: an existing, active, visible member whose
   * department (if any) is the complaint's. BAD_USER_INPUT naming `field` otherwise
   * (NOT_FOUND when unknown).
   */
  async assignableHandler(gid: string, field: string, department: Department): Promise<StaffRow> {
    const row = await this.get(gid, field);
    if (!row.active) throw AppError.badInput(field, `staff member ${row.id} is inactive and cannot be assigned complaints`);
    if (row.department && row.department !== department) {
      throw AppError.badInput(field, `staff member ${row.id} works in ${row.department}, not ${department}; pick a handler of that department`);
    }
    return row;
  }

  async list(filter: StaffFilter | null | undefined, order: StaffOrder | null | undefined, args: PageArgs) {
    const conds: (SQL | undefined)[] = [await this.access.staffCondition()];
    if (filter?.cityCompanyIds?.length) {
      const ids = filter.cityCompanyIds.map((g, i) => parseId(g, 'CityCompany', `filter.cityCompanyIds.${i}`));
      conds.push(and(isNotNull(staff.cityCompanyId), inArray(staff.cityCompanyId, ids)));
    }
    if (filter?.departments?.length) conds.push(inArray(staff.department, filter.departments));
    if (filter?.roles?.length) conds.push(inArray(staff.role, filter.roles));
    if (filter?.active != null) conds.push(eq(staff.active, filter.active));
    const search = searchText(filter?.search);
    if (search) conds.push(or(ilike(staff.name, likePattern(search)), ilike(staff.id, likePattern(search))));
    const base = and(...conds);
    const sort = STAFF_SORTS[order?.field ?? 'NAME']!;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const ks = keyset(req, sort, staff.id, order?.direction === 'DESC', 'text');
    const rows = await this.ctx.db.select().from(staff).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit);
    for (const r of rows) this.ctx.loaders.staff.prime(r.id, r);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode(sort.key, staffSortValue(r, sort.key), r.id)), count: () => this.ctx.db.$count(staff, base) };
  }

  async create(input: CreateStaffInput): Promise<StaffRow> {
    const viewer = this.access.requireRole(STAFF_WRITERS, 'add staff');
    const values = parseNewStaff(input);
    if (values.cityCompanyId !== null) await this.visibleCityCompany(values.cityCompanyId, input.cityCompanyId!);
    await this.assertMayManage(viewer.role, values);
    const row = await this.ctx.db.transaction(async (tx) => {
      const created = await insertStaff(tx, values, (existing) => this.access.canSeeStaff(existing));
      await recordAudit(tx, this.ctx, {
        action: 'createStaff',
        subjectId: toStaffGlobalId(created.id),
        changes: { ...values, cityCompanyId: input.cityCompanyId ?? null },
      });
      return created;
    });
    this.ctx.loaders.staff.clear(row.id).prime(row.id, row);
    return row;
  }

  async update(input: UpdateStaffInput): Promise<StaffRow> {
    const viewer = this.access.requireRole(STAFF_WRITERS, 'change staff');
    const data = parseInput(staffUpdate, input);
    const found = await this.get(data.id, 'input.id');
    const { id: _id, cityCompanyId: companyGid, ...changes } = data;
    const set: Partial<StaffRow> = definedOnly(changes);
    if (companyGid !== undefined) {
      set.cityCompanyId = companyGid === null ? null : parseId(companyGid, 'CityCompany', 'input.cityCompanyId');
      if (set.cityCompanyId !== null) await this.visibleCityCompany(set.cityCompanyId, companyGid!);
    }
    const row = await this.ctx.db.transaction(async (tx) => {
      const [before] = await tx.select().from(staff).where(eq(staff.id, found.id)).for('update');
      const changed = diff(before!, set);
      if (Object.keys(changed).length === 0) return before!;
      const after = { ...before!, ...set };
      // A MANAGER may change only members it may manage, and only into what it may manage.
      await this.assertMayManage(viewer.role, before!);
      await this.assertMayManage(viewer.role, after);
      if (after.role === 'HANDLER' && !after.department) throw AppError.badInput('input.department', HANDLER_NEEDS_DEPARTMENT);
      const [updated] = await tx.update(staff).set({ ...set, updatedAt: sql`now()` }).where(eq(staff.id, found.id)).returning();
      if (changed.cityCompanyId) {
        const gid = (id: unknown) => (typeof id === 'number' ? toGlobalId('CityCompany', id) : null);
        changed.cityCompanyId = { from: gid(changed.cityCompanyId.from), to: gid(changed.cityCompanyId.to) };
      }
      await recordAudit(tx, this.ctx, { action: 'updateStaff', subjectId: toStaffGlobalId(found.id), changes: changed });
      return updated!;
    });
    this.ctx.loaders.staff.clear(row.id).prime(row.id, row);
    return row;
  }

  /** NOT_FOUND unless the city company exists and the viewer sees it. */
  private async visibleCityCompany(id: number, gid: string): Promise<void> {
    const row = await this.ctx.loaders.cityCompany.load(id);
    if (!row || !(await this.access.canSeeCityCompany(id))) throw AppError.notFound('CityCompany', gid);
  }

  /** ADMINs manage anyone; MANAGERs only non-ADMIN members of city companies fully in their scope. */
  private async assertMayManage(role: Role, member: { role: string; cityCompanyId: number | null }): Promise<void> {
    if (role === 'ADMIN') return;
    if (member.role === 'ADMIN') throw AppError.forbidden(`Role ${role} may not manage ADMIN staff`);
    if (member.cityCompanyId === null) throw AppError.forbidden(`Role ${role} may not manage group-level staff; ask an ADMIN`);
    if (!(await this.access.cityCompanyInScope(member.cityCompanyId))) {
      throw AppError.forbidden(`Role ${role} may manage staff only of city companies fully in its scope`);
    }
  }
}

/** The entries of `o` whose value is not undefined (omitted input fields stay as they are). */
function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** CONFLICT (with `existingId`) when a region or city company already has the code, regardless of case. */
async function assertCodeFree(db: DbOrTx, type: 'Region' | 'CityCompany', value: string): Promise<void> {
  const table = type === 'Region' ? regions : cityCompanies;
  const [existing] = await db.select({ id: table.id }).from(table).where(sql`lower(${table.code}) = lower(${value})`);
  if (existing) {
    throw AppError.conflict(`A ${type === 'Region' ? 'region' : 'city company'} with code ${value} already exists`, {
      field: 'input.code',
      existingId: toGlobalId(type, existing.id),
    });
  }
}

/** A concurrent insert of the same code loses on the unique constraint: CONFLICT as well. */
function rethrowCode(e: unknown, type: 'Region' | 'CityCompany', value: string): never {
  const c = pgErrorOf(e).constraint;
  if (c === 'regions_code_uq' || c === 'city_companies_code_uq') {
    throw AppError.conflict(`A ${type === 'Region' ? 'region' : 'city company'} with code ${value} already exists`, { field: 'input.code' });
  }
  throw e;
}
