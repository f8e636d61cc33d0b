import type { Logger } from 'pino';

/**
 * A background task run every `everyMs` (and at once on start with `immediately`) until stopped,
 * never twice at a time: a turn that finds the last run still going is skipped. A failure is
 * logged with `failure` and the task runs again next turn. Nothing runs when `everyMs` is 0.
 */
export class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly opts: { everyMs: number; logger: Logger; failure: string; immediately?: boolean },
  ) {}

  start(): void {
    if (this.opts.everyMs <= 0) return;
    const turn = () => {
      if (this.running) return;
      this.running = this.task()
        .then(() => undefined)
        .catch((err) => this.opts.logger.warn({ err }, this.opts.failure))
        .finally(() => {
          this.running = null;
        });
    };
    if (this.opts.immediately) turn();
    this.timer = setInterval(turn, this.opts.everyMs);
    this.timer.unref();
  }

  /** Stops the turns and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
