import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BusinessCalendar, calendarFromJson, type CalendarData } from '../../src/sla/calendar.js';

const json: unknown = JSON.parse(readFileSync(new URL('../../src/sla/cn-holiday-calendar.json', import.meta.url), 'utf8'));
const data = calendarFromJson(json);
const cn = new BusinessCalendar(data);
const empty = (): CalendarData => ({ holidays: new Map(), workdays: new Set(), years: new Set() });
const berlin = new BusinessCalendar(empty(), { timeZone: 'Europe/Berlin' });

const H = 3_600_000;
const DAY_MS = 9 * H;
/** Shanghai local wall time 'YYYY-MM-DD HH:MM[:SS.mmm]' as an instant. */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`);
const z = (iso: string) => new Date(iso);

describe('calendarFromJson (real 2025/2026 schedule)', () => {
  it('loads the published years, holidays and make-up workdays', () => {
    expect([...data.years].sort()).toEqual([2025, 2026]);
    expect(data.holidays.size).toBe(28 + 33);
    expect(data.workdays.size).toBe(5 + 6);
    expect(data.holidays.get('2026-02-17')).toBe('春节 Spring Festival');
    expect(data.holidays.get('2025-10-08')).toBe('国庆节、中秋节 National Day and Mid-Autumn');
    expect(data.workdays.has('2026-02-14')).toBe(true);
  });

  it('accepts a schedule that lists a date of an adjacent year', () => {
    const d = calendarFromJson({ years: { '2018': { holidays: [{ name: 'New Year', from: '2017-12-30', to: '2018-01-01' }], workdays: [] } } });
    expect([...d.holidays.keys()]).toEqual(['2017-12-30', '2017-12-31', '2018-01-01']);
    expect([...d.years]).toEqual([2018]);
  });

  const year = (schedule: unknown) => ({ years: { '2025': schedule } });
  const hol = (from: string, to: string, name = 'X') => ({ name, from, to });
  it.each<[string, unknown, typeof TypeError | typeof RangeError, RegExp]>([
    ['null', null, TypeError, /"years" object/],
    ['no years', { description: 'x' }, TypeError, /"years" object/],
    ['years is an array', { years: [] }, TypeError, /"years" object/],
    ['bad year key', { years: { '25': { holidays: [], workdays: [] } } }, RangeError, /four digits/],
    ['schedule without workdays', year({ holidays: [] }), TypeError, /expected \{ holidays/],
    ['holiday without name', year({ holidays: [{ from: '2025-01-01', to: '2025-01-01' }], workdays: [] }), TypeError, /non-empty "name"/],
    ['invalid date', year({ holidays: [hol('2025-02-29', '2025-03-01')], workdays: [] }), RangeError, /invalid date/],
    ['not a date', year({ holidays: [hol('2025/01/01', '2025-01-01')], workdays: [] }), RangeError, /invalid date/],
    ['from after to', year({ holidays: [hol('2025-01-03', '2025-01-01')], workdays: [] }), RangeError, /ends before it starts/],
    ['too long', year({ holidays: [hol('2025-01-01', '2025-02-01')], workdays: [] }), RangeError, /longer than 31 days/],
    ['overlap', year({ holidays: [hol('2025-01-01', '2025-01-03', 'A'), hol('2025-01-03', '2025-01-04', 'B')], workdays: [] }), RangeError, /2025-01-03 is in two holidays \(A, B\)/],
    ['bad workday', year({ holidays: [], workdays: ['2025-13-01'] }), RangeError, /invalid make-up workday/],
    ['workday that is a holiday', year({ holidays: [hol('2025-01-01', '2025-01-01')], workdays: ['2025-01-01'] }), RangeError, /both a make-up workday and a holiday/],
  ])('refuses %s', (_what, input, type, message) => {
    expect(() => calendarFromJson(input)).toThrow(type);
    expect(() => calendarFromJson(input)).toThrow(message);
  });
});

describe('BusinessCalendar construction', () => {
  it('defaults to Asia/Shanghai, 09:00–18:00 (9 h)', () => {
    expect(cn.timeZone).toBe('Asia/Shanghai');
    expect(cn.dayMs).toBe(DAY_MS);
    expect(cn.hours).toEqual({ start: '09:00', end: '18:00' });
  });

  it('takes other hours', () => {
    expect(new BusinessCalendar(empty(), { hours: { start: '08:30', end: '12:00' } }).dayMs).toBe(3.5 * H);
  });

  it.each<[string, { timeZone?: string; hours?: { start: string; end: string } }, RegExp]>([
    ['unknown zone', { timeZone: 'Mars/Olympus' }, /Unknown time zone/],
    ['H:MM', { hours: { start: '9:00', end: '18:00' } }, /'HH:MM'/],
    ['24:00', { hours: { start: '09:00', end: '24:00' } }, /'HH:MM'/],
    ['start = end', { hours: { start: '09:00', end: '09:00' } }, /must be before end/],
    ['start > end', { hours: { start: '18:00', end: '09:00' } }, /must be before end/],
  ])('refuses %s', (_what, opts, message) => {
    expect(() => new BusinessCalendar(empty(), opts)).toThrow(RangeError);
    expect(() => new BusinessCalendar(empty(), opts)).toThrow(message);
  });
});

describe('isWorkingDay: make-up workday > holiday > weekend > weekday', () => {
  it.each<[string, boolean, string]>([
    ['2025-06-04', true, 'ordinary Wednesday'],
    ['2025-06-07', false, 'ordinary Saturday'],
    ['2025-01-26', true, 'Sunday make-up day before Spring Festival 2025'],
    ['2025-09-28', true, 'Sunday make-up day before National Day 2025'],
    ['2025-10-01', false, 'National Day'],
    ['2025-10-08', false, 'last day of National Day holiday (Wednesday)'],
    ['2025-10-09', true, 'first day back'],
    ['2025-10-11', true, 'Saturday make-up day after National Day 2025'],
    ['2025-10-12', false, 'Sunday after'],
    ['2026-01-01', false, 'New Year 2026 (Thursday)'],
    ['2026-01-02', false, 'New Year bridge (Friday)'],
    ['2026-01-03', false, 'New Year holiday on a Saturday'],
    ['2026-01-04', true, 'Sunday make-up day'],
    ['2026-02-13', true, 'Friday before Spring Festival 2026'],
    ['2026-02-14', true, 'Saturday make-up day (调休)'],
    ['2026-02-15', false, 'Spring Festival first day (Sunday)'],
    ['2026-02-17', false, 'Spring Festival (Tuesday)'],
    ['2026-02-23', false, 'Spring Festival last day (Monday)'],
    ['2026-02-24', true, 'back to work'],
    ['2026-02-28', true, 'Saturday make-up day after Spring Festival 2026'],
    ['2027-01-01', true, '2027 has no schedule: a Friday is a working day'],
    ['2027-01-02', false, '2027 weekends still count'],
    ['2027-02-08', true, '2027 Monday (Spring Festival not loaded)'],
  ])('%s → %s (%s)', (date, expected) => {
    expect(cn.isWorkingDay(date)).toBe(expected);
  });

  it.each(['2025-02-30', '2025-6-4', '', 'x'])('refuses a malformed date %j', (date) => {
    expect(() => cn.isWorkingDay(date)).toThrow(RangeError);
  });

  it('names holidays', () => {
    expect(cn.holidayName('2026-01-02')).toBe('元旦 New Year\'s Day');
    expect(cn.holidayName('2026-02-14')).toBeNull();
  });

  it.each<[number, boolean]>([
    [2025, true],
    [2026, true],
    [2027, false],
    [2024, false],
  ])('hasYear(%i) = %s', (y, expected) => {
    expect(cn.hasYear(y)).toBe(expected);
  });
});

describe('localDate', () => {
  it.each<[BusinessCalendar, string, string]>([
    [cn, '2025-06-04T15:59:59.999Z', '2025-06-04'],
    [cn, '2025-06-04T16:00:00.000Z', '2025-06-05'],
    [cn, '2025-12-31T16:00:00.000Z', '2026-01-01'],
    [berlin, '2025-03-29T22:59:59.999Z', '2025-03-29'],
    [berlin, '2025-03-29T23:00:00.000Z', '2025-03-30'],
    [berlin, '2025-07-01T21:59:59.999Z', '2025-07-01'],
    [berlin, '2025-07-01T22:00:00.000Z', '2025-07-02'],
  ])('%#: %s → %s', (cal, at, expected) => {
    expect(cal.localDate(z(at))).toBe(expected);
  });

  it('refuses an invalid Date', () => {
    expect(() => cn.localDate(new Date(NaN))).toThrow(RangeError);
  });
});

describe('addWorking (Asia/Shanghai, real schedule)', () => {
  it.each<[string, string, number, string]>([
    ['weekday in working hours', '2025-06-04 10:00', 2 * H, '2025-06-04 12:00'],
    ['weekday, one working day later', '2025-06-04 10:00', DAY_MS, '2025-06-05 10:00'],
    ['after 18:00 rolls to next working day 09:00', '2025-06-04 19:00', 1 * H, '2025-06-05 10:00'],
    ['before 09:00 starts at 09:00', '2025-06-04 07:30', 1 * H, '2025-06-04 10:00'],
    ['Friday 17:00 + 1 working day = Monday 17:00', '2025-06-06 17:00', DAY_MS, '2025-06-09 17:00'],
    ['Saturday receipt starts Monday 09:00', '2025-06-07 10:00', 1 * H, '2025-06-09 10:00'],
    ['exactly 09:00 + 9 h ends the same day at 18:00', '2025-06-04 09:00', DAY_MS, '2025-06-04 18:00'],
    ['exactly 18:00 + 1 h is next day 10:00', '2025-06-04 18:00', 1 * H, '2025-06-05 10:00'],
    ['08:59:59.999 + 1 ms = 09:00:00.001', '2025-06-04 08:59:59.999', 1, '2025-06-04 09:00:00.001'],
    ['17:59:59.999 + 1 ms = 18:00 (end of period)', '2025-06-04 17:59:59.999', 1, '2025-06-04 18:00'],
    ['17:59:59.999 + 2 ms = next day 09:00:00.001', '2025-06-04 17:59:59.999', 2, '2025-06-05 09:00:00.001'],
    ['Friday 09:00 + 2 working days = Monday 18:00', '2025-06-06 09:00', 2 * DAY_MS, '2025-06-09 18:00'],
    // Spring Festival 2026: 02-15..02-23 off, Saturdays 02-14 and 02-28 worked.
    ['Friday before Spring Festival → make-up Saturday', '2026-02-13 17:00', DAY_MS, '2026-02-14 17:00'],
    ['make-up Saturday 17:00 → after the holiday', '2026-02-14 17:00', DAY_MS, '2026-02-24 17:00'],
    ['receipt during Spring Festival', '2026-02-16 11:00', 1 * H, '2026-02-24 10:00'],
    ['Friday 17:00 → make-up Saturday 02-28', '2026-02-27 17:00', DAY_MS, '2026-02-28 17:00'],
    // National Day 2025: 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked.
    ['Saturday before National Day → make-up Sunday', '2025-09-27 10:00', 1 * H, '2025-09-28 10:00'],
    ['Tuesday before National Day → Thursday 10-09', '2025-09-30 17:00', DAY_MS, '2025-10-09 17:00'],
    ['Friday 10-10 → make-up Saturday 10-11', '2025-10-10 17:00', DAY_MS, '2025-10-11 17:00'],
    ['Saturday 10-11 → Monday 10-13', '2025-10-11 17:00', DAY_MS, '2025-10-13 17:00'],
    // New Year 2026: 01-01..01-03 off, Sunday 01-04 worked.
    ['New Year\'s Eve → make-up Sunday', '2025-12-31 17:00', DAY_MS, '2026-01-04 17:00'],
    // 2027: no schedule loaded, weekends only.
    ['into 2027: New Year\'s Day is a working day', '2026-12-31 17:00', DAY_MS, '2027-01-01 17:00'],
    ['2027 Friday → Monday', '2027-02-05 17:00', DAY_MS, '2027-02-08 17:00'],
    // 30 working days across Spring Festival 2026.
    ['30 working days from 2026-02-02', '2026-02-02 09:00', 30 * DAY_MS, '2026-03-19 18:00'],
  ])('%s: %s + %i ms = %s', (_what, from, ms, expected) => {
    expect(cn.addWorking(sh(from), ms).toISOString()).toBe(sh(expected).toISOString());
  });

  it.each<[string, string, string]>([
    ['inside working hours: unchanged', '2025-06-04 10:00', '2025-06-04 10:00'],
    ['exactly 09:00: unchanged', '2025-06-04 09:00', '2025-06-04 09:00'],
    ['before 09:00: 09:00', '2025-06-04 00:00', '2025-06-04 09:00'],
    ['exactly 18:00: next working day 09:00', '2025-06-04 18:00', '2025-06-05 09:00'],
    ['Saturday: Monday 09:00', '2025-06-07 10:00', '2025-06-09 09:00'],
    ['Spring Festival 2026: 02-24 09:00', '2026-02-16 11:00', '2026-02-24 09:00'],
    ['National Day eve 18:30: 10-09 09:00', '2025-09-30 18:30', '2025-10-09 09:00'],
  ])('ms = 0 returns the first working instant at or after from (%s)', (_what, from, expected) => {
    expect(cn.addWorking(sh(from), 0).toISOString()).toBe(sh(expected).toISOString());
  });

  it('rounds ms to whole milliseconds and does not mutate from', () => {
    const from = sh('2025-06-04 10:00');
    expect(cn.addWorking(from, 1.4).getTime()).toBe(from.getTime() + 1);
    expect(from.toISOString()).toBe(sh('2025-06-04 10:00').toISOString());
  });

  it.each([-1, NaN, Infinity])('refuses ms = %d', (ms) => {
    expect(() => cn.addWorking(sh('2025-06-04 10:00'), ms)).toThrow(RangeError);
  });

  it('refuses an invalid Date', () => {
    expect(() => cn.addWorking(new Date(NaN), 1)).toThrow(RangeError);
  });

  it('refuses to walk for ever on a calendar without working days', () => {
    const allOff = empty();
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2050, 0, 1); t += 86_400_000) allOff.holidays.set(new Date(t).toISOString().slice(0, 10), 'off');
    expect(() => new BusinessCalendar(allOff).addWorking(sh('2025-06-04 10:00'), 1)).toThrow(/no working time found/);
  });
});

describe('addWorking steps by whole days', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a 30-working-day target asks the time-zone formatter O(days), not per minute', () => {
    const cal = new BusinessCalendar(data);
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    expect(cal.addWorking(sh('2026-02-02 09:00'), 30 * DAY_MS).toISOString()).toBe(sh('2026-03-19 18:00').toISOString());
    const spanned = 46; // 2026-02-02 .. 2026-03-19
    expect(spy.mock.calls.length).toBeLessThanOrEqual(5 * spanned);
    spy.mockClear();
    cal.addWorking(sh('2026-02-02 09:00'), 30 * DAY_MS);
    expect(spy.mock.calls.length).toBe(1); // per-date results cached; only localDate(from)
  });
});

describe('workingBetween (Asia/Shanghai, real schedule)', () => {
  it.each<[string, string, string, number]>([
    ['same day', '2025-06-04 10:00', '2025-06-04 12:00', 2 * H],
    ['empty interval', '2025-06-04 10:00', '2025-06-04 10:00', 0],
    ['reversed interval', '2025-06-04 12:00', '2025-06-04 10:00', 0],
    ['a whole weekday', '2025-06-04 00:00', '2025-06-05 00:00', DAY_MS],
    ['09:00 to 18:00 exactly', '2025-06-04 09:00', '2025-06-04 18:00', DAY_MS],
    ['18:00 to next 09:00', '2025-06-04 18:00', '2025-06-05 09:00', 0],
    ['Friday 17:00 to Monday 17:00', '2025-06-06 17:00', '2025-06-09 17:00', DAY_MS],
    ['Friday 18:00 to Monday 09:00', '2025-06-06 18:00', '2025-06-09 09:00', 0],
    ['a weekend', '2025-06-07 00:00', '2025-06-09 00:00', 0],
    ['across Spring Festival 2026 (02-13, 02-14, 02-24)', '2026-02-13 09:00', '2026-02-25 09:00', 3 * DAY_MS],
    ['inside Spring Festival 2026', '2026-02-15 00:00', '2026-02-24 00:00', 0],
    ['around National Day 2025 (6 working days, 2 of them make-up)', '2025-09-27 00:00', '2025-10-12 00:00', 6 * DAY_MS],
    ['New Year 2026', '2025-12-31 00:00', '2026-01-05 00:00', 2 * DAY_MS],
    ['a 2027 week (weekends only)', '2027-01-01 00:00', '2027-01-08 00:00', 5 * DAY_MS],
    ['all of 2025 (248 working days)', '2025-01-01 00:00', '2026-01-01 00:00', 248 * DAY_MS],
    ['all of 2026 (248 working days)', '2026-01-01 00:00', '2027-01-01 00:00', 248 * DAY_MS],
  ])('%s', (_what, a, b, expected) => {
    expect(cn.workingBetween(sh(a), sh(b))).toBe(expected);
  });
});

describe('a DST zone (Europe/Berlin, no holidays loaded)', () => {
  it.each<[string, string, number, string]>([
    ['Friday 17:00 CET + 9 h → Monday 17:00 CEST (spring forward 03-30)', '2025-03-28T16:00:00Z', DAY_MS, '2025-03-31T15:00:00.000Z'],
    ['Friday 17:00 CEST + 9 h → Monday 17:00 CET (fall back 10-26)', '2025-10-24T15:00:00Z', DAY_MS, '2025-10-27T16:00:00.000Z'],
    ['Saturday before the change → Monday 09:00 CEST', '2025-03-29T10:00:00Z', 0, '2025-03-31T07:00:00.000Z'],
  ])('%s', (_what, from, ms, expected) => {
    expect(berlin.addWorking(z(from), ms).toISOString()).toBe(expected);
  });

  it('a weekend with a DST change holds no working time, though 62 calendar hours pass', () => {
    const a = z('2025-03-28T17:00:00Z'); // Friday 18:00 CET
    const b = z('2025-03-31T07:00:00Z'); // Monday 09:00 CEST
    expect(berlin.workingBetween(a, b)).toBe(0);
    expect(b.getTime() - a.getTime()).toBe(62 * H);
  });

  // 2025-03-30 02:00 CET → 03:00 CEST; 2025-10-26 03:00 CEST → 02:00 CET. Both Sundays,
  // so make them make-up workdays to put the change inside working hours.
  const onChangeDays = (start: string, end: string) => {
    const d = empty();
    d.workdays.add('2025-03-30');
    d.workdays.add('2025-10-26');
    return new BusinessCalendar(d, { timeZone: 'Europe/Berlin', hours: { start, end } });
  };

  it('a working day that loses an hour has one hour less of working time than dayMs', () => {
    const cal = onChangeDays('01:00', '05:00'); // 01:00 CET = 00:00Z … 05:00 CEST = 03:00Z
    expect(cal.dayMs).toBe(4 * H);
    expect(cal.workingBetween(z('2025-03-29T23:00:00Z'), z('2025-03-30T23:00:00Z'))).toBe(3 * H);
    expect(cal.addWorking(z('2025-03-30T00:00:00Z'), 3 * H).toISOString()).toBe('2025-03-30T03:00:00.000Z');
    expect(cal.addWorking(z('2025-03-30T00:00:00Z'), 3 * H + 1).toISOString()).toBe('2025-03-30T23:00:00.001Z'); // Monday 01:00 CEST
    expect(cal.workingBetween(z('2025-10-25T22:00:00Z'), z('2025-10-26T23:00:00Z'))).toBe(5 * H); // gains an hour
  });

  it('a start time in the skipped hour moves forward by the gap; in the repeated hour it is the earlier instant', () => {
    const cal = onChangeDays('02:30', '10:00');
    expect(cal.addWorking(z('2025-03-29T23:00:00Z'), 0).toISOString()).toBe('2025-03-30T01:30:00.000Z'); // 03:30 CEST
    expect(cal.addWorking(z('2025-10-25T22:00:00Z'), 0).toISOString()).toBe('2025-10-26T00:30:00.000Z'); // first 02:30 (CEST)
    expect(cal.workingBetween(z('2025-10-25T22:00:00Z'), z('2025-10-27T00:00:00Z'))).toBe(8.5 * H);
  });
});

/** mulberry32: a small seeded PRNG, so the property loop is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe.each<[string, BusinessCalendar]>([
  ['Asia/Shanghai with the 2025/2026 schedule', cn],
  ['Europe/Berlin', berlin],
])('workingBetween is the inverse of addWorking (%s)', (_name, cal) => {
  it('over 600 seeded random inputs', () => {
    const rnd = prng(20250601);
    const lo = Date.UTC(2024, 11, 1);
    const hi = Date.UTC(2027, 1, 1);
    const int = (n: number) => Math.floor(rnd() * n);
    for (let i = 0; i < 600; i++) {
      // from: any millisecond, or a whole/half hour (to hit the 09:00 and 18:00 boundaries).
      let from = lo + int(hi - lo);
      if (i % 3 === 0) from -= from % (30 * 60_000);
      // ms: 0, whole working days, whole hours, or any millisecond up to 40 working days.
      const kind = i % 4;
      const ms = kind === 0 ? (i % 8 === 0 ? 0 : int(40) * cal.dayMs) : kind === 1 ? int(60) * H : int(40 * cal.dayMs);
      const a = new Date(from);
      const r = cal.addWorking(a, ms);
      const ctx = `from ${a.toISOString()} + ${ms} → ${r.toISOString()}`;
      expect(r.getTime(), ctx).toBeGreaterThanOrEqual(from);
      expect(cal.workingBetween(a, r), ctx).toBe(ms);
      if (ms > 0) {
        // r is inside or at the end of a working period: the millisecond before it is worked.
        expect(cal.workingBetween(new Date(r.getTime() - 1), r), ctx).toBe(1);
      } else {
        // r is a working instant.
        expect(cal.workingBetween(r, new Date(r.getTime() + 1)), ctx).toBe(1);
      }
      // Additivity at a random split point, and composition of additions.
      const mid = new Date(from + int(r.getTime() - from + 1));
      expect(cal.workingBetween(a, mid) + cal.workingBetween(mid, r), ctx).toBe(ms);
      if (ms > 1) {
        const part = 1 + int(ms - 1);
        expect(cal.addWorking(cal.addWorking(a, part), ms - part).getTime(), ctx).toBe(r.getTime());
      }
    }
  });
});
