import { describe, expect, it } from 'vitest';
import { DurationError, formatMs, MAX_SLA_DAYS, parseSlaDuration, type SlaDuration } from '../../src/sla/duration.js';

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

describe('parseSlaDuration accepts', () => {
  it.each<[string, SlaDuration]>([
    ['PT4H', { weeks: 0, days: 0, ms: 4 * H }],
    ['PT30M', { weeks: 0, days: 0, ms: 30 * M }],
    ['PT45S', { weeks: 0, days: 0, ms: 45 * S }],
    ['P3D', { weeks: 0, days: 3, ms: 0 }],
    ['P2W', { weeks: 2, days: 0, ms: 0 }],
    ['P1W2D', { weeks: 1, days: 2, ms: 0 }],
    ['P1DT2H30M', { weeks: 0, days: 1, ms: 2 * H + 30 * M }],
    ['P1WT1S', { weeks: 1, days: 0, ms: 1 * S }],
    ['PT1H1M1S', { weeks: 0, days: 0, ms: H + M + S }],
    ['PT36H', { weeks: 0, days: 0, ms: 36 * H }],
    ['PT90M', { weeks: 0, days: 0, ms: 90 * M }],
    ['PT1.5H', { weeks: 0, days: 0, ms: 1.5 * H }],
    ['PT0.5S', { weeks: 0, days: 0, ms: 500 }],
    ['PT1,5H (comma decimal)', { weeks: 0, days: 0, ms: 1.5 * H }],
    ['PT2H0.25M', { weeks: 0, days: 0, ms: 2 * H + 15 * S }],
    ['P1.5D', { weeks: 0, days: 1.5, ms: 0 }],
    ['P0.5W', { weeks: 0.5, days: 0, ms: 0 }],
    ['PT0.001S', { weeks: 0, days: 0, ms: 1 }],
    ['P0DT1H (zero component, positive total)', { weeks: 0, days: 0, ms: H }],
    ['P007D (leading zeros)', { weeks: 0, days: 7, ms: 0 }],
    [`P${MAX_SLA_DAYS}D (the limit)`, { weeks: 0, days: MAX_SLA_DAYS, ms: 0 }],
  ])('%s', (input, expected) => {
    expect(parseSlaDuration(input.split(' ')[0]!)).toEqual(expected);
  });
});

describe('parseSlaDuration refuses', () => {
  it.each<[string, RegExp]>([
    ['', /empty/],
    ['P', /no components/],
    ['PT', /"T" must be followed/],
    ['P1DT', /"T" must be followed/],
    ['P1M', /months are refused/],
    ['P1Y', /years are refused/],
    ['P1Y2D', /years are refused/],
    ['-P1D', /signed durations are refused/],
    ['+P1D', /signed durations are refused/],
    ['1D', /must start with "P"/],
    ['p1d', /must start with "P"/],
    ['P1d', /upper case/],
    ['PT-5M', /negative or signed components/],
    ['P1.5DT2H', /only the smallest given unit may have a fraction/],
    ['PT1.5H30M', /only the smallest given unit may have a fraction/],
    ['P' + '1'.repeat(39) + 'D', /longer than 40 characters/],
    ['PT0S', /zero duration/],
    ['P0D', /zero duration/],
    ['PT0.0001S', /zero duration/],
    ['P1H', /belongs after "T"/],
    ['PT1D', /days belong before "T"/],
    ['PT1W', /weeks belong before "T"/],
    ['P1D1W', /out of order/],
    ['PT1M1H', /out of order/],
    ['PT1H1H', /repeated/],
    ['P1X', /unknown unit/],
    ['PT1HT1M', /more than once/],
    ['P1DT2', /expected a number followed by a unit/],
    ['PT.5H', /expected a number followed by a unit/],
    ['PT1.H', /expected a number followed by a unit/],
    [' PT1H', /must start with "P"/],
    ['PT1H ', /expected a number followed by a unit/],
    [`P${MAX_SLA_DAYS + 1}D`, /longer than 366 days/],
    ['P53W', /longer than 366 days/],
    ['PT9000H', /longer than 366 days/],
    ['P99999999999999999999999999999999999D', /longer than 366 days/],
  ])('%j', (input, message) => {
    let caught: unknown;
    try {
      parseSlaDuration(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DurationError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as DurationError).name).toBe('DurationError');
    expect((caught as DurationError).input).toBe(input);
    expect((caught as DurationError).message).toMatch(message);
    expect((caught as DurationError).message).toContain(JSON.stringify(input));
  });

  it('refuses a non-string with a DurationError', () => {
    expect(() => parseSlaDuration(42 as unknown as string)).toThrow(DurationError);
  });
});

describe('formatMs', () => {
  it.each<[number, string]>([
    [0, 'PT0S'],
    [-0, 'PT0S'],
    [90_061_000, 'P1DT1H1M1S'],
    [1_500, 'PT1.5S'],
    [-300_000, '-PT5M'],
    [1, 'PT0.001S'],
    [10, 'PT0.01S'],
    [1_234, 'PT1.234S'],
    [86_400_000, 'P1D'],
    [86_400_000 * 9, 'P9D'],
    [86_400_000 + 1_000, 'P1DT1S'],
    [9 * H, 'PT9H'],
    [9 * H + 30 * M, 'PT9H30M'],
    [-(2 * 86_400_000 + 3 * H), '-P2DT3H'],
    [0.4, 'PT0S'],
    [-0.4, 'PT0S'],
    [1_499.6, 'PT1.5S'],
  ])('%d → %s', (ms, expected) => {
    expect(formatMs(ms)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %d', (ms) => {
    expect(() => formatMs(ms)).toThrow(RangeError);
  });

  it.each(['PT4H', 'P1DT1H1M1S', 'PT1.5S', 'P3D', 'PT2H30M', 'PT0.001S'])('round-trips %s through parse (no weeks)', (iso) => {
    const d = parseSlaDuration(iso);
    expect(formatMs(d.days * 86_400_000 + d.ms)).toBe(iso);
  });
});
