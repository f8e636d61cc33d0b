import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { complaintEvents, complaints, slaClocks, type SlaClockTarget } from '../db/schema/index.js';
import type { SlaClockKind } from '../domain/enums.js';
import type { BusinessCalendar } from './calendar.js';
import { deadlines, pause, resume, targetMsOf, type ClockRun, type ClockSpec } from './clock.js';
import { parseSlaDuration } from './duration.js';

type ComplaintRow = typeof complaints.$inferSelect;
type ClockRow = typeof slaClocks.$inferSelect;

const specOf = (c: Pick<ClockRow, 'targetMs' | 'workingTime' | 'warnAt'>): ClockSpec => ({
  targetMs: c.targetMs,
  workingTime: c.workingTime,
  warnAt: c.warnAt,
});
const runOf = (c: Pick<ClockRow, 'consumedMs' | 'runningSince'>): ClockRun => ({ consumedMs: c.consumedMs, runningSince: c.runningSince });

/** Deadline columns for a clock in a given run state: due, warning and the next moment to check. */
function schedule(c: Pick<ClockRow, 'targetMs' | 'workingTime' | 'warnAt' | 'warnedAt' | 'breachedAt'>, run: ClockRun, cal: BusinessCalendar) {
  const { dueAt, warnAt } = deadlines(specOf(c), run, cal);
  const pending = [!c.warnedAt ? warnAt : null, !c.breachedAt ? dueAt : null].filter((d): d is Date => d !== null);
  const nextCheckAt = pending.length ? new Date(Math.min(...pending.map((d) => d.getTime()))) : null;
  return { dueAt, warnDueAt: warnAt, nextCheckAt };
}

/**
 * Applies the clock side of a complaint event in the caller's transaction, so a
 * status change and its SLA bookkeeping commit together or not at all.
 */
export class SlaEngine {
  constructor(
    private readonly tx: Tx,
    private readonly cal: BusinessCalendar,
    private readonly actorId: string | null,
  ) {}

  /** Starts (or resumes, when stopped earlier) the given clocks that the complaint's policy defines and that apply to it. */
  async start(complaint: ComplaintRow, kinds: SlaClockKind[], at: Date): Promise<void> {
    for (const kind of kinds) {
      const target = complaint.slaTargets.find((t) => t.clock === kind);
      if (!target || !applies(complaint, kind)) continue;
      const begin = kind === 'REPAIR_VISIT' && complaint.repairAppointmentAt ? complaint.repairAppointmentAt : at;
      const [existing] = await this.tx
        .select()
        .from(slaClocks)
        .where(and(eq(slaClocks.complaintId, complaint.id), eq(slaClocks.clock, kind)));
      if (existing && existing.state !== 'STOPPED') continue;
      const paused = complaint.slaPaused;
      if (existing) {
        const run = paused ? { consumedMs: existing.consumedMs, runningSince: null } : resume(runOf(existing), begin);
        await this.tx
          .update(slaClocks)
          .set({ state: paused ? 'PAUSED' : 'RUNNING', runningSince: run.runningSince, stoppedAt: null, pausedAt: paused ? at : null, ...schedule(existing, run, this.cal) })
          .where(eq(slaClocks.id, existing.id));
        await this.event(complaint.id, 'CLOCK_RESTARTED', at, { clock: kind });
      } else {
        const targetMs = targetMsOf(parseSlaDuration(target.target), target.workingTime, this.cal);
        const run: ClockRun = { consumedMs: 0, runningSince: paused ? null : begin };
        const base = { targetMs, workingTime: target.workingTime, warnAt: target.warnAt, warnedAt: null, breachedAt: null };
        await this.tx.insert(slaClocks).values({
          complaintId: complaint.id,
          clock: kind,
          state: paused ? 'PAUSED' : 'RUNNING',
          target: target.target,
          targetMs,
          workingTime: target.workingTime,
          warnAt: target.warnAt,
          startedAt: begin,
          runningSince: run.runningSince,
          pausedAt: paused ? at : null,
          ...schedule(base, run, this.cal),
        });
        await this.event(complaint.id, 'CLOCK_STARTED', at, { clock: kind, target: target.target, workingTime: target.workingTime });
      }
    }
    await this.refreshNextDue(complaint.id);
  }

  /** Stops the given clocks (their goal happened or the case ended). */
  async stop(complaintId: number, kinds: SlaClockKind[], at: Date): Promise<void> {
    if (!kinds.length) return;
    const running = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaintId), inArray(slaClocks.clock, kinds), inArray(slaClocks.state, ['RUNNING', 'PAUSED'])));
    for (const c of running) {
      const run = c.state === 'RUNNING' ? pause(specOf(c), runOf(c), at, this.cal) : runOf(c);
      await this.tx
        .update(slaClocks)
        .set({ state: 'STOPPED', consumedMs: run.consumedMs, runningSince: null, stoppedAt: at, nextCheckAt: null })
        .where(eq(slaClocks.id, c.id));
      await this.event(complaintId, 'CLOCK_STOPPED', at, { clock: c.clock, breached: c.breachedAt !== null || (c.dueAt !== null && c.dueAt <= at) });
    }
    await this.refreshNextDue(complaintId);
  }

  /** Pauses every running clock (waiting on the customer). */
  async pauseAll(complaintId: number, at: Date): Promise<number> {
    const running = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaintId), eq(slaClocks.state, 'RUNNING')));
    for (const c of running) {
      const run = pause(specOf(c), runOf(c), at, this.cal);
      await this.tx
        .update(slaClocks)
        .set({ state: 'PAUSED', consumedMs: run.consumedMs, runningSince: null, pausedAt: at, dueAt: null, warnDueAt: null, nextCheckAt: null })
        .where(eq(slaClocks.id, c.id));
    }
    await this.refreshNextDue(complaintId);
    return running.length;
  }

  /** Resumes every paused clock; deadlines move by the time spent paused. */
  async resumeAll(complaintId: number, at: Date): Promise<number> {
    const paused = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaintId), eq(slaClocks.state, 'PAUSED')));
    for (const c of paused) {
      const run = resume(runOf(c), at);
      await this.tx
        .update(slaClocks)
        .set({ state: 'RUNNING', runningSince: run.runningSince, pausedAt: null, ...schedule(c, run, this.cal) })
        .where(eq(slaClocks.id, c.id));
    }
    await this.refreshNextDue(complaintId);
    return paused.length;
  }

  private async refreshNextDue(complaintId: number) {
    await this.tx
      .update(complaints)
      .set({
        nextDueAt: sql`(select min(${slaClocks.dueAt}) from ${slaClocks} where ${slaClocks.complaintId} = ${complaintId} and ${slaClocks.state} = 'RUNNING')`,
      })
      .where(eq(complaints.id, complaintId));
  }

  private async event(complaintId: number, type: string, at: Date, data: Record<string, unknown>) {
    await this.tx.insert(complaintEvents).values({ complaintId, type, actorId: this.actorId, at, data });
  }
}

/** Whether a clock of the policy applies to this complaint at all. */
function applies(c: ComplaintRow, kind: SlaClockKind): boolean {
  if (kind === 'ESCALATION_REPORT') return c.severity === 'MAJOR' && !c.escalationReportedAt;
  if (kind === 'REPAIR_VISIT') return c.repairAppointmentAt !== null;
  return true;
}

export type { SlaClockTarget };
