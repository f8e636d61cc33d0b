import { describe, expect, it } from 'vitest';
import { DateTimeScalar, isoString } from '../../src/graphql/scalars.js';

describe('isoString', () => {
  it('writes what toISOString writes, across the years a timestamp may hold', () => {
    // Every day boundary and leap day of 1900–2100 and a millisecond either side, then random instants.
    const instants: number[] = [];
    for (let ms = Date.UTC(1899, 11, 31); ms <= Date.UTC(2101, 0, 2); ms += 86_400_000) instants.push(ms - 1, ms, ms + 1);
    // Every 97th day of years 0–9999 at a random time of day, and 200,000 random instants (xorshift32, two draws each).
    let seed = 42;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let ms = -62_167_219_200_000; ms <= 253_402_300_799_999; ms += 97 * 86_400_000) instants.push(ms + Math.floor(random() * 86_400_000));
    const span = 253_402_300_799_999 + 62_167_219_200_000;
    for (let i = 0; i < 200_000; i++) instants.push(-62_167_219_200_000 + Math.floor((random() + random() / 2 ** 32) * span));
    expect(new Set(instants).size).toBeGreaterThan(230_000);
    instants.push(0, -1, -62_167_219_200_000, 253_402_300_799_999, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 12, 0, 0, 5));
    const wrong = instants.filter((ms) => isoString(ms) !== new Date(ms).toISOString());
    expect(wrong.slice(0, 5).map((ms) => [ms, isoString(ms), new Date(ms).toISOString()])).toEqual([]);
  });

  it('keeps the whole milliseconds of a fractional time, as a Date does', () => {
    for (const ms of [-0.5, -1.5, 0.5, 1_764_000_000_000.9, -1_764_000_000_000.9]) expect(isoString(ms)).toBe(new Date(ms).toISOString());
  });

  it('hands years outside 0–9999 to toISOString', () => {
    expect(isoString(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoString(-62_167_219_200_001)).toBe('-000001-12-31T23:59:59.999Z');
  });
});

describe('DateTime serialize', () => {
  it('answers strings, as JSON.stringify would write the Date', () => {
    const d = new Date('2026-11-25T08:00:00.123Z');
    expect(DateTimeScalar.serialize(d)).toBe('2026-11-25T08:00:00.123Z');
    expect(DateTimeScalar.serialize('2026-11-25T16:00:00+08:00')).toBe('2026-11-25T08:00:00.000Z');
    expect(DateTimeScalar.serialize(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses what is not a timestamp', () => {
    expect(() => DateTimeScalar.serialize(new Date(Number.NaN))).toThrow(/invalid Date/);
    expect(() => DateTimeScalar.serialize('yesterday')).toThrow(/invalid date-time/);
    expect(() => DateTimeScalar.serialize({})).toThrow();
    expect(() => DateTimeScalar.serialize(1e20)).toThrow(/invalid Date/);
  });
});
