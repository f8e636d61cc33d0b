import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { businessCalendarDays, businessCalendarYears, slaPolicies, type SlaClockTarget } from '../db/schema/index.js';
import { calendarFromJson } from './calendar.js';

/** The default SLA targets of SPEC §2 (seeds 001 and 004). */
const STANDARD: SlaClockTarget[] = [
  { clock: 'ACCEPTANCE', target: 'P1D', workingTime: true, warnAt: 0.8 },
  { clock: 'ESCALATION_REPORT', target: 'PT24H', workingTime: false, warnAt: 0.8 },
  { clock: 'RESOLUTION', target: 'P7D', workingTime: false, warnAt: 0.8 },
  { clock: 'RETURN_VISIT', target: 'P3D', workingTime: true, warnAt: 0.8 },
  { clock: 'REPAIR_VISIT', target: 'PT10M', workingTime: false, warnAt: 0.8 },
];

export const DEFAULT_POLICIES = [
  { name: '默认时限 Default', kinds: [], categories: [], severities: [], priority: 0, clocks: STANDARD },
  {
    name: '报修时限 Repairs',
    kinds: ['REPAIR' as const],
    categories: [],
    severities: [],
    priority: 0,
    clocks: STANDARD.map((c) => (c.clock === 'RETURN_VISIT' ? { ...c, target: 'PT24H', workingTime: false } : c)),
  },
];

/** The published PRC holiday schedule shipped with the code (2025, 2026). */
export function bundledHolidayCalendar(): { years: Record<string, { holidays: { name: string; from: string; to: string }[]; workdays: string[] }> } {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cn-holiday-calendar.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Running from dist/: the JSON stays next to the sources.
    return JSON.parse(readFileSync(file.replace(`${path.sep}dist${path.sep}`, path.sep), 'utf8'));
  }
}

/** Local dates from `from` to `to` inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/**
 * Reference data every database needs: the default SLA policies and the bundled
 * holiday calendar. Idempotent; runs after migrations.
 */
export async function ensureReferenceData(db: DbOrTx): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int` }).from(slaPolicies)) as [{ n: number }];
    if (n === 0) await tx.insert(slaPolicies).values(DEFAULT_POLICIES);
    const known = new Set((await tx.select({ year: businessCalendarYears.year }).from(businessCalendarYears)).map((r) => r.year));
    const data = bundledHolidayCalendar();
    // Refuses a malformed or contradictory schedule (overlaps, a day both off and on) before writing it.
    calendarFromJson(data);
    for (const [year, y] of Object.entries(data.years)) {
      if (known.has(Number(year))) continue;
      const days = [
        ...y.holidays.flatMap((h) => datesBetween(h.from, h.to).map((day) => ({ day, kind: 'HOLIDAY' as const, name: h.name }))),
        ...y.workdays.map((day) => ({ day, kind: 'WORKDAY' as const, name: '调休上班 make-up working day' })),
      ];
      if (days.length) await tx.insert(businessCalendarDays).values(days).onConflictDoNothing();
      await tx.insert(businessCalendarYears).values({ year: Number(year), source: 'bundled: State Council notices (国务院办公厅)' });
    }
  });
}

/** Of this year and the next, those without a loaded holiday schedule (they count weekends only). */
export async function missingCalendarYears(db: DbOrTx, now: Date): Promise<number[]> {
  const year = now.getUTCFullYear();
  const loaded = new Set((await db.select({ year: businessCalendarYears.year }).from(businessCalendarYears)).map((r) => r.year));
  return [year, year + 1].filter((y) => !loaded.has(y));
}
