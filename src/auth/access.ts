import { and, eq, exists, inArray, isNull, or, sql, type SQL, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cityCompanies, complaints, customers, projects, staff, unitOwnerships } from '../db/schema/index.js';
import type { Confidentiality, Role } from '../domain/enums.js';
import { AppError } from '../graphql/errors.js';
import { decodeGlobalId } from '../graphql/global-id.js';
import { whenReady, type Maybe } from '../graphql/maybe.js';
import type { Viewer } from './token.js';

/**
 * What a viewer's scope covers. `cityCompanyIds` are the city companies fully in scope
 * (named, or under a named region): the viewer may manage them (create projects, staff).
 * `visibleCityCompanyIds` and `visibleRegionIds` are the org units the viewer may see:
 * those fully in scope, those named, and those above a project in scope.
 */
export type ProjectScope =
  | { all: true }
  | { all: false; projectIds: number[]; cityCompanyIds: number[]; visibleCityCompanyIds: number[]; visibleRegionIds: number[] };

/** Roles that may read data through queries (SUBSCRIBER only subscribes). */
export const READERS: Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST'];
/** Roles that may subscribe to event streams: the readers and SUBSCRIBER service accounts. */
export const STREAM_READERS: Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST', 'SUBSCRIBER'];
/** Roles that create and edit customers and their units. */
export const CUSTOMER_WRITERS: Role[] = ['ADMIN', 'MANAGER', 'AGENT'];
/** Roles that create and edit projects. */
export const PROJECT_WRITERS: Role[] = ['ADMIN', 'MANAGER'];
/** Roles that set up the organisation: regions and city companies. */
export const ORG_ADMINS: Role[] = ['ADMIN'];
/** Roles that maintain the staff directory (MANAGERs only for city companies fully in scope). */
export const STAFF_WRITERS: Role[] = ['ADMIN', 'MANAGER'];
/** Roles that work complaints (HANDLERs only their department's). */
export const COMPLAINT_WORKERS: Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER'];
/** Roles that receive, dispatch, reject, return-visit, close and reopen complaints. */
export const COMPLAINT_DESK: Role[] = ['ADMIN', 'MANAGER', 'AGENT'];
/** Roles that configure SLA policies and the business calendar. */
export const SLA_ADMINS: Role[] = ['ADMIN'];
/** Roles that acknowledge SLA alerts. */
export const ALERT_HANDLERS: Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER'];
/** Roles that may reveal masked contact data, with a reason. */
export const REVEALERS: Role[] = ['ADMIN', 'MANAGER'];
/** 6+2 inspections are the group's: ADMIN records them. */
export const INSPECTORS: Role[] = ['ADMIN'];
/** Rectifying an inspection finding: ADMIN, MANAGER in scope, a HANDLER of the owning department. */
export const RECTIFIERS: Role[] = ['ADMIN', 'MANAGER', 'HANDLER'];
/** Standard action rules (标准动作) are group configuration: ADMIN. */
export const RULE_ADMINS: Role[] = ['ADMIN'];
/** Skipping a planned standard action lowers a project's compliance: ADMIN and MANAGER. */
/** Who configures survey templates (SPEC §1: ADMIN). */
export const TEMPLATE_ADMINS: Role[] = ['ADMIN'];

export const ACTION_SKIPPERS: Role[] = ['ADMIN', 'MANAGER'];

/** Resolves a viewer's scope claim (global IDs of regions, city companies, projects) to ids. */
export async function resolveScope(db: Db, viewer: Viewer): Promise<ProjectScope> {
  if (viewer.scope === null) return { all: true };
  const ids = { Region: [] as number[], CityCompany: [] as number[], Project: [] as number[] };
  for (const entry of viewer.scope) {
    const d = decodeGlobalId(entry);
    if (d && (d.type === 'Region' || d.type === 'CityCompany' || d.type === 'Project')) ids[d.type].push(d.id);
  }
  const companies = ids.Region.length || ids.CityCompany.length
    ? await db
        .select({ id: cityCompanies.id, regionId: cityCompanies.regionId })
        .from(cityCompanies)
        .where(or(inArray(cityCompanies.id, ids.CityCompany), inArray(cityCompanies.regionId, ids.Region)))
    : [];
  const cityCompanyIds = companies.map((c) => c.id);
  // With each project its city company and region: the org units above a project in scope are visible.
  const inScope = cityCompanyIds.length || ids.Project.length
    ? await db
        .select({ id: projects.id, cityCompanyId: projects.cityCompanyId, regionId: cityCompanies.regionId })
        .from(projects)
        .innerJoin(cityCompanies, eq(cityCompanies.id, projects.cityCompanyId))
        .where(or(inArray(projects.id, ids.Project), inArray(projects.cityCompanyId, cityCompanyIds)))
    : [];
  const visibleCityCompanyIds = new Set([...cityCompanyIds, ...inScope.map((p) => p.cityCompanyId)]);
  const visibleRegionIds = new Set([...ids.Region, ...companies.map((c) => c.regionId), ...inScope.map((p) => p.regionId)]);
  return {
    all: false,
    projectIds: inScope.map((p) => p.id),
    cityCompanyIds,
    visibleCityCompanyIds: [...visibleCityCompanyIds],
    visibleRegionIds: [...visibleRegionIds],
  };
}

/**
 * Per-request authorization: who the viewer is, what they may see, and SQL
 * conditions that apply scope in list queries. Every resolver and service goes
 * through this one object.
 */
export class Access {
  private scopePromise: Promise<ProjectScope> | null = null;
  private scopeValue: ProjectScope | undefined;

  constructor(
    readonly viewer: Viewer | null,
    private readonly db: Db,
    /** Where the scope comes from when not resolved by this object (a subscription shares it among its checks). */
    private readonly resolve: (viewer: Viewer) => Promise<ProjectScope> = (viewer) => resolveScope(db, viewer),
  ) {}

  /** The viewer, or UNAUTHENTICATED. */
  requireViewer(): Viewer {
    if (!this.viewer) throw AppError.unauthenticated();
    return this.viewer;
  }

  /** The viewer if their role is one of `roles`, else FORBIDDEN. */
  requireRole(roles: readonly Role[], doing = 'do this'): Viewer {
    const v = this.requireViewer();
    if (!roles.includes(v.role)) {
      throw AppError.forbidden(`Role ${v.role} may not ${doing}; allowed: ${roles.join(', ')}`);
    }
    return v;
  }

  hasRole(roles: readonly Role[]): boolean {
    return !!this.viewer && roles.includes(this.viewer.role);
  }

  /** The viewer's scope, resolved once per request. */
  scope(): Promise<ProjectScope> {
    if (!this.scopePromise) {
      this.scopePromise = this.resolve(this.requireViewer());
      this.scopePromise.then((s) => (this.scopeValue = s), () => {});
    }
    return this.scopePromise;
  }

  /** The scope once it has been resolved (synchronously), else the promise of it. */
  scopeNow(): Maybe<ProjectScope> {
    return this.scopeValue ?? this.scope();
  }

  async inScope(projectId: number): Promise<boolean> {
    const s = await this.scope();
    return s.all || s.projectIds.includes(projectId);
  }

  /** NOT_FOUND unless the project is in scope (out-of-scope objects are simply not found). */
  async assertProjectInScope(projectId: number, what = 'Project', gid?: string): Promise<void> {
    if (!(await this.inScope(projectId))) throw AppError.notFound(what, gid);
  }

  /** A SQL condition restricting `column` (a project id) to the scope; undefined when unrestricted. */
  async projectCondition(column: AnyColumn): Promise<SQL | undefined> {
    const s = await this.scope();
    return s.all ? undefined : inArray(column, s.projectIds);
  }

  /** Whether the city company is fully in scope: the viewer may create projects (and staff) under it. */
  async cityCompanyInScope(cityCompanyId: number): Promise<boolean> {
    const s = await this.scope();
    return s.all || s.cityCompanyIds.includes(cityCompanyId);
  }

  /*
   * Visibility of the organisation, in one place for lists, lookups and node(id): a region
   * or city company is visible with a whole-group scope, when the scope names it (a region
   * also makes its city companies visible), or when the scope holds a project under it.
   * The city company and region above a visible project are therefore always visible.
   */

  /** Whether the viewer may see a region. */
  async canSeeRegion(regionId: number): Promise<boolean> {
    const s = await this.scope();
    return s.all || s.visibleRegionIds.includes(regionId);
  }

  /** Whether the viewer may see a city company. */
  async canSeeCityCompany(cityCompanyId: number): Promise<boolean> {
    const s = await this.scope();
    return s.all || s.visibleCityCompanyIds.includes(cityCompanyId);
  }

  /** A SQL condition restricting `column` (a region id) to visible regions; undefined when unrestricted. */
  async regionCondition(column: AnyColumn): Promise<SQL | undefined> {
    const s = await this.scope();
    return s.all ? undefined : inArray(column, s.visibleRegionIds);
  }

  /** A SQL condition restricting `column` (a city company id) to visible city companies; undefined when unrestricted. */
  async cityCompanyCondition(column: AnyColumn): Promise<SQL | undefined> {
    const s = await this.scope();
    return s.all ? undefined : inArray(column, s.visibleCityCompanyIds);
  }

  /** Staff directory entries are visible when group-level or of a visible city company. */
  async canSeeStaff(member: { cityCompanyId: number | null }): Promise<boolean> {
    return member.cityCompanyId === null || this.canSeeCityCompany(member.cityCompanyId);
  }

  /** SQL twin of {@link canSeeStaff} on the `staff` table; undefined when unrestricted. */
  async staffCondition(): Promise<SQL | undefined> {
    const s = await this.scope();
    return s.all ? undefined : or(isNull(staff.cityCompanyId), inArray(staff.cityCompanyId, s.visibleCityCompanyIds));
  }

  /** Only ADMIN sees personal data unmasked; everyone else gets masked values unless revealed. */
  seesPersonalData(): boolean {
    return this.viewer?.role === 'ADMIN';
  }

  /** CONFIDENTIAL (机密) and SECRET (绝密) customers exist only for ADMIN and in-scope MANAGERs. */
  seesConfidential(): boolean {
    return this.viewer?.role === 'ADMIN' || this.viewer?.role === 'MANAGER';
  }

  /** Whether a customer row is visible: confidentiality, then origin or ownership project in scope (the ownerships are read only when the rest does not decide). */
  canSeeCustomer(c: { confidentiality: Confidentiality; originProjectId: number }, ownedProjectIds: () => Promise<number[]>): Maybe<boolean> {
    if (c.confidentiality !== 'NORMAL' && !this.seesConfidential()) return false;
    return whenReady(this.scopeNow(), (s) => {
      if (s.all || s.projectIds.includes(c.originProjectId)) return true;
      // Only now can the units decide: whole-group viewers never pay for the lookup.
      return ownedProjectIds().then((owned) => owned.some((p) => s.projectIds.includes(p)));
    });
  }

  /**
   * SQL restricting the `complaints` table: projects in scope, customers the viewer may
   * see (no 机密/绝密 customers' cases for AGENT/HANDLER/ANALYST), and for HANDLERs only
   * their department's complaints.
   */
  async complaintCondition(): Promise<SQL | undefined> {
    return and(await this.customerRecordCondition(complaints.projectId, complaints.customerId), this.departmentCondition(complaints.department));
  }

  /**
   * Twin of {@link complaintCondition} for complaint facts and rollups, whose rows carry whether
   * the customer is restricted instead of the customer (and '' or null for no department).
   */
  async complaintRollupCondition(columns: { projectId: AnyColumn; restricted: AnyColumn; department: AnyColumn }): Promise<SQL | undefined> {
    return and(await this.customerRollupCondition(columns.projectId, columns.restricted), this.departmentCondition(columns.department));
  }

  /** A HANDLER sees its department's complaints only (none without a department). */
  private departmentCondition(department: AnyColumn): SQL | undefined {
    const v = this.requireViewer();
    if (v.role !== 'HANDLER') return undefined;
    return v.department ? eq(department, v.department) : sql`false`;
  }

  /** Row-level twin of {@link complaintCondition}. */
  async canSeeComplaint(c: { projectId: number; department: string | null }, customerConfidentiality: Confidentiality): Promise<boolean> {
    const v = this.requireViewer();
    if (!(await this.canSeeCustomerRecord(c, customerConfidentiality))) return false;
    if (v.role === 'HANDLER') return v.department !== null && c.department === v.department;
    return true;
  }

  /**
   * SQL restricting a table of records about a customer in a project (complaints, touchpoints,
   * planned actions): the project in scope, and no 机密/绝密 customer's records for roles that
   * may not see such customers. Undefined when unrestricted.
   */
  async customerRecordCondition(projectColumn: AnyColumn, customerColumn: AnyColumn): Promise<SQL | undefined> {
    return and(
      await this.projectCondition(projectColumn),
      this.seesConfidential() ? undefined : inArray(customerColumn, this.db.select({ id: customers.id }).from(customers).where(eq(customers.confidentiality, 'NORMAL'))),
    );
  }

  /**
   * Twin of {@link customerRecordCondition} for rollups of customers' records, whose rows carry
   * whether the customer is restricted (CONFIDENTIAL or SECRET) instead of the customer.
   */
  async customerRollupCondition(projectColumn: AnyColumn, restrictedColumn: AnyColumn): Promise<SQL | undefined> {
    return and(await this.projectCondition(projectColumn), this.seesConfidential() ? undefined : eq(restrictedColumn, false));
  }

  /** Row-level twin of {@link customerRecordCondition}. */
  async canSeeCustomerRecord(r: { projectId: number }, customerConfidentiality: Confidentiality): Promise<boolean> {
    if (!(await this.inScope(r.projectId))) return false;
    return customerConfidentiality === 'NORMAL' || this.seesConfidential();
  }

  /** SQL restricting the `customers` table to what the viewer may see. */
  async customerCondition(): Promise<SQL | undefined> {
    const s = await this.scope();
    const conds: SQL[] = [];
    if (!this.seesConfidential()) conds.push(eq(customers.confidentiality, 'NORMAL'));
    if (!s.all) {
      conds.push(
        or(
          inArray(customers.originProjectId, s.projectIds),
          exists(
            this.db
              .select({ one: sql`1` })
              .from(unitOwnerships)
              .where(and(eq(unitOwnerships.customerId, customers.id), inArray(unitOwnerships.projectId, s.projectIds))),
          ),
        )!,
      );
    }
    return conds.length ? and(...conds) : undefined;
  }
}
