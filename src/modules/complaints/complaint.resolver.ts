import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Info, Mutation, ObjectType, Query, Resolver, Root, ID } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { PageArgsType } from '../../graphql/connection.js';
import { nestedConnection } from '../../graphql/nested.js';
import { fieldNeeds, selectedColumns, selectedColumnsOf, selectedOnce } from '../../graphql/projection.js';
import { whenReady, type Maybe } from '../../graphql/maybe.js';
import type { Context } from '../../graphql/context.js';
import { remainingMs } from '../../sla/clock.js';
import { formatMs } from '../../sla/duration.js';
import { customerOf, unitOf } from '../customers/customer.resolver.js';
import { Customer, Unit } from '../customers/customer.type.js';
import { Project } from '../projects/project.type.js';
import { allowedMutations } from './complaint.rules.js';
import {
  AcceptComplaintInput,
  AddComplaintNoteInput,
  CloseComplaintInput,
  ComplaintFilter,
  ComplaintOrder,
  CreateComplaintInput,
  EscalateComplaintInput,
  PauseComplaintSlaInput,
  RecordReturnVisitInput,
  RejectComplaintInput,
  ReopenComplaintInput,
  ReportComplaintEscalationInput,
  ResolveComplaintInput,
  ResumeComplaintSlaInput,
  StartComplaintWorkInput,
} from './complaint.input.js';
import { ComplaintService, type RelatedColumns } from './complaint.service.js';
import { Complaint, ComplaintConnection, ComplaintEvent, SlaAlert, SlaClock, type ComplaintRow } from './complaint.type.js';
import { staffOf } from '../org/org.resolver.js';
import { Staff } from '../org/org.type.js';
import { ComplaintStatsResolver } from './complaint-stats.js';

@ObjectType({ description: 'Result of a complaint mutation: the complaint after it.' })
class ComplaintPayload {
  @Field(() => Complaint, { description: 'The complaint after the change.' })
  complaint!: Complaint;
}

/** Relay-style payload names of SPEC §4, each carrying `complaint`. */
function payload(name: string) {
  @ObjectType(name, { description: `Result of \`${name.charAt(0).toLowerCase()}${name.slice(1, -'Payload'.length)}\`.` })
  class P extends ComplaintPayload {}
  return P;
}
const CreateComplaintPayload = payload('CreateComplaintPayload');
const AcceptComplaintPayload = payload('AcceptComplaintPayload');
const StartComplaintWorkPayload = payload('StartComplaintWorkPayload');
const ResolveComplaintPayload = payload('ResolveComplaintPayload');
const RecordReturnVisitPayload = payload('RecordReturnVisitPayload');
const CloseComplaintPayload = payload('CloseComplaintPayload');
const ReopenComplaintPayload = payload('ReopenComplaintPayload');
const RejectComplaintPayload = payload('RejectComplaintPayload');
const EscalateComplaintPayload = payload('EscalateComplaintPayload');
const ReportComplaintEscalationPayload = payload('ReportComplaintEscalationPayload');
const PauseComplaintSlaPayload = payload('PauseComplaintSlaPayload');
const ResumeComplaintSlaPayload = payload('ResumeComplaintSlaPayload');
const AddComplaintNotePayload = payload('AddComplaintNotePayload');

/**
 * The columns of the relations a page's complaints select once and for certain (see
 * `selectedColumnsOf`): what the page's statement may read with it, and `loadRelations` loads.
 */
function relatedColumns(info: GraphQLResolveInfo): RelatedColumns {
  return {
    customer: selectedColumnsOf(info, 'customer', true, Customer),
    project: selectedColumnsOf(info, 'project', true, Project),
    clocks: selectedColumnsOf(info, 'clocks', true, SlaClock),
    timeline: selectedColumnsOf(info, 'timeline', true, ComplaintEvent),
  };
}

/**
 * Loads the relations a page's complaints select, each selected once and for certain (see
 * `selectedOnce`), before their field resolvers run: the same statements their loaders would
 * send, in one round trip, shared by the pages of every parent of a nested list (see
 * `Batched`). The resolvers then answer from values at hand: `customer`, `project`, `clocks` and
 * `timeline` without a promise each. A failure is met by the resolvers, as without this.
 */
function loadRelations(ctx: Context, info: GraphQLResolveInfo, edges: readonly { node: ComplaintRow }[], related = relatedColumns(info)): Promise<unknown> | undefined {
  if (edges.length === 0) return undefined;
  const rows = edges.map((e) => e.node);
  const loads: Promise<void>[] = [];
  const ids = <K>(key: (r: ComplaintRow) => K | null): K[] => rows.map(key).filter((k): k is K => k !== null);
  const complaintIds = rows.map((r) => r.id);
  const l = ctx.loaders;
  const { customer, project, clocks, timeline } = related;
  if (customer !== undefined) loads.push(l.customersWith(customer).preload(ids((r) => r.customerId)));
  if (project !== undefined) loads.push(l.projectsWith(project).preload(ids((r) => r.projectId)));
  if (selectedOnce(info, 'unit', true)) loads.push(l.unit.preload(ids((r) => r.unitId)));
  if (selectedOnce(info, 'firstResponder', true)) loads.push(l.staff.preload(ids((r) => r.firstResponderId)));
  if (selectedOnce(info, 'handler', true)) loads.push(l.staff.preload(ids((r) => r.handlerId)));
  if (selectedOnce(info, 'alerts', true)) loads.push(l.alertsByComplaint.preload(complaintIds));
  if (clocks !== undefined) loads.push(l.clocksWith(clocks).preload(complaintIds));
  if (timeline !== undefined) loads.push(l.eventsWith(timeline).preload(complaintIds));
  return loads.length ? Promise.all(loads) : undefined;
}

const wrap = async (p: Promise<Parameters<typeof Complaint.from>[0]>) => ({ complaint: Complaint.from(await p) });

@Resolver(() => Complaint)
export class ComplaintResolver {
  @Authorized(READERS)
  @Query(() => ComplaintConnection, { description: 'Complaints the viewer may see (HANDLERs: their department’s), newest first by default.' })
  async complaints(
    @Args() page: PageArgsType,
    @Arg('filter', () => ComplaintFilter, { nullable: true, description: 'Conditions on the complaints.' }) filter: ComplaintFilter | null,
    @Arg('orderBy', () => ComplaintOrder, { nullable: true, description: 'Ordering; received time descending by default.' }) orderBy: ComplaintOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    const related = relatedColumns(info);
    const found = await new ComplaintService(ctx).list(filter, orderBy, page, {}, selectedColumns(info, Complaint, true), related);
    await loadRelations(ctx, info, found.edges, related);
    return ComplaintConnection.of(found, Complaint.from);
  }

  @Authorized(READERS)
  @Query(() => Complaint, { description: 'One complaint by ID; NOT_FOUND when unknown or not visible.' })
  async complaint(@Arg('id', () => ID, { description: 'Complaint ID.' }) id: string, @Ctx() ctx: Context): Promise<Complaint> {
    return Complaint.from(await new ComplaintService(ctx).get(id));
  }

  @Authorized()
  @Mutation(() => CreateComplaintPayload, { description: 'Receives a complaint or repair request (ADMIN, MANAGER, AGENT); the receiver becomes its accountable first responder.' })
  createComplaint(@Arg('input', () => CreateComplaintInput, { description: 'The complaint.' }) input: CreateComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).create(input));
  }

  @Authorized()
  @Mutation(() => AcceptComplaintPayload, { description: 'RECEIVED → ACCEPTED: assigns department and handler; stops the ACCEPTANCE clock.' })
  acceptComplaint(@Arg('input', () => AcceptComplaintInput, { description: 'Assignment.' }) input: AcceptComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).accept(input));
  }

  @Authorized()
  @Mutation(() => StartComplaintWorkPayload, { description: 'ACCEPTED/REOPENED → IN_PROGRESS (stops REPAIR_VISIT: the repairer is on site).' })
  startComplaintWork(@Arg('input', () => StartComplaintWorkInput, { description: 'The step.' }) input: StartComplaintWorkInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).start(input));
  }

  @Authorized()
  @Mutation(() => ResolveComplaintPayload, { description: '→ RESOLVED: stops RESOLUTION, starts RETURN_VISIT.' })
  resolveComplaint(@Arg('input', () => ResolveComplaintInput, { description: 'The resolution.' }) input: ResolveComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).resolve(input));
  }

  @Authorized()
  @Mutation(() => RecordReturnVisitPayload, { description: 'RESOLVED → RETURN_VISITED, or REOPENED when the satisfaction is 2 or less.' })
  recordReturnVisit(@Arg('input', () => RecordReturnVisitInput, { description: 'The visit.' }) input: RecordReturnVisitInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).recordReturnVisit(input));
  }

  @Authorized()
  @Mutation(() => CloseComplaintPayload, { description: 'RETURN_VISITED → CLOSED.' })
  closeComplaint(@Arg('input', () => CloseComplaintInput, { description: 'The step.' }) input: CloseComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).close(input));
  }

  @Authorized()
  @Mutation(() => ReopenComplaintPayload, { description: 'RESOLVED/RETURN_VISITED/CLOSED → REOPENED; the RESOLUTION clock continues.' })
  reopenComplaint(@Arg('input', () => ReopenComplaintInput, { description: 'Why.' }) input: ReopenComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).reopen(input));
  }

  @Authorized()
  @Mutation(() => RejectComplaintPayload, { description: 'RECEIVED/ACCEPTED → REJECTED with the explanation to the customer; stops every clock.' })
  rejectComplaint(@Arg('input', () => RejectComplaintInput, { description: 'The reason.' }) input: RejectComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).reject(input));
  }

  @Authorized()
  @Mutation(() => EscalateComplaintPayload, { description: 'Upgrades an open complaint to MAJOR with the reason; starts the 24 h escalation-report clock.' })
  escalateComplaint(@Arg('input', () => EscalateComplaintInput, { description: 'The reason.' }) input: EscalateComplaintInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).escalate(input));
  }

  @Authorized()
  @Mutation(() => ReportComplaintEscalationPayload, { description: 'Records the major-complaint report to the group; stops ESCALATION_REPORT.' })
  reportComplaintEscalation(
    @Arg('input', () => ReportComplaintEscalationInput, { description: 'The report.' }) input: ReportComplaintEscalationInput,
    @Ctx() ctx: Context,
  ) {
    return wrap(new ComplaintService(ctx).reportEscalation(input));
  }

  @Authorized()
  @Mutation(() => PauseComplaintSlaPayload, { description: 'Pauses every running clock while the complaint waits on the customer.' })
  pauseComplaintSla(@Arg('input', () => PauseComplaintSlaInput, { description: 'What it waits for.' }) input: PauseComplaintSlaInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).pause(input));
  }

  @Authorized()
  @Mutation(() => ResumeComplaintSlaPayload, { description: 'Resumes the paused clocks; deadlines move by the paused time.' })
  resumeComplaintSla(@Arg('input', () => ResumeComplaintSlaInput, { description: 'The step.' }) input: ResumeComplaintSlaInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).resume(input));
  }

  @Authorized()
  @Mutation(() => AddComplaintNotePayload, { description: 'Adds a note to the timeline.' })
  addComplaintNote(@Arg('input', () => AddComplaintNoteInput, { description: 'The note.' }) input: AddComplaintNoteInput, @Ctx() ctx: Context) {
    return wrap(new ComplaintService(ctx).addNote(input));
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer (null if the viewer may not see them).' })
  customer(@Root() c: Complaint, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Maybe<Customer | null> {
    return customerOf(ctx, c.customerId, info);
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  project(@Root() c: Complaint, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Maybe<Project> {
    return whenReady(ctx.loaders.projectsWith(selectedColumns(info, Project, false)).get(c.projectId), (row) => Project.from(row!));
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'The unit concerned.' })
  async unit(@Root() c: Complaint, @Ctx() ctx: Context): Promise<Unit | null> {
    return unitOf(ctx, c.unitId);
  }

  @FieldResolver(() => Staff, {
    description: '首问负责人 — who received it; accountable until it is closed, whoever works it. Without a (visible) directory entry only `id` and `login` are set.',
  })
  firstResponder(@Root() c: Complaint, @Ctx() ctx: Context): Promise<Staff> {
    return staffOf(ctx, c.firstResponderId);
  }

  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Current handler in the responsible department; null before acceptance. Without a (visible) directory entry only `id` and `login` are set.',
  })
  async handler(@Root() c: Complaint, @Ctx() ctx: Context): Promise<Staff | null> {
    return c.handlerId ? staffOf(ctx, c.handlerId) : null;
  }

  @FieldResolver(() => Complaint, { nullable: true, description: 'The earlier complaint this one repeats (same customer, unit and category within 30 days).' })
  async repeatOf(@Root() c: Complaint, @Ctx() ctx: Context): Promise<Complaint | null> {
    if (c.repeatOfId === null) return null;
    const row = await ctx.loaders.complaint.load(c.repeatOfId);
    return row && (await new ComplaintService(ctx).canSee(row)) ? Complaint.from(row) : null;
  }

  @FieldResolver(() => [ComplaintEvent], { description: 'Every transition, assignment, note, clock event and alert, oldest first.' })
  timeline(@Root() c: Complaint, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Maybe<ComplaintEvent[]> {
    return whenReady(ctx.loaders.eventsWith(selectedColumns(info, ComplaintEvent, false)).get(c.dbId), (rows) => rows.map(ComplaintEvent.from));
  }

  @FieldResolver(() => [SlaClock], { description: 'The SLA clocks started for this complaint.' })
  clocks(@Root() c: Complaint, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Maybe<SlaClock[]> {
    return whenReady(ctx.loaders.clocksWith(selectedColumns(info, SlaClock, false)).get(c.dbId), (rows) => rows.map((r) => SlaClock.from(r, ctx.now)));
  }

  @FieldResolver(() => [SlaAlert], { description: 'Alerts fired for this complaint, oldest first.' })
  async alerts(@Root() c: Complaint, @Ctx() ctx: Context): Promise<SlaAlert[]> {
    return (await ctx.loaders.alertsByComplaint.load(c.dbId)).map(SlaAlert.from);
  }

  @FieldResolver(() => [String], { description: 'Mutations allowed from the current status (for UIs to show only valid actions).' })
  allowedActions(@Root() c: Complaint): string[] {
    return allowedMutations(c.status);
  }
}

// What each field of a complaint reads of its row besides its own column (see graphql/projection.ts): every
// complaint reads `id` and `repeatOfId` when it is made (Complaint.from).
fieldNeeds(Complaint, {
  always: ['id', 'repeatOfId'],
  fields: {
    id: [],
    isRepeat: [],
    customer: ['customerId'],
    project: ['projectId'],
    unit: ['unitId'],
    firstResponder: ['firstResponderId'],
    handler: ['handlerId'],
    repeatOf: [],
    timeline: [],
    clocks: [],
    alerts: [],
    allowedActions: ['status'],
  },
});

// A customer's nested complaints read its id (see the customer's own fields in customer.resolver.ts).
fieldNeeds(Customer, { fields: { complaints: [] } });
// A project's complaints read its id.
fieldNeeds(Project, { fields: { complaints: [] } });

// A clock reads `id` and `warnAt` when it is made (SlaClock.from); its loader groups by `complaintId`.
fieldNeeds(SlaClock, {
  always: ['id', 'complaintId', 'warnAt'],
  fields: {
    warnShare: [],
    remaining: ['state', 'targetMs', 'workingTime', 'consumedMs', 'runningSince'],
    breached: ['breachedAt', 'state', 'dueAt', 'stoppedAt'],
  },
});

// An event reads `id` when it is made (ComplaintEvent.from); its loader groups by `complaintId`.
fieldNeeds(ComplaintEvent, { always: ['id', 'complaintId'], fields: { id: [], actor: ['actorId'] } });

/**
 * A nested `complaints` connection under a list of customers or projects: every parent's
 * page comes from one batched statement (and the counts from one more), not one per parent.
 */
async function nestedComplaints(
  ctx: Context,
  parent: 'customerId' | 'projectId',
  parentId: number,
  args: { page: PageArgsType; filter: ComplaintFilter | null; orderBy: ComplaintOrder | null },
  info: GraphQLResolveInfo,
) {
  const columns = selectedColumns(info, Complaint, true);
  const related = relatedColumns(info);
  // Parents share a batch only with the same arguments, the same columns and the same relations read with them.
  const key = `complaints:${parent}:${JSON.stringify(args)}:${columns?.join(',') ?? '*'}:${JSON.stringify(related)}`;
  const service = new ComplaintService(ctx);
  const page = await nestedConnection(
    ctx,
    key,
    parentId,
    (ids) => service.pagesFor(parent, ids, args.filter, args.orderBy, args.page, columns, related),
    (ids) => service.countsFor(parent, ids, args.filter),
  );
  await loadRelations(ctx, info, page.edges, related);
  return ComplaintConnection.of(page, Complaint.from);
}

@Resolver(() => Customer)
export class CustomerComplaintsResolver {
  @FieldResolver(() => ComplaintConnection, { description: 'The customer’s complaints the viewer may see, newest first.' })
  complaints(
    @Root() c: Customer,
    @Args() page: PageArgsType,
    @Arg('filter', () => ComplaintFilter, { nullable: true, description: 'Further conditions.' }) filter: ComplaintFilter | null,
    @Arg('orderBy', () => ComplaintOrder, { nullable: true, description: 'Ordering.' }) orderBy: ComplaintOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    return nestedComplaints(ctx, 'customerId', c.dbId, { page, filter, orderBy }, info);
  }
}

@Resolver(() => Project)
export class ProjectComplaintsResolver {
  @FieldResolver(() => ComplaintConnection, { description: 'The project’s complaints the viewer may see, newest first.' })
  complaints(
    @Root() p: Project,
    @Args() page: PageArgsType,
    @Arg('filter', () => ComplaintFilter, { nullable: true, description: 'Further conditions.' }) filter: ComplaintFilter | null,
    @Arg('orderBy', () => ComplaintOrder, { nullable: true, description: 'Ordering.' }) orderBy: ComplaintOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    return nestedComplaints(ctx, 'projectId', p.dbId, { page, filter, orderBy }, info);
  }
}

@Resolver(() => SlaClock)
export class SlaClockResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Target time left at the time of the request, as an ISO-8601 duration (negative when overdue; null when stopped).' })
  async remaining(@Root() c: SlaClock, @Ctx() ctx: Context): Promise<string | null> {
    if (c.state === 'STOPPED') return null;
    const cal = await ctx.sla.calendars.get(ctx.db);
    return formatMs(remainingMs({ targetMs: c.targetMs, workingTime: c.workingTime, warnAt: c.warnAt }, { consumedMs: c.consumedMs, runningSince: c.runningSince }, ctx.now(), cal));
  }
}

@Resolver(() => ComplaintEvent)
export class ComplaintEventResolver {
  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Who did it; null for the system (scheduler). Without a (visible) directory entry only `id` and `login` are set.',
  })
  async actor(@Root() e: ComplaintEvent, @Ctx() ctx: Context): Promise<Staff | null> {
    return e.actorId ? staffOf(ctx, e.actorId) : null;
  }
}

@Resolver(() => SlaAlert)
export class SlaAlertFieldsResolver {
  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Who acknowledged it; null while unacknowledged. Without a (visible) directory entry only `id` and `login` are set.',
  })
  async acknowledgedBy(@Root() a: SlaAlert, @Ctx() ctx: Context): Promise<Staff | null> {
    return a.acknowledgedById ? staffOf(ctx, a.acknowledgedById) : null;
  }

  @FieldResolver(() => Complaint, { nullable: true, description: 'The complaint, for complaint alerts the viewer may see.' })
  complaint(@Root() a: SlaAlert, @Ctx() ctx: Context): Promise<Complaint | null> {
    return complaintOf(ctx, a.complaintId);
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  async project(@Root() a: SlaAlert, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(a.projectId))!);
  }
}

/** This module's query and mutation resolvers, for the composition root (src/schema.ts). */
export const complaintResolvers = [
  ComplaintResolver,
  ComplaintEventResolver,
  CustomerComplaintsResolver,
  ProjectComplaintsResolver,
  SlaClockResolver,
  SlaAlertFieldsResolver,
  ComplaintStatsResolver,
] as const;

/** The complaint with this id if the viewer may see it (for fields that point at one), else null. */
export async function complaintOf(ctx: Context, complaintId: number | null): Promise<Complaint | null> {
  if (complaintId === null) return null;
  const row = await ctx.loaders.complaint.load(complaintId);
  return row && (await new ComplaintService(ctx).canSee(row)) ? Complaint.from(row) : null;
}
