import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../graphql/errors.js';

/** The time budget of the request being served (set by the HTTP layer). */
const budget = new AsyncLocalStorage<{ deadline: number; ms: number }>();

/** Runs `fn` with a time budget: after `ms`, no new SQL statement starts on its behalf. */
export function withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  return budget.run({ deadline: Date.now() + ms, ms }, fn);
}

/**
 * Runs `fn` outside any request's budget. Background work (the SLA scheduler, the event
 * reader) started from inside a request (a mutation waking the scheduler, a notification
 * delivered during a commit) must not inherit that request's deadline: its timers would
 * carry it on, and every later cycle would fail once the request's time was up.
 */
export function detached<T>(fn: () => T): T {
  return budget.exit(fn);
}

/**
 * TIMEOUT when the current request's budget is spent. Called before every statement, so
 * a request that has run out of time stops issuing SQL and its other fields fail fast
 * instead of queueing more work behind it. (A statement already running is bounded by
 * the server's statement timeout.)
 */
export function checkDeadline(): void {
  const b = budget.getStore();
  if (b && Date.now() > b.deadline) {
    throw new AppError('TIMEOUT', `The request ran out of its ${b.ms} ms time budget; ask for less (smaller pages, fewer fields) or split it`);
  }
}
