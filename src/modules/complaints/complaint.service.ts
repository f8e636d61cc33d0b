import { anyOf, keyIn, listable, selectFixed, type PageJoin, type PageList } from '../../db/rows.js';
import { and, count, desc, eq, gte, ilike, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { pagesOfParents } from '../../graphql/nested.js';
import { z } from 'zod';
import { COMPLAINT_DESK, COMPLAINT_WORKERS } from '../../auth/access.js';
import type { Db, Tx } from '../../db/client.js';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { runShaped, Slots } from '../../db/shaped.js';
import { idempotentStatement } from '../../db/idempotency.js';
import {
  auditLog,
  complaintEvents,
  complaintNumberCounters,
  complaints,
  customers,
  domainEvents,
  projects,
  slaClocks,
  slaPolicies,
} from '../../db/schema/index.js';
import { CHANNELS, COMPLAINT_CATEGORIES, COMPLAINT_KINDS, DEFECT_LOCATIONS, DEPARTMENTS, MAJOR_REASONS, SEVERITIES, type ComplaintCategory, type ComplaintStatus } from '../../domain/enums.js';
import { CLOCK_ORDER, EVENT_ORDER } from '../../graphql/loaders.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { decodeStaffGlobalId, parseId, parseIds, toGlobalId } from '../../graphql/global-id.js';
import { pageOf, pageRequest, selectKeysetPage, type PageArgs, type PageRequest, type SortSpec } from '../../graphql/pagination.js';
import { assertNotFuture, assertNotPast, httpUrl, idempotencyKey, parseInput, searchText, text } from '../../graphql/validate.js';
import { SlaEngine, type AlsoInsert } from '../../sla/engine.js';
import { choosePolicy } from '../../sla/policy.js';
import { auditRow, type AuditEntry } from '../audit/audit.service.js';
import { CustomerService, segmentAt } from '../customers/customer.service.js';
import { checkAnswers, currentTemplate, insertResponse, questionsOf, type AnswerInput } from '../surveys/responses.js';
import { StaffService } from '../org/org.service.js';
import { likePattern } from '../projects/project.service.js';
import { CLOCK_EFFECTS, OPEN_STATUSES, REOPEN_SCORE, REPEAT_WINDOW_DAYS, TRANSITIONS, allowedMutations, complaintNumber, nextStatus, type ComplaintAction } from './complaint.rules.js';
import type { ComplaintFilter, ComplaintOrder, CreateComplaintInput } from './complaint.input.js';
import type { ComplaintRow } from './complaint.type.js';

const DAY_MS = 86_400_000;

/**
 * The relations of a page's complaints read with the page (see `ComplaintService.relations`),
 * each with the columns read (null: every column); a relation absent is not read with it.
 */
export type RelatedColumns = {
  customer?: readonly string[] | null;
  project?: readonly string[] | null;
  clocks?: readonly string[] | null;
  timeline?: readonly string[] | null;
};

const createSchema = z
  .object({
    customerId: z.string(),
    projectId: z.string(),
    unitId: z.string().nullish(),
    kind: z.enum(COMPLAINT_KINDS),
    category: z.enum(COMPLAINT_CATEGORIES),
    defectLocation: z.enum(DEFECT_LOCATIONS).nullish(),
    severity: z.enum(SEVERITIES).nullish(),
    majorReason: z.enum(MAJOR_REASONS).nullish(),
    channel: z.enum(CHANNELS),
    description: text(4000),
    attachments: z.array(httpUrl).max(20, 'at most 20 attachments').nullish(),
    repairAppointmentAt: z.date().nullish(),
    receivedAt: z.date().nullish(),
    idempotencyKey: idempotencyKey.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.severity === 'MAJOR' && !v.majorReason) ctx.addIssue({ code: 'custom', path: ['majorReason'], message: 'is required for a MAJOR complaint' });
  });

const note = text(4000);
/** A complaint sort, with the row column its cursors read (`rowKey`; a null due time sorts as 'infinity'). */
type ComplaintSort = SortSpec & { rowKey: 'receivedAt' | 'nextDueAt' };
const SORTS: Record<string, ComplaintSort> = {
  RECEIVED_AT: { key: 'RECEIVED_AT', column: complaints.receivedAt, cast: 'timestamptz', rowKey: 'receivedAt' },
  DUE_AT: { key: 'DUE_AT', column: sql`coalesce(${complaints.nextDueAt}, 'infinity'::timestamptz)`, cast: 'timestamptz', rowKey: 'nextDueAt' },
};
/** The cursor of a complaint in a page ordered by `sort`. */
const cursorOf = (cursors: Context['cursors'], sort: ComplaintSort) => (r: ComplaintRow) => cursors.encode(sort.key, r[sort.rowKey] ?? 'infinity', r.id);

/** Complaints and repairs: intake, lifecycle with SLA clocks, timeline, lists. */
export class ComplaintService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** A complaint the viewer may see, or NOT_FOUND. */
  async get(gid: string, field = 'id'): Promise<ComplaintRow> {
    const id = parseId(gid, 'Complaint', field);
    const row = await this.ctx.loaders.complaint.load(id);
    if (!row || !(await this.canSee(row))) throw AppError.notFound('Complaint', gid);
    return row;
  }

  async canSee(row: ComplaintRow): Promise<boolean> {
    const customer = await this.ctx.loaders.customer.load(row.customerId);
    return !!customer && this.access.canSeeComplaint(row, customer.confidentiality);
  }

  /**
   * A page of complaints. `columns`: only these columns of each row (see graphql/projection.ts);
   * such rows are not primed into the complaint loader, whose rows are whole.
   */
  async list(
    filter: ComplaintFilter | null | undefined,
    order: ComplaintOrder | null | undefined,
    args: PageArgs,
    fixed: { customerId?: number; projectId?: number } = {},
    columns: readonly string[] | null = null,
    related: RelatedColumns = {},
  ) {
    const sort = SORTS[order?.field ?? 'RECEIVED_AT']!;
    const descending = (order?.direction ?? 'DESC') === 'DESC';
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const base = and(
      await this.access.complaintCondition(),
      ...this.filterConditions(filter ?? {}),
      fixed.customerId ? eq(complaints.customerId, fixed.customerId) : undefined,
      fixed.projectId ? eq(complaints.projectId, fixed.projectId) : undefined,
    );
    const { rows } = await this.readPage('list', base, sort, req, descending, columns, related);
    return { ...pageOf(rows, req, cursorOf(this.ctx.cursors, sort)), count: () => this.ctx.db.$count(complaints, base) };
  }

  /**
   * Pages of a nested `complaints` connection for many parents (customers or projects)
   * in one statement, and their counts in one more (see graphql/nested.ts).
   */
  async pagesFor(
    parent: 'customerId' | 'projectId',
    parentIds: number[],
    filter: ComplaintFilter | null | undefined,
    order: ComplaintOrder | null | undefined,
    args: PageArgs,
    columns: readonly string[] | null = null,
    related: RelatedColumns = {},
  ) {
    const sort = SORTS[order?.field ?? 'RECEIVED_AT']!;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const column = complaints[parent];
    // One parent (a customer 360, a project's page) as `= $1`: see keyIn.
    const base = and(await this.access.complaintCondition(), ...this.filterConditions(filter ?? {}), keyIn(column, parentIds));
    const { rows, parents } = await this.readPage('pagesFor', base, sort, req, (order?.direction ?? 'DESC') === 'DESC', columns, related, column);
    return pagesOfParents(rows, parents, req, cursorOf(this.ctx.cursors, sort), parentIds);
  }

  /**
   * One statement for a page of complaints where `base` holds (with `partition`, one page per
   * value of that column: see selectPage) and the relations read with it, primed into their
   * loaders; whole rows into the complaint loader too.
   */
  private async readPage(
    kind: 'list' | 'pagesFor',
    base: SQL | undefined,
    sort: ComplaintSort,
    req: PageRequest,
    descending: boolean,
    columns: readonly string[] | null,
    related: RelatedColumns,
    partition?: PgColumn,
  ) {
    const relations = this.relations(related);
    const page = await selectKeysetPage<ComplaintRow>(this.ctx.db, {
      name: `complaints.${kind}`,
      table: complaints,
      idColumn: complaints.id,
      sort,
      req,
      descending,
      where: base,
      columns,
      joins: relations.joins,
      lists: relations.lists,
      partition,
    });
    relations.prime(page.rows, page.joined, page.listed);
    // Whole rows only: a loader's rows are whole.
    if (!page.columns) for (const r of page.rows) this.ctx.loaders.complaint.prime(r.id, r);
    return page;
  }

  /**
   * The joins and lists that read, with a page of complaints, the relations its complaints
   * select (each complaint's customer, project, clocks and timeline, with the columns named;
   * see `relatedColumns` in complaint.resolver.ts), and how to prime their loaders with what the
   * page's statement read: one statement instead of one per relation, as PostGraphile plans
   * it (see BENCHMARKS.md).
   */
  private relations(related: RelatedColumns) {
    const l = this.ctx.loaders;
    // Each join with the loader its rows are primed into.
    const joins: PageJoin[] = [];
    const joinLoaders: { prime(id: number, row: never): unknown }[] = [];
    if (related.customer !== undefined) {
      joins.push({ as: 'customer', table: customers, on: eq(customers.id, complaints.customerId), columns: related.customer });
      joinLoaders.push(l.customersWith(related.customer));
    }
    if (related.project !== undefined) {
      joins.push({ as: 'project', table: projects, on: eq(projects.id, complaints.projectId), columns: related.project });
      joinLoaders.push(l.projectsWith(related.project));
    }
    // Each list with the loader its rows are primed into.
    const lists: PageList[] = [];
    const listLoaders: { prime(id: number, rows: never): unknown }[] = [];
    const { clocks, timeline } = related;
    if (clocks !== undefined && listable(slaClocks, clocks)) {
      lists.push({ as: 'clocks', table: slaClocks, columns: clocks, on: eq(slaClocks.complaintId, complaints.id), orderBy: CLOCK_ORDER });
      listLoaders.push(l.clocksWith(clocks));
    }
    if (timeline !== undefined && listable(complaintEvents, timeline)) {
      lists.push({ as: 'timeline', table: complaintEvents, columns: timeline, on: eq(complaintEvents.complaintId, complaints.id), orderBy: EVENT_ORDER });
      listLoaders.push(l.eventsWith(timeline));
    }
    return {
      joins,
      lists,
      prime(rows: readonly ComplaintRow[], joined: (Record<string, unknown> | null)[][], listed: Record<string, unknown>[][][]) {
        joinLoaders.forEach((loader, k) => {
          for (const r of joined[k]!) if (r) loader.prime(r.id as number, r as never);
        });
        listLoaders.forEach((loader, k) => rows.forEach((r, i) => loader.prime(r.id, listed[k]![i] as never)));
      },
    };
  }

  /**
   * Of these complaints, those the viewer may see that match the filter now, by id: the
   * check subscription events pass as they are sent (one statement for a batch of events).
   */
  async visibleMatching(ids: number[], filter: ComplaintFilter | null | undefined): Promise<Map<number, ComplaintRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.ctx.db
      .select()
      .from(complaints)
      .where(and(inArray(complaints.id, ids), await this.access.complaintCondition(), ...this.filterConditions(filter ?? {})));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** `totalCount` of a nested `complaints` connection for many parents, in one statement. */
  async countsFor(parent: 'customerId' | 'projectId', parentIds: number[], filter: ComplaintFilter | null | undefined): Promise<Map<number, number>> {
    const column = complaints[parent];
    const base = and(await this.access.complaintCondition(), ...this.filterConditions(filter ?? {}), inArray(column, parentIds));
    const counted = await this.ctx.db.select({ pid: column, n: count() }).from(complaints).where(base).groupBy(column);
    return new Map(counted.map((c) => [c.pid, c.n]));
  }

  private filterConditions(f: ComplaintFilter): (SQL | undefined)[] {
    const now = this.ctx.now();
    const projectIds = parseIds(f.projectIds, 'Project', 'filter.projectIds');
    const customerIds = parseIds(f.customerIds, 'Customer', 'filter.customerIds');
    const viewer = this.access.requireViewer();
    const runningPast = (column: typeof slaClocks.dueAt | typeof slaClocks.warnDueAt) =>
      sql`exists (select 1 from ${slaClocks} where ${slaClocks.complaintId} = ${complaints.id} and ${slaClocks.state} = 'RUNNING' and ${column} <= ${now.toISOString()}::timestamptz)`;
    const overdue = runningPast(slaClocks.dueAt);
    const search = searchText(f.search);
    return [
      // Arrays, one parameter each: with `in ($1, …)` PostgreSQL's generic plan of a page
      // misjudges how many rows match and the page is planned anew at every execution.
      f.statuses?.length ? anyOf(complaints.status, f.statuses) : undefined,
      f.kinds?.length ? anyOf(complaints.kind, f.kinds) : undefined,
      f.categories?.length ? anyOf(complaints.category, f.categories) : undefined,
      f.severities?.length ? anyOf(complaints.severity, f.severities) : undefined,
      projectIds ? anyOf(complaints.projectId, projectIds) : undefined,
      customerIds ? anyOf(complaints.customerId, customerIds) : undefined,
      f.departments?.length ? inArray(complaints.department, f.departments) : undefined,
      // Staff IDs; a bare login (token subject), as accepted before the directory, still matches.
      f.handlerIds?.length ? inArray(complaints.handlerId, f.handlerIds.map((h) => decodeStaffGlobalId(h) ?? h)) : undefined,
      f.assignedToMe ? or(eq(complaints.handlerId, viewer.id), eq(complaints.firstResponderId, viewer.id)) : undefined,
      f.overdue === true ? overdue : f.overdue === false ? sql`not ${overdue}` : undefined,
      f.atRisk === true ? and(runningPast(slaClocks.warnDueAt), sql`not ${overdue}`) : f.atRisk === false ? sql`not ${runningPast(slaClocks.warnDueAt)}` : undefined,
      f.repeat === true ? isNotNull(complaints.repeatOfId) : f.repeat === false ? isNull(complaints.repeatOfId) : undefined,
      f.receivedFrom ? gte(complaints.receivedAt, f.receivedFrom) : undefined,
      f.receivedTo ? lt(complaints.receivedAt, f.receivedTo) : undefined,
      search ? or(ilike(complaints.number, likePattern(search)), ilike(complaints.description, likePattern(search))) : undefined,
    ];
  }

  async create(input: CreateComplaintInput): Promise<ComplaintRow> {
    const viewer = this.access.requireRole(COMPLAINT_DESK, 'receive complaints');
    const data = parseInput(createSchema, input);
    const now = this.ctx.now();
    const receivedAt = data.receivedAt ?? now;
    assertNotFuture('input.receivedAt', receivedAt, now);
    const customerId = parseId(data.customerId, 'Customer', 'input.customerId');
    // The customer, their holdings and the active policies are read in one round trip; the
    // holdings and policies only matter once the customer proves visible.
    const ownedLoad = this.ctx.loaders.ownershipsByCustomer.load(customerId);
    const policiesLoad = selectFixed(this.ctx.db, 'activeSlaPolicies', [true], () => this.ctx.db.select().from(slaPolicies).where(eq(slaPolicies.active, true)), { prepared: true });
    const calendarLoad = this.ctx.sla.calendars.get(this.ctx.db);
    for (const p of [ownedLoad, policiesLoad, calendarLoad]) p.catch(() => {});
    const customerService = new CustomerService(this.ctx);
    const customer = await customerService.get(data.customerId, 'input.customerId');
    const { projectId, unitId } = await customerService.placeOf(customer, await ownedLoad, data);
    assertNotPast('input.repairAppointmentAt', data.repairAppointmentAt, now);
    const severity = data.severity ?? 'NORMAL';
    const policy = choosePolicy(await policiesLoad, { kind: data.kind, category: data.category, severity });
    const cal = await calendarLoad;
    let saved: ComplaintRow | null = null;
    let earliestCheck: Date | null = null;
    let taken: Reservation | null = null;
    const { id, replayed } = await idempotentStatement(
      this.ctx.db,
      {
        actorId: viewer.id,
        operation: 'createComplaint',
        key: data.idempotencyKey,
        input: data,
        first: async () => void (taken = await reserve(this.ctx.db, { customerId: customer.id, unitId, category: data.category, receivedAt }, this.ctx.config.businessTimeZone)),
      },
      async (keyRow) => {
        const { id, number, repeatOfId } = taken!;
        const values = {
          id,
          number,
          customerId: customer.id,
          projectId,
          unitId,
          kind: data.kind,
          category: data.category,
          defectLocation: data.defectLocation ?? null,
          channel: data.channel,
          description: data.description,
          attachments: data.attachments ?? [],
          severity,
          majorReason: data.majorReason ?? null,
          status: 'RECEIVED',
          firstResponderId: viewer.id,
          repeatOfId,
          slaPolicyId: policy?.id ?? null,
          slaTargets: policy?.clocks ?? [],
          slaPaused: false,
          receivedAt,
          escalatedAt: severity === 'MAJOR' ? receivedAt : null,
          escalationReportedAt: null,
          repairAppointmentAt: data.repairAppointmentAt ?? null,
        } satisfies typeof complaints.$inferInsert & { id: number };
        // The whole intake is one statement (see SlaEngine.insert): no transaction, so no
        // round trips for BEGIN and COMMIT, and nothing held between statements.
        const engine = new SlaEngine(this.ctx.db, cal, viewer.id, { lateAfterMs: this.ctx.config.slaLateAfterMs });
        engine.record({
          complaintId: id,
          type: 'RECEIVED',
          toStatus: 'RECEIVED',
          actorId: viewer.id,
          at: receivedAt,
          data: { channel: values.channel, severity, policy: policy?.name ?? null },
        });
        if (repeatOfId !== null) {
          engine.record({ complaintId: id, type: 'REPEAT_FLAGGED', actorId: null, at: receivedAt, data: { repeatOf: toGlobalId('Complaint', repeatOfId) } });
        }
        await engine.start(values, [...CLOCK_EFFECTS.create.start, 'ESCALATION_REPORT', 'REPAIR_VISIT'], receivedAt, { fresh: true });
        saved = await engine.insert(values, [
          ...eventAndAudit(this.ctx, eventRow('ComplaintCreated', values), {
            action: 'createComplaint',
            subjectId: toGlobalId('Complaint', id),
            projectId,
            changes: { number, kind: values.kind, category: values.category, severity },
          }),
          ...(keyRow ? [keyRow(id)] : []),
        ]);
        earliestCheck = engine.earliestCheck;
        return id;
      },
    );
    // Only new clocks changed: the scheduler needs to hear of them only when they fall due
    // before it next wakes anyway.
    if (earliestCheck) this.ctx.sla.wake(earliestCheck);
    // A replay returns the complaint as it is now, and only while the viewer may still see it.
    const row = replayed || !saved ? await this.reload(id) : this.primed(saved);
    if (replayed && !(await this.canSee(row))) throw AppError.notFound('Complaint');
    return row;
  }

  /**
   * Runs one lifecycle step in a transaction: locks the complaint, checks the transition,
   * applies `change`, writes the timeline, starts/stops clocks, emits the domain event and
   * audits — all or nothing.
   */
  private async step(
    gid: string,
    opts: {
      action: ComplaintAction | 'escalate' | 'reportEscalation' | 'pause' | 'resume' | 'note';
      roles: typeof COMPLAINT_WORKERS;
      doing: string;
      note?: string | null;
      /** Status change is decided inside, from the locked row. */
      decide?: (row: ComplaintRow) => { action: ComplaintAction } | null;
      change?: (row: ComplaintRow, at: Date) => Partial<ComplaintRow> | Promise<Partial<ComplaintRow>>;
      type?: string;
      data?: Record<string, unknown>;
      /** Further writes of the step, in its transaction, after the change is decided. */
      also?: (tx: Tx, row: ComplaintRow, at: Date) => Promise<void>;
    },
  ): Promise<ComplaintRow> {
    const viewer = this.access.requireRole(opts.roles, opts.doing);
    const found = await this.get(gid, 'input.complaintId');
    const cal = await this.ctx.sla.calendars.get(this.ctx.db);
    const saved = await this.ctx.db.transaction(async (tx) => {
      // NO KEY UPDATE, not UPDATE: the scheduler's alert inserts take KEY SHARE on the
      // complaint (foreign keys) while holding a clock lock; a full UPDATE lock here would
      // deadlock with it. The time is read after the lock, so it is never before an alert
      // the scheduler fired while we waited.
      const [row] = await tx.select().from(complaints).where(eq(complaints.id, found.id)).for('no key update');
      const c = row!;
      const at = this.ctx.now();
      const lifecycle = opts.decide ? opts.decide(c) : isLifecycle(opts.action) ? { action: opts.action } : null;
      let to: ComplaintStatus | null = null;
      if (lifecycle) {
        to = nextStatus(c.status, lifecycle.action);
        if (!to) {
          const allowed = allowedMutations(c.status);
          throw AppError.invalidTransition(
            `Complaint ${c.number} is ${c.status}; from ${c.status} the allowed mutations are: ${allowed.join(', ') || 'none'}`,
            { status: c.status, allowed },
          );
        }
      } else if (opts.action !== 'note' && !OPEN_STATUSES.includes(c.status)) {
        throw AppError.invalidTransition(`Complaint ${c.number} is ${c.status}: ${opts.doing} is only possible while it is open`, {
          status: c.status,
          allowed: allowedMutations(c.status),
        });
      }
      const set = { ...((await opts.change?.(c, at)) ?? {}), ...(to ? { status: to } : {}), updatedAt: at };
      // The row as it will be; written by the engine's closing UPDATE together with next_due_at.
      const u: ComplaintRow = { ...c, ...set };
      const engine = new SlaEngine(tx, cal, viewer.id, { lateAfterMs: this.ctx.config.slaLateAfterMs });
      engine.record({
        complaintId: c.id,
        type: opts.type ?? (to ?? opts.action.toUpperCase()),
        fromStatus: to ? c.status : null,
        toStatus: to,
        actorId: viewer.id,
        note: opts.note ?? null,
        data: opts.data ?? null,
        at,
      });
      const effects = lifecycle ? CLOCK_EFFECTS[lifecycle.action] : opts.action in CLOCK_EFFECTS ? CLOCK_EFFECTS[opts.action as keyof typeof CLOCK_EFFECTS] : null;
      if (effects) {
        await engine.stop(c.id, effects.stop, at);
        await engine.start(u, effects.start, at);
      }
      if (opts.action === 'accept' && u.repairAppointmentAt) {
        // A new or moved appointment opens a new repair-visit window; the old one stops.
        if (c.repairAppointmentAt?.getTime() !== u.repairAppointmentAt.getTime()) await engine.stop(c.id, ['REPAIR_VISIT'], at);
        await engine.start(u, ['REPAIR_VISIT'], at);
      }
      if (opts.action === 'escalate') await engine.escalateBreached(u, at);
      if (opts.action === 'pause') await engine.pauseAll(c.id, at);
      if (opts.action === 'resume') await engine.resumeAll(u, at);
      await opts.also?.(tx, u, at);
      // The domain event and the audit entry are written by the engine's closing statement.
      return engine.finish(
        c.id,
        set,
        eventAndAudit(this.ctx, eventRow('ComplaintUpdated', u, { action: opts.action, from: c.status }), {
          action: opts.doing,
          subjectId: toGlobalId('Complaint', c.id),
          projectId: c.projectId,
          reason: opts.note ?? null,
          changes: { ...(to ? { status: { from: c.status, to } } : {}), ...(opts.data ?? {}) },
        }),
      );
    });
    // Notes change no clock; everything else may have.
    if (opts.action !== 'note') this.ctx.sla.wake();
    return this.primed(saved);
  }

  async accept(input: { complaintId: string; department: string; handlerId?: string | null; repairAppointmentAt?: Date | null; note?: string | null }) {
    assertNotPast('input.repairAppointmentAt', input.repairAppointmentAt, this.ctx.now());
    const data = parseInput(
      z.object({
        complaintId: z.string(),
        department: z.enum(DEPARTMENTS),
        handlerId: z.string().nullish(),
        repairAppointmentAt: z.date().nullish(),
        note: note.nullish(),
      }),
      input,
    );
    this.access.requireRole(COMPLAINT_DESK, 'acceptComplaint');
    // The handler is a directory member; the complaint stores its login, the token subject
    // the handler works under (so `assignedToMe` matches their tokens).
    const handler = data.handlerId ? await new StaffService(this.ctx).assignableHandler(data.handlerId, 'input.handlerId', data.department) : null;
    const handlerId = handler?.id ?? null;
    return this.step(data.complaintId, {
      action: 'accept',
      roles: COMPLAINT_DESK,
      doing: 'acceptComplaint',
      note: data.note,
      data: { department: data.department, handlerId },
      change: (_c, at) => ({
        department: data.department,
        handlerId,
        acceptedAt: at,
        ...(data.repairAppointmentAt ? { repairAppointmentAt: data.repairAppointmentAt } : {}),
      }),
    });
  }

  start(input: { complaintId: string; note?: string | null }) {
    const data = parseInput(z.object({ complaintId: z.string(), note: note.nullish() }), input);
    return this.step(data.complaintId, { action: 'start', roles: COMPLAINT_WORKERS, doing: 'startComplaintWork', note: data.note });
  }

  resolve(input: { complaintId: string; resolution: string; note?: string | null }) {
    const data = parseInput(z.object({ complaintId: z.string(), resolution: text(4000), note: note.nullish() }), input);
    return this.step(data.complaintId, {
      action: 'resolve',
      roles: COMPLAINT_WORKERS,
      doing: 'resolveComplaint',
      note: data.note,
      data: { resolution: data.resolution },
      change: (_c, at) => ({ resolution: data.resolution, resolvedAt: at }),
    });
  }

  /**
   * 回访: records the customer's satisfaction with the handling as a response of the current
   * return-visit template (REPAIR_RETURN_VISIT for repairs, COMPLAINT_RETURN_VISIT otherwise), the
   * satisfaction as its OVERALL answer, with any further answers. A score of 2 or less reopens
   * the complaint, and the response raises LOW_SATISFACTION and plans the recovery follow-up.
   */
  async recordReturnVisit(input: { complaintId: string; satisfaction: number; note?: string | null; answers?: AnswerInput[] | null }) {
    const data = parseInput(
      z
        .object({ complaintId: z.string(), satisfaction: z.number().int().min(1, 'must be 1–5').max(5, 'must be 1–5'), note: note.nullish() })
        .superRefine((v, ctx) => {
          if (v.satisfaction <= REOPEN_SCORE && !v.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'say why the customer is dissatisfied (a score of 2 or less reopens the complaint)' });
        }),
      input,
    );
    const viewer = this.access.requireRole(COMPLAINT_DESK, 'recordReturnVisit');
    const low = data.satisfaction <= REOPEN_SCORE;
    const found = await this.get(data.complaintId, 'input.complaintId');
    const code = found.kind === 'REPAIR' ? 'REPAIR_RETURN_VISIT' : 'COMPLAINT_RETURN_VISIT';
    const template = await currentTemplate(this.ctx.db, code);
    if (!template?.active) throw AppError.conflict(`The return-visit survey template ${code} is missing or inactive; an ADMIN must restore it with upsertSurveyTemplate`, { field: 'input.complaintId' });
    const questions = await questionsOf(this.ctx.db, template.id);
    const overall = questions.find((q) => q.kind === 'OVERALL')!;
    const extra = input.answers ?? [];
    extra.forEach((a, i) => {
      if (a.questionCode === overall.code || a.questionId === toGlobalId('SurveyQuestion', overall.id)) {
        throw AppError.badInput(`input.answers.${i}`, `the overall score (${overall.code}) is given by \`satisfaction\``);
      }
    });
    const answers = checkAnswers(template, questions, [...extra, { questionId: toGlobalId('SurveyQuestion', overall.id), score: data.satisfaction }], 'input.answers');
    const customer = (await this.ctx.loaders.customer.load(found.customerId))!;
    const owned = await this.ctx.loaders.ownershipsByCustomer.load(customer.id);
    return this.step(data.complaintId, {
      action: low ? 'returnVisitReopen' : 'returnVisitOk',
      roles: COMPLAINT_DESK,
      doing: 'recordReturnVisit',
      note: data.note,
      type: low ? 'RETURN_VISIT_REOPENED' : 'RETURN_VISITED',
      data: { satisfaction: data.satisfaction },
      change: (c, at) => ({ returnVisitScore: data.satisfaction, returnVisitedAt: at, ...(low ? { reopenCount: c.reopenCount + 1 } : {}) }),
      also: async (tx, c, at) => {
        await insertResponse(
          tx,
          { template, customerId: c.customerId, customerName: customer.name, projectId: c.projectId, segment: segmentAt(this.ctx, owned, at), complaintId: c.id, submittedAt: at, createdBy: viewer.id, answers },
          at,
          this.ctx.config.businessTimeZone,
        );
      },
    });
  }

  close(input: { complaintId: string; note?: string | null }) {
    const data = parseInput(z.object({ complaintId: z.string(), note: note.nullish() }), input);
    return this.step(data.complaintId, { action: 'close', roles: COMPLAINT_DESK, doing: 'closeComplaint', note: data.note, change: (_c, at) => ({ closedAt: at }) });
  }

  reopen(input: { complaintId: string; note: string }) {
    const data = parseInput(z.object({ complaintId: z.string(), note }), input);
    return this.step(data.complaintId, {
      action: 'reopen',
      roles: COMPLAINT_DESK,
      doing: 'reopenComplaint',
      note: data.note,
      change: (c) => ({ reopenCount: c.reopenCount + 1, closedAt: null }),
    });
  }

  reject(input: { complaintId: string; reason: string; note?: string | null }) {
    const data = parseInput(z.object({ complaintId: z.string(), reason: text(2000), note: note.nullish() }), input);
    return this.step(data.complaintId, {
      action: 'reject',
      roles: COMPLAINT_DESK,
      doing: 'rejectComplaint',
      note: data.note ?? data.reason,
      data: { reason: data.reason },
      change: () => ({ rejectReason: data.reason }),
    });
  }

  escalate(input: { complaintId: string; reason: string; note?: string | null }) {
    const data = parseInput(z.object({ complaintId: z.string(), reason: z.enum(MAJOR_REASONS), note: note.nullish() }), input);
    return this.step(data.complaintId, {
      action: 'escalate',
      roles: COMPLAINT_WORKERS,
      doing: 'escalateComplaint',
      type: 'ESCALATED',
      note: data.note,
      data: { reason: data.reason },
      change: (c, at) => {
        if (c.severity === 'MAJOR') throw AppError.invalidTransition(`Complaint ${c.number} is already MAJOR`, { status: c.status });
        return { severity: 'MAJOR', majorReason: data.reason, escalatedAt: at };
      },
    });
  }

  reportEscalation(input: { complaintId: string; note: string }) {
    const data = parseInput(z.object({ complaintId: z.string(), note }), input);
    return this.step(data.complaintId, {
      action: 'reportEscalation',
      roles: COMPLAINT_WORKERS,
      doing: 'reportComplaintEscalation',
      type: 'ESCALATION_REPORTED',
      note: data.note,
      change: (c, at) => {
        if (c.severity !== 'MAJOR') throw AppError.invalidTransition(`Complaint ${c.number} is not MAJOR; escalate it first`, { status: c.status });
        if (c.escalationReportedAt) throw AppError.invalidTransition(`The escalation of ${c.number} was already reported`, { status: c.status });
        return { escalationReportedAt: at };
      },
    });
  }

  pause(input: { complaintId: string; note: string }) {
    const data = parseInput(z.object({ complaintId: z.string(), note }), input);
    return this.step(data.complaintId, {
      action: 'pause',
      roles: COMPLAINT_WORKERS,
      doing: 'pauseComplaintSla',
      type: 'SLA_PAUSED',
      note: data.note,
      change: (c) => {
        if (c.slaPaused) throw AppError.invalidTransition(`The SLA of ${c.number} is already paused`, { status: c.status });
        return { slaPaused: true };
      },
    });
  }

  resume(input: { complaintId: string; note?: string | null }) {
    const data = parseInput(z.object({ complaintId: z.string(), note: note.nullish() }), input);
    return this.step(data.complaintId, {
      action: 'resume',
      roles: COMPLAINT_WORKERS,
      doing: 'resumeComplaintSla',
      type: 'SLA_RESUMED',
      note: data.note,
      change: (c) => {
        if (!c.slaPaused) throw AppError.invalidTransition(`The SLA of ${c.number} is not paused`, { status: c.status });
        return { slaPaused: false };
      },
    });
  }

  addNote(input: { complaintId: string; note: string }) {
    const data = parseInput(z.object({ complaintId: z.string(), note }), input);
    return this.step(data.complaintId, { action: 'note', roles: COMPLAINT_WORKERS, doing: 'addComplaintNote', type: 'NOTE', note: data.note });
  }

  private async reload(id: number): Promise<ComplaintRow> {
    const [row] = await this.ctx.db.select().from(complaints).where(eq(complaints.id, id));
    return this.primed(row!);
  }

  /** The row, as the complaint loader now answers for it (after a write). */
  private primed(row: ComplaintRow): ComplaintRow {
    this.ctx.loaders.complaint.clear(row.id).prime(row.id, row);
    return row;
  }
}

/** The domain event of a complaint change, for the durable event log (the subscriptions' source), written with the change (its transaction, or an intake's one statement). */
function eventRow(type: string, c: Pick<ComplaintRow, 'id' | 'projectId' | 'number' | 'status' | 'kind' | 'category' | 'severity'>, extra: Record<string, unknown> = {}) {
  return {
    type,
    aggregateType: 'Complaint',
    aggregateId: c.id,
    projectId: c.projectId,
    payload: { number: c.number, status: c.status, kind: c.kind, category: c.category, severity: c.severity, ...extra } as Record<string, unknown>,
  };
}

/** The domain event and the audit entry of a change, as rows the engine's closing statement inserts too. */
function eventAndAudit(ctx: Context, event: ReturnType<typeof eventRow>, audit: AuditEntry): AlsoInsert[] {
  return [
    { name: 'event', table: domainEvents, row: event },
    { name: 'audit', table: auditLog, row: auditRow(ctx, audit) },
  ];
}

function isLifecycle(a: string): a is ComplaintAction {
  return a in TRANSITIONS;
}

const yearFormats = new Map<string, Intl.DateTimeFormat>();
/** A year formatter per time zone: building one costs about a millisecond. */
function yearFormat(timeZone: string): Intl.DateTimeFormat {
  let f = yearFormats.get(timeZone);
  if (!f) yearFormats.set(timeZone, (f = new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' })));
  return f;
}

/** What an intake takes before its statement: the complaint's id and number, and the complaint it repeats. */
type Reservation = { id: number; number: string; repeatOfId: number | null };

/**
 * Takes, in one statement before the intake's own, the next number of the receipt year (in
 * the business time zone; see complaintNumber), the complaint's id from its sequence (so
 * that the intake's rows can name it), and the complaint it repeats: the latest earlier one
 * of the same customer, unit and category within the window, not rejected.
 *
 * The yearly counter row is locked only while this statement runs: taken inside a
 * transaction, it stayed locked until COMMIT, and every intake on every instance queued
 * behind the one holding it (with a second instance, intake p50 went from 14 to 54 ms).
 * Numbers are unique and increase; a write that fails after taking one leaves a gap.
 */
async function reserve(
  db: Db,
  of: { customerId: number; unitId: number | null; category: ComplaintCategory; receivedAt: Date },
  timeZone: string,
): Promise<Reservation> {
  const year = Number(yearFormat(timeZone).format(of.receivedAt));
  // Written with placeholders: its SQL text is built once per shape (with or without a unit).
  const slots = new Slots().note(of.unitId === null ? 'no-unit' : 'unit');
  const values = slots.row('n', { year, last: 1 });
  const repeatOf = db
    .select({ id: complaints.id })
    .from(complaints)
    .where(
      and(
        eq(complaints.customerId, slots.put('repeat.customer', of.customerId)),
        of.unitId === null ? isNull(complaints.unitId) : eq(complaints.unitId, slots.put('repeat.unit', of.unitId)),
        eq(complaints.category, slots.put('repeat.category', of.category)),
        sql`${complaints.status} <> 'REJECTED'`,
        gte(complaints.receivedAt, slots.put('repeat.since', new Date(of.receivedAt.getTime() - REPEAT_WINDOW_DAYS * DAY_MS).toISOString())),
        lt(complaints.receivedAt, slots.put('repeat.until', of.receivedAt.toISOString())),
      ),
    )
    .orderBy(desc(complaints.receivedAt))
    .limit(slots.put('repeat.limit', 1));
  const [row] = await runShaped(db, 'reserveComplaint', slots, () => {
    const counter = db
      .$with('counter')
      .as(
        db
          .insert(complaintNumberCounters)
          .values(values)
          .onConflictDoUpdate({ target: complaintNumberCounters.year, set: { last: sql`${complaintNumberCounters.last} + 1` } })
          .returning({ last: complaintNumberCounters.last }),
      );
    return db
      .with(counter)
      .select({
        last: counter.last,
        // The identity sequence of complaints.id (migrations/0000_init.sql).
        id: sql<number>`nextval('complaints_id_seq')`.mapWith(Number),
        repeatOfId: sql<number | null>`(${repeatOf})`.mapWith(Number),
      })
      .from(counter);
  });
  return { id: row!.id, number: complaintNumber(year, row!.last), repeatOfId: row!.repeatOfId };
}
