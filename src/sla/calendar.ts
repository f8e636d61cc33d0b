/**
 * A business calendar for working-time SLA clocks: working hours on working days in one
 * IANA time zone, with public holidays (放假) and make-up working days (调休上班) as data.
 * Pure: no I/O, no clock; every instant is passed in.
 */

export type CalendarData = {
  /** Local dates 'YYYY-MM-DD' that are public holidays (放假), with their names. */
  holidays: Map<string, string>;
  /** Local dates that are make-up working days (调休上班), even on a weekend. */
  workdays: Set<string>;
  /** Years whose published schedule is loaded; other years count weekends only. */
  years: Set<number>;
};

/** 'HH:MM' 24 h local wall-clock times, start < end (end at most 23:59). */
export type WorkingHours = { start: string; end: string };

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A walk longer than this many local days means the calendar has (almost) no working time. */
const MAX_WALK_DAYS = 366 * 20;
/** Per-date cache bound; cleared when exceeded (a long-running process touches few dates). */
const MAX_CACHED_DAYS = 20_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** [y, m, d] of a valid 'YYYY-MM-DD', or null. */
function parseDate(s: unknown): [number, number, number] | null {
  if (typeof s !== 'string') return null;
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = new Date(Date.UTC(2000, mo - 1, d));
  t.setUTCFullYear(y);
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return [y, mo, d];
}

/** UTC midnight of a date as a day number (ms), for date arithmetic only. */
function dayNumber(date: string): number {
  const p = parseDate(date);
  if (!p) throw new RangeError(`Not a date 'YYYY-MM-DD': ${JSON.stringify(date)}`);
  const t = new Date(0);
  t.setUTCFullYear(p[0], p[1] - 1, p[2]);
  return t.getTime();
}

function dateOfDayNumber(t: number): string {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  return `${String(y).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

const nextDate = (date: string): string => dateOfDayNumber(dayNumber(date) + DAY);

function parseHm(s: unknown, what: string): number {
  const m = typeof s === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s) : null;
  if (!m) throw new RangeError(`Working hours ${what} must be 'HH:MM' (00:00–23:59), got ${JSON.stringify(s)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function instantMs(at: Date, what: string): number {
  const t = at instanceof Date ? at.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`${what}: not a valid Date`);
  return t;
}

/** One local day's working period as instants [start, end), or null on a non-working day. */
type Period = { start: number; end: number } | null;

export class BusinessCalendar {
  readonly timeZone: string;
  /** Working milliseconds in one working day (9 h by default). */
  readonly dayMs: number;
  /** Working hours as given (default 09:00–18:00). */
  readonly hours: WorkingHours;

  private readonly data: CalendarData;
  private readonly startMin: number;
  private readonly endMin: number;
  private readonly fmt: Intl.DateTimeFormat;
  private readonly periods = new Map<string, Period>();

  /**
   * Throws RangeError for an unknown time zone or malformed working hours. The data is
   * used as given (not copied): do not mutate it afterwards.
   */
  constructor(data: CalendarData, opts: { timeZone?: string; hours?: WorkingHours } = {}) {
    this.data = data;
    this.hours = opts.hours ?? { start: '09:00', end: '18:00' };
    this.startMin = parseHm(this.hours.start, 'start');
    this.endMin = parseHm(this.hours.end, 'end');
    if (this.startMin >= this.endMin) {
      throw new RangeError(`Working hours start ${this.hours.start} must be before end ${this.hours.end}`);
    }
    this.dayMs = (this.endMin - this.startMin) * MINUTE;
    const timeZone = opts.timeZone ?? 'Asia/Shanghai';
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)}`);
    }
    this.timeZone = this.fmt.resolvedOptions().timeZone;
  }

  /** Local calendar date of an instant in the calendar's zone. */
  localDate(at: Date): string {
    const [y, m, d] = this.wall(instantMs(at, 'localDate'));
    return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }

  /** Whether a local date is a working day: make-up workday > holiday > weekend (Sat/Sun) > weekday. Throws RangeError on a malformed date. */
  isWorkingDay(localDate: string): boolean {
    const weekday = new Date(dayNumber(localDate)).getUTCDay();
    if (this.data.workdays.has(localDate)) return true;
    if (this.data.holidays.has(localDate)) return false;
    return weekday !== 0 && weekday !== 6;
  }

  /** Name of the public holiday on a local date, or null. */
  holidayName(localDate: string): string | null {
    return this.data.holidays.get(localDate) ?? null;
  }

  hasYear(year: number): boolean {
    return this.data.years.has(year);
  }

  /**
   * The instant `ms` of working time after `from` (`ms` is rounded to whole milliseconds;
   * negative or non-finite throws RangeError).
   *
   * Working periods are half-open, [start, end) of each working day. For ms > 0 the
   * result is the earliest instant r with workingBetween(from, r) === ms, so it is inside
   * a working period or exactly at its end (Friday 17:00 + 9 h = Monday 17:00, Friday
   * 09:00 + 9 h = Friday 18:00, not Monday 09:00).
   * For ms = 0 the result is the first working instant at or after `from` — the moment a
   * clock started at `from` actually begins to run: `from` itself inside working hours,
   * else the next start of working hours (18:00 exactly → next working day 09:00).
   * Steps by whole local days: O(days spanned).
   */
  addWorking(from: Date, ms: number): Date {
    const t0 = instantMs(from, 'addWorking from');
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`addWorking: ms must be a finite number ≥ 0, got ${ms}`);
    let left = Math.round(ms);
    let cursor = t0;
    let date = this.localDate(from);
    for (let i = 0; i < MAX_WALK_DAYS; i++, date = nextDate(date)) {
      const p = this.period(date);
      if (!p) continue;
      const s = Math.max(cursor, p.start);
      if (s >= p.end) continue;
      if (left === 0) return new Date(s);
      const avail = p.end - s;
      if (left <= avail) return new Date(s + left);
      left -= avail;
      cursor = p.end;
    }
    throw new RangeError(`addWorking: no working time found within ${MAX_WALK_DAYS} days of ${from.toISOString()}`);
  }

  /** Working milliseconds in [a, b); 0 when b <= a. O(days spanned). */
  workingBetween(a: Date, b: Date): number {
    const ta = instantMs(a, 'workingBetween a');
    const tb = instantMs(b, 'workingBetween b');
    if (tb <= ta) return 0;
    const last = dayNumber(this.localDate(b));
    let total = 0;
    let cursor = ta;
    for (let date = this.localDate(a); dayNumber(date) <= last; date = nextDate(date)) {
      const p = this.period(date);
      if (!p) continue;
      const s = Math.max(cursor, p.start);
      const e = Math.min(tb, p.end);
      if (e > s) {
        total += e - s;
        cursor = e;
      }
    }
    return total;
  }

  /** Working period of a local date (cached). */
  private period(date: string): Period {
    const hit = this.periods.get(date);
    if (hit !== undefined) return hit;
    let p: Period = null;
    if (this.isWorkingDay(date)) {
      const midnight = dayNumber(date);
      const start = this.instantOfWall(midnight + this.startMin * MINUTE);
      const end = this.instantOfWall(midnight + this.endMin * MINUTE);
      if (end > start) p = { start, end };
    }
    if (this.periods.size >= MAX_CACHED_DAYS) this.periods.clear();
    this.periods.set(date, p);
    return p;
  }

  /** [year, month, day, hour, minute, second] of the local wall clock at instant t. */
  private wall(t: number): [number, number, number, number, number, number] {
    const out = [0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number];
    for (const part of this.fmt.formatToParts(new Date(t))) {
      const i = ['year', 'month', 'day', 'hour', 'minute', 'second'].indexOf(part.type);
      if (i !== -1) out[i] = Number(part.value);
    }
    return out;
  }

  /** Zone offset (local − UTC, ms) in effect at instant t. */
  private offsetAt(t: number): number {
    const [y, mo, d, h, mi, s] = this.wall(t);
    const asUtc = new Date(0);
    asUtc.setUTCFullYear(y, mo - 1, d);
    asUtc.setUTCHours(h, mi, s, 0);
    return asUtc.getTime() - (t - (((t % 1000) + 1000) % 1000));
  }

  /**
   * The instant of a local wall-clock time (given as if it were UTC ms), disambiguated like
   * Temporal's 'compatible': in a repeated hour (DST ends) the earlier instant; in a
   * skipped hour (DST starts) the wall time moved forward by the gap (02:30 → 03:30).
   */
  private instantOfWall(wall: number): number {
    const before = this.offsetAt(wall - DAY);
    const after = this.offsetAt(wall + DAY);
    if (before === after) return wall - before;
    const candidates = [wall - before, wall - after].filter((t, i) => this.offsetAt(t) === (i === 0 ? before : after));
    if (candidates.length > 0) return Math.min(...candidates);
    return wall - before;
  }
}

/**
 * Builds CalendarData from the JSON shape of cn-holiday-calendar.json:
 * `{ years: { "2025": { holidays: [{ name, from, to }], workdays: ["YYYY-MM-DD", ...] } } }`
 * (other top-level keys are ignored). A year's schedule may list dates of an adjacent
 * year (a New Year holiday starting 30 December). Throws TypeError on a wrong shape and
 * RangeError on bad values: invalid dates, from > to, a holiday longer than 31 days,
 * overlapping holidays, a date that is both a holiday and a make-up workday.
 */
export function calendarFromJson(json: unknown): CalendarData {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(json) || !isObject(json.years)) throw new TypeError('Holiday calendar: expected an object with a "years" object');
  const data: CalendarData = { holidays: new Map(), workdays: new Set(), years: new Set() };
  for (const [key, schedule] of Object.entries(json.years)) {
    const where = `Holiday calendar year ${JSON.stringify(key)}`;
    if (!/^\d{4}$/.test(key)) throw new RangeError(`${where}: year keys must be four digits`);
    if (!isObject(schedule) || !Array.isArray(schedule.holidays) || !Array.isArray(schedule.workdays)) {
      throw new TypeError(`${where}: expected { holidays: [...], workdays: [...] }`);
    }
    data.years.add(Number(key));
    for (const h of schedule.holidays as unknown[]) {
      if (!isObject(h) || typeof h.name !== 'string' || h.name.trim() === '') {
        throw new TypeError(`${where}: each holiday needs a non-empty "name", "from" and "to"`);
      }
      if (!parseDate(h.from) || !parseDate(h.to)) {
        throw new RangeError(`${where}: holiday ${JSON.stringify(h.name)} has an invalid date (from ${JSON.stringify(h.from)}, to ${JSON.stringify(h.to)})`);
      }
      const from = dayNumber(h.from as string);
      const to = dayNumber(h.to as string);
      if (to < from) throw new RangeError(`${where}: holiday ${JSON.stringify(h.name)} ends before it starts`);
      if (to - from > 30 * DAY) throw new RangeError(`${where}: holiday ${JSON.stringify(h.name)} is longer than 31 days`);
      for (let t = from; t <= to; t += DAY) {
        const date = dateOfDayNumber(t);
        const other = data.holidays.get(date);
        if (other !== undefined) throw new RangeError(`${where}: ${date} is in two holidays (${other}, ${h.name})`);
        data.holidays.set(date, h.name);
      }
    }
    for (const w of schedule.workdays as unknown[]) {
      if (!parseDate(w)) throw new RangeError(`${where}: invalid make-up workday ${JSON.stringify(w)}`);
      data.workdays.add(w as string);
    }
  }
  for (const w of data.workdays) {
    const name = data.holidays.get(w);
    if (name !== undefined) throw new RangeError(`Holiday calendar: ${w} is both a make-up workday and a holiday (${name})`);
  }
  return data;
}
