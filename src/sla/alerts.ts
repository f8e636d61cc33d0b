import type { Tx } from '../db/client.js';
import { eq, inArray } from 'drizzle-orm';
import { complaintEvents, complaints, domainEvents, projects, slaAlerts, slaClocks } from '../db/schema/index.js';
import type { AlertLevel, Severity } from '../domain/enums.js';
import { toGlobalId } from '../graphql/global-id.js';

type ClockRow = typeof slaClocks.$inferSelect;
export type AlertRow = typeof slaAlerts.$inferSelect;

/** What an alert needs to know about the clock's complaint. */
export type ClockOwner = { complaintId: number; projectId: number; severity: Severity; number: string; cityCompanyId: number };

/** Alert stamps of a clock after firing, for the caller's UPDATE. */
export type Stamps = { warnedAt: Date | null; breachedAt: Date | null; nextCheckAt: Date | null };

/**
 * Fires the clock's alerts whose moments have come by `now` and have not fired yet —
 * WARNING at the warning instant, BREACHED at the due instant, ESCALATED with a MAJOR
 * breach — each with its own moment and a `late` flag. The unique (clock, level) index
 * makes a second firing a no-op, whoever tries (scheduler instances, or a mutation that
 * stops or pauses an overdue clock before the scheduler got to it). Runs in the caller's
 * transaction; returns the alerts it inserted and the clock's new stamps.
 */
export async function fireDueAlerts(tx: Tx, c: ClockRow, owner: ClockOwner, now: Date, lateAfterMs: number): Promise<{ fired: AlertRow[]; stamps: Stamps }> {
  const { fire, stamps } = deadlineAlerts(c, now);
  if (owner.severity === 'MAJOR' && fire.some((f) => f.level === 'BREACHED')) fire.push({ level: 'ESCALATED', moment: c.dueAt! });
  const fired = fire.length ? await insertAlerts(tx, c, owner, fire, now, lateAfterMs) : [];
  return { fired, stamps };
}

/** A deadline with a warning instant: SLA clocks, inspection findings' rectification. */
export type Deadline = { warnedAt: Date | null; breachedAt: Date | null; warnDueAt: Date | null; dueAt: Date | null };

/**
 * What a deadline owes by `now`: WARNING at its warning instant and BREACHED at its due instant,
 * each once (not when already stamped), with its moment; and its stamps after firing them.
 */
export function deadlineAlerts(c: Deadline, now: Date): { fire: { level: AlertLevel; moment: Date }[]; stamps: Stamps } {
  const fire: { level: AlertLevel; moment: Date }[] = [];
  const warnDue = !c.warnedAt && c.warnDueAt !== null && c.warnDueAt <= now;
  const breachDue = !c.breachedAt && c.dueAt !== null && c.dueAt <= now;
  if (warnDue) fire.push({ level: 'WARNING', moment: c.warnDueAt! });
  if (breachDue) fire.push({ level: 'BREACHED', moment: c.dueAt! });
  const warnedAt = c.warnedAt ?? (warnDue ? now : null);
  const breachedAt = c.breachedAt ?? (breachDue ? now : null);
  return { fire, stamps: { warnedAt, breachedAt, nextCheckAt: nextCheckOf({ warnedAt, breachedAt, warnDueAt: c.warnDueAt, dueAt: c.dueAt }) } };
}

/** The domain event of a fired alert (what the `slaAlert` subscription reads), with what its source adds. */
export function alertFiredEvent(a: AlertRow, payload: Record<string, unknown>): typeof domainEvents.$inferInsert {
  return { type: 'SlaAlertFired', aggregateType: 'SlaAlert', aggregateId: a.id, projectId: a.projectId, payload: { level: a.level, late: a.late, ...payload } };
}

/** The earliest moment still to fire: the warning unless it fired, the breach unless it fired. */
export function nextCheckOf(c: Deadline): Date | null {
  const pending = [!c.warnedAt ? c.warnDueAt : null, !c.breachedAt ? c.dueAt : null].filter((x): x is Date => x !== null);
  return pending.length ? new Date(Math.min(...pending.map((x) => x.getTime()))) : null;
}

/** The alert owners (complaint severity, project, city company) of some complaints, in one query. */
export async function loadOwners(tx: Tx, complaintIds: number[]): Promise<Map<number, ClockOwner>> {
  const rows = await tx
    .select({ complaintId: complaints.id, severity: complaints.severity, projectId: complaints.projectId, number: complaints.number, cityCompanyId: projects.cityCompanyId })
    .from(complaints)
    .innerJoin(projects, eq(projects.id, complaints.projectId))
    .where(inArray(complaints.id, [...new Set(complaintIds)]));
  return new Map(rows.map((o) => [o.complaintId, o]));
}

/** Inserts alerts (once per clock and level), with their timeline entries and domain events. */
export async function insertAlerts(
  tx: Tx,
  c: Pick<ClockRow, 'id' | 'clock' | 'complaintId'>,
  owner: ClockOwner,
  fire: { level: AlertLevel; moment: Date }[],
  now: Date,
  lateAfterMs: number,
): Promise<AlertRow[]> {
  const inserted = await tx
    .insert(slaAlerts)
    .values(
      fire.map((f) => ({
        level: f.level,
        clockId: c.id,
        clock: c.clock,
        complaintId: owner.complaintId,
        projectId: owner.projectId,
        dueAt: f.moment,
        firedAt: now,
        late: now.getTime() - f.moment.getTime() > lateAfterMs,
        // A major breach goes one level up the org hierarchy: project → city company.
        escalatedTo: f.level === 'ESCALATED' ? toGlobalId('CityCompany', owner.cityCompanyId) : null,
      })),
    )
    .onConflictDoNothing()
    .returning();
  for (const a of inserted) {
    await tx.insert(complaintEvents).values({
      complaintId: owner.complaintId,
      type: 'ALERT_FIRED',
      actorId: null,
      at: now,
      data: { alertId: toGlobalId('SlaAlert', a.id), level: a.level, clock: a.clock, dueAt: a.dueAt?.toISOString(), late: a.late },
    });
    await tx.insert(domainEvents).values(alertFiredEvent(a, { clock: a.clock, complaintId: owner.complaintId, number: owner.number, escalatedTo: a.escalatedTo }));
  }
  return inserted;
}
