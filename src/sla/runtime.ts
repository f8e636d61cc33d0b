import type { CalendarStore } from './store.js';

/** SLA services shared by the requests of one server instance. */
export type SlaRuntime = {
  calendars: CalendarStore;
  /**
   * Tells the scheduler that clocks changed, so it re-plans its next wake-up (this and other
   * instances). `earliest`: the earliest moment to check among the changed clocks, when
   * known; a scheduler already due to wake by then does not re-plan.
   */
  wake(earliest?: Date | null): void;
};
