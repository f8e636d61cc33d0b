import type { EventHub, EventStream, Lane } from './hub.js';
import type { StoredEvent } from './log.js';

/**
 * One event a subscriber may see: the event, what its check read, and `shareKey`, under
 * which subscribers who see alike share the check and the execution of their documents
 * (the transport's shared execution reads it).
 */
export type Delivery<R> = { event: StoredEvent; row: R; shareKey: string; checkedAt?: number };

/**
 * What a transport offers a subscription beyond sending: how it counts a delivery, and a
 * shared path ({@link Lane}) for the subscribers of one `sight`, given how to find the
 * delivery of an event (checked, shared with the sight's other readers) or null.
 */
export type DeliveryTransport = {
  onDeliver?(e: StoredEvent): void;
  lane?(sight: string, deliveryOf: (e: StoredEvent, upcoming: readonly StoredEvent[]) => Promise<Delivery<unknown> | null>): Lane | null;
};

/** Events checked together when a subscriber has a backlog: one statement for up to this many. */
export const CHECK_BATCH = 100;

/**
 * The events of `stream` that pass `check`, checked when the transport asks for the next
 * one, so at the moment each is sent (the answer is at most a second old). Subscribers with
 * the same `alike` key (the same sight and filter) share each event's check through
 * {@link EventHub.shared}. A subscriber with a backlog checks the events it holds in one
 * batch (`check` answers for many events in one statement), so a burst costs one round
 * trip, not one per event, and its events leave together.
 *
 * Not an async generator on purpose: a generator waiting for its next event cannot be
 * returned until that event comes, so a quiet stream whose subscriber left would stay
 * open. `return()` here ends the stream at once.
 */
export function deliveries<R>(
  hub: EventHub,
  stream: EventStream,
  alike: string,
  check: (events: readonly StoredEvent[]) => Promise<readonly (R | null)[]>,
  transport?: DeliveryTransport,
): AsyncIterableIterator<Delivery<R>> {
  const sight = hub.intern(alike);
  const keyOf = (e: StoredEvent) => `c${e.seq}:${sight}`;
  let done = false;
  // How many waiting events to check together: all it holds (up to CHECK_BATCH). A reader
  // alone with its sight halves that each time answers it fetched ahead grew stale (older
  // than the sharing window) before it sent them, and doubles it again while batches are used
  // in time: a slow reader must not fetch a hundred events again for each one it sends
  // (measured: 7× fewer deliveries/s). Readers who share a sight share the batches, so theirs
  // stay whole (shrinking them cost alike dashboards a third of their throughput).
  const membership = hub.join(sight);
  let ahead = CHECK_BATCH;
  let lastBatchEnd = -1;
  const finished = (): IteratorResult<Delivery<R>> => ({ value: undefined, done: true });
  /** Checks `batch` in one statement, shared, unless already checked. */
  const checkAhead = (batch: readonly StoredEvent[]) => {
    const todo = batch.filter((e) => !hub.isShared(keyOf(e)));
    if (todo.length) hub.sharedMany(todo.map(keyOf), () => check(todo));
    return todo;
  };
  const rowOf = async (event: StoredEvent) => hub.shared(keyOf(event), async () => (await check([event]))[0] ?? null);
  stream.lane =
    transport?.lane?.(sight, async (event, upcoming) => {
      if (!hub.isShared(keyOf(event))) checkAhead(upcoming.slice(0, CHECK_BATCH));
      const row = await rowOf(event);
      return row ? { event, row, shareKey: `${event.seq}:${sight}`, checkedAt: hub.answeredAt(keyOf(event)) ?? Date.now() } : null;
    }) ?? null;
  const it: AsyncIterableIterator<Delivery<R>> = {
    async next() {
      try {
        while (!done) {
          const r = await stream.next();
          if (r.done || done) break;
          const event = r.value;
          if (!hub.isShared(keyOf(event))) {
            if (membership.readers() > 1) ahead = CHECK_BATCH;
            else ahead = event.seq <= lastBatchEnd ? Math.max(1, ahead >> 1) : Math.min(CHECK_BATCH, ahead << 1);
            const batch = checkAhead([event, ...stream.peek(ahead - 1)]);
            lastBatchEnd = batch[batch.length - 1]!.seq;
          }
          const row = await rowOf(event);
          if (row && !done) {
            transport?.onDeliver?.(event);
            return { value: { event, row, shareKey: `${event.seq}:${sight}` }, done: false };
          }
        }
      } catch (err) {
        // The subscription ends with this error (graphql-ws sends it): its stream goes too, or
        // it would fill up unread and close the connection's other subscriptions with 4413.
        done = true;
        membership.leave();
        await stream.return();
        throw err;
      }
      membership.leave();
      return finished();
    },
    async return() {
      done = true;
      membership.leave();
      await stream.return();
      return finished();
    },
    async throw(err: unknown) {
      done = true;
      membership.leave();
      await stream.return();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
