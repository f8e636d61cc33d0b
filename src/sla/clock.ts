/**
 * Deadline arithmetic of one SLA clock (e.g. "first response within 2 working hours").
 * Pure: no I/O, no clock; `now` and every event instant are passed in.
 */
import type { BusinessCalendar } from './calendar.js';
import type { SlaDuration } from './duration.js';

/** How an SLA target is measured. */
export type ClockSpec = { targetMs: number; workingTime: boolean; warnAt: number /* fraction 0<warnAt<1, e.g. 0.8 */ };
/** The stored state of a clock: time consumed before the current run, and since when it runs (null = paused or stopped). */
export type ClockRun = { consumedMs: number; runningSince: Date | null };

const DAY = 86_400_000;
/** Working days in a working week. */
const WORKING_DAYS_PER_WEEK = 5;

function checkSpec(spec: ClockSpec): void {
  if (!Number.isFinite(spec.targetMs) || spec.targetMs <= 0) {
    throw new RangeError(`SLA clock: targetMs must be a positive finite number, got ${spec.targetMs}`);
  }
  if (!(spec.warnAt > 0 && spec.warnAt < 1)) throw new RangeError(`SLA clock: warnAt must be a fraction 0 < warnAt < 1, got ${spec.warnAt}`);
}

/** Milliseconds that ran in [since, until): working ms in working time, else calendar ms; 0 when until <= since. */
function ran(spec: ClockSpec, since: Date, until: Date, cal: BusinessCalendar): number {
  if (spec.workingTime) return cal.workingBetween(since, until);
  return Math.max(0, until.getTime() - since.getTime());
}

/** The instant `ms` of the clock's own measure after `from`. */
function after(spec: ClockSpec, from: Date, ms: number, cal: BusinessCalendar): Date {
  return spec.workingTime ? cal.addWorking(from, ms) : new Date(from.getTime() + ms);
}

/**
 * Converts a parsed duration to target milliseconds (rounded to whole ms): in calendar
 * time days = 24 h, weeks = 7 days; in working time days = cal.dayMs of working time,
 * weeks = 5 working days. Hours/minutes/seconds are taken as they are in both measures
 * (PT10H of working time spans more than one 9-hour working day).
 */
export function targetMsOf(d: SlaDuration, workingTime: boolean, cal: BusinessCalendar): number {
  const dayMs = workingTime ? cal.dayMs : DAY;
  const daysPerWeek = workingTime ? WORKING_DAYS_PER_WEEK : 7;
  return Math.round((d.weeks * daysPerWeek + d.days) * dayMs + d.ms);
}

/** Time consumed by `now` (calendar ms, or working ms in working time). */
export function consumedAt(spec: ClockSpec, run: ClockRun, now: Date, cal: BusinessCalendar): number {
  return run.consumedMs + (run.runningSince ? ran(spec, run.runningSince, now, cal) : 0);
}

/**
 * Due instant and warning instant of a running clock (both null when not running).
 * The warning instant is when consumed reaches warnAt*target (rounded to whole ms); if
 * that is already past, it equals runningSince. Likewise dueAt equals runningSince when
 * the target was already used up before this run (resumed while overdue).
 * In working time a due instant is inside or at the end of a working period: 9 working
 * hours from Friday 09:00 are due Friday 18:00 (not Monday 09:00), from Friday 17:00
 * Monday 17:00.
 */
export function deadlines(spec: ClockSpec, run: ClockRun, cal: BusinessCalendar): { dueAt: Date | null; warnAt: Date | null } {
  checkSpec(spec);
  const since = run.runningSince;
  if (!since) return { dueAt: null, warnAt: null };
  const at = (mark: number): Date => {
    const left = mark - run.consumedMs;
    return left > 0 ? after(spec, since, left, cal) : new Date(since.getTime());
  };
  return { dueAt: at(spec.targetMs), warnAt: at(Math.round(spec.warnAt * spec.targetMs)) };
}

/**
 * Pausing: returns the run with consumedMs increased by what ran until `at` and
 * runningSince null. Pausing a paused clock returns it unchanged (a copy); `at` before
 * runningSince adds nothing.
 */
export function pause(spec: ClockSpec, run: ClockRun, at: Date, cal: BusinessCalendar): ClockRun {
  return { consumedMs: consumedAt(spec, run, at, cal), runningSince: null };
}

/**
 * Resuming: consumedMs kept, runningSince = at. Resuming a running clock returns it
 * unchanged (a copy): the time since the earlier start is not lost.
 */
export function resume(run: ClockRun, at: Date): ClockRun {
  if (run.runningSince) return { consumedMs: run.consumedMs, runningSince: run.runningSince };
  return { consumedMs: run.consumedMs, runningSince: new Date(at.getTime()) };
}

/** Remaining target time at `now` (negative when overdue), in the clock's own measure. */
export function remainingMs(spec: ClockSpec, run: ClockRun, now: Date, cal: BusinessCalendar): number {
  checkSpec(spec);
  return spec.targetMs - consumedAt(spec, run, now, cal);
}
