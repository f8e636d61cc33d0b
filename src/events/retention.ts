import type { Logger } from 'pino';
import { Periodic } from '../periodic.js';
import type { EventLog } from './log.js';

/**
 * Deletes events older than the retention, on start and then periodically. Any number of
 * instances may run it: deletes are idempotent and the sequencer's row serialises the
 * pruning watermark.
 */
export class EventRetention {
  private readonly job: Periodic;

  constructor(
    private readonly log: EventLog,
    private readonly opts: { retentionMs: number; logger: Logger; now: () => Date; everyMs?: number },
  ) {
    const everyMs = opts.everyMs ?? Math.min(3_600_000, Math.max(1_000, Math.floor(opts.retentionMs / 10)));
    this.job = new Periodic(() => this.pruneNow(), { everyMs, logger: opts.logger, failure: 'event retention failed; retrying later', immediately: true });
  }

  start(): void {
    this.job.start();
  }

  /** Prunes now; resolves to the number of events deleted. */
  pruneNow(): Promise<number> {
    return this.log.prune(new Date(this.opts.now().getTime() - this.opts.retentionMs));
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
