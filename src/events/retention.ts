import type { Logger } from 'pino';
import type { EventLog } from './log.js';

/**
 * Deletes events older than the retention, on start and then periodically. Any number of
 * instances may run it: deletes are idempotent and the sequencer's row serialises the
 * pruning watermark.
 */
export class EventRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly opts: { retentionMs: number; logger: Logger; now: () => Date; everyMs?: number },
  ) {}

  start(): void {
    const every = this.opts.everyMs ?? Math.min(3_600_000, Math.max(1_000, Math.floor(this.opts.retentionMs / 10)));
    const run = () => {
      this.running = this.pruneNow()
        .then(() => undefined)
        .catch((err) => this.opts.logger.warn({ err }, 'event retention failed; retrying later'));
    };
    run();
    this.timer = setInterval(run, every);
    this.timer.unref();
  }

  /** Prunes now; resolves to the number of events deleted. */
  pruneNow(): Promise<number> {
    return this.log.prune(new Date(this.opts.now().getTime() - this.opts.retentionMs));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
