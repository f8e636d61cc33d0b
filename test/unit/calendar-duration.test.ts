import { describe, expect, it } from 'vitest';
import { addCalendarDuration, birthdayIn, calendarDuration, endOfMonth, parseCalendarDuration, yearsAfter } from '../../src/domain/calendar-duration.js';

const SH = 'Asia/Shanghai';
const add = (at: string, iso: string, tz = SH) => addCalendarDuration(new Date(at), calendarDuration(iso), tz).toISOString();

describe('parseCalendarDuration', () => {
  it.each([
    ['P1D', { negative: false, years: 0, months: 0, weeks: 0, days: 1, ms: 0 }],
    ['P2M', { negative: false, years: 0, months: 2, weeks: 0, days: 0, ms: 0 }],
    ['P1Y1M1W1DT1H1M1S', { negative: false, years: 1, months: 1, weeks: 1, days: 1, ms: 3_661_000 }],
    ['PT0S', { negative: false, years: 0, months: 0, weeks: 0, days: 0, ms: 0 }],
    ['P0D', { negative: false, years: 0, months: 0, weeks: 0, days: 0, ms: 0 }],
  ])('%s', (iso, expected) => expect(parseCalendarDuration(iso)).toEqual(expected));

  it.each(['', 'P', 'PT', '1D', 'P1d', 'P1.5D', 'P1D1M', 'PT1D', 'P1H', 'P999Y', 'P1DT'])('refuses %j with a reason', (iso) => {
    expect(typeof parseCalendarDuration(iso)).toBe('string');
  });

  it('takes a sign only when asked', () => {
    expect(parseCalendarDuration('-P1M')).toBe('must not be negative');
    expect(parseCalendarDuration('-P1M', { signed: true })).toMatchObject({ negative: true, months: 1 });
    expect(parseCalendarDuration('-P0D', { signed: true })).toMatchObject({ negative: false });
  });
});

describe('calendar arithmetic in the business time zone', () => {
  it('adds days keeping the local time, and elapsed hours', () => {
    expect(add('2026-03-01T02:00:00Z', 'P1D')).toBe('2026-03-02T02:00:00.000Z');
    expect(add('2026-03-01T02:00:00Z', 'PT36H')).toBe('2026-03-02T14:00:00.000Z');
  });

  it('adds months on the local calendar, clamping to the end of a shorter month', () => {
    // 31 January 10:00 in Shanghai → the last day of February, 10:00.
    expect(add('2026-01-31T02:00:00Z', 'P1M')).toBe('2026-02-28T02:00:00.000Z');
    expect(add('2028-01-31T02:00:00Z', 'P1M')).toBe('2028-02-29T02:00:00.000Z');
    // 1 March 00:30 in Shanghai is 28 February 16:30 UTC: months count from the local date.
    expect(add('2026-02-28T16:30:00Z', 'P1M')).toBe('2026-03-31T16:30:00.000Z');
    expect(add('2026-05-15T00:00:00Z', '-P1M')).toBe('2026-04-15T00:00:00.000Z');
    expect(add('2028-02-29T04:00:00Z', 'P1Y')).toBe('2029-02-28T04:00:00.000Z');
  });

  it('keeps the local time across a daylight-saving change', () => {
    // New York springs forward on 8 March 2026: 09:00 local stays 09:00 local.
    expect(add('2026-03-07T14:00:00Z', 'P1D', 'America/New_York')).toBe('2026-03-08T13:00:00.000Z');
  });

  it('finds the end of the local month', () => {
    expect(endOfMonth(new Date('2026-01-15T02:00:00Z'), SH).toISOString()).toBe('2026-01-31T16:00:00.000Z');
    // 31 January 20:00 UTC is already 1 February in Shanghai.
    expect(endOfMonth(new Date('2026-01-31T20:00:00Z'), SH).toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(endOfMonth(new Date('2026-12-10T00:00:00Z'), SH).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('puts a 29 February birthday on 28 February in other years', () => {
    expect(birthdayIn('1992-02-29', 2028, SH).toISOString()).toBe('2028-02-28T16:00:00.000Z');
    expect(birthdayIn('1992-02-29', 2027, SH).toISOString()).toBe('2027-02-27T16:00:00.000Z');
    expect(birthdayIn('1990-07-04', 2027, SH).toISOString()).toBe('2027-07-03T16:00:00.000Z');
    expect(yearsAfter(new Date('2028-02-29T02:00:00Z'), 1, SH).toISOString()).toBe('2029-02-28T02:00:00.000Z');
  });
});
