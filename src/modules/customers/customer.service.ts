import { selectRows } from '../../db/rows.js';
import { and, count, eq, getTableColumns, ilike, inArray, isNotNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { pagesByParent, partitionedRank } from '../../graphql/nested.js';
import { z } from 'zod';
import { CUSTOMER_WRITERS, REVEALERS } from '../../auth/access.js';
import { maskEmail, maskIdNumber, maskPhone } from '../../auth/masking.js';
import type { Tx } from '../../db/client.js';
import { idempotent } from '../../db/idempotency.js';
import { customers, unitOwnerships, units } from '../../db/schema/index.js';
import { CHANNELS, CONFIDENTIALITY_LEVELS, CUSTOMER_CLASSES, GENDERS, type Milestone, type Segment } from '../../domain/enums.js';
import { planForMilestone } from '../touchpoints/planner.js';
import { monthsBefore, segmentOf } from '../../domain/segment.js';
import { normalisePhone } from '../../domain/contact.js';
import { maskName } from '../../auth/masking.js';
import type { Context } from '../../graphql/context.js';
import { AppError, pgErrorOf } from '../../graphql/errors.js';
import { parseId, toGlobalId } from '../../graphql/global-id.js';
import type { CustomerRow, OwnershipRow } from '../../graphql/loaders.js';
import type { Maybe } from '../../graphql/maybe.js';
import { pageOf, pageRequest, selectKeysetPage, type PageArgs, type SortSpec } from '../../graphql/pagination.js';
import { assertNotFuture, idempotencyKey, idNumber, localDate, name, parseInput, phone, searchText, text } from '../../graphql/validate.js';
import { diff, recordAudit } from '../audit/audit.service.js';
import { likePattern } from '../projects/project.service.js';
import { moveCustomerResponses } from '../surveys/rollups.js';
import type {
  AddUnitOwnershipInput,
  CreateCustomerInput,
  CustomerFilter,
  CustomerOrder,
  RecordDeliveryInput,
  RecordMoveInInput,
  RecordSigningInput,
  RevealCustomerContactInput,
  UpdateCustomerInput,
} from './customer.input.js';

/** The audited action of each milestone mutation. */
const MILESTONE_ACTIONS: Record<Milestone, string> = { SIGNED: 'recordSigning', DELIVERED: 'recordDelivery', MOVED_IN: 'recordMoveIn' };

/** Orders of a customer list; `rowKey`: the column its cursors are made of. */
const SORTS: Record<string, SortSpec & { rowKey: 'name' | 'createdAt' }> = {
  NAME: { key: 'NAME', column: customers.name, cast: 'text', rowKey: 'name' },
  // Viewers who see names masked are ordered by what they see of them: the first
  // character of the surname, then creation order. Ordering by the full name would
  // leak the hidden part through the position of each row.
  NAME_MASKED: { key: 'NAME_MASKED', column: sql`left(${customers.name}, 1)`, cast: 'text', rowKey: 'name' },
  CREATED_AT: { key: 'CREATED_AT', column: customers.createdAt, cast: 'timestamptz', rowKey: 'createdAt' },
};


const personal = {
  idNumber: idNumber.nullish(),
  email: z.string().trim().max(200).email('must be an email address').nullish(),
  birthday: localDate.nullish(),
  preferredChannel: z.enum(CHANNELS).nullish(),
  memberNo: text(50).nullish(),
};
const createSchema = z.object({
  name: name(50),
  phone,
  projectId: z.string(),
  ...personal,
  gender: z.enum(GENDERS).nullish(),
  customerClass: z.enum(CUSTOMER_CLASSES).nullish(),
  confidentiality: z.enum(CONFIDENTIALITY_LEVELS).nullish(),
  idempotencyKey: idempotencyKey.nullish(),
});
const updateSchema = z.object({
  id: z.string(),
  name: name(50).optional(),
  phone: phone.optional(),
  ...personal,
  gender: z.enum(GENDERS).optional(),
  customerClass: z.enum(CUSTOMER_CLASSES).optional(),
  confidentiality: z.enum(CONFIDENTIALITY_LEVELS).optional(),
});
const ownershipSchema = z.object({
  customerId: z.string(),
  projectId: z.string(),
  building: text(20),
  unitNo: text(20),
  room: text(20),
  subscribedAt: z.date().nullish(),
});
const revealSchema = z.object({ customerId: z.string(), reason: text(500).pipe(z.string().min(4, 'must be at least 4 characters')) });

/** Personal fields are masked in the audit trail too: it records that they changed, not their values. */
function maskedForAudit(values: Record<string, unknown>): Record<string, unknown> {
  const out = { ...values };
  if (typeof out.phone === 'string') out.phone = maskPhone(out.phone);
  if (typeof out.idNumber === 'string') out.idNumber = maskIdNumber(out.idNumber);
  if (typeof out.email === 'string') out.email = maskEmail(out.email);
  if (typeof out.name === 'string') out.name = maskName(out.name);
  if (typeof out.birthday === 'string') out.birthday = '****-**-**';
  return out;
}

/** The derived segment of a customer with these holdings at `at`, with the configured thresholds. */
export function segmentAt(ctx: Context, owned: readonly { signedAt: Date | null; deliveredAt: Date | null }[], at: Date): Segment {
  return segmentOf([...owned], at, { breakInMonths: ctx.config.segmentBreakInMonths, veteranMonths: ctx.config.segmentVeteranMonths });
}

/** Customers, their units and milestones; every read is scoped and every write audited. */
export class CustomerService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** A visible customer, or NOT_FOUND (also when out of scope or too confidential). */
  async get(gid: string, field = 'id'): Promise<CustomerRow> {
    const id = parseId(gid, 'Customer', field);
    const row = await this.ctx.loaders.customer.load(id);
    if (!row || !(await this.isVisible(row))) throw AppError.notFound('Customer', gid);
    return row;
  }

  /** Whether the viewer may see this customer at all. */
  isVisible(row: CustomerRow): Maybe<boolean> {
    return this.access.canSeeCustomer(row, async () => (await this.ctx.loaders.ownershipsByCustomer.load(row.id)).map((o) => o.projectId));
  }

  /** Visibility check that reads inside a transaction (loaders would query outside it). */
  private async isVisibleIn(tx: Tx, row: CustomerRow): Promise<boolean> {
    return this.access.canSeeCustomer(row, async () =>
      (await tx.select({ projectId: unitOwnerships.projectId }).from(unitOwnerships).where(eq(unitOwnerships.customerId, row.id))).map((o) => o.projectId),
    );
  }

  /** The customer's ownerships in projects the viewer may see. */
  async visibleOwnerships(customerId: number): Promise<OwnershipRow[]> {
    const owned = await this.ctx.loaders.ownershipsByCustomer.load(customerId);
    const s = await this.access.scope();
    return s.all ? owned : owned.filter((o) => s.projectIds.includes(o.projectId));
  }

  /** A visible ownership, or NOT_FOUND. */
  async getOwnership(gid: string, field: string): Promise<OwnershipRow> {
    const id = parseId(gid, 'UnitOwnership', field);
    const row = await this.ctx.loaders.ownership.load(id);
    if (!row || !(await this.access.inScope(row.projectId))) throw AppError.notFound('UnitOwnership', gid);
    const customer = await this.ctx.loaders.customer.load(row.customerId);
    if (!customer || !(await this.isVisible(customer))) throw AppError.notFound('UnitOwnership', gid);
    return row;
  }

  /**
   * The project (and unit) of a record about a visible customer, such as a complaint or a
   * touchpoint, from input IDs: NOT_FOUND for a project that does not exist or is out of scope,
   * BAD_USER_INPUT when the customer is not linked to it (neither came in through it nor holds a
   * unit there) or does not hold the unit there. `owned` are the customer's ownerships.
   */
  async placeOf(customer: CustomerRow, owned: readonly OwnershipRow[], input: { projectId: string; unitId?: string | null }): Promise<{ projectId: number; unitId: number | null }> {
    const projectId = parseId(input.projectId, 'Project', 'input.projectId');
    // A customer's origin project and the projects of their holdings exist (foreign keys): the
    // project is read only when the link is missing, to tell NOT_FOUND from BAD_USER_INPUT.
    const linked = customer.originProjectId === projectId || owned.some((o) => o.projectId === projectId);
    if (!linked && !(await this.ctx.loaders.project.load(projectId))) throw AppError.notFound('Project', input.projectId);
    await this.access.assertProjectInScope(projectId, 'Project', input.projectId);
    if (!linked) throw AppError.badInput('input.projectId', 'the customer is not linked to this project (neither came in through it nor holds a unit there)');
    if (!input.unitId) return { projectId, unitId: null };
    const unitId = parseId(input.unitId, 'Unit', 'input.unitId');
    // A holding names its unit's project (denormalised from the unit): the unit is read only
    // when the customer holds no such unit in this project, to say what is wrong.
    const held = owned.find((o) => o.unitId === unitId);
    if (held?.projectId !== projectId) {
      const unit = await this.ctx.loaders.unit.load(unitId);
      if (!unit) throw AppError.notFound('Unit', input.unitId);
      if (unit.projectId !== projectId) throw AppError.badInput('input.unitId', 'the unit is not in the given project');
      throw AppError.badInput('input.unitId', 'the customer does not hold this unit');
    }
    return { projectId, unitId };
  }

  /** SQL for the derived segment of the `customers` row in scope (same rule as `segmentOf`). */
  segmentSql(): SQL {
    const now = this.ctx.now();
    const breakIn = monthsBefore(now, this.ctx.config.segmentBreakInMonths).toISOString();
    const veteran = monthsBefore(now, this.ctx.config.segmentVeteranMonths).toISOString();
    const first = sql`(select min(o.delivered_at) from unit_ownerships o where o.customer_id = ${customers.id} and o.delivered_at <= ${now.toISOString()}::timestamptz)`;
    const signed = sql`exists (select 1 from unit_ownerships o where o.customer_id = ${customers.id} and o.signed_at is not null)`;
    return sql`(case
      when ${first} is null then (case when ${signed} then 'PRE_OWNER' else 'PROSPECT' end)
      when ${first} > ${breakIn}::timestamptz then 'BREAK_IN'
      when ${first} > ${veteran}::timestamptz then 'STABLE'
      else 'VETERAN' end)`;
  }

  private inProjects(ids: number[]): SQL {
    return or(
      inArray(customers.originProjectId, ids),
      inArray(customers.id, this.ctx.db.select({ id: unitOwnerships.customerId }).from(unitOwnerships).where(inArray(unitOwnerships.projectId, ids))),
    )!;
  }

  /** Visibility plus the filter's conditions on `customers`. */
  private async conditions(filter: CustomerFilter | null | undefined): Promise<(SQL | undefined)[]> {
    const conds: (SQL | undefined)[] = [await this.access.customerCondition()];
    if (filter?.projectIds?.length) {
      // Only projects in scope count: an out-of-scope project must not reveal who holds units there.
      const scope = await this.access.scope();
      const wanted = filter.projectIds.map((g, i) => parseId(g, 'Project', `filter.projectIds.${i}`));
      conds.push(this.inProjects(scope.all ? wanted : wanted.filter((id) => scope.projectIds.includes(id))));
    }
    if (filter?.classes?.length) conds.push(inArray(customers.customerClass, filter.classes));
    if (filter?.confidentialities?.length) conds.push(inArray(customers.confidentiality, filter.confidentialities));
    if (filter?.segments?.length) conds.push(sql`${this.segmentSql()} in (${sql.join(filter.segments.map((s: Segment) => sql`${s}`), sql`, `)})`);
    const search = searchText(filter?.search);
    if (search) {
      // A search by personal data is an exact-value probe for masked viewers: budgeted.
      if (!this.access.seesPersonalData()) await this.ctx.lookups.take([`search:${search}`]);
      conds.push(this.searchCondition(search));
    }
    return conds;
  }

  /** The sort of a customer list for this viewer (see NAME_MASKED). */
  private sortFor(order: CustomerOrder | null | undefined) {
    const field = order?.field ?? 'NAME';
    return SORTS[field === 'NAME' && !this.access.seesPersonalData() ? 'NAME_MASKED' : field]!;
  }

  private cursorOf(sortKey: string) {
    return (r: CustomerRow) =>
      this.ctx.cursors.encode(sortKey, sortKey === 'NAME' ? r.name : sortKey === 'NAME_MASKED' ? ([...r.name][0] ?? '') : r.createdAt, r.id);
  }

  /**
   * A page of customers. `columns`: only these columns of each row (see graphql/projection.ts;
   * the sort's column is added for the cursors), null for whole rows.
   */
  async list(filter: CustomerFilter | null | undefined, order: CustomerOrder | null | undefined, args: PageArgs, columns: readonly string[] | null = null) {
    const sort = this.sortFor(order);
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const base = and(...(await this.conditions(filter)));
    const { rows, columns: read } = await selectKeysetPage<CustomerRow>(this.ctx.db, {
      name: 'customers.list',
      table: customers,
      idColumn: customers.id,
      sort,
      req,
      descending: order?.direction === 'DESC',
      where: base,
      columns,
    });
    // Into the loader of the same columns: a customer's fields that read fewer (a complaint's
    // `customer`, say) answer from it (see RequestLoaders.customersWith).
    const loader = this.ctx.loaders.customersWith(read);
    for (const r of rows) loader.prime(r.id, r);
    return { ...pageOf(rows, req, this.cursorOf(sort.key)), count: () => this.ctx.db.$count(customers, base) };
  }

  /** Customer↔project links (came in through it, or holds a unit there) for the given projects. */
  private links(projectIds: number[]) {
    return this.ctx.db
      .select({ cid: sql<number>`${customers.id}`.as('cid'), pid: sql<number>`${customers.originProjectId}`.as('pid') })
      .from(customers)
      .where(inArray(customers.originProjectId, projectIds))
      .union(
        this.ctx.db
          .select({ cid: sql<number>`${unitOwnerships.customerId}`.as('cid'), pid: sql<number>`${unitOwnerships.projectId}`.as('pid') })
          .from(unitOwnerships)
          .where(inArray(unitOwnerships.projectId, projectIds)),
      )
      .as('links');
  }

  /** Pages of `Project.customers` for many projects in one statement (see graphql/nested.ts). */
  async pagesForProjects(projectIds: number[], filter: CustomerFilter | null | undefined, order: CustomerOrder | null | undefined, args: PageArgs) {
    const sort = this.sortFor(order);
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const links = this.links(projectIds);
    const { rank, where, limit } = partitionedRank(req, sort, customers.id, order?.direction === 'DESC', sql`${links.pid}`);
    const page = this.ctx.db
      .select({ ...getTableColumns(customers), _pid: sql<number>`${links.pid}`.as('_pid'), _rn: rank.as('_rn') })
      .from(customers)
      .innerJoin(links, eq(links.cid, customers.id))
      .where(and(...(await this.conditions(filter)), where))
      .as('page');
    const rows = await selectRows(this.ctx.db, this.ctx.db.select().from(page).where(lte(page._rn, limit)));
    for (const r of rows) this.ctx.loaders.customer.prime(r.id, r);
    return pagesByParent<CustomerRow>(rows, req, this.cursorOf(sort.key), projectIds);
  }

  /** `totalCount` of `Project.customers` for many projects in one statement. */
  async countsForProjects(projectIds: number[], filter: CustomerFilter | null | undefined): Promise<Map<number, number>> {
    const links = this.links(projectIds);
    const counted = await this.ctx.db
      .select({ pid: links.pid, n: count() })
      .from(customers)
      .innerJoin(links, eq(links.cid, customers.id))
      .where(and(...(await this.conditions(filter))))
      .groupBy(links.pid);
    return new Map(counted.map((c) => [Number(c.pid), c.n]));
  }

  /**
   * Text search on name or phone. Viewers who see personal data match any part of
   * either. Masked viewers match only what cannot uncover a masked value: a whole
   * phone number (a caller's number on the hotline), a whole name, or a surname prefix
   * of one character; otherwise partial matches would reveal hidden digits and names.
   */
  private searchCondition(search: string): SQL {
    const asPhone = normalisePhone(search);
    const digits = search.replace(/[\s()-]/g, '').replace(/^(\+86|0086)/, '');
    if (this.access.seesPersonalData()) {
      if (/^\d{3,}$/.test(digits)) return sql`replace(${customers.phone}, '-', '') like ${likePattern(digits)}`;
      return ilike(customers.name, likePattern(search));
    }
    if (asPhone) return eq(customers.phone, asPhone);
    if ([...search].length === 1) return sql`${customers.name} like ${`${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`;
    return eq(customers.name, search);
  }

  async create(input: CreateCustomerInput): Promise<CustomerRow> {
    const viewer = this.access.requireRole(CUSTOMER_WRITERS, 'create customers');
    const data = parseInput(createSchema, input);
    const projectId = parseId(data.projectId, 'Project', 'input.projectId');
    if (!(await this.ctx.loaders.project.load(projectId))) throw AppError.notFound('Project', data.projectId);
    await this.access.assertProjectInScope(projectId, 'Project', data.projectId);
    if (data.confidentiality && data.confidentiality !== 'NORMAL' && !this.access.seesConfidential()) {
      throw AppError.forbidden(`Role ${viewer.role} may not mark customers ${data.confidentiality}; ask a MANAGER`);
    }
    await this.chargeDuplicateChecks({ phone: data.phone, idNumber: data.idNumber ?? null });
    const { idempotencyKey: key, projectId: _p, ...values } = data;
    const row = {
      ...values,
      gender: values.gender ?? 'UNKNOWN',
      customerClass: values.customerClass ?? 'C',
      confidentiality: values.confidentiality ?? 'NORMAL',
      originProjectId: projectId,
      createdBy: viewer.id,
    };
    const { id, replayed } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'createCustomer', key, input: data }, async (tx) => {
      await this.assertUnique(tx, { phone: row.phone, idNumber: row.idNumber ?? null });
      const [created] = await tx.insert(customers).values(row).returning({ id: customers.id }).catch((e) => this.rethrow(e));
      await recordAudit(tx, this.ctx, {
        action: 'createCustomer',
        subjectId: toGlobalId('Customer', created!.id),
        projectId,
        changes: maskedForAudit({ ...values, projectId: data.projectId }),
      });
      return created!.id;
    });
    const [saved] = await this.ctx.db.select().from(customers).where(eq(customers.id, id));
    // A replay returns the customer only while the viewer may still see it (it may have
    // been made confidential or moved since).
    if (!saved || (replayed && !(await this.isVisible(saved)))) throw AppError.notFound('Customer');
    return saved;
  }

  async update(input: UpdateCustomerInput): Promise<CustomerRow> {
    const viewer = this.access.requireRole(CUSTOMER_WRITERS, 'update customers');
    const data = parseInput(updateSchema, input);
    const found = await this.get(data.id, 'input.id');
    await this.chargeDuplicateChecks({ phone: data.phone ?? null, idNumber: data.idNumber ?? null });
    const { id: _id, ...changes } = data;
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<CustomerRow>;
    return this.ctx.db.transaction(async (tx) => {
      // Lock the row and diff against what is stored now, not what was read before.
      const [before] = await tx.select().from(customers).where(eq(customers.id, found.id)).for('update');
      const changed = diff(before!, set);
      if (Object.keys(changed).length === 0) return before!;
      if (changed.confidentiality && !this.access.seesConfidential()) {
        throw AppError.forbidden(`Role ${viewer.role} may not change confidentiality`);
      }
      await this.assertUnique(tx, { phone: changed.phone ? set.phone! : null, idNumber: changed.idNumber ? set.idNumber ?? null : null }, found.id);
      const [row] = await tx
        .update(customers)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(customers.id, found.id))
        .returning()
        .catch((e) => this.rethrow(e));
      // Satisfaction statistics count a restricted customer's responses apart: move them.
      if (changed.confidentiality) await moveCustomerResponses(tx, found.id, before!.confidentiality, row!.confidentiality, this.ctx.config.businessTimeZone);
      await recordAudit(tx, this.ctx, {
        action: 'updateCustomer',
        subjectId: data.id,
        projectId: found.originProjectId,
        changes: Object.fromEntries(
          Object.entries(changed).map(([k, v]) => [k, { from: maskedForAudit({ [k]: v.from })[k], to: maskedForAudit({ [k]: v.to })[k] }]),
        ),
      });
      return row!;
    });
  }

  async addUnitOwnership(input: AddUnitOwnershipInput): Promise<OwnershipRow> {
    this.access.requireRole(CUSTOMER_WRITERS, 'add unit ownerships');
    const data = parseInput(ownershipSchema, input);
    const customer = await this.get(data.customerId, 'input.customerId');
    const projectId = parseId(data.projectId, 'Project', 'input.projectId');
    if (!(await this.ctx.loaders.project.load(projectId))) throw AppError.notFound('Project', data.projectId);
    await this.access.assertProjectInScope(projectId, 'Project', data.projectId);
    this.assertNotFuture('input.subscribedAt', data.subscribedAt);
    return this.ctx.db.transaction(async (tx) => {
      await tx
        .insert(units)
        .values({ projectId, building: data.building, unitNo: data.unitNo, room: data.room })
        .onConflictDoNothing();
      const [unit] = await tx
        .select()
        .from(units)
        .where(and(eq(units.projectId, projectId), eq(units.building, data.building), eq(units.unitNo, data.unitNo), eq(units.room, data.room)));
      const [existing] = await tx
        .select({ id: unitOwnerships.id })
        .from(unitOwnerships)
        .where(and(eq(unitOwnerships.customerId, customer.id), eq(unitOwnerships.unitId, unit!.id)));
      if (existing) {
        throw AppError.conflict('The customer already holds this unit', { existingId: toGlobalId('UnitOwnership', existing.id) });
      }
      const [row] = await tx
        .insert(unitOwnerships)
        .values({ customerId: customer.id, unitId: unit!.id, projectId, subscribedAt: data.subscribedAt ?? null })
        .returning();
      await recordAudit(tx, this.ctx, {
        action: 'addUnitOwnership',
        subjectId: toGlobalId('UnitOwnership', row!.id),
        projectId,
        changes: { customerId: data.customerId, unitId: toGlobalId('Unit', unit!.id), subscribedAt: data.subscribedAt ?? null },
      });
      return row!;
    });
  }

  async recordSigning(input: RecordSigningInput): Promise<OwnershipRow> {
    this.access.requireRole(CUSTOMER_WRITERS, 'record signings');
    const o = await this.getOwnership(input.ownershipId, 'input.ownershipId');
    const signedAt = input.signedAt ?? this.ctx.now();
    this.assertNotFuture('input.signedAt', signedAt);
    if (o.signedAt) {
      throw AppError.invalidTransition(`The unit was already signed at ${o.signedAt.toISOString()}`, { field: 'input.ownershipId' });
    }
    if (o.subscribedAt && signedAt < o.subscribedAt) {
      throw AppError.badInput('input.signedAt', `must not be before the subscription (${o.subscribedAt.toISOString()})`);
    }
    return this.milestone(o, 'SIGNED', { signedAt });
  }

  async recordDelivery(input: RecordDeliveryInput): Promise<OwnershipRow> {
    this.access.requireRole(CUSTOMER_WRITERS, 'record deliveries');
    const o = await this.getOwnership(input.ownershipId, 'input.ownershipId');
    const deliveredAt = input.deliveredAt ?? this.ctx.now();
    this.assertNotFuture('input.deliveredAt', deliveredAt);
    if (!o.signedAt) throw AppError.invalidTransition('The unit must be signed before it is delivered; record the signing first', { field: 'input.ownershipId' });
    if (o.deliveredAt) {
      throw AppError.invalidTransition(`The unit was already delivered at ${o.deliveredAt.toISOString()}`, { field: 'input.ownershipId' });
    }
    if (deliveredAt < o.signedAt) throw AppError.badInput('input.deliveredAt', `must not be before the signing (${o.signedAt.toISOString()})`);
    return this.milestone(o, 'DELIVERED', { deliveredAt });
  }

  async recordMoveIn(input: RecordMoveInInput): Promise<OwnershipRow> {
    this.access.requireRole(CUSTOMER_WRITERS, 'record move-ins');
    const o = await this.getOwnership(input.ownershipId, 'input.ownershipId');
    const movedInAt = input.movedInAt ?? this.ctx.now();
    this.assertNotFuture('input.movedInAt', movedInAt);
    if (!o.deliveredAt) throw AppError.invalidTransition('The unit must be delivered before the customer moves in; record the delivery first', { field: 'input.ownershipId' });
    if (o.movedInAt) {
      throw AppError.invalidTransition(`The customer already moved in at ${o.movedInAt.toISOString()}`, { field: 'input.ownershipId' });
    }
    if (movedInAt < o.deliveredAt) throw AppError.badInput('input.movedInAt', `must not be before the delivery (${o.deliveredAt.toISOString()})`);
    return this.milestone(o, 'MOVED_IN', { movedInAt });
  }

  /**
   * Records a milestone of an ownership once, and plans the standard actions it triggers in the
   * same transaction (see touchpoints/planner.ts).
   */
  private async milestone(o: OwnershipRow, milestone: Milestone, set: { signedAt?: Date; deliveredAt?: Date; movedInAt?: Date }): Promise<OwnershipRow> {
    const action = MILESTONE_ACTIONS[milestone];
    const { row, planned } = await this.ctx.db.transaction(async (tx) => {
      // The guard in WHERE makes a concurrent double recording fail instead of overwriting.
      const guard =
        milestone === 'SIGNED'
          ? sql`${unitOwnerships.signedAt} is null`
          : milestone === 'DELIVERED'
            ? and(isNotNull(unitOwnerships.signedAt), sql`${unitOwnerships.deliveredAt} is null`)
            : and(isNotNull(unitOwnerships.deliveredAt), sql`${unitOwnerships.movedInAt} is null`);
      const [row] = await tx
        .update(unitOwnerships)
        .set({ ...set, updatedAt: sql`now()` })
        .where(and(eq(unitOwnerships.id, o.id), guard))
        .returning();
      if (!row) throw AppError.invalidTransition('The ownership changed meanwhile; reload it and try again');
      const planned = await planForMilestone(tx, milestone, row, this.ctx.config.businessTimeZone);
      await recordAudit(tx, this.ctx, {
        action,
        subjectId: toGlobalId('UnitOwnership', o.id),
        projectId: o.projectId,
        changes: { ...set, plannedTouchpoints: planned.map((p) => toGlobalId('PlannedTouchpoint', p.id)) },
      });
      return { row, planned };
    });
    // The scheduler fires the overdue alerts of what was planned: it wakes by the earliest due time.
    if (planned.length) this.ctx.sla.wake(new Date(Math.min(...planned.map((p) => p.dueAt.getTime()))));
    return row;
  }

  async reveal(input: RevealCustomerContactInput) {
    this.access.requireRole(REVEALERS, 'reveal customer contact data');
    const data = parseInput(revealSchema, input);
    const c = await this.get(data.customerId, 'input.customerId');
    await this.ctx.db.transaction((tx) =>
      recordAudit(tx, this.ctx, {
        action: 'revealCustomerContact',
        subjectId: data.customerId,
        projectId: c.originProjectId,
        reason: data.reason,
        changes: { fields: ['name', 'phone', 'idNumber', 'email', 'birthday'] },
      }),
    );
    return c;
  }

  private assertNotFuture(field: string, at: Date | null | undefined) {
    assertNotFuture(field, at, this.ctx.now());
  }

  /**
   * Duplicate checks answer whether a phone or ID number exists: for masked viewers each
   * value is an exact-value lookup from their budget, spent before the write's
   * transaction so that a refused write still spends it.
   */
  private async chargeDuplicateChecks(v: { phone: string | null; idNumber: string | null }) {
    if (this.access.seesPersonalData()) return;
    const keys = [v.phone ? `phone:${v.phone}` : null, v.idNumber ? `id:${v.idNumber}` : null].filter((k): k is string => k !== null);
    if (keys.length) await this.ctx.lookups.take(keys);
  }

  /**
   * CONFLICT when the phone or ID number is taken: pointing at the existing customer when
   * the viewer may see it, and otherwise saying only that the value cannot be used (the
   * same answer for a customer out of scope and a confidential one).
   */
  private async assertUnique(tx: Tx, v: { phone: string | null; idNumber: string | null }, exceptId?: number) {
    for (const [field, column, value] of [
      ['phone', customers.phone, v.phone],
      ['idNumber', customers.idNumber, v.idNumber],
    ] as const) {
      if (!value) continue;
      const [hit] = await tx.select().from(customers).where(eq(column, value));
      if (hit && hit.id !== exceptId) {
        const what = field === 'phone' ? 'phone number' : 'ID number';
        // Point at the existing record only when the viewer may see it; otherwise say no more
        // than that the value is taken (an id would confirm a hidden customer).
        const visible = await this.isVisibleIn(tx, hit);
        throw AppError.conflict(
          visible ? `A customer with this ${what} already exists` : `This ${what} cannot be used for a new or changed customer; ask a manager to look it up`,
          visible ? { field: `input.${field}`, existingId: toGlobalId('Customer', hit.id) } : { field: `input.${field}` },
        );
      }
    }
  }

  private rethrow(e: unknown): never {
    const c = pgErrorOf(e).constraint;
    // A concurrent write took the value after the check: the check's neutral wording, since
    // whether the viewer may see that customer is unknown here.
    if (c === 'customers_phone_uq') throw AppError.conflict('This phone number cannot be used for a new or changed customer; ask a manager to look it up', { field: 'input.phone' });
    if (c === 'customers_id_number_uq') throw AppError.conflict('This ID number cannot be used for a new or changed customer; ask a manager to look it up', { field: 'input.idNumber' });
    throw e;
  }
}
