import { businessCalendarDays, businessCalendarYears } from '../db/schema/index.js';
import type { DbOrTx } from '../db/client.js';
import { BusinessCalendar, type CalendarData, type WorkingHours } from './calendar.js';

/** Calendar settings from the configuration. */
export type CalendarSettings = { timeZone: string; hours: WorkingHours };

/**
 * The business calendar, loaded from the database and cached per process; edits
 * through the API call `invalidate()`, other instances reload after `ttlMs`.
 */
export class CalendarStore {
  private cached: { at: number; calendar: Promise<BusinessCalendar> } | null = null;

  constructor(
    private readonly settings: CalendarSettings,
    private readonly ttlMs = 60_000,
  ) {}

  get(db: DbOrTx): Promise<BusinessCalendar> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const calendar = load(db, this.settings);
      this.cached = { at: now, calendar };
      calendar.catch(() => (this.cached = null));
    }
    return this.cached.calendar;
  }

  invalidate(): void {
    this.cached = null;
  }
}

async function load(db: DbOrTx, settings: CalendarSettings): Promise<BusinessCalendar> {
  const [days, years] = await Promise.all([db.select().from(businessCalendarDays), db.select().from(businessCalendarYears)]);
  const data: CalendarData = { holidays: new Map(), workdays: new Set(), years: new Set(years.map((y) => y.year)) };
  for (const d of days) {
    if (d.kind === 'HOLIDAY') data.holidays.set(d.day, d.name ?? '');
    else data.workdays.add(d.day);
  }
  return new BusinessCalendar(data, settings);
}
