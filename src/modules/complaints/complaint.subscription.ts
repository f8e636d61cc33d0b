import { Arg, Ctx, Field, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { Access, resolveScope, STREAM_READERS } from '../../auth/access.js';
import type { Viewer } from '../../auth/token.js';
import { decodeEventCursor, encodeEventCursor } from '../../events/cursor.js';
import { deliveries, type Delivery } from '../../events/delivery.js';
import type { EventStream } from '../../events/hub.js';
import type { StoredEvent } from '../../events/log.js';
import type { Context } from '../../graphql/context.js';
import { createLoaders } from '../../graphql/loaders.js';
import { SlaService } from '../sla/sla.service.js';
import { SlaAlertFilter } from '../sla/sla.type.js';
import { ComplaintFilter } from './complaint.input.js';
import { ComplaintService } from './complaint.service.js';
import { Complaint, SlaAlert, type AlertRow, type ComplaintRow } from './complaint.type.js';

@ObjectType({ description: 'A complaint event of a subscription: its cursor, and the complaint as it is when the event is sent.' })
export class ComplaintStreamEvent {
  @Field({ description: 'Opaque cursor of this event: pass it as `after` to resume after it (also after a restart), within the event retention.' })
  cursor!: string;

  @Field({ description: 'When the change was written.' })
  at!: Date;

  @Field(() => String, { nullable: true, description: 'For `complaintUpdated`: the step taken (accept, start, resolve, note, …); null for a new complaint.' })
  action!: string | null;

  @Field(() => Complaint, { description: 'The complaint, read when the event is sent, with the viewer’s masking.' })
  complaint!: Complaint;
}

@ObjectType({ description: 'An SLA alert event of a subscription: its cursor and the alert.' })
export class SlaAlertStreamEvent {
  @Field({ description: 'Opaque cursor of this event: pass it as `after` to resume after it (also after a restart), within the event retention.' })
  cursor!: string;

  @Field({ description: 'When the alert was fired.' })
  at!: Date;

  @Field(() => SlaAlert, { description: 'The alert, read when the event is sent.' })
  alert!: SlaAlert;
}

/**
 * The events of a stream that the viewer may see and that match its filter, checked one
 * by one as they are sent, against the current rows with a fresh access object and fresh
 * loaders: the same rules as a query, and a complaint that leaves the viewer's sight
 * stops flowing to it. Subscribers who see alike (role, scope, department; the subject
 * only where the filter refers to it) share each event's check, and the transport shares
 * the execution of their documents.
 */
function deliverable<R>(ctx: Context, stream: EventStream, filter: unknown, load: (ctx: Context, ids: number[]) => Promise<Map<number, R>>) {
  const v = ctx.viewer;
  const f = (filter ?? {}) as { assignedToMe?: boolean | null };
  const alike = JSON.stringify([v?.role, v?.scope, v?.department, f.assignedToMe ? v?.id : null, filter ?? null]);
  // The scope claim's projects, resolved at most once a second for all who hold the same claim.
  const scopeKey = `s${ctx.events.intern(JSON.stringify(v?.scope ?? null))}`;
  const sharedScope = (viewer: Viewer) => ctx.events.shared(scopeKey, () => resolveScope(ctx.db, viewer));
  const fresh = (): Context => ({ ...ctx, access: new Access(ctx.viewer, ctx.db, sharedScope), loaders: createLoaders(ctx.db) });
  const check = async (events: readonly StoredEvent[]) => {
    const found = await load(fresh(), [...new Set(events.map((e) => e.aggregateId))]);
    return events.map((e) => found.get(e.aggregateId) ?? null);
  };
  return deliveries(ctx.events, stream, alike, check, ctx.transport);
}

/** Opens a stream for a subscription field, after the viewer and cursor are checked. */
async function open(ctx: Context, types: string[], after: string | null | undefined): Promise<EventStream> {
  ctx.access.requireRole(STREAM_READERS, 'subscribe');
  const afterSeq = after ? decodeEventCursor(ctx.cursors, after, 'after') : null;
  return ctx.events.open({ types, afterSeq, field: 'after', onOverflow: () => ctx.transport?.onOverflow() });
}

const complaintOf = (filter: ComplaintFilter | null | undefined) => (ctx: Context, ids: number[]) =>
  new ComplaintService(ctx).visibleMatching(ids, filter);

@Resolver()
export class ComplaintSubscriptionResolver {
  @Subscription(() => ComplaintStreamEvent, {
    description:
      'New complaints (投诉受理) the viewer may see, matching `filter`, as they are received. With `after`, first the events after that cursor, in order, then live ones, with no gap and no duplicate. Over WebSocket (graphql-transport-ws) on /graphql.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const stream = await open(ctx, ['ComplaintCreated'], args.after as string | null);
      return deliverable(ctx, stream, args.filter, complaintOf(args.filter as ComplaintFilter | null));
    },
  })
  complaintCreated(
    @Root() d: Delivery<ComplaintRow>,
    @Ctx() ctx: Context,
    @Arg('filter', () => ComplaintFilter, { nullable: true, description: 'Only complaints matching this filter when the event is sent.' }) _filter: ComplaintFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor.' }) _after: string | null,
  ): ComplaintStreamEvent {
    return { cursor: encodeEventCursor(ctx.cursors, d.event.seq), at: d.event.at, action: null, complaint: Complaint.from(d.row) };
  }

  @Subscription(() => ComplaintStreamEvent, {
    description:
      'Changes to complaints the viewer may see (every lifecycle step, note, pause or escalation), matching `filter` when sent. With `after`, first the events after that cursor, then live ones.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const stream = await open(ctx, ['ComplaintUpdated'], args.after as string | null);
      return deliverable(ctx, stream, args.filter, complaintOf(args.filter as ComplaintFilter | null));
    },
  })
  complaintUpdated(
    @Root() d: Delivery<ComplaintRow>,
    @Ctx() ctx: Context,
    @Arg('filter', () => ComplaintFilter, { nullable: true, description: 'Only complaints matching this filter when the event is sent.' }) _filter: ComplaintFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor.' }) _after: string | null,
  ): ComplaintStreamEvent {
    const action = typeof d.event.payload.action === 'string' ? d.event.payload.action : null;
    return { cursor: encodeEventCursor(ctx.cursors, d.event.seq), at: d.event.at, action, complaint: Complaint.from(d.row) };
  }

  @Subscription(() => SlaAlertStreamEvent, {
    description:
      'SLA alerts (WARNING 预警, BREACHED 超时, ESCALATED 升级, …) on complaints the viewer may see, matching `filter` when sent. With `after`, first the alerts after that cursor, then live ones.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const stream = await open(ctx, ['SlaAlertFired'], args.after as string | null);
      const filter = args.filter as SlaAlertFilter | null;
      return deliverable(ctx, stream, filter, (c, ids) => new SlaService(c).visibleAlerts(ids, filter));
    },
  })
  slaAlert(
    @Root() d: Delivery<AlertRow>,
    @Ctx() ctx: Context,
    @Arg('filter', () => SlaAlertFilter, { nullable: true, description: 'Only alerts matching this filter when the event is sent.' }) _filter: SlaAlertFilter | null,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this event cursor.' }) _after: string | null,
  ): SlaAlertStreamEvent {
    return { cursor: encodeEventCursor(ctx.cursors, d.event.seq), at: d.event.at, alert: SlaAlert.from(d.row) };
  }
}

/** This module's subscriptions, for the composition root (src/schema.ts). */
export const complaintSubscriptionResolvers = [ComplaintSubscriptionResolver] as const;
