import { rowsOf } from '../db/rows.js';
import { and, asc, eq, gt, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { domainEvents, eventSequence } from '../db/schema/index.js';

/** An event of the domain log with its commit-order sequence number. */
export type StoredEvent = {
  seq: number;
  type: string;
  aggregateType: string;
  aggregateId: number;
  projectId: number | null;
  payload: Record<string, unknown>;
  at: Date;
};

/** Channel that wakes the sequencers (a trigger on `domain_events` notifies it at commit). */
export const NEW_EVENTS_CHANNEL = 'cx_events_new';
/** Channel that tells every instance the sequence has grown (payload: the last `seq`, a hint only). */
export const SEQUENCED_CHANNEL = 'cx_events';

/**
 * The durable event log, read by `seq`.
 *
 * Why a sequence of its own: `id` comes from an identity column, assigned when a row is
 * inserted, while transactions commit in another order. A reader that had passed id 10
 * would never see id 9 committed a moment later. The sequencer instead stamps committed
 * events, in batches, with `seq` values following `event_sequence.last`; the stamping
 * transactions are serialised by the lock on that row, so a batch is visible to readers
 * only after every earlier batch, and `seq` is contiguous and in commit order of the
 * stamping. An event committed after a batch was stamped gets a later `seq`: nothing is
 * skipped, nothing is numbered twice.
 */
export class EventLog {
  /**
   * SQL statements this log has sent, and of them the reads (`read`, `state`): background work,
   * told apart from requests' in tests.
   */
  readonly stats = { statements: 0, reads: 0 };

  constructor(private readonly db: Db) {}

  /**
   * Stamps up to `batch` committed, unsequenced events and returns them, in `seq` order;
   * empty when there was nothing to stamp or another instance is stamping right now (it will
   * notify). Notifies {@link SEQUENCED_CHANNEL} on commit when it stamped anything.
   *
   * One statement: `cx_sequence_events` (migration 0003) takes the lock on the sequence row,
   * stamps, bumps and notifies in one transaction, each step with a fresh snapshot taken
   * after the lock is held. As six round trips, each waited for a turn of an event loop busy
   * with fan-out, and the sequencer was most of the time between a commit and its delivery.
   */
  async sequence(batch = 1_000): Promise<StoredEvent[]> {
    this.stats.statements++;
    type Row = { o_seq: unknown; o_type: string; o_aggregate_type: string; o_aggregate_id: unknown; o_project_id: unknown; o_payload: string; o_at_ms: unknown };
    const rows = rowsOf<Row>(await this.db.execute(sql`select * from cx_sequence_events(${batch}::int)`));
    return rows.map((r) => ({
      seq: Number(r.o_seq),
      type: r.o_type,
      aggregateType: r.o_aggregate_type,
      aggregateId: Number(r.o_aggregate_id),
      projectId: r.o_project_id === null ? null : Number(r.o_project_id),
      payload: JSON.parse(r.o_payload) as Record<string, unknown>,
      at: new Date(Number(r.o_at_ms)),
    }));
  }

  /** The last `seq` given out and the highest pruned one. */
  async state(): Promise<{ last: number; prunedThrough: number }> {
    this.stats.statements++;
    this.stats.reads++;
    const [row] = await this.db.select().from(eventSequence).where(eq(eventSequence.id, 1));
    return { last: row?.last ?? 0, prunedThrough: row?.prunedThrough ?? 0 };
  }

  /** Up to `limit` events after `afterSeq`, in order, optionally of some types only. */
  async read(afterSeq: number, limit: number, types?: readonly string[]): Promise<StoredEvent[]> {
    this.stats.statements++;
    this.stats.reads++;
    const rows = await this.db
      .select({
        seq: domainEvents.seq,
        type: domainEvents.type,
        aggregateType: domainEvents.aggregateType,
        aggregateId: domainEvents.aggregateId,
        projectId: domainEvents.projectId,
        payload: domainEvents.payload,
        at: domainEvents.at,
      })
      .from(domainEvents)
      .where(and(gt(domainEvents.seq, afterSeq), types ? inArray(domainEvents.type, [...types]) : undefined))
      .orderBy(asc(domainEvents.seq))
      .limit(limit);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /**
   * Deletes sequenced events older than `before`, in batches; records the highest pruned
   * `seq`, so resuming from an older cursor is refused instead of silently skipping. Safe
   * with several instances (deletes are idempotent; the state row serialises updates).
   */
  async prune(before: Date, batch = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.transaction(async (tx) => {
        const gone = await tx
          .delete(domainEvents)
          .where(
            inArray(
              domainEvents.id,
              tx
                .select({ id: domainEvents.id })
                .from(domainEvents)
                .where(and(lt(domainEvents.at, before), isNotNull(domainEvents.seq)))
                .orderBy(asc(domainEvents.seq))
                .limit(batch),
            ),
          )
          .returning({ seq: domainEvents.seq });
        if (gone.length) {
          const highest = Math.max(...gone.map((g) => Number(g.seq)));
          await tx
            .update(eventSequence)
            .set({ prunedThrough: sql`greatest(${eventSequence.prunedThrough}, ${highest}::bigint)` })
            .where(eq(eventSequence.id, 1));
        }
        return gone.length;
      });
      total += deleted;
      if (deleted < batch) return total;
    }
  }
}

