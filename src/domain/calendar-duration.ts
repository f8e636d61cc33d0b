/**
 * Calendar durations of standard action rules (`P1D`, `P2M`, `P1Y`, `-P1M`) and the calendar
 * arithmetic they need in the business time zone. Pure: no I/O, no clock.
 *
 * Unlike SLA targets (src/sla/duration.ts, fixed lengths only), these count calendar months
 * and years: one month after 31 January is the last day of February, one year after 29 February
 * is 28 February, and days keep the local time of day.
 */

/** A parsed calendar duration. `ms` holds hours, minutes and seconds. */
export type CalendarDuration = { negative: boolean; years: number; months: number; weeks: number; days: number; ms: number };

const RE = /^([-+])?P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$/;
/** Longest accepted duration, in days of calendar time (about 20 years). */
const MAX_DAYS = 366 * 20;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Parses `[-]P[nY][nM][nW][nD][T[nH][nM][nS]]` (whole numbers, upper case, in this order; zero is
 * `PT0S` or `P0D`). A sign is accepted only with `signed`. Returns the reason it is refused as a
 * string instead of throwing, for validation messages.
 */
export function parseCalendarDuration(iso: string, opts: { signed?: boolean } = {}): CalendarDuration | string {
  if (typeof iso !== 'string' || iso.length > 40) return 'must be an ISO-8601 duration of at most 40 characters';
  const m = RE.exec(iso);
  if (!m || iso.endsWith('P') || iso.endsWith('T')) return 'must be an ISO-8601 duration such as P1D, P7D, P2M, P1Y or PT12H (whole numbers, units upper case and in the order Y, M, W, D, T, H, M, S)';
  const [, sign, y, mo, w, d, h, mi, s] = m;
  if (sign && !opts.signed) return 'must not be negative';
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  const dur: CalendarDuration = {
    negative: sign === '-',
    years: n(y),
    months: n(mo),
    weeks: n(w),
    days: n(d),
    ms: n(h) * HOUR + n(mi) * 60_000 + n(s) * 1000,
  };
  const approxDays = dur.years * 366 + dur.months * 31 + dur.weeks * 7 + dur.days + dur.ms / DAY;
  if (approxDays > MAX_DAYS) return `must be at most ${MAX_DAYS} days (about 20 years)`;
  if (dur.negative && approxDays === 0) dur.negative = false;
  return dur;
}

/** Like {@link parseCalendarDuration}, throwing a RangeError when refused (for stored, already validated values). */
export function calendarDuration(iso: string, opts: { signed?: boolean } = {}): CalendarDuration {
  const d = parseCalendarDuration(iso, { signed: true, ...opts });
  if (typeof d === 'string') throw new RangeError(`${JSON.stringify(iso)}: ${d}`);
  return d;
}

/** Wall-clock parts of an instant in a time zone. */
export type Wall = { year: number; month: number; day: number; ms: number /* since local midnight */ };

const formats = new Map<string, Intl.DateTimeFormat>();
function formatOf(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, f);
  }
  return f;
}

const QUARTER_HOUR = 900_000;
/** Zone offsets by zone and quarter hour (modern zones change offset on quarter hours only). */
const offsets = new Map<string, Map<number, number>>();

/** The offset (local minus UTC, in ms) of `timeZone` at instant `t`; one Intl call per zone and quarter hour. */
function offsetAt(t: number, timeZone: string): number {
  let byZone = offsets.get(timeZone);
  if (!byZone) offsets.set(timeZone, (byZone = new Map()));
  const key = Math.floor(t / QUARTER_HOUR);
  let offset = byZone.get(key);
  if (offset === undefined) {
    const parts: Record<string, number> = {};
    const at = new Date(key * QUARTER_HOUR);
    for (const p of formatOf(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - at.getTime();
    if (byZone.size > 200_000) byZone.clear();
    byZone.set(key, offset);
  }
  return offset;
}

/** The wall clock of `at` in `timeZone`. */
export function wallOf(at: Date, timeZone: string): Wall {
  const local = new Date(at.getTime() + offsetAt(at.getTime(), timeZone));
  const ms = local.getTime() - Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), ms };
}

/** The instant at a wall clock in `timeZone` (the earlier one in a repeated hour, the later in a skipped one). */
export function instantOf(w: Wall, timeZone: string): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day) + w.ms;
  // The zone's offset at the guess, then at the corrected instant (enough for any DST rule).
  let t = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = wallOf(new Date(t), timeZone);
    const seenUtc = Date.UTC(seen.year, seen.month - 1, seen.day) + seen.ms;
    const delta = asUtc - seenUtc;
    if (delta === 0) break;
    t += delta;
  }
  return new Date(t);
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The wall clock moved by whole months, the day clamped to the end of a shorter month. */
function addMonths(w: Wall, months: number): Wall {
  const index = w.year * 12 + (w.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(w.day, daysInMonth(year, month)), ms: w.ms };
}

/** The wall clock moved by whole days. */
function addDays(w: Wall, days: number): Wall {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day) + days * DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), ms: w.ms };
}

/**
 * `at` moved by a calendar duration in `timeZone`: years and months on the local calendar (day
 * clamped to the month's end), then weeks and days keeping the local time, then hours, minutes
 * and seconds as elapsed time. A negative duration moves back the same way.
 */
export function addCalendarDuration(at: Date, d: CalendarDuration, timeZone: string): Date {
  const sign = d.negative ? -1 : 1;
  let w = wallOf(at, timeZone);
  if (d.years || d.months) w = addMonths(w, sign * (d.years * 12 + d.months));
  if (d.weeks || d.days) w = addDays(w, sign * (d.weeks * 7 + d.days));
  const moved = d.years || d.months || d.weeks || d.days ? instantOf(w, timeZone) : at;
  return new Date(moved.getTime() + sign * d.ms);
}

/** The first instant of the local month `at` falls in (local midnight of its first day). */
export function startOfMonth(at: Date, timeZone: string): Date {
  const w = wallOf(at, timeZone);
  return instantOf({ year: w.year, month: w.month, day: 1, ms: 0 }, timeZone);
}

/** The first instant of the local month after the one `at` falls in: the end of `at`'s month. */
export function endOfMonth(at: Date, timeZone: string): Date {
  const w = wallOf(at, timeZone);
  const next = addMonths({ year: w.year, month: w.month, day: 1, ms: 0 }, 1);
  return instantOf(next, timeZone);
}

/**
 * Local midnight of a birthday (`YYYY-MM-DD`) in `year`: 29 February falls on 28 February in a
 * year that is not a leap year.
 */
export function birthdayIn(birthday: string, year: number, timeZone: string): Date {
  const [, m, d] = birthday.split('-').map(Number) as [number, number, number];
  return instantOf({ year, month: m, day: Math.min(d, daysInMonth(year, m)), ms: 0 }, timeZone);
}

/** The same day and time `years` later (29 February → 28 February when needed). */
export function yearsAfter(at: Date, years: number, timeZone: string): Date {
  return instantOf(addMonths(wallOf(at, timeZone), years * 12), timeZone);
}
