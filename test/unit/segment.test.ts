import { describe, expect, it } from 'vitest';
import { monthsBefore, segmentOf, type SegmentThresholds } from '../../src/domain/segment.js';
import type { Segment } from '../../src/domain/enums.js';

const NOW = new Date('2025-06-15T10:00:00Z');
const DEFAULTS: SegmentThresholds = { breakInMonths: 12, veteranMonths: 36 };

const d = (iso: string) => new Date(iso);
type Ownership = { signedAt: Date | null; deliveredAt: Date | null };
const signed = (at = '2020-01-01T00:00:00Z'): Ownership => ({ signedAt: d(at), deliveredAt: null });
const delivered = (at: string): Ownership => ({ signedAt: d('2015-01-01T00:00:00Z'), deliveredAt: d(at) });
const subscribedOnly: Ownership = { signedAt: null, deliveredAt: null };
type Case = [what: string, ownerships: Ownership[], expected: Segment];
/** Puts the expected segment into the test name (the ownerships array would print as [object Object]). */
const named = (cases: Case[]): Case[] => cases.map(([what, o, expected]) => [`${what} → ${expected}`, o, expected]);

describe('monthsBefore', () => {
  it.each([
    ['12 months', '2025-06-15T10:00:00Z', 12, '2024-06-15T10:00:00Z'],
    ['36 months', '2025-06-15T10:00:00Z', 36, '2022-06-15T10:00:00Z'],
    ['across a year boundary', '2025-02-10T00:00:00Z', 3, '2024-11-10T00:00:00Z'],
    ['zero', '2025-06-15T10:00:00Z', 0, '2025-06-15T10:00:00Z'],
    ['keeps the UTC time of day', '2025-01-01T23:59:59.999Z', 1, '2024-12-01T23:59:59.999Z'],
  ])('%s: %s − %i months = %s', (_what, from, months, expected) => {
    expect(monthsBefore(d(from), months).getTime()).toBe(d(expected).getTime());
  });

  it('does not mutate its argument', () => {
    const from = d('2025-06-15T10:00:00Z');
    monthsBefore(from, 12);
    expect(from.toISOString()).toBe('2025-06-15T10:00:00.000Z');
  });

  // Regression (fixed): setUTCMonth overflows when the target month is
  // shorter (31 Aug − 6 months → "31 Feb" → 2 Mar), so the threshold moves forward by
  // up to 3 days. Expected the last day of the target month.
  it.each([
    ['2024-08-31T00:00:00Z', 6, '2024-02-29T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', 12, '2023-02-28T00:00:00.000Z'],
    ['2025-03-31T00:00:00Z', 1, '2025-02-28T00:00:00.000Z'],
  ])('regression: %s − %i months = %s', (from, months, expected) => {
    expect(monthsBefore(d(from), months).toISOString()).toBe(expected);
  });
});

describe('segmentOf', () => {
  describe('every segment', () => {
    it.each(named([
      ['no ownerships', [], 'PROSPECT'],
      ['only a subscription, nothing signed', [subscribedOnly], 'PROSPECT'],
      ['signed, not delivered', [signed()], 'PRE_OWNER'],
      ['signed and one unsigned', [subscribedOnly, signed()], 'PRE_OWNER'],
      ['delivered 1 month ago', [delivered('2025-05-15T10:00:00Z')], 'BREAK_IN'],
      ['delivered just now', [delivered('2025-06-15T10:00:00Z')], 'BREAK_IN'],
      ['delivered 2 years ago', [delivered('2023-06-15T10:00:00Z')], 'STABLE'],
      ['delivered 5 years ago', [delivered('2020-06-15T10:00:00Z')], 'VETERAN'],
      ['delivered without a signing date', [{ signedAt: null, deliveredAt: d('2025-01-01T00:00:00Z') }], 'BREAK_IN'],
    ]))('%s', (_what, ownerships, expected) => {
      expect(segmentOf(ownerships, NOW, DEFAULTS)).toBe(expected);
    });
  });

  describe('boundaries (≥ 12 months is STABLE, ≥ 36 months is VETERAN)', () => {
    it.each<[string, string, Segment]>([
      ['1 ms short of 12 months', '2024-06-15T10:00:00.001Z', 'BREAK_IN'],
      ['exactly 12 months', '2024-06-15T10:00:00.000Z', 'STABLE'],
      ['1 ms past 12 months', '2024-06-15T09:59:59.999Z', 'STABLE'],
      ['1 ms short of 36 months', '2022-06-15T10:00:00.001Z', 'STABLE'],
      ['exactly 36 months', '2022-06-15T10:00:00.000Z', 'VETERAN'],
      ['1 ms past 36 months', '2022-06-15T09:59:59.999Z', 'VETERAN'],
    ])('%s (%s) → %s', (_what, at, expected) => {
      expect(segmentOf([delivered(at)], NOW, DEFAULTS)).toBe(expected);
    });
  });

  describe('future deliveries are ignored', () => {
    it.each(named([
      ['only a planned (future) delivery, signed', [delivered('2025-12-01T00:00:00Z')], 'PRE_OWNER'],
      ['1 ms in the future', [delivered('2025-06-15T10:00:00.001Z')], 'PRE_OWNER'],
      [
        'future delivery and a past one',
        [delivered('2025-12-01T00:00:00Z'), delivered('2023-01-01T00:00:00Z')],
        'STABLE',
      ],
      [
        'future delivery without any signing date',
        [{ signedAt: null, deliveredAt: d('2026-01-01T00:00:00Z') }],
        'PROSPECT',
      ],
    ]))('%s', (_what, ownerships, expected) => {
      expect(segmentOf(ownerships, NOW, DEFAULTS)).toBe(expected);
    });
  });

  describe('the earliest delivery counts', () => {
    it.each(named([
      ['old first, recent second', [delivered('2020-01-01T00:00:00Z'), delivered('2025-05-01T00:00:00Z')], 'VETERAN'],
      ['recent first, old second', [delivered('2025-05-01T00:00:00Z'), delivered('2020-01-01T00:00:00Z')], 'VETERAN'],
      [
        'three deliveries and an undelivered unit',
        [signed(), delivered('2025-01-01T00:00:00Z'), delivered('2023-03-01T00:00:00Z'), delivered('2024-09-01T00:00:00Z')],
        'STABLE',
      ],
    ]))('%s', (_what, ownerships, expected) => {
      expect(segmentOf(ownerships, NOW, DEFAULTS)).toBe(expected);
    });
  });

  describe('custom thresholds', () => {
    const SHORT: SegmentThresholds = { breakInMonths: 6, veteranMonths: 24 };
    it.each<[string, string, Segment]>([
      ['5 months', '2025-01-15T10:00:00Z', 'BREAK_IN'],
      ['exactly 6 months', '2024-12-15T10:00:00Z', 'STABLE'],
      ['18 months', '2023-12-15T10:00:00Z', 'STABLE'],
      ['exactly 24 months', '2023-06-15T10:00:00Z', 'VETERAN'],
      ['30 months', '2022-12-15T10:00:00Z', 'VETERAN'],
    ])('6/24: %s → %s', (_what, at, expected) => {
      expect(segmentOf([delivered(at)], NOW, SHORT)).toBe(expected);
    });

    it('a delivery 2 years ago is STABLE with defaults but VETERAN with 6/24', () => {
      const o = [delivered('2023-06-15T10:00:00Z')];
      expect(segmentOf(o, NOW, DEFAULTS)).toBe('STABLE');
      expect(segmentOf(o, NOW, SHORT)).toBe('VETERAN');
    });
  });

  // Regression (fixed), a consequence of monthsBefore's overflow: on a
  // leap day, a customer handed over on 1 March of the previous year has been an owner
  // for less than 12 months (the anniversary is 1 March) but is already STABLE.
  // The SQL filter (CustomerService.segmentSql) uses monthsBefore too, so both agree.
  it.each<[string, string, string, SegmentThresholds, Segment]>([
    ['< 12 months on a leap day', '2024-02-29T00:00:00Z', '2023-03-01T00:00:00Z', DEFAULTS, 'BREAK_IN'],
    ['< 36 months on a leap day', '2024-02-29T00:00:00Z', '2021-03-01T00:00:00Z', DEFAULTS, 'STABLE'],
    ['< 6 months at the end of August', '2024-08-31T00:00:00Z', '2024-03-01T00:00:00Z', { breakInMonths: 6, veteranMonths: 36 }, 'BREAK_IN'],
  ])('regression: %s (now %s, delivered %s, thresholds %j) → %s', (_what, now, at, t, expected) => {
    expect(segmentOf([delivered(at)], d(now), t)).toBe(expected);
  });
});
