import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { customers, plannedTouchpoints, projects, standardActionRules, unitOwnerships } from '../../db/schema/index.js';
import { addCalendarDuration, birthdayIn, calendarDuration, endOfMonth, wallOf, yearsAfter, type CalendarDuration } from '../../domain/calendar-duration.js';
import { MILESTONE_TRIGGERS, type Milestone, type RuleTrigger } from '../../domain/enums.js';

/**
 * Planning of standard actions (标准动作, 6+2 步法): the one place where a rule and its trigger
 * become a planned touchpoint with its open and due times. The API's milestone mutations, the
 * scheduler and the demo seeder all plan through here.
 *
 * Exactly once per rule and subject: every planned action has a trigger key (the trigger and
 * its subject, e.g. `SIGNED:ownership:42`), unique per rule, and is inserted with ON CONFLICT
 * DO NOTHING, so a retried or concurrent planning (another instance, a restart) adds nothing.
 */

export type RuleRow = typeof standardActionRules.$inferSelect;
export type PlannedRow = typeof plannedTouchpoints.$inferSelect;
type PlannedInsert = typeof plannedTouchpoints.$inferInsert;

/** Triggers the scheduler plans as time passes (the others are planned by the milestone mutations). */
export const TIME_TRIGGERS = ['WARRANTY_ENDING', 'BIRTHDAY', 'PERIODIC_AWAITING_DELIVERY', 'ANNIVERSARY_OF_MOVE_IN'] as const satisfies readonly RuleTrigger[];

/** The trigger key of one occurrence: the trigger, its subject and, for repeating triggers, which occurrence. */
export function triggerKey(trigger: RuleTrigger, subject: 'ownership' | 'customer' | 'response', id: number, occurrence?: string | number): string {
  return `${trigger}:${subject}:${id}${occurrence === undefined ? '' : `:${occurrence}`}`;
}

/** A rule's sample share as given: it is stored as a 4-byte real (0.1 reads back as 0.100000001…), so read to 6 decimals. */
export function sampleShareOf(rule: Pick<RuleRow, 'sampleShare'>): number | null {
  return rule.sampleShare === null ? null : Math.round(rule.sampleShare * 1e6) / 1e6;
}

/** The ownership a milestone was recorded on, after the change. */
export type PlannedOwnership = {
  id: number;
  customerId: number;
  projectId: number;
  unitId: number;
  signedAt: Date | null;
  deliveredAt: Date | null;
  movedInAt: Date | null;
};

/** The moments of one planned action: its trigger, from when it may be done, and when it is due. */
export function momentsOf(rule: Pick<RuleRow, 'trigger' | 'startAfter' | 'dueWithin'>, triggerAt: Date, timeZone: string) {
  const opensAt = addCalendarDuration(triggerAt, calendarDuration(rule.startAfter), timeZone);
  const due = addCalendarDuration(triggerAt, calendarDuration(rule.dueWithin), timeZone);
  // A month-end rule is due by the end of the month its due offset falls in (the signing month with
  // P0D): its last millisecond, so that the action counts in that month.
  const dueAt = rule.trigger === 'MONTH_END_AFTER_SIGNING' ? new Date(endOfMonth(due, timeZone).getTime() - 1) : due;
  return { triggerAt, opensAt, dueAt };
}

/** The time of the ownership's milestone. */
function milestoneAt(m: Milestone, o: PlannedOwnership): Date | null {
  return m === 'SIGNED' ? o.signedAt : m === 'DELIVERED' ? o.deliveredAt : o.movedInAt;
}

/**
 * Which of these deliveries a sampled rule takes: systematic sampling in delivery order, so that
 * at every moment the project's planned actions of the rule are at least `sampleShare` of its
 * deliveries (rounded up) and at most `sampleCap` (seed 003 §5.5: 回访比例不低于项目交付量的10%,
 * 不高于60户). `batch` are deliveries of one project already recorded in this transaction, in
 * delivery order; the answer is the same as recording them one by one. It depends only on stored
 * data, so it draws the same sample after a restart; a transaction-level advisory lock per rule
 * and project serialises concurrent deliveries.
 */
async function sampledOf(tx: DbOrTx, rule: RuleRow, projectId: number, batch: PlannedOwnership[]): Promise<PlannedOwnership[]> {
  if (rule.sampleShare === null && rule.sampleCap === null) return batch;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`cx-sample:${rule.id}:${projectId}`}, 0))`);
  const [counts] = await tx
    .select({
      delivered: sql<number>`(select count(*) from ${unitOwnerships} where ${unitOwnerships.projectId} = ${projectId} and ${unitOwnerships.deliveredAt} is not null)::int`,
      planned: sql<number>`(select count(*) from ${plannedTouchpoints} where ${plannedTouchpoints.projectId} = ${projectId} and ${plannedTouchpoints.ruleId} = ${rule.id})::int`,
    })
    .from(sql`(select 1) as one`);
  const before = Number(counts!.delivered) - batch.length;
  const share = sampleShareOf(rule);
  let planned = Number(counts!.planned);
  const taken: PlannedOwnership[] = [];
  batch.forEach((o, i) => {
    const delivered = before + i + 1;
    const wanted = Math.min(share === null ? Infinity : Math.ceil(share * delivered - 1e-9), rule.sampleCap ?? Infinity);
    if (planned < wanted) {
      taken.push(o);
      planned++;
    }
  });
  return taken;
}

/**
 * Plans the actions of the active rules a milestone triggers (signing: SIGNED,
 * MONTH_END_AFTER_SIGNING and the first PERIODIC_AWAITING_DELIVERY; delivery: DELIVERED; move-in:
 * MOVED_IN), in the caller's transaction, for ownerships whose milestone was just recorded.
 * Returns the actions planned now (none on a repeat).
 */
export async function planForMilestone(tx: DbOrTx, milestone: Milestone, o: PlannedOwnership, timeZone: string): Promise<PlannedRow[]> {
  return planForMilestones(tx, milestone, [o], timeZone);
}

/**
 * {@link planForMilestone} for many ownerships at once (bulk recording, the demo seeder): one
 * rules query, the sampled rules' counts once per project, inserts in chunks. Ownerships are
 * taken in the order of their milestone.
 */
export async function planForMilestones(tx: DbOrTx, milestone: Milestone, owned: PlannedOwnership[], timeZone: string): Promise<PlannedRow[]> {
  const at = (o: PlannedOwnership) => milestoneAt(milestone, o);
  const due = owned.filter((o) => at(o) !== null).sort((a, b) => at(a)!.getTime() - at(b)!.getTime() || a.id - b.id);
  if (!due.length) return [];
  const triggers: readonly RuleTrigger[] = MILESTONE_TRIGGERS[milestone];
  const rules = await tx
    .select()
    .from(standardActionRules)
    .where(and(eq(standardActionRules.active, true), inArray(standardActionRules.trigger, [...triggers])))
    .orderBy(standardActionRules.id);
  const byProject = new Map<number, PlannedOwnership[]>();
  for (const o of due) byProject.set(o.projectId, [...(byProject.get(o.projectId) ?? []), o]);
  const rows: PlannedInsert[] = [];
  for (const rule of rules) {
    for (const [projectId, batch] of byProject) {
      for (const o of await sampledOf(tx, rule, projectId, batch)) {
        rows.push({
          ruleId: rule.id,
          customerId: o.customerId,
          projectId: o.projectId,
          unitId: o.unitId,
          ownershipId: o.id,
          // A periodic rule's first occurrence is the signing itself; the scheduler plans the next ones.
          triggerKey: triggerKey(rule.trigger, 'ownership', o.id, rule.trigger === 'PERIODIC_AWAITING_DELIVERY' ? 0 : undefined),
          ...momentsOf(rule, at(o)!, timeZone),
          channel: rule.channel,
          stage: rule.stage,
        });
      }
    }
  }
  const planned: PlannedRow[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) planned.push(...(await tx.insert(plannedTouchpoints).values(rows.slice(i, i + CHUNK)).onConflictDoNothing().returning()));
  return planned;
}

const DAY = 86_400_000;
/** Rows inserted per statement. */
const CHUNK = 500;

/** A duration `k` times over (occurrence k of a periodic rule counts from the signing, so it does not drift). */
function times(d: CalendarDuration, k: number): CalendarDuration {
  return { negative: d.negative, years: d.years * k, months: d.months * k, weeks: d.weeks * k, days: d.days * k, ms: d.ms * k };
}

/** A rough length of a duration in ms (for prefilters only: exact times come from the calendar). */
function roughMs(d: CalendarDuration): number {
  return (d.negative ? -1 : 1) * ((d.years * 365.25 + d.months * 30.44 + d.weeks * 7 + d.days) * DAY + d.ms);
}

/**
 * The local month-days (`MM-DD`) a yearly trigger may fall on for its action to open in
 * (from, until], with two days' margin; null when the window spans about a year or more (no
 * prefilter). A 28 February brings 29 February along (such birthdays fall on the 28th in other years).
 */
function monthDays(from: Date, until: Date, startAfter: CalendarDuration, timeZone: string): string[] | null {
  const shift = roughMs(startAfter);
  const lo = from.getTime() - shift - 2 * DAY;
  const hi = until.getTime() - shift + 2 * DAY;
  if (hi - lo > 360 * DAY) return null;
  const out = new Set<string>();
  for (let t = lo; t <= hi + DAY; t += DAY) {
    const w = wallOf(new Date(Math.min(t, hi)), timeZone);
    const md = `${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
    out.add(md);
    if (md === '02-28') out.add('02-29');
  }
  return [...out];
}

/** `column`'s local month-day (in the time zone) is one of `days`; no condition when `days` is null. */
function onMonthDays(column: SQL, days: string[] | null): SQL | undefined {
  return days === null ? undefined : sql`${column} in (${sql.join(days.map((d) => sql`${d}`), sql`, `)})`;
}
const localMonthDay = (column: SQL | typeof unitOwnerships.deliveredAt, timeZone: string) => sql`to_char(${column} at time zone ${timeZone}, 'MM-DD')`;

type Window = { from: Date; until: Date; timeZone: string };

/** The occurrences of a time-based rule whose action opens in (from, until]. */
async function occurrences(tx: DbOrTx, rule: RuleRow, w: Window): Promise<PlannedInsert[]> {
  const startAfter = calendarDuration(rule.startAfter);
  const out: PlannedInsert[] = [];
  const opensIn = (m: { opensAt: Date }) => m.opensAt > w.from && m.opensAt <= w.until;
  const base = (o: { customerId: number; projectId: number; unitId: number | null; id: number | null }) => ({
    ruleId: rule.id,
    customerId: o.customerId,
    projectId: o.projectId,
    unitId: o.unitId,
    ownershipId: o.id,
    channel: rule.channel,
    stage: rule.stage,
  });
  const days = monthDays(w.from, w.until, startAfter, w.timeZone);
  const owned = { id: unitOwnerships.id, customerId: unitOwnerships.customerId, projectId: unitOwnerships.projectId, unitId: unitOwnerships.unitId };

  if (rule.trigger === 'WARRANTY_ENDING') {
    // Each warranty term of the project ends `years` after the unit's delivery, on the same local day.
    const rows = await tx
      .select({ ...owned, at: unitOwnerships.deliveredAt, terms: projects.warrantyTerms })
      .from(unitOwnerships)
      .innerJoin(projects, eq(projects.id, unitOwnerships.projectId))
      .where(and(isNotNull(unitOwnerships.deliveredAt), onMonthDays(localMonthDay(unitOwnerships.deliveredAt, w.timeZone), days)));
    for (const o of rows) {
      for (const term of o.terms) {
        const m = momentsOf(rule, yearsAfter(o.at!, term.years, w.timeZone), w.timeZone);
        if (opensIn(m)) out.push({ ...base(o), triggerKey: triggerKey(rule.trigger, 'ownership', o.id, `${term.component}/${term.years}`), ...m });
      }
    }
  } else if (rule.trigger === 'ANNIVERSARY_OF_MOVE_IN') {
    const rows = await tx
      .select({ ...owned, at: unitOwnerships.movedInAt })
      .from(unitOwnerships)
      .where(and(isNotNull(unitOwnerships.movedInAt), onMonthDays(localMonthDay(unitOwnerships.movedInAt, w.timeZone), days)));
    for (const o of rows) {
      const first = wallOf(o.at!, w.timeZone).year;
      for (let y = wallOf(w.from, w.timeZone).year - 1; y <= wallOf(w.until, w.timeZone).year + 1; y++) {
        if (y <= first) continue;
        const m = momentsOf(rule, yearsAfter(o.at!, y - first, w.timeZone), w.timeZone);
        if (opensIn(m)) out.push({ ...base(o), triggerKey: triggerKey(rule.trigger, 'ownership', o.id, y - first), ...m });
      }
    }
  } else if (rule.trigger === 'BIRTHDAY') {
    // Customers holding a signed unit (业主), greeted in the project of their first signing.
    const born = await tx
      .select({ id: customers.id, birthday: customers.birthday })
      .from(customers)
      .where(
        and(
          isNotNull(customers.birthday),
          onMonthDays(sql`right(${customers.birthday}::text, 5)`, days),
          sql`exists (select 1 from ${unitOwnerships} where ${unitOwnerships.customerId} = ${customers.id} and ${unitOwnerships.signedAt} is not null)`,
        ),
      );
    const signed = born.length
      ? await tx
          .select({ ...owned, signedAt: unitOwnerships.signedAt })
          .from(unitOwnerships)
          .where(and(inArray(unitOwnerships.customerId, born.map((c) => c.id)), isNotNull(unitOwnerships.signedAt)))
          .orderBy(asc(unitOwnerships.signedAt), asc(unitOwnerships.id))
      : [];
    const firstSigned = new Map<number, (typeof signed)[number]>();
    for (const o of signed) if (!firstSigned.has(o.customerId)) firstSigned.set(o.customerId, o);
    for (const c of born) {
      const o = firstSigned.get(c.id)!;
      for (let y = wallOf(w.from, w.timeZone).year - 1; y <= wallOf(w.until, w.timeZone).year + 1; y++) {
        const at = birthdayIn(c.birthday!, y, w.timeZone);
        const m = momentsOf(rule, at, w.timeZone);
        if (opensIn(m) && o.signedAt! <= at) out.push({ ...base({ ...o, id: null }), triggerKey: triggerKey(rule.trigger, 'customer', c.id, y), ...m });
      }
    }
  } else if (rule.trigger === 'PERIODIC_AWAITING_DELIVERY' && rule.repeatEvery) {
    // Every period from the signing while the unit waits for delivery.
    const every = calendarDuration(rule.repeatEvery);
    const period = roughMs(every);
    const rows = await tx
      .select({ ...owned, signedAt: unitOwnerships.signedAt, deliveredAt: unitOwnerships.deliveredAt })
      .from(unitOwnerships)
      .where(
        and(
          isNotNull(unitOwnerships.signedAt),
          lte(unitOwnerships.signedAt, new Date(w.until.getTime() - roughMs(startAfter) + 2 * DAY)),
          or(isNull(unitOwnerships.deliveredAt), gt(unitOwnerships.deliveredAt, new Date(w.from.getTime() - roughMs(startAfter) - period - 2 * DAY))),
        ),
      );
    for (const o of rows) {
      const signedAt = o.signedAt!.getTime();
      let k = Math.max(0, Math.floor((w.from.getTime() - roughMs(startAfter) - signedAt) / period) - 1);
      for (; ; k++) {
        const at = addCalendarDuration(o.signedAt!, times(every, k), w.timeZone);
        if (o.deliveredAt && at >= o.deliveredAt) break;
        const m = momentsOf(rule, at, w.timeZone);
        if (m.opensAt > w.until) break;
        if (opensIn(m)) out.push({ ...base(o), triggerKey: triggerKey(rule.trigger, 'ownership', o.id, k), ...m });
      }
    }
  }
  return out;
}

/**
 * Plans the occurrences of the active time-based rules (warranty ends, birthdays, periodic
 * bulletins, move-in anniversaries) whose actions open up to `until`, from where each rule's last
 * run stopped (at first: the rule's creation, so that a new rule plans no history). Exactly once
 * per occurrence (unique trigger key; a concurrent run plans nothing twice). Returns the planned
 * actions.
 */
export async function planTimeBased(tx: DbOrTx, until: Date, timeZone: string): Promise<PlannedRow[]> {
  const rules = await tx
    .select()
    .from(standardActionRules)
    .where(and(eq(standardActionRules.active, true), inArray(standardActionRules.trigger, [...TIME_TRIGGERS])))
    .orderBy(standardActionRules.id);
  const planned: PlannedRow[] = [];
  for (const rule of rules) {
    const from = rule.plannedUntil ?? rule.createdAt;
    if (from >= until) continue;
    const rows = await occurrences(tx, rule, { from, until, timeZone });
    for (let i = 0; i < rows.length; i += CHUNK) {
      planned.push(...(await tx.insert(plannedTouchpoints).values(rows.slice(i, i + CHUNK)).onConflictDoNothing().returning()));
    }
    await tx.update(standardActionRules).set({ plannedUntil: until }).where(eq(standardActionRules.id, rule.id));
  }
  return planned;
}

/** A survey response whose overall score was low (2 or less), as the recovery planning needs it. */
export type LowResponse = { id: number; customerId: number; projectId: number; stage: PlannedInsert['stage']; submittedAt: Date };

/**
 * 挽回服务 (seed 004 §e): plans the actions of the active LOW_SATISFACTION rules for a response
 * whose overall score is 2 or less, once per rule and response, in the caller's transaction. The
 * trigger is the response's time; the action takes the response's stage. Returns what it planned.
 */
export async function planRecovery(tx: DbOrTx, r: LowResponse, timeZone: string): Promise<PlannedRow[]> {
  const rules = await tx
    .select()
    .from(standardActionRules)
    .where(and(eq(standardActionRules.active, true), eq(standardActionRules.trigger, 'LOW_SATISFACTION')))
    .orderBy(standardActionRules.id);
  if (!rules.length) return [];
  const rows: PlannedInsert[] = rules.map((rule) => ({
    ruleId: rule.id,
    customerId: r.customerId,
    projectId: r.projectId,
    triggerKey: triggerKey(rule.trigger, 'response', r.id),
    ...momentsOf(rule, r.submittedAt, timeZone),
    channel: rule.channel,
    stage: r.stage,
  }));
  return tx.insert(plannedTouchpoints).values(rows).onConflictDoNothing().returning();
}
