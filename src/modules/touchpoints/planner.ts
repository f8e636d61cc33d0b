import { and, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { plannedTouchpoints, standardActionRules, unitOwnerships } from '../../db/schema/index.js';
import { addCalendarDuration, calendarDuration, endOfMonth } from '../../domain/calendar-duration.js';
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
  // A month-end rule is due at the end of the month its due offset falls in (the signing month with P0D).
  const dueAt = rule.trigger === 'MONTH_END_AFTER_SIGNING' ? endOfMonth(due, timeZone) : due;
  return { triggerAt, opensAt, dueAt };
}

/** The time of the ownership's milestone. */
function milestoneAt(m: Milestone, o: PlannedOwnership): Date | null {
  return m === 'SIGNED' ? o.signedAt : m === 'DELIVERED' ? o.deliveredAt : o.movedInAt;
}

/**
 * Whether a sampled rule takes this delivery: systematic sampling in delivery order, so that at
 * every moment the project's planned actions of the rule are at least `sampleShare` of its
 * deliveries (rounded up) and at most `sampleCap` (seed 003 §5.5: 回访比例不低于项目交付量的10%,
 * 不高于60户). It depends only on stored data, so it draws the same sample after a restart; a
 * transaction-level advisory lock per rule and project serialises concurrent deliveries.
 */
async function sampled(tx: DbOrTx, rule: RuleRow, projectId: number): Promise<boolean> {
  if (rule.sampleShare === null && rule.sampleCap === null) return true;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`cx-sample:${rule.id}:${projectId}`}, 0))`);
  const [[delivered], [planned]] = await Promise.all([
    tx.select({ n: count() }).from(unitOwnerships).where(and(eq(unitOwnerships.projectId, projectId), isNotNull(unitOwnerships.deliveredAt))),
    tx.select({ n: count() }).from(plannedTouchpoints).where(and(eq(plannedTouchpoints.projectId, projectId), eq(plannedTouchpoints.ruleId, rule.id))),
  ]);
  const wanted = Math.min(rule.sampleShare === null ? Infinity : Math.ceil(rule.sampleShare * delivered!.n - 1e-9), rule.sampleCap ?? Infinity);
  return planned!.n < wanted;
}

/**
 * Plans the actions of the active rules a milestone triggers (signing: SIGNED and
 * MONTH_END_AFTER_SIGNING; delivery: DELIVERED; move-in: MOVED_IN), in the caller's transaction.
 * Returns the actions planned now (none on a repeat).
 */
export async function planForMilestone(tx: DbOrTx, milestone: Milestone, o: PlannedOwnership, timeZone: string): Promise<PlannedRow[]> {
  const at = milestoneAt(milestone, o);
  if (!at) return [];
  const triggers: readonly RuleTrigger[] = MILESTONE_TRIGGERS[milestone];
  const rules = await tx
    .select()
    .from(standardActionRules)
    .where(and(eq(standardActionRules.active, true), inArray(standardActionRules.trigger, [...triggers])))
    .orderBy(standardActionRules.id);
  const rows: (typeof plannedTouchpoints.$inferInsert)[] = [];
  for (const rule of rules) {
    if (!(await sampled(tx, rule, o.projectId))) continue;
    rows.push({
      ruleId: rule.id,
      customerId: o.customerId,
      projectId: o.projectId,
      unitId: o.unitId,
      ownershipId: o.id,
      triggerKey: `${rule.trigger}:ownership:${o.id}`,
      ...momentsOf(rule, at, timeZone),
      channel: rule.channel,
      stage: rule.stage,
    });
  }
  if (!rows.length) return [];
  return tx.insert(plannedTouchpoints).values(rows).onConflictDoNothing().returning();
}
