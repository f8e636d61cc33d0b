import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNotNull, lte, min } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Db, Tx } from '../db/client.js';
import { slaClocks } from '../db/schema/index.js';
import { fireDueAlerts, loadOwners, type AlertRow } from './alerts.js';
import type { AlertLevel } from '../domain/enums.js';

/**
 * A kind of timed work the scheduler runs on time and exactly once: SLA clocks (built in), and
 * what a domain module registers (planned touchpoints falling overdue, time-based planning).
 */
export type DueSource = {
  /** For logs. */
  name: string;
  /** The earliest moment this source has work at, or null when nothing is pending. */
  next(db: Db, now: Date): Promise<Date | null>;
  /**
   * Takes up to `limit` items due by `now` (locking them with SKIP LOCKED, so instances share the
   * work) and handles them in `tx`; returns how many it took and the alerts it fired.
   */
  batch(tx: Tx, now: Date, limit: number): Promise<{ taken: number; fired: AlertRow[] }>;
};

export type SchedulerOptions = {
  /** The current time (injected so tests control it). */
  now: () => Date;
  logger: Logger;
  /** An alert fired more than this after its moment is marked late. */
  lateAfterMs: number;
  /** Longest sleep between checks, so changes made by other instances are seen even without NOTIFY. */
  pollMaxMs: number;
  /** Clocks handled per transaction. */
  batchSize: number;
  /** Called for each alert fired, with its lateness in ms (metrics). */
  onFired?: (alert: { level: AlertLevel; latenessMs: number }) => void;
  /** Further kinds of timed work, after the SLA clocks. */
  sources?: DueSource[];
};

const WAKE_CHANNEL = 'cx_sla_wakeup';
/** Pause before looking again at due clocks that are locked elsewhere. */
const RECHECK_LOCKED_MS = 100;

/**
 * Fires SLA alerts on time and exactly once. It sleeps until the nearest pending
 * moment (`sla_clocks.next_check_at`, indexed), wakes early when clocks change
 * (in-process, and through LISTEN/NOTIFY from other instances), and fires in
 * transactions that lock due clocks with SKIP LOCKED. The unique index on
 * (clock, level) makes a second firing impossible even across instances and
 * restarts; alerts that fell due while no instance ran fire on start-up, marked late.
 */
export class SlaScheduler {
  private timer: NodeJS.Timeout | null = null;
  /** When the current sleep ends, on the monotonic clock the timer counts (performance.now()). */
  private plannedAt = 0;
  private running: Promise<void> | null = null;
  /** Wake-ups that came while a cycle ran: whether one had no hint, and the earliest hint. */
  private again: { unhinted: boolean; earliest: number } | null = null;
  private lastTickClocks = 0;
  /** The time the last tick looked at: due clocks it could not take were locked elsewhere. */
  private lastTickAt = 0;
  /** Identifies this instance's NOTIFY payloads, so it ignores its own wake-ups. */
  private readonly instanceId = randomUUID();
  private stopped = true;
  private unlisten: (() => Promise<void>) | null = null;
  /** Cumulative statistics (benchmarks and metrics); `clocks` counts every item taken, of every source. */
  readonly stats = { ticks: 0, alerts: 0, clocks: 0 };
  private readonly sources: DueSource[];

  constructor(
    private readonly database: Database,
    private readonly opts: SchedulerOptions,
  ) {
    this.sources = [{ name: 'sla-clocks', next: (db) => this.nextClock(db), batch: (tx, now, limit) => this.batch(tx, now, limit) }, ...(opts.sources ?? [])];
  }

  /** Registers a further kind of timed work (domain modules, at wiring time). */
  addSource(source: DueSource): void {
    this.sources.push(source);
  }

  /** Starts the loop: a catch-up tick now, then sleeps to the next moment. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.database.sql) {
      const sub = await this.database.sql.listen(WAKE_CHANNEL, (payload) => {
        const [origin, moment] = payload.split('|');
        if (origin !== this.instanceId) this.wake(moment ? new Date(Number(moment)) : null);
      });
      this.unlisten = () => sub.unlisten();
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
  }

  /**
   * Re-plans now: runs due work and sleeps until the next pending moment. `earliest`, when
   * known, is the earliest moment to check among the clocks that changed: when the sleep
   * already ends at or before it, the next cycle sees those clocks anyway and nothing is
   * re-planned (no tick).
   */
  wake(earliest?: Date | null): void {
    if (this.stopped) return;
    if (this.running) {
      // Decided when the running cycle has planned its sleep.
      const again = (this.again ??= { unhinted: false, earliest: Infinity });
      if (earliest) again.earliest = Math.min(again.earliest, earliest.getTime());
      else again.unhinted = true;
      return;
    }
    // The sleep's rest is compared with the time until `earliest` on the app's clock, so a clock
    // set apart from real time (tests, a jump of the wall clock) cannot defer the wake-up.
    const rest = this.plannedAt - performance.now();
    if (earliest && this.timer && rest > 0 && rest <= earliest.getTime() - this.opts.now().getTime()) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.cycle().finally(() => {
      this.running = null;
      const again = this.again;
      this.again = null;
      if (again) this.wake(again.unhinted ? null : new Date(again.earliest));
    });
  }

  /**
   * Tells every instance (through NOTIFY on PostgreSQL) that clocks changed, and from when they
   * need checking if known. Not when this scheduler runs and that moment lies further off than
   * its longest sleep: it looks before then anyway (and so does every instance's scheduler, whose
   * sleeps are as long at most, if configured alike). A new complaint's clocks fall due in
   * minutes or hours, so most intakes send no NOTIFY: one statement fewer, and one commit fewer
   * queueing for PostgreSQL's notification lock with the domain events' own. Resolves to whether
   * it notified.
   */
  async notifyOthers(earliest?: Date | null): Promise<boolean> {
    if (!this.database.sql) return false;
    if (!this.stopped && earliest && earliest.getTime() - this.opts.now().getTime() > this.opts.pollMaxMs) return false;
    await this.database.sql.notify(WAKE_CHANNEL, earliest ? `${this.instanceId}|${earliest.getTime()}` : this.instanceId);
    return true;
  }

  private async cycle(): Promise<void> {
    try {
      await this.tick();
      if (this.stopped) return;
      const now = this.opts.now();
      const moments = await Promise.all(this.sources.map((s) => s.next(this.database.db, now)));
      const pending = moments.filter((m): m is Date => m !== null).map((m) => m.getTime());
      const next = pending.length ? Math.min(...pending) : null;
      let delay = next === null ? this.opts.pollMaxMs : Math.min(Math.max(next - this.opts.now().getTime(), 0), this.opts.pollMaxMs);
      // Clocks that were already due when the last tick looked, yet it took none, are locked
      // by another instance or a mutation: look again shortly instead of spinning. (A clock
      // that fell due just after the tick looked — timers may fire a millisecond early — is
      // taken right away.)
      if (next !== null && next <= this.lastTickAt && this.lastTickClocks === 0) delay = RECHECK_LOCKED_MS;
      this.plannedAt = performance.now() + delay;
      this.timer = setTimeout(() => this.wake(), delay);
      this.timer.unref?.();
    } catch (err) {
      this.opts.logger.error({ err }, 'SLA scheduler cycle failed; retrying');
      if (!this.stopped) {
        this.plannedAt = performance.now() + 1000;
        this.timer = setTimeout(() => this.wake(), 1000);
        this.timer.unref?.();
      }
    }
  }

  /** Runs all work due by now, of every source; returns how many alerts fired. Safe to run concurrently on many instances. */
  async tick(): Promise<number> {
    this.stats.ticks++;
    let fired = 0;
    let taken = 0;
    const startedAt = this.opts.now().getTime();
    for (const source of this.sources) {
      for (;;) {
        const now = this.opts.now();
        const { taken: n, fired: batch } = await this.database.db.transaction((tx) => source.batch(tx, now, this.opts.batchSize));
        // Reported after commit, so an aborted batch counts nothing.
        for (const a of batch) this.opts.onFired?.({ level: a.level, latenessMs: now.getTime() - (a.dueAt?.getTime() ?? now.getTime()) });
        fired += batch.length;
        taken += n;
        this.stats.clocks += n;
        if (n < this.opts.batchSize) break;
      }
    }
    this.lastTickAt = startedAt;
    this.lastTickClocks = taken;
    this.stats.alerts += fired;
    return fired;
  }

  /** The earliest pending moment of the SLA clocks. */
  private async nextClock(db: Db): Promise<Date | null> {
    const [row] = await db
      .select({ next: min(slaClocks.nextCheckAt) })
      .from(slaClocks)
      .where(and(eq(slaClocks.state, 'RUNNING'), isNotNull(slaClocks.nextCheckAt)));
    return row?.next ? new Date(row.next) : null;
  }

  private async batch(tx: Tx, now: Date, limit: number): Promise<{ taken: number; fired: AlertRow[] }> {
    // Lock and limit the due clocks first (index on next_check_at), then fetch their owners:
    // joining before the LIMIT made the planner join every due clock after a long downtime.
    const clocks = await tx
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.state, 'RUNNING'), isNotNull(slaClocks.nextCheckAt), lte(slaClocks.nextCheckAt, now)))
      .orderBy(asc(slaClocks.nextCheckAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (!clocks.length) return { taken: 0, fired: [] };
    const owners = await loadOwners(tx, clocks.map((c) => c.complaintId));
    const fired: AlertRow[] = [];
    for (const clock of clocks) {
      const { fired: inserted, stamps } = await fireDueAlerts(tx, clock, owners.get(clock.complaintId)!, now, this.opts.lateAfterMs);
      fired.push(...inserted);
      await tx.update(slaClocks).set(stamps).where(eq(slaClocks.id, clock.id));
    }
    return { taken: clocks.length, fired };
  }
}

