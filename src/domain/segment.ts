import type { Segment } from './enums.js';

/** Segment thresholds in months since the first handover. */
export type SegmentThresholds = { breakInMonths: number; veteranMonths: number };

/**
 * `date` moved back by whole calendar months (UTC); a day that does not exist in the
 * target month becomes its last day (31 Aug − 6 months = 29 Feb), never the next month.
 */
export function monthsBefore(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = new Date(date.getTime());
  d.setUTCFullYear(y, m, Math.min(date.getUTCDate(), lastDay));
  return d;
}

/**
 * Derived segment (seed 004): PROSPECT without a signed unit, PRE_OWNER when signed
 * but nothing handed over, then by time since the first handover: BREAK_IN (磨合期),
 * STABLE (稳定期), VETERAN (老业主).
 */
export function segmentOf(
  ownerships: { signedAt: Date | null; deliveredAt: Date | null }[],
  now: Date,
  t: SegmentThresholds,
): Segment {
  const delivered = ownerships
    .map((o) => o.deliveredAt)
    .filter((d): d is Date => d !== null && d.getTime() <= now.getTime());
  if (delivered.length === 0) return ownerships.some((o) => o.signedAt !== null) ? 'PRE_OWNER' : 'PROSPECT';
  const first = new Date(Math.min(...delivered.map((d) => d.getTime())));
  if (first > monthsBefore(now, t.breakInMonths)) return 'BREAK_IN';
  if (first > monthsBefore(now, t.veteranMonths)) return 'STABLE';
  return 'VETERAN';
}
