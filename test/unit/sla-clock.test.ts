import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BusinessCalendar, calendarFromJson } from '../../src/sla/calendar.js';
import { consumedAt, deadlines, pause, remainingMs, resume, targetMsOf, type ClockRun, type ClockSpec } from '../../src/sla/clock.js';
import { formatMs, parseSlaDuration } from '../../src/sla/duration.js';

const json: unknown = JSON.parse(readFileSync(new URL('../../src/sla/cn-holiday-calendar.json', import.meta.url), 'utf8'));
const cal = new BusinessCalendar(calendarFromJson(json));

const H = 3_600_000;
const M = 60_000;
const WDAY = 9 * H;
/** Shanghai local wall time 'YYYY-MM-DD HH:MM' as an instant. */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}+08:00`);
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const shIso = (local: string) => sh(local).toISOString();

const working = (targetMs: number, warnAt = 0.8): ClockSpec => ({ targetMs, workingTime: true, warnAt });
const calendar = (targetMs: number, warnAt = 0.8): ClockSpec => ({ targetMs, workingTime: false, warnAt });
const running = (since: string, consumedMs = 0): ClockRun => ({ consumedMs, runningSince: sh(since) });
const paused = (consumedMs: number): ClockRun => ({ consumedMs, runningSince: null });

describe('targetMsOf', () => {
  const shortDays = new BusinessCalendar(calendarFromJson(json), { hours: { start: '08:30', end: '12:00' } });
  it.each<[string, boolean, BusinessCalendar, number]>([
    ['PT4H', true, cal, 4 * H],
    ['PT4H', false, cal, 4 * H],
    ['P1D', true, cal, 9 * H],
    ['P1D', false, cal, 24 * H],
    ['P1W', true, cal, 45 * H],
    ['P1W', false, cal, 168 * H],
    ['P1W2D', true, cal, 63 * H],
    ['P1DT2H', true, cal, 11 * H],
    ['P1DT2H', false, cal, 26 * H],
    ['P0.5D', true, cal, 4.5 * H],
    ['PT10H', true, cal, 10 * H],
    ['P30D', true, cal, 270 * H],
    ['P1D', true, shortDays, 3.5 * H],
    ['P1W', true, shortDays, 17.5 * H],
  ])('%s (working time: %s) → ms', (text, workingTime, c, expected) => {
    expect(targetMsOf(parseSlaDuration(text), workingTime, c)).toBe(expected);
  });
});

describe('consumedAt', () => {
  it.each<[string, ClockSpec, ClockRun, string, number]>([
    ['paused: what was stored', working(WDAY), paused(3 * H), '2025-06-04 12:00', 3 * H],
    ['working time, same day', working(WDAY), running('2025-06-04 09:00'), '2025-06-04 12:30', 3.5 * H],
    ['working time, over a night', working(WDAY), running('2025-06-04 17:00', 30 * M), '2025-06-05 10:00', 2.5 * H],
    ['working time, over a weekend', working(WDAY), running('2025-06-06 17:00'), '2025-06-09 10:00', 2 * H],
    ['working time, over Spring Festival 2026', working(5 * WDAY), running('2026-02-13 09:00'), '2026-02-25 09:00', 3 * WDAY],
    ['calendar time ignores the calendar (weekend)', calendar(WDAY), running('2025-06-06 17:00'), '2025-06-09 10:00', 65 * H],
    ['calendar time ignores the calendar (National Day)', calendar(WDAY), running('2025-09-30 18:00'), '2025-10-08 18:00', 8 * 24 * H],
    ['now before runningSince adds nothing', working(WDAY), running('2025-06-04 10:00', H), '2025-06-04 09:00', H],
    ['now before runningSince adds nothing (calendar)', calendar(WDAY), running('2025-06-04 10:00', H), '2025-06-04 09:00', H],
  ])('%s', (_what, spec, run, now, expected) => {
    expect(consumedAt(spec, run, sh(now), cal)).toBe(expected);
  });
});

describe('deadlines', () => {
  it.each<[string, ClockSpec, ClockRun, string | null, string | null]>([
    ['paused clock has none', working(WDAY), paused(H), null, null],
    // 1 working day = 9 h; warning at 80 % = 7 h 12 min.
    ['1 working day from Wednesday 09:00', working(WDAY), running('2025-06-04 09:00'), '2025-06-04 18:00', '2025-06-04 16:12'],
    ['1 working day from Friday 17:00', working(WDAY), running('2025-06-06 17:00'), '2025-06-09 17:00', '2025-06-09 15:12'],
    ['1 working day from Saturday', working(WDAY), running('2025-06-07 10:00'), '2025-06-09 18:00', '2025-06-09 16:12'],
    ['1 working day from after 18:00', working(WDAY), running('2025-06-04 18:00'), '2025-06-05 18:00', '2025-06-05 16:12'],
    ['received during Spring Festival 2026', working(WDAY), running('2026-02-16 10:00'), '2026-02-24 18:00', '2026-02-24 16:12'],
    ['before Spring Festival 2026, via the make-up Saturday', working(3 * WDAY), running('2026-02-13 09:00'), '2026-02-24 18:00', '2026-02-24 12:36'],
    ['before National Day 2025', working(WDAY), running('2025-09-30 17:00'), '2025-10-09 17:00', '2025-10-09 15:12'],
    ['4 working hours at 16:00', working(4 * H), running('2025-06-04 16:00'), '2025-06-05 11:00', '2025-06-05 10:12'],
    ['resumed with 2 h used, at night', working(WDAY), running('2025-06-04 20:00', 2 * H), '2025-06-05 16:00', '2025-06-05 14:12'],
    ['resumed past the warning: warnAt = runningSince', working(WDAY), running('2025-06-04 10:00', 8 * H), '2025-06-04 11:00', '2025-06-04 10:00'],
    ['resumed exactly at the warning', working(WDAY), running('2025-06-04 10:00', 7.2 * H), '2025-06-04 11:48', '2025-06-04 10:00'],
    ['resumed already overdue: both = runningSince', working(WDAY), running('2025-06-07 10:00', 10 * H), '2025-06-07 10:00', '2025-06-07 10:00'],
    ['calendar time: 24 h from Friday 17:00', calendar(24 * H), running('2025-06-06 17:00'), '2025-06-07 17:00', '2025-06-07 12:12'],
    ['calendar time: 3 days into Spring Festival', calendar(72 * H), running('2026-02-14 10:00'), '2026-02-17 10:00', '2026-02-16 19:36'],
    ['calendar time: resumed with 1 h used at night', calendar(4 * H, 0.5), running('2025-06-04 23:00', H), '2025-06-05 02:00', '2025-06-05 00:00'],
  ])('%s', (_what, spec, run, due, warn) => {
    const got = deadlines(spec, run, cal);
    expect(iso(got.dueAt)).toBe(due === null ? null : shIso(due));
    expect(iso(got.warnAt)).toBe(warn === null ? null : shIso(warn));
  });

  it('the due instant is where consumedAt reaches the target, the warning where it reaches warnAt', () => {
    const spec = working(WDAY);
    const run = running('2025-06-06 17:00', 30 * M);
    const { dueAt, warnAt } = deadlines(spec, run, cal);
    expect(consumedAt(spec, run, dueAt!, cal)).toBe(WDAY);
    expect(consumedAt(spec, run, warnAt!, cal)).toBe(0.8 * WDAY);
    expect(remainingMs(spec, run, dueAt!, cal)).toBe(0);
  });

  it.each<[string, ClockSpec]>([
    ['warnAt 0', working(WDAY, 0)],
    ['warnAt 1', working(WDAY, 1)],
    ['warnAt NaN', working(WDAY, NaN)],
    ['targetMs 0', working(0)],
    ['targetMs negative', calendar(-H)],
    ['targetMs Infinity', calendar(Infinity)],
  ])('refuses a bad spec: %s', (_what, spec) => {
    expect(() => deadlines(spec, running('2025-06-04 09:00'), cal)).toThrow(RangeError);
    expect(() => remainingMs(spec, running('2025-06-04 09:00'), sh('2025-06-04 10:00'), cal)).toThrow(RangeError);
  });
});

describe('pause and resume', () => {
  type Step = [event: 'pause' | 'resume' | 'check', at: string, consumed: number];
  it.each<[string, ClockSpec, string, Step[], string]>([
    [
      'working time, paused over a night',
      working(WDAY),
      '2025-06-04 16:00',
      [
        ['pause', '2025-06-04 17:00', H],
        ['check', '2025-06-05 08:00', H],
        ['check', '2025-06-05 10:00', H],
        ['resume', '2025-06-05 10:00', H],
        ['check', '2025-06-05 11:00', 2 * H],
      ],
      '2025-06-05 18:00',
    ],
    [
      'working time, paused over National Day 2025, resumed during it',
      working(WDAY),
      '2025-09-30 14:00',
      [
        ['pause', '2025-09-30 16:00', 2 * H],
        ['check', '2025-10-05 12:00', 2 * H],
        ['resume', '2025-10-05 12:00', 2 * H],
        ['check', '2025-10-08 23:00', 2 * H], // still the holiday: nothing runs
        ['check', '2025-10-09 10:00', 3 * H],
      ],
      '2025-10-09 16:00',
    ],
    [
      'working time, paused over Spring Festival 2026, resumed after it',
      working(2 * WDAY),
      '2026-02-13 09:00',
      [
        ['pause', '2026-02-14 09:00', WDAY],
        ['check', '2026-02-20 12:00', WDAY],
        ['resume', '2026-02-24 11:00', WDAY],
        ['check', '2026-02-24 12:00', WDAY + H],
      ],
      '2026-02-25 11:00',
    ],
    [
      'calendar time, paused over a night: the pause does not count',
      calendar(24 * H),
      '2025-06-04 16:00',
      [
        ['pause', '2025-06-04 20:00', 4 * H],
        ['check', '2025-06-05 08:00', 4 * H],
        ['resume', '2025-06-05 08:00', 4 * H],
        ['check', '2025-06-05 09:00', 5 * H],
      ],
      '2025-06-06 04:00',
    ],
    [
      'pausing a paused clock and resuming a running one change nothing',
      working(WDAY),
      '2025-06-04 09:00',
      [
        ['resume', '2025-06-04 11:00', 2 * H], // keeps runningSince 09:00
        ['pause', '2025-06-04 12:00', 3 * H],
        ['pause', '2025-06-04 15:00', 3 * H],
        ['resume', '2025-06-04 16:00', 3 * H],
      ],
      '2025-06-05 13:00',
    ],
  ])('%s', (_what, spec, start, steps, finalDue) => {
    let run: ClockRun = resume({ consumedMs: 0, runningSince: null }, sh(start));
    for (const [event, at, consumed] of steps) {
      if (event === 'pause') {
        const prev = run;
        const snapshot = { ...run };
        run = pause(spec, run, sh(at), cal);
        expect(run.runningSince).toBeNull();
        expect(prev).toEqual(snapshot); // input not mutated
      } else if (event === 'resume') {
        run = resume(run, sh(at));
        expect(run.runningSince).not.toBeNull();
      }
      expect(consumedAt(spec, run, sh(at), cal), `${event} ${at}`).toBe(consumed);
      expect(remainingMs(spec, run, sh(at), cal), `${event} ${at}`).toBe(spec.targetMs - consumed);
    }
    expect(iso(deadlines(spec, run, cal).dueAt)).toBe(shIso(finalDue));
  });

  it('resume copies its arguments', () => {
    const at = sh('2025-06-04 10:00');
    const run = resume({ consumedMs: 5, runningSince: null }, at);
    expect(run).toEqual({ consumedMs: 5, runningSince: at });
    expect(run.runningSince).not.toBe(at);
  });

  it('pausing before runningSince adds nothing', () => {
    expect(pause(working(WDAY), running('2025-06-04 10:00', H), sh('2025-06-04 09:30'), cal)).toEqual({ consumedMs: H, runningSince: null });
  });
});

describe('remainingMs', () => {
  it.each<[string, ClockSpec, ClockRun, string, number, string]>([
    ['fresh working clock, same day', working(WDAY), running('2025-06-04 09:00'), '2025-06-04 12:00', 6 * H, 'PT6H'],
    ['working clock due exactly now', working(WDAY), running('2025-06-04 09:00'), '2025-06-04 18:00', 0, 'PT0S'],
    ['overdue by 1 working hour', working(WDAY), running('2025-06-04 09:00'), '2025-06-05 10:00', -H, '-PT1H'],
    ['overdue working clock does not grow at night', working(WDAY), running('2025-06-04 09:00'), '2025-06-05 08:00', 0, 'PT0S'],
    ['overdue by a week of working time over National Day', working(WDAY), running('2025-09-29 09:00'), '2025-10-11 18:00', -4 * WDAY, '-P1DT12H'],
    ['calendar clock overdue by 1 h', calendar(4 * H), running('2025-06-04 10:00'), '2025-06-04 15:00', -H, '-PT1H'],
    ['calendar clock overdue over a weekend', calendar(24 * H), running('2025-06-06 17:00'), '2025-06-09 17:00', -48 * H, '-P2D'],
    ['paused overdue clock stays overdue by the same', calendar(4 * H), paused(5 * H + 30 * M), '2030-01-01 00:00', -1.5 * H, '-PT1H30M'],
  ])('%s', (_what, spec, run, now, expected, text) => {
    const left = remainingMs(spec, run, sh(now), cal);
    expect(left).toBe(expected);
    expect(formatMs(left)).toBe(text);
  });
});

describe('from SLA text to deadlines', () => {
  it.each<[string, boolean, string, string]>([
    ['PT2H', true, '2025-06-06 17:30', '2025-06-09 10:30'],
    ['P1D', true, '2025-06-06 17:00', '2025-06-09 17:00'],
    ['P3D', true, '2026-02-12 10:00', '2026-02-24 10:00'],
    ['P1W', true, '2025-09-26 09:00', '2025-10-09 18:00'],
    ['P3D', false, '2026-02-12 10:00', '2026-02-15 10:00'],
    ['PT48H', false, '2025-06-06 17:00', '2025-06-08 17:00'],
  ])('%s (working time: %s) from %s is due %s', (text, workingTime, from, due) => {
    const spec: ClockSpec = { targetMs: targetMsOf(parseSlaDuration(text), workingTime, cal), workingTime, warnAt: 0.8 };
    expect(iso(deadlines(spec, running(from), cal).dueAt)).toBe(shIso(due));
  });
});
