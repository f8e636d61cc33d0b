/**
 * SLA target durations as ISO-8601 strings (`PT4H`, `P3D`, `P1W2D`). Pure: no I/O, no clock.
 */

/** A parsed ISO-8601 duration restricted to what SLA targets need: weeks, days, hours, minutes, seconds (fractions allowed on the smallest given unit, e.g. PT1.5H, PT0.5S). Years and months are refused (they have no fixed length). */
export type SlaDuration = { weeks: number; days: number; ms: number /* hours+minutes+seconds in ms */ };

/** Refused duration text; `input` is what was given. */
export class DurationError extends Error {
  override name = 'DurationError';
  constructor(
    message: string,
    readonly input: unknown,
  ) {
    super(message);
  }
}

/** Longest accepted duration text. */
const MAX_LENGTH = 40;
/** Longest accepted target, measured in calendar time (days of 24 h, weeks of 7 days). */
export const MAX_SLA_DAYS = 366;

const HOUR = 3_600_000;
const MINUTE = 60_000;
const SECOND = 1_000;
const DAY = 86_400_000;

const DATE_UNITS = ['Y', 'M', 'W', 'D'] as const;
const TIME_UNITS = ['H', 'M', 'S'] as const;
/** A number (digits, optionally `.`/`,` and digits) followed by one designator letter. */
const COMPONENT = /(\d+)(?:[.,](\d+))?([A-Za-z])/y;

type Component = { value: number; unit: string; fraction: boolean; at: number };

/**
 * Parses `P[nW][nD][T[nH][nM][nS]]`. Designators are upper case and in this order, each
 * at most once; weeks may be combined with days; only the last component may have a
 * fraction (`.` or `,`); the total must be positive and at most {@link MAX_SLA_DAYS} days.
 * Hours, minutes and seconds are folded into `ms`, rounded to whole milliseconds.
 * Throws {@link DurationError}.
 */
export function parseSlaDuration(iso: string): SlaDuration {
  const fail = (why: string): never => {
    throw new DurationError(`Invalid SLA duration ${JSON.stringify(iso)}: ${why}`, iso);
  };
  if (typeof iso !== 'string') throw new DurationError('Invalid SLA duration: not a string', iso);
  if (iso.length === 0) fail('empty; expected an ISO-8601 duration such as PT4H or P3D');
  if (iso.length > MAX_LENGTH) fail(`longer than ${MAX_LENGTH} characters`);
  if (iso[0] === '-' || iso[0] === '+' || iso[0] === '−') fail('signed durations are refused; a target must be positive');
  if (iso[0] !== 'P') fail('must start with "P" (e.g. PT4H, P3D)');

  const tAt = iso.indexOf('T');
  if (tAt !== -1 && iso.indexOf('T', tAt + 1) !== -1) fail('"T" appears more than once');
  const datePart = tAt === -1 ? iso.slice(1) : iso.slice(1, tAt);
  const timePart = tAt === -1 ? null : iso.slice(tAt + 1);
  if (datePart === '' && timePart === null) fail('no components after "P"');
  if (timePart === '') fail('"T" must be followed by hours (H), minutes (M) or seconds (S)');

  const components: Component[] = [];
  const scan = (part: string, offset: number, units: readonly string[], where: string) => {
    let order = -1;
    COMPONENT.lastIndex = 0;
    while (COMPONENT.lastIndex < part.length) {
      const start = COMPONENT.lastIndex;
      const m = COMPONENT.exec(part);
      if (!m) {
        const ch = part[start];
        if (ch === '-' || ch === '+') fail(`negative or signed components are refused (at position ${offset + start})`);
        fail(`expected a number followed by a unit at position ${offset + start}`);
      }
      const [, int, frac, unit] = m as unknown as [string, string, string | undefined, string];
      if (unit !== unit.toUpperCase()) fail(`unit designators must be upper case ("${unit}")`);
      if (where === 'date' && (unit === 'Y' || unit === 'M')) {
        fail(`${unit === 'Y' ? 'years' : 'months'} are refused: they have no fixed length; use weeks or days`);
      }
      const rank = units.indexOf(unit);
      if (rank === -1) {
        if (where === 'date' && TIME_UNITS.includes(unit as 'H')) fail(`"${unit}" belongs after "T" (e.g. PT${int}${unit})`);
        if (where === 'time' && unit === 'D') fail('days belong before "T" (e.g. P1DT2H)');
        if (where === 'time' && unit === 'W') fail('weeks belong before "T" (e.g. P1WT2H)');
        fail(`unknown unit "${unit}"`);
      }
      if (rank <= order) fail(`"${unit}" is repeated or out of order (order is W, D, then T, H, M, S)`);
      order = rank;
      components.push({ value: Number(frac === undefined ? int : `${int}.${frac}`), unit: `${where}:${unit}`, fraction: frac !== undefined, at: offset + start });
    }
  };
  scan(datePart, 1, DATE_UNITS, 'date');
  if (timePart !== null) scan(timePart, tAt + 1, TIME_UNITS, 'time');

  components.forEach((c, i) => {
    if (c.fraction && i !== components.length - 1) fail('only the smallest given unit may have a fraction (e.g. PT1.5H, not P1.5DT2H)');
  });

  const get = (unit: string) => components.find((c) => c.unit === unit)?.value ?? 0;
  const weeks = get('date:W');
  const days = get('date:D');
  const ms = Math.round(get('time:H') * HOUR + get('time:M') * MINUTE + get('time:S') * SECOND);
  const calendarMs = (weeks * 7 + days) * DAY + ms;
  if (!(calendarMs <= MAX_SLA_DAYS * DAY)) fail(`longer than ${MAX_SLA_DAYS} days`);
  if (calendarMs <= 0) fail('zero duration; a target must be positive');
  return { weeks, days, ms };
}

/**
 * Canonical ISO-8601 text of a calendar-time span in milliseconds, days counted as 24 h
 * (never weeks): 0 → `PT0S`, 90061000 → `P1DT1H1M1S`, 1500 → `PT1.5S`, −300000 →
 * `-PT5M` (overdue). Rounds to whole milliseconds. Throws RangeError on non-finite input.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`formatMs: not a finite number of milliseconds: ${ms}`);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return 'PT0S';
  const sign = ms < 0 ? '-' : '';
  const d = Math.floor(rest / DAY);
  rest -= d * DAY;
  const h = Math.floor(rest / HOUR);
  rest -= h * HOUR;
  const m = Math.floor(rest / MINUTE);
  rest -= m * MINUTE;
  const s = Math.floor(rest / SECOND);
  const milli = rest - s * SECOND;
  let time = '';
  if (h) time += `${h}H`;
  if (m) time += `${m}M`;
  if (s || milli) time += milli ? `${s}.${String(milli).padStart(3, '0').replace(/0+$/, '')}S` : `${s}S`;
  return `${sign}P${d ? `${d}D` : ''}${time ? `T${time}` : ''}`;
}
