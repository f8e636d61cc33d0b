import { and, count, eq, gte, ilike, inArray, lt, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { CUSTOMER_WRITERS } from '../../auth/access.js';
import { maskContactText } from '../../auth/masking.js';
import type { Tx } from '../../db/client.js';
import { idempotent } from '../../db/idempotency.js';
import { keyIn } from '../../db/rows.js';
import { touchpoints } from '../../db/schema/index.js';
import { CHANNELS, EVIDENCE_KINDS, PROJECT_STAGES, TOUCHPOINT_OUTCOMES } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { decodeStaffGlobalId, parseId, parseIds, toGlobalId } from '../../graphql/global-id.js';
import { pagesOfParents } from '../../graphql/nested.js';
import { pageOf, pageRequest, selectKeysetPage, type PageArgs, type PageRequest, type SortSpec } from '../../graphql/pagination.js';
import { assertNotFuture, httpUrl, idempotencyKey, parseInput, searchText, text } from '../../graphql/validate.js';
import { recordAudit } from '../audit/audit.service.js';
import { CustomerService } from '../customers/customer.service.js';
import { StaffService } from '../org/org.service.js';
import { likePattern } from '../projects/project.service.js';
import type { RecordTouchpointInput, TouchpointFilter, TouchpointOrder } from './touchpoint.input.js';
import type { TouchpointRow } from './touchpoint.type.js';

/** A touchpoint kind: an upper-case code, as standard action rule codes are. */
export const kindCode = z.string().trim().regex(/^[A-Z][A-Z0-9_]{1,49}$/, 'must be 2–50 characters of A–Z, 0–9 and _, starting with a letter (e.g. FOLLOW_UP_CALL)');

/** A filter's list of codes (touchpoint kinds, rule codes), each checked (BAD_USER_INPUT naming `field.i`); null when absent or empty. */
export function codesOf(codes: readonly string[] | null | undefined, field: string): string[] | null {
  return codes?.length ? codes.map((c, i) => parseInput(kindCode, c, `${field}.${i}`)) : null;
}

/** Evidence archived with a touchpoint (seed 003 §6.1). */
export const evidenceList = z
  .array(z.object({ url: httpUrl, kind: z.enum(EVIDENCE_KINDS), caption: text(200).nullish() }))
  .max(20, 'at most 20 pieces of evidence');

const recordSchema = z.object({
  customerId: z.string(),
  projectId: z.string(),
  unitId: z.string().nullish(),
  stage: z.enum(PROJECT_STAGES),
  channel: z.enum(CHANNELS),
  kind: kindCode,
  staffId: z.string().nullish(),
  occurredAt: z.date().nullish(),
  notes: text(4000),
  outcome: z.enum(TOUCHPOINT_OUTCOMES).nullish(),
  evidence: evidenceList.nullish(),
  idempotencyKey: idempotencyKey.nullish(),
});

/** A touchpoint sort, with the row column its cursors read. */
type TouchpointSort = SortSpec & { rowKey: 'occurredAt' | 'createdAt' };
const SORTS: Record<string, TouchpointSort> = {
  OCCURRED_AT: { key: 'OCCURRED_AT', column: touchpoints.occurredAt, cast: 'timestamptz', rowKey: 'occurredAt' },
  CREATED_AT: { key: 'CREATED_AT', column: touchpoints.createdAt, cast: 'timestamptz', rowKey: 'createdAt' },
};

/** What an insert of a touchpoint needs besides the ids: the rest of the row. */
export type TouchpointValues = Omit<typeof touchpoints.$inferInsert, 'id' | 'createdAt' | 'notesMasked'> & { occurredAt: Date };

/** Evidence rows as stored, from validated input. */
export const evidenceRows = (list: z.output<typeof evidenceList> | null | undefined) => (list ?? []).map((e) => ({ url: e.url, kind: e.kind, caption: e.caption ?? null }));

/**
 * Inserts a touchpoint in the caller's transaction, with its notes masked once for the roles
 * that read them masked (the customer's name among what is masked). Returns its id.
 */
export async function insertTouchpoint(tx: Tx, values: TouchpointValues, customerName: string): Promise<number> {
  const [row] = await tx.insert(touchpoints).values(touchpointRow(values, customerName)).returning({ id: touchpoints.id });
  return row!.id;
}

/** The stored row of a touchpoint: its values and its notes masked once, the customer's name among what is masked. */
export function touchpointRow(values: TouchpointValues, customerName: string): typeof touchpoints.$inferInsert {
  return { ...values, notesMasked: values.notes == null ? null : maskContactText(values.notes, [customerName]) };
}

/** What the audit trail keeps of a touchpoint: not its notes (they may quote contact data). */
export function auditChanges(v: TouchpointValues): Record<string, unknown> {
  return {
    customerId: toGlobalId('Customer', v.customerId),
    projectId: toGlobalId('Project', v.projectId),
    unitId: v.unitId ? toGlobalId('Unit', v.unitId) : null,
    stage: v.stage,
    channel: v.channel,
    kind: v.kind,
    staffId: v.staffId,
    occurredAt: v.occurredAt.toISOString(),
    outcome: v.outcome ?? null,
    evidence: v.evidence?.length ?? 0,
  };
}

/** 客户触点: recording contacts and listing them, scoped and masked. */
export class TouchpointService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** A touchpoint the viewer may see, or NOT_FOUND. */
  async get(gid: string, field = 'id'): Promise<TouchpointRow> {
    const id = parseId(gid, 'Touchpoint', field);
    const row = await this.ctx.loaders.touchpoint.load(id);
    if (!row || !(await this.canSee(row))) throw AppError.notFound('Touchpoint', gid);
    return row;
  }

  async canSee(row: { projectId: number; customerId: number }): Promise<boolean> {
    const customer = await this.ctx.loaders.customer.load(row.customerId);
    return !!customer && this.access.canSeeCustomerRecord(row, customer.confidentiality);
  }

  /** Visibility plus the filter's conditions. */
  private async conditions(f: TouchpointFilter | null | undefined): Promise<(SQL | undefined)[]> {
    const projectIds = parseIds(f?.projectIds, 'Project', 'filter.projectIds');
    const customerIds = parseIds(f?.customerIds, 'Customer', 'filter.customerIds');
    const search = searchText(f?.search);
    const kinds = codesOf(f?.kinds, 'filter.kinds');
    return [
      await this.access.customerRecordCondition(touchpoints.projectId, touchpoints.customerId),
      projectIds ? inArray(touchpoints.projectId, projectIds) : undefined,
      customerIds ? inArray(touchpoints.customerId, customerIds) : undefined,
      f?.stages?.length ? inArray(touchpoints.stage, f.stages) : undefined,
      f?.channels?.length ? inArray(touchpoints.channel, f.channels) : undefined,
      kinds ? inArray(touchpoints.kind, kinds) : undefined,
      f?.outcomes?.length ? inArray(touchpoints.outcome, f.outcomes) : undefined,
      f?.staffIds?.length ? inArray(touchpoints.staffId, f.staffIds.map((s) => decodeStaffGlobalId(s) ?? s)) : undefined,
      f?.occurredFrom ? gte(touchpoints.occurredAt, f.occurredFrom) : undefined,
      f?.occurredTo ? lt(touchpoints.occurredAt, f.occurredTo) : undefined,
      // Masked viewers search what they read: the notes with contact data masked.
      search ? ilike(this.access.seesPersonalData() ? touchpoints.notes : touchpoints.notesMasked, likePattern(search)) : undefined,
    ];
  }

  private sortOf(order: TouchpointOrder | null | undefined) {
    const sort = SORTS[order?.field ?? 'OCCURRED_AT']!;
    return { sort, descending: (order?.direction ?? 'DESC') === 'DESC', cursorOf: (r: TouchpointRow) => this.ctx.cursors.encode(sort.key, r[sort.rowKey], r.id) };
  }

  /**
   * A page of touchpoints. `columns`: only these columns of each row (see graphql/projection.ts;
   * null: every one); such rows are not primed into the touchpoint loader, whose rows are whole.
   */
  async list(filter: TouchpointFilter | null | undefined, order: TouchpointOrder | null | undefined, args: PageArgs, columns: readonly string[] | null = null) {
    const { sort, descending, cursorOf } = this.sortOf(order);
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const base = and(...(await this.conditions(filter)));
    const { rows } = await this.readPage('list', base, sort, req, descending, columns);
    return { ...pageOf(rows, req, cursorOf), count: () => this.ctx.db.$count(touchpoints, base) };
  }

  /** Pages of a nested `touchpoints` connection for many customers or projects in one statement (see graphql/nested.ts), with `columns` as {@link list}. */
  async pagesFor(
    parent: 'customerId' | 'projectId',
    parentIds: number[],
    filter: TouchpointFilter | null | undefined,
    order: TouchpointOrder | null | undefined,
    args: PageArgs,
    columns: readonly string[] | null = null,
  ) {
    const { sort, descending, cursorOf } = this.sortOf(order);
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const column = touchpoints[parent];
    const base = and(...(await this.conditions(filter)), keyIn(column, parentIds));
    const { rows, parents } = await this.readPage('pagesFor', base, sort, req, descending, columns, column);
    return pagesOfParents(rows, parents, req, cursorOf, parentIds);
  }

  /** One statement for a page of touchpoints where `base` holds (with `partition`, one page per value of that column: see selectPage). */
  private async readPage(kind: 'list' | 'pagesFor', base: SQL | undefined, sort: TouchpointSort, req: PageRequest, descending: boolean, columns: readonly string[] | null, partition?: PgColumn) {
    const page = await selectKeysetPage<TouchpointRow>(this.ctx.db, {
      name: `touchpoints.${kind}`,
      table: touchpoints,
      idColumn: touchpoints.id,
      sort,
      req,
      descending,
      where: base,
      columns,
      partition,
    });
    // Whole rows only: a loader's rows are whole.
    if (!page.columns) for (const r of page.rows) this.ctx.loaders.touchpoint.prime(r.id, r);
    return page;
  }

  /** `totalCount` of a nested `touchpoints` connection for many parents, in one statement. */
  async countsFor(parent: 'customerId' | 'projectId', parentIds: number[], filter: TouchpointFilter | null | undefined): Promise<Map<number, number>> {
    const column = touchpoints[parent];
    const counted = await this.ctx.db
      .select({ pid: column, n: count() })
      .from(touchpoints)
      .where(and(...(await this.conditions(filter)), inArray(column, parentIds)))
      .groupBy(column);
    return new Map(counted.map((c) => [c.pid, c.n]));
  }

  /** The login of the staff member who made a contact: the named (visible) directory entry, else the viewer. */
  async staffLogin(staffGid: string | null | undefined, viewerId: string): Promise<string> {
    return staffGid ? (await new StaffService(this.ctx).get(staffGid, 'input.staffId')).id : viewerId;
  }

  /** Records a contact (ADMIN, MANAGER, AGENT) for a visible customer in a project of theirs; audited, idempotent with a key. */
  async record(input: RecordTouchpointInput): Promise<TouchpointRow> {
    const viewer = this.access.requireRole(CUSTOMER_WRITERS, 'record touchpoints');
    const data = parseInput(recordSchema, input);
    const now = this.ctx.now();
    const occurredAt = data.occurredAt ?? now;
    assertNotFuture('input.occurredAt', occurredAt, now);
    const customerService = new CustomerService(this.ctx);
    const customer = await customerService.get(data.customerId, 'input.customerId');
    const { projectId, unitId } = await customerService.placeOf(customer, await this.ctx.loaders.ownershipsByCustomer.load(customer.id), data);
    const staffId = await this.staffLogin(data.staffId, viewer.id);
    const values: TouchpointValues = {
      customerId: customer.id,
      projectId,
      unitId,
      stage: data.stage,
      channel: data.channel,
      kind: data.kind,
      staffId,
      occurredAt,
      notes: data.notes,
      outcome: data.outcome ?? null,
      evidence: evidenceRows(data.evidence),
      createdBy: viewer.id,
    };
    const { id, replayed } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'recordTouchpoint', key: data.idempotencyKey, input: data }, async (tx) => {
      const id = await insertTouchpoint(tx, values, customer.name);
      await recordAudit(tx, this.ctx, { action: 'recordTouchpoint', subjectId: toGlobalId('Touchpoint', id), projectId, changes: auditChanges(values) });
      return id;
    });
    const [saved] = await this.ctx.db.select().from(touchpoints).where(eq(touchpoints.id, id));
    // A replay returns the touchpoint only while the viewer may still see it.
    if (!saved || (replayed && !(await this.canSee(saved)))) throw AppError.notFound('Touchpoint');
    return saved;
  }
}
