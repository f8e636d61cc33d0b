import { and, desc, eq, getTableName, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.js';
import type { RowInsert } from '../db/idempotency.js';
import { runShaped, Slots } from '../db/shaped.js';
import { complaintEvents, complaints, slaClocks } from '../db/schema/index.js';
import type { SlaClockKind } from '../domain/enums.js';
import { fireDueAlerts, insertAlerts, loadOwners, nextCheckOf, type ClockOwner } from './alerts.js';
import type { BusinessCalendar } from './calendar.js';
import { deadlines, pause, resume, targetMsOf, type ClockRun, type ClockSpec } from './clock.js';
import { parseSlaDuration } from './duration.js';

type ComplaintRow = typeof complaints.$inferSelect;
/** What starting clocks reads of a complaint: a row, or the draft of one the engine is about to insert. */
export type ClockSubject = Pick<ComplaintRow, 'id' | 'severity' | 'escalationReportedAt' | 'repairAppointmentAt' | 'slaTargets' | 'slaPaused'>;
type ClockRow = typeof slaClocks.$inferSelect;
/** A timeline entry of the complaint the engine works on. */
export type TimelineEntry = typeof complaintEvents.$inferInsert;

/** Clocks that continue where they stopped when started again; the others open a new window (cycle). */
const CONTINUING: SlaClockKind[] = ['RESOLUTION'];
const DEFAULT_LATE_AFTER_MS = 5_000;

const specOf = (c: Pick<ClockRow, 'targetMs' | 'workingTime' | 'warnAt'>): ClockSpec => ({
  targetMs: c.targetMs,
  workingTime: c.workingTime,
  warnAt: c.warnAt,
});
const runOf = (c: Pick<ClockRow, 'consumedMs' | 'runningSince'>): ClockRun => ({ consumedMs: c.consumedMs, runningSince: c.runningSince });

/** Deadline columns for a clock in a given run state: due, warning and the next moment to check. */
function schedule(c: Pick<ClockRow, 'targetMs' | 'workingTime' | 'warnAt' | 'warnedAt' | 'breachedAt'>, run: ClockRun, cal: BusinessCalendar) {
  const { dueAt, warnAt } = deadlines(specOf(c), run, cal);
  return { dueAt, warnDueAt: warnAt, nextCheckAt: nextCheckOf({ warnedAt: c.warnedAt, breachedAt: c.breachedAt, warnDueAt: warnAt, dueAt }) };
}

/**
 * Applies the clock side of a complaint event in the caller's transaction, so a
 * status change and its SLA bookkeeping commit together or not at all. Callers lock
 * the complaint row first (FOR NO KEY UPDATE), then the engine touches its clocks:
 * one lock order everywhere, compatible with the scheduler's FK checks. An intake is the
 * exception: its engine works on the database, and writes everything in one statement
 * ({@link SlaEngine.insert}), which commits whole.
 */
export class SlaEngine<H extends DbOrTx = Tx> {
  private owner: ClockOwner | null = null;
  /** Timeline entries not written yet: one INSERT for all of them, before anything else writes to the timeline. */
  private pending: TimelineEntry[] = [];
  /** New clock cycles not written yet: written by `finish()`'s statement, or before the engine next reads clocks. */
  private pendingClocks: (typeof slaClocks.$inferInsert)[] = [];
  /** The earliest moment to check among the clock cycles this engine created (new rows), for the scheduler's wake-up. */
  earliestCheck: Date | null = null;

  constructor(
    /**
     * The transaction of a step; for an intake, which writes with one statement, the database.
     * Stopping, pausing and escalating fire alerts over several statements: they need a transaction.
     */
    private readonly tx: H,
    private readonly cal: BusinessCalendar,
    private readonly actorId: string | null,
    private readonly opts: { lateAfterMs?: number } = {},
  ) {}

  /**
   * Starts the given clocks that the complaint's policy defines and that apply to it.
   * A clock already running is left alone; a stopped RESOLUTION clock continues; any
   * other stopped clock opens a new window (a new return visit, a new appointment).
   * `fresh`: the complaint is the one {@link insert} is about to write, so it has no clocks
   * yet and nothing is read; only then may the engine work outside a transaction.
   */
  async start(this: SlaEngine<Tx>, complaint: ClockSubject, kinds: SlaClockKind[], at: Date, opts?: { fresh?: boolean }): Promise<void>;
  async start(complaint: ClockSubject, kinds: SlaClockKind[], at: Date, opts: { fresh: true }): Promise<void>;
  async start(complaint: ClockSubject, kinds: SlaClockKind[], at: Date, opts: { fresh?: boolean } = {}): Promise<void> {
    const wanted = [...new Set(kinds)].filter((kind) => applies(complaint, kind) && complaint.slaTargets.some((t) => t.clock === kind));
    if (!wanted.length) return;
    // The latest cycle of each wanted clock, in one statement; a complaint not written yet
    // (`fresh`) has none.
    const latestOf = new Map<SlaClockKind, ClockRow>();
    if (!opts.fresh) {
      await this.writeClocks();
      const rows = await this.tx
        .selectDistinctOn([slaClocks.clock])
        .from(slaClocks)
        .where(and(eq(slaClocks.complaintId, complaint.id), inArray(slaClocks.clock, wanted)))
        .orderBy(slaClocks.clock, desc(slaClocks.cycle));
      for (const r of rows) latestOf.set(r.clock, r);
    }
    const created: (typeof slaClocks.$inferInsert)[] = [];
    for (const kind of wanted) {
      const target = complaint.slaTargets.find((t) => t.clock === kind)!;
      const begin = kind === 'REPAIR_VISIT' && complaint.repairAppointmentAt && complaint.repairAppointmentAt > at ? complaint.repairAppointmentAt : at;
      const latest = latestOf.get(kind);
      if (latest && latest.state !== 'STOPPED') continue;
      const paused = complaint.slaPaused;
      if (latest && CONTINUING.includes(kind)) {
        const run = paused ? { consumedMs: latest.consumedMs, runningSince: null } : resume(runOf(latest), begin);
        await this.tx
          .update(slaClocks)
          .set({
            state: paused ? 'PAUSED' : 'RUNNING',
            runningSince: run.runningSince,
            stoppedAt: null,
            pausedAt: paused ? at : null,
            ...(paused ? { dueAt: null, warnDueAt: null, nextCheckAt: null } : schedule(latest, run, this.cal)),
          })
          .where(eq(slaClocks.id, latest.id));
        this.event(complaint.id, 'CLOCK_RESTARTED', at, { clock: kind, cycle: latest.cycle });
        continue;
      }
      const targetMs = targetMsOf(parseSlaDuration(target.target), target.workingTime, this.cal);
      const run: ClockRun = { consumedMs: 0, runningSince: paused ? null : begin };
      const base = { targetMs, workingTime: target.workingTime, warnAt: target.warnAt, warnedAt: null, breachedAt: null };
      const cycle = latest ? latest.cycle + 1 : 0;
      created.push({
        complaintId: complaint.id,
        clock: kind,
        cycle,
        state: paused ? 'PAUSED' : 'RUNNING',
        target: target.target,
        targetMs,
        workingTime: target.workingTime,
        warnAt: target.warnAt,
        startedAt: begin,
        runningSince: run.runningSince,
        pausedAt: paused ? at : null,
        ...(paused ? { dueAt: null, warnDueAt: null, nextCheckAt: null } : schedule(base, run, this.cal)),
      });
      this.event(complaint.id, 'CLOCK_STARTED', at, { clock: kind, cycle, target: target.target, workingTime: target.workingTime });
    }
    for (const c of created) if (c.nextCheckAt && (!this.earliestCheck || c.nextCheckAt < this.earliestCheck)) this.earliestCheck = c.nextCheckAt;
    this.pendingClocks.push(...created);
  }

  /**
   * Adds an entry to the complaint's timeline. Entries are written together, in the order
   * they were added, before the engine fires an alert (whose entry must follow them) and in
   * `finish()`.
   */
  record(entry: TimelineEntry): void {
    this.pending.push(entry);
  }

  /** Stops the given clocks (their goal happened or the case ended), first firing alerts already due. */
  async stop(this: SlaEngine<Tx>, complaintId: number, kinds: SlaClockKind[], at: Date): Promise<void> {
    if (!kinds.length) return;
    await this.writeClocks();
    const open = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaintId), inArray(slaClocks.clock, kinds), inArray(slaClocks.state, ['RUNNING', 'PAUSED'])))
      .for('update');
    for (const c of open) {
      const stamps = c.state === 'RUNNING' ? await this.settle(c, at) : {};
      const run = c.state === 'RUNNING' ? pause(specOf(c), runOf(c), at, this.cal) : runOf(c);
      await this.tx
        .update(slaClocks)
        .set({ ...stamps, state: 'STOPPED', consumedMs: run.consumedMs, runningSince: null, stoppedAt: at, nextCheckAt: null })
        .where(eq(slaClocks.id, c.id));
      this.event(complaintId, 'CLOCK_STOPPED', at, { clock: c.clock, cycle: c.cycle, breached: run.consumedMs >= c.targetMs });
    }
  }

  /** Pauses every running clock (waiting on the customer), first firing alerts already due. */
  async pauseAll(this: SlaEngine<Tx>, complaintId: number, at: Date): Promise<number> {
    await this.writeClocks();
    const running = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaintId), eq(slaClocks.state, 'RUNNING')))
      .for('update');
    for (const c of running) {
      const stamps = await this.settle(c, at);
      const run = pause(specOf(c), runOf(c), at, this.cal);
      await this.tx
        .update(slaClocks)
        .set({ ...stamps, state: 'PAUSED', consumedMs: run.consumedMs, runningSince: null, pausedAt: at, dueAt: null, warnDueAt: null, nextCheckAt: null })
        .where(eq(slaClocks.id, c.id));
    }
    return running.length;
  }

  /** Resumes every paused clock; deadlines move by the time spent paused. A repair visit never resumes before its appointment. */
  async resumeAll(this: SlaEngine<Tx>, complaint: ComplaintRow, at: Date): Promise<number> {
    await this.writeClocks();
    const paused = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaint.id), eq(slaClocks.state, 'PAUSED')))
      .for('update');
    for (const c of paused) {
      const from = c.clock === 'REPAIR_VISIT' && complaint.repairAppointmentAt && complaint.repairAppointmentAt > at ? complaint.repairAppointmentAt : at;
      const run = resume(runOf(c), from);
      await this.tx
        .update(slaClocks)
        .set({ state: 'RUNNING', runningSince: run.runningSince, pausedAt: null, ...schedule(c, run, this.cal) })
        .where(eq(slaClocks.id, c.id));
    }
    return paused.length;
  }

  /** On an upgrade to MAJOR: clocks already breached and still open escalate now. */
  async escalateBreached(this: SlaEngine<Tx>, complaint: ComplaintRow, at: Date): Promise<void> {
    await this.writeClocks();
    const breached = await this.tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, complaint.id), inArray(slaClocks.state, ['RUNNING', 'PAUSED'])));
    for (const c of breached) {
      if (!c.breachedAt) continue;
      await this.flush();
      await insertAlerts(this.tx, c, await this.ownerOf(c.complaintId), [{ level: 'ESCALATED', moment: at }], at, this.lateAfterMs);
    }
  }

  private get lateAfterMs() {
    return this.opts.lateAfterMs ?? DEFAULT_LATE_AFTER_MS;
  }

  /** Fires what is due on a running clock before it stops or pauses, so no alert is lost. */
  private async settle(this: SlaEngine<Tx>, c: ClockRow, at: Date) {
    const dueNow = (!c.warnedAt && c.warnDueAt && c.warnDueAt <= at) || (!c.breachedAt && c.dueAt && c.dueAt <= at);
    if (!dueNow) return {};
    await this.flush();
    const { stamps } = await fireDueAlerts(this.tx, c, await this.ownerOf(c.complaintId), at, this.lateAfterMs);
    return { warnedAt: stamps.warnedAt, breachedAt: stamps.breachedAt };
  }

  /**
   * The alert owner as the database has it. A step's own column changes are written only by
   * `finish()`, so an alert fired before then sees the severity from before the step: no step
   * today both changes severity and stops or pauses clocks (escalate starts one).
   */
  private async ownerOf(this: SlaEngine<Tx>, complaintId: number): Promise<ClockOwner> {
    if (this.owner?.complaintId !== complaintId) this.owner = (await loadOwners(this.tx, [complaintId])).get(complaintId)!;
    return this.owner;
  }

  /**
   * Ends a batch of clock changes with one statement: it writes the pending clock cycles and
   * timeline entries, and the caller's `also` rows (a domain event, an audit entry), as CTEs,
   * and an UPDATE sets the complaint's `next_due_at` (earliest running deadline) together with
   * any other columns of `set`, returning the row. Call it once after the clock operations of a
   * mutation. A value of `set` may be SQL (the statement is then built anew each time).
   */
  async finish(this: SlaEngine<Tx>, complaintId: number, set: Partial<Record<keyof ComplaintRow, unknown>> = {}, also: AlsoInsert[] = []): Promise<ComplaintRow> {
    // Written with placeholders: the statement's SQL text is built once per shape.
    const slots = new Slots();
    const pending = this.takePending(slots, also);
    const setRow = slots.row('set', set as Record<string, unknown>);
    // The statement's subquery does not see the clocks its own CTE inserts: their earliest
    // running deadline is added here (least() skips nulls).
    const due = pending.earliestDue ? slots.put('due', pending.earliestDue.toISOString()) : null;
    const id = slots.put('id', complaintId);
    slots.note(due ? 'due' : 'no-due');
    const [row] = await runShaped(this.tx, 'finish', slots, () => {
      const ctes = pending.ctes();
      const existingDue = sql`(select min(${slaClocks.dueAt}) from ${slaClocks} where ${slaClocks.complaintId} = ${id} and ${slaClocks.state} = 'RUNNING')`;
      return this.tx
        .with(...ctes)
        .update(complaints)
        .set({ ...(setRow as Partial<ComplaintRow>), nextDueAt: due ? sql`least(${existingDue}, ${due}::timestamptz)` : existingDue })
        .where(eq(complaints.id, id))
        .returning();
    });
    return row!;
  }

  /**
   * Writes a new complaint with one statement, outside any transaction (one statement commits
   * whole or not at all): the complaint `row`, whose `id` the caller took from its sequence,
   * with its `next_due_at` (the earliest deadline of its new running clocks), and, as CTEs, the
   * pending clock cycles, timeline entries and the caller's `also` rows. The clocks refer to
   * the complaint through its CTE, so it is inserted first: the complaint's fact row, which
   * their trigger updates, exists by then. Call it instead of {@link finish}, after
   * {@link start} with `fresh`. Returns the row as inserted.
   */
  async insert(row: typeof complaints.$inferInsert & { id: number }, also: AlsoInsert[] = []): Promise<ComplaintRow> {
    const slots = new Slots();
    const NEW = 'new_complaint';
    const pending = this.takePending(slots, also, slots.ref(NEW, 'id'));
    const complaintRow = slots.row('c', { ...row, nextDueAt: pending.earliestDue });
    const [inserted] = await runShaped(this.tx, 'insertComplaint', slots, () => {
      const created = this.tx.$with(NEW).as(this.tx.insert(complaints).overridingSystemValue().values(complaintRow).returning());
      return this.tx.with(created, ...pending.ctes()).select().from(created);
    });
    return inserted as ComplaintRow;
  }

  /**
   * Takes the pending clock cycles and timeline entries, with the caller's `also` rows, into
   * `slots` for the closing statement of {@link finish} or {@link insert}: `ctes()` builds their
   * INSERTs as CTEs, and `earliestDue` is the earliest deadline among the new running clocks.
   * `complaint`, when given, is what the clocks' complaint id is written as (a reference to a
   * row the same statement inserts).
   */
  private takePending(slots: Slots, also: AlsoInsert[], complaint?: SQL) {
    const clocks = this.pendingClocks;
    const entries = this.pending;
    this.pendingClocks = [];
    this.pending = [];
    const earliestDue = clocks.reduce<Date | null>((m, c) => (c.state === 'RUNNING' && c.dueAt && (!m || c.dueAt < m) ? c.dueAt : m), null);
    const clockRows = clocks.map((c, i) => slots.row(`k${i}`, complaint ? { ...c, complaintId: complaint as unknown as number } : c));
    const entryRows = entries.map((e, i) => slots.row(`e${i}`, e));
    const alsoRows = also.map((a) => ({ ...a, row: slots.row(`${a.name}:${getTableName(a.table)}`, a.row) }));
    const ctes = () => [
      ...(clockRows.length ? [this.tx.$with('new_clocks').as(this.tx.insert(slaClocks).values(clockRows))] : []),
      ...(entryRows.length ? [this.tx.$with('new_events').as(this.tx.insert(complaintEvents).values(entryRows))] : []),
      ...alsoRows.map((a) => this.tx.$with(a.name).as(this.tx.insert(a.table).values(a.row))),
    ];
    return { earliestDue, ctes };
  }

  private event(complaintId: number, type: string, at: Date, data: Record<string, unknown>) {
    this.record({ complaintId, type, actorId: this.actorId, at, data });
  }

  /** Writes the pending clock cycles and timeline entries now (`finish()` does it too). */
  async flush(this: SlaEngine<Tx>): Promise<void> {
    await this.writeClocks();
    if (!this.pending.length) return;
    const entries = this.pending;
    this.pending = [];
    await this.tx.insert(complaintEvents).values(entries);
  }

  private async writeClocks(): Promise<void> {
    if (!this.pendingClocks.length) return;
    const clocks = this.pendingClocks;
    this.pendingClocks = [];
    await this.tx.insert(slaClocks).values(clocks);
  }
}

/** A row the closing statement of {@link SlaEngine.finish} or {@link SlaEngine.insert} inserts too, as the CTE `name`. */
export type AlsoInsert = RowInsert;

/** Whether a clock of the policy applies to this complaint at all. */
function applies(c: ClockSubject, kind: SlaClockKind): boolean {
  if (kind === 'ESCALATION_REPORT') return c.severity === 'MAJOR' && !c.escalationReportedAt;
  if (kind === 'REPAIR_VISIT') return c.repairAppointmentAt !== null;
  return true;
}
