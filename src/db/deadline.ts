import { AppError } from '../graphql/errors.js';

/**
 * The time budget of one request: after `ms`, no new SQL statement starts on its behalf.
 *
 * It travels with the request's database handle (`Database.forRequest` in src/db/client.ts),
 * which calls {@link RequestBudget.check} before each statement, in transactions too. It used
 * to travel in an `AsyncLocalStorage`, which on Node 20 hooks every promise the process makes:
 * without it a complaint-desk read takes 10 % less server CPU (BENCHMARKS.md, "Reads,
 * 2026-12-01 evening"). Work that outlives a request (the scheduler it wakes, the event
 * sequencer) runs on the instance's own handle, never the request's, so it never inherits a
 * spent budget.
 */
export class RequestBudget {
  readonly deadline: number;

  /** `now`: the start, on `performance.now()`'s clock (monotonic: a step of the wall clock moves no budget). */
  constructor(
    readonly ms: number,
    now = performance.now(),
  ) {
    this.deadline = now + ms;
  }

  /**
   * TIMEOUT when the budget is spent. Called before every statement of the request, so a
   * request that has run out of time stops issuing SQL and its other fields fail fast instead
   * of queueing more work behind it. (A statement already running is bounded by the server's
   * statement timeout.)
   */
  check(): void {
    if (performance.now() > this.deadline) {
      throw new AppError('TIMEOUT', `The request ran out of its ${this.ms} ms time budget; ask for less (smaller pages, fewer fields) or split it`);
    }
  }
}
