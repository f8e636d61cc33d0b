import type { PageJoin } from '../../db/rows.js';
import { and, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { PROJECT_WRITERS } from '../../auth/access.js';
import type { DbOrTx } from '../../db/client.js';
import { idempotent } from '../../db/idempotency.js';
import { cityCompanies, projects } from '../../db/schema/index.js';
import { PROJECT_STAGES } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError, pgErrorOf } from '../../graphql/errors.js';
import { parseId, toGlobalId } from '../../graphql/global-id.js';
import type { CityCompanyRow, ProjectRow } from '../../graphql/loaders.js';
import { pageOf, pageRequest, selectKeysetPage, type PageArgs, type SortSpec } from '../../graphql/pagination.js';
import { idempotencyKey, localDate, name, parseInput, searchText, text } from '../../graphql/validate.js';
import { diff, recordAudit } from '../audit/audit.service.js';
import type { CreateProjectInput, ProjectFilter, ProjectOrder, UpdateProjectInput } from './project.input.js';

/** A project sort, with the row column its cursors read. */
type ProjectSort = SortSpec & { rowKey: 'name' | 'code' | 'createdAt' };
const SORTS: Record<string, ProjectSort> = {
  NAME: { key: 'NAME', column: projects.name, cast: 'text', rowKey: 'name' },
  CODE: { key: 'CODE', column: projects.code, cast: 'text', rowKey: 'code' },
  CREATED_AT: { key: 'CREATED_AT', column: projects.createdAt, cast: 'timestamptz', rowKey: 'createdAt' },
};

/** A project's city company, read with a page of projects (with these columns; null: all). */
const cityCompanyJoin = (columns: readonly string[] | null): PageJoin => ({ as: 'cityCompany', table: cityCompanies, on: eq(cityCompanies.id, projects.cityCompanyId), columns });

/** Escapes LIKE wildcards in user text. */
export function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const warranty = z.array(z.object({ component: text(50), years: z.number().int().min(1).max(100) })).max(50);
const fields = {
  code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, - or _'),
  name: name(100),
  city: text(50),
  stage: z.enum(PROJECT_STAGES),
  phase: text(50).nullish(),
  totalUnits: z.number().int().min(0).max(1_000_000).nullish(),
  salesOpenedOn: localDate.nullish(),
  plannedDeliveryOn: localDate.nullish(),
  actualDeliveryOn: localDate.nullish(),
  warrantyTerms: warranty.nullish(),
};
const createSchema = z.object({ ...fields, cityCompanyId: z.string(), idempotencyKey: idempotencyKey.nullish() });
const updateSchema = z.object({ id: z.string() }).extend(z.object(fields).partial().shape);

/** Projects: listing in scope, creation and updates, each audited. */
export class ProjectService {
  constructor(private readonly ctx: Context) {}

  /** A project in scope, or NOT_FOUND. */
  async get(gid: string, field = 'id'): Promise<ProjectRow> {
    const id = parseId(gid, 'Project', field);
    const row = await this.ctx.loaders.project.load(id);
    if (!row || !(await this.ctx.access.inScope(id))) throw AppError.notFound('Project', gid);
    return row;
  }

  /**
   * A page of projects in scope. `columns`: the columns the page reads (null: every one; see
   * graphql/projection.ts); `cityCompany`: read each project's city company in the same
   * statement with these columns (null: all of them), into the request's loader of them.
   */
  async list(filter: ProjectFilter | null | undefined, order: ProjectOrder | null | undefined, args: PageArgs, columns: readonly string[] | null = null, cityCompany?: readonly string[] | null) {
    const sort = SORTS[order?.field ?? 'NAME']!;
    const descending = order?.direction === 'DESC';
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const conds: (SQL | undefined)[] = [await this.ctx.access.projectCondition(projects.id)];
    const search = searchText(filter?.search);
    if (search) {
      const p = likePattern(search);
      conds.push(or(ilike(projects.name, p), ilike(projects.code, p)));
    }
    if (filter?.cities?.length) conds.push(inArray(projects.city, filter.cities));
    if (filter?.stages?.length) conds.push(inArray(projects.stage, filter.stages));
    if (filter?.cityCompanyIds?.length) {
      conds.push(inArray(projects.cityCompanyId, filter.cityCompanyIds.map((g, i) => parseId(g, 'CityCompany', `filter.cityCompanyIds.${i}`))));
    }
    if (filter?.regionIds?.length) {
      const regionIds = filter.regionIds.map((g, i) => parseId(g, 'Region', `filter.regionIds.${i}`));
      conds.push(
        inArray(projects.cityCompanyId, this.ctx.db.select({ id: cityCompanies.id }).from(cityCompanies).where(inArray(cityCompanies.regionId, regionIds))),
      );
    }
    const base = and(...conds);
    const { rows, joined, columns: read } = await selectKeysetPage<ProjectRow>(this.ctx.db, {
      name: 'projects.list',
      table: projects,
      idColumn: projects.id,
      sort,
      req,
      descending,
      where: base,
      columns,
      joins: cityCompany !== undefined ? [cityCompanyJoin(cityCompany)] : [],
    });
    // Whole rows only: a loader's rows are whole.
    if (!read) for (const r of rows) this.ctx.loaders.project.prime(r.id, r);
    if (cityCompany !== undefined) {
      const loader = this.ctx.loaders.cityCompaniesWith(cityCompany);
      for (const c of joined[0]!) if (c) loader.prime(c.id as number, c as CityCompanyRow);
    }
    return {
      ...pageOf(rows, req, (r) => this.ctx.cursors.encode(sort.key, r[sort.rowKey], r.id)),
      count: () => this.ctx.db.$count(projects, base),
    };
  }

  async create(input: CreateProjectInput): Promise<ProjectRow> {
    const viewer = this.ctx.access.requireRole(PROJECT_WRITERS, 'create projects');
    const data = parseInput(createSchema, input);
    const cityCompanyId = parseId(data.cityCompanyId, 'CityCompany', 'input.cityCompanyId');
    const company = await this.ctx.loaders.cityCompany.load(cityCompanyId);
    if (!company || !(await this.ctx.access.cityCompanyInScope(cityCompanyId))) {
      throw AppError.notFound('CityCompany', data.cityCompanyId);
    }
    const { idempotencyKey: key, cityCompanyId: _c, ...values } = data;
    const { id, replayed } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'createProject', key, input: data }, async (tx) => {
      await this.assertCodeFree(tx, values.code);
      const [row] = await tx
        .insert(projects)
        .values({ ...values, cityCompanyId, warrantyTerms: values.warrantyTerms ?? [] })
        .returning()
        .catch((e) => this.rethrow(e, values.code));
      await recordAudit(tx, this.ctx, {
        action: 'createProject',
        subjectId: toGlobalId('Project', row!.id),
        projectId: row!.id,
        changes: { ...values, cityCompanyId: data.cityCompanyId },
      });
      return row!.id;
    });
    // In scope by construction for this viewer's city company; a freshly created project is visible to its creator.
    const [row] = await this.ctx.db.select().from(projects).where(eq(projects.id, id));
    // A replay returns the project only while it is in the viewer's scope.
    if (!row || (replayed && !(await this.ctx.access.inScope(row.id)))) throw AppError.notFound('Project');
    return row;
  }

  async update(input: UpdateProjectInput): Promise<ProjectRow> {
    this.ctx.access.requireRole(PROJECT_WRITERS, 'update projects');
    const data = parseInput(updateSchema, input);
    const found = await this.get(data.id, 'input.id');
    const { id: _id, ...changes } = data;
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    // `null` clears: for the warranty terms that is the empty list.
    if (set.warrantyTerms === null) set.warrantyTerms = [];
    return this.ctx.db.transaction(async (tx) => {
      // Lock the row and diff against what is stored now, not what was read before.
      const [before] = await tx.select().from(projects).where(eq(projects.id, found.id)).for('update');
      const changed = diff(before!, set);
      if (Object.keys(changed).length === 0) return before!;
      if (changed.code && typeof set.code === 'string' && set.code.toLowerCase() !== before!.code.toLowerCase()) {
        await this.assertCodeFree(tx, set.code);
      }
      const [row] = await tx
        .update(projects)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(projects.id, found.id))
        .returning()
        .catch((e) => this.rethrow(e, String(set.code)));
      await recordAudit(tx, this.ctx, { action: 'updateProject', subjectId: data.id, projectId: found.id, changes: changed });
      return row!;
    });
  }

  private async assertCodeFree(db: DbOrTx, code: string) {
    const [existing] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(sql`lower(${projects.code}) = lower(${code})`);
    if (existing) {
      throw AppError.conflict(`A project with code ${code} already exists`, {
        field: 'input.code',
        existingId: toGlobalId('Project', existing.id),
      });
    }
  }

  private rethrow(e: unknown, code: string): never {
    if (pgErrorOf(e).constraint === 'projects_code_uq') {
      throw AppError.conflict(`A project with code ${code} already exists`, { field: 'input.code' });
    }
    throw e;
  }
}
