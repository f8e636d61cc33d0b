import type { CalendarStore } from './store.js';

/** SLA services shared by the requests of one server instance. */
export type SlaRuntime = {
  calendars: CalendarStore;
  /** Tells the scheduler that clocks changed, so it re-plans its next wake-up (this and other instances). */
  wake(): void;
};
