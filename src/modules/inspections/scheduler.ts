import { and, asc, eq, isNotNull, isNull, lte, min } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { domainEvents, inspectionFindings, slaAlerts } from '../../db/schema/index.js';
import { alertFiredEvent, deadlineAlerts, type AlertRow } from '../../sla/alerts.js';
import type { DueSource } from '../../sla/scheduler.js';

/**
 * Rectification deadlines of inspection findings, in the SLA machinery: a WARNING alert at the
 * warning time and a BREACHED alert at the deadline while the finding is open, each once (unique
 * per finding and level), taken with SKIP LOCKED like SLA clocks.
 */
export function findingsSource(opts: { lateAfterMs: number }): DueSource {
  return {
    name: 'inspection-findings',
    async next(db) {
      const [row] = await db
        .select({ next: min(inspectionFindings.nextCheckAt) })
        .from(inspectionFindings)
        .where(and(isNull(inspectionFindings.rectifiedAt), isNotNull(inspectionFindings.nextCheckAt)));
      return row?.next ? new Date(row.next) : null;
    },
    async batch(tx: Tx, now: Date, limit: number) {
      const due = await tx
        .select()
        .from(inspectionFindings)
        .where(and(isNull(inspectionFindings.rectifiedAt), isNotNull(inspectionFindings.nextCheckAt), lte(inspectionFindings.nextCheckAt, now)))
        .orderBy(asc(inspectionFindings.nextCheckAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      const fired: AlertRow[] = [];
      for (const f of due) {
        const { fire, stamps } = deadlineAlerts({ warnedAt: f.warnedAt, breachedAt: f.breachedAt, warnDueAt: f.warnAt, dueAt: f.dueAt }, now);
        if (fire.length) {
          const inserted = await tx
            .insert(slaAlerts)
            .values(fire.map((x) => ({ level: x.level, inspectionFindingId: f.id, projectId: f.projectId, dueAt: x.moment, firedAt: now, late: now.getTime() - x.moment.getTime() > opts.lateAfterMs })))
            .onConflictDoNothing()
            .returning();
          if (inserted.length) await tx.insert(domainEvents).values(inserted.map((a) => alertFiredEvent(a, { inspectionFindingId: f.id })));
          fired.push(...inserted);
        }
        await tx.update(inspectionFindings).set(stamps).where(eq(inspectionFindings.id, f.id));
      }
      return { taken: due.length, fired };
    },
  };
}
