import { and, asc, eq, inArray, lte, min, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { rowsOf } from '../../db/rows.js';
import { domainEvents, plannedTouchpoints, slaAlerts } from '../../db/schema/index.js';
import { alertFiredEvent, type AlertRow } from '../../sla/alerts.js';
import type { DueSource } from '../../sla/scheduler.js';
import { planTimeBased } from './planner.js';

/** Advisory lock key of the time-based planning run: one instance plans at a time, the others skip. */
const PLANNING_LOCK = 7_310_009;

/**
 * Planned standard actions falling overdue: at its due time a PLANNED action becomes OVERDUE and
 * fires one TOUCHPOINT_OVERDUE alert into the SLA alert store (unique per planned action and
 * level, so once across instances and restarts), with the same domain event as SLA alerts, so the
 * `slaAlert` subscription carries it. Due actions are locked with SKIP LOCKED: instances share them.
 */
export function overdueSource(opts: { lateAfterMs: number }): DueSource {
  return {
    name: 'touchpoints-overdue',
    async next(db) {
      const [row] = await db.select({ next: min(plannedTouchpoints.dueAt) }).from(plannedTouchpoints).where(eq(plannedTouchpoints.status, 'PLANNED'));
      return row?.next ? new Date(row.next) : null;
    },
    async batch(tx: Tx, now: Date, limit: number) {
      const due = await tx
        .select({ id: plannedTouchpoints.id, projectId: plannedTouchpoints.projectId, dueAt: plannedTouchpoints.dueAt, customerId: plannedTouchpoints.customerId, ruleId: plannedTouchpoints.ruleId })
        .from(plannedTouchpoints)
        .where(and(eq(plannedTouchpoints.status, 'PLANNED'), lte(plannedTouchpoints.dueAt, now)))
        .orderBy(asc(plannedTouchpoints.dueAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (!due.length) return { taken: 0, fired: [] };
      const fired: AlertRow[] = await tx
        .insert(slaAlerts)
        .values(
          due.map((p) => ({
            level: 'TOUCHPOINT_OVERDUE' as const,
            plannedTouchpointId: p.id,
            projectId: p.projectId,
            dueAt: p.dueAt,
            firedAt: now,
            late: now.getTime() - p.dueAt.getTime() > opts.lateAfterMs,
          })),
        )
        .onConflictDoNothing()
        .returning();
      if (fired.length) {
        await tx.insert(domainEvents).values(fired.map((a) => alertFiredEvent(a, { plannedTouchpointId: a.plannedTouchpointId })));
      }
      await tx
        .update(plannedTouchpoints)
        .set({ status: 'OVERDUE', updatedAt: sql`now()` })
        .where(inArray(plannedTouchpoints.id, due.map((p) => p.id)));
      return { taken: due.length, fired };
    },
  };
}

/**
 * Time-based planning (warranty ends, birthdays, periodic bulletins, move-in anniversaries): every
 * `intervalMs` it plans the occurrences that open within `lookaheadMs` from now, so each action
 * exists before it opens. Planning is idempotent; an advisory lock keeps instances from doing the
 * same work at once.
 */
export function planningSource(opts: { timeZone: string; intervalMs: number; lookaheadMs: number }): DueSource {
  let lastRun = -Infinity;
  let nextRun = 0;
  return {
    name: 'touchpoints-planning',
    async next() {
      return new Date(nextRun);
    },
    async batch(tx: Tx, now: Date) {
      // Not yet time, unless the clock was set back (then plan again now).
      if (now.getTime() < nextRun && now.getTime() >= lastRun) return { taken: 0, fired: [] };
      lastRun = now.getTime();
      const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${PLANNING_LOCK}) as locked`));
      // The overdue source's next moment is read after this tick: newly planned actions are seen.
      if (lock?.locked) await planTimeBased(tx, new Date(now.getTime() + opts.lookaheadMs), opts.timeZone);
      nextRun = now.getTime() + opts.intervalMs;
      return { taken: 0, fired: [] };
    },
  };
}
