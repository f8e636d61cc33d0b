import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { plannedTouchpoints, standardActionRules, touchpoints } from '../db/schema/index.js';
import type { Channel } from '../domain/enums.js';
import { planForMilestones, type PlannedOwnership, type PlannedRow } from '../modules/touchpoints/planner.js';
import { carriedOut, doneBy, skippedBy } from '../modules/touchpoints/standard-action.service.js';
import { touchpointRow } from '../modules/touchpoints/touchpoint.service.js';
import type { Rng } from './demo.js';
import { AGENTS, MANAGERS } from './demo-staff.js';

/**
 * Demo standard actions (标准动作): the actions the demo customers' signings, deliveries and
 * move-ins planned, through the planner the API uses, and what the staff did about them, through
 * the same completion and skip rules as `completePlannedTouchpoint` and `skipPlannedTouchpoint`.
 * Of the actions already due, about 78 % were done on time, 12 % late, 4 % skipped with a reason
 * and 6 % are still open (the scheduler raises their TOUCHPOINT_OVERDUE alerts at start-up, late);
 * about a third of those open but not yet due are done.
 */

type City = keyof typeof AGENTS;
export type ActionSeedInput = {
  now: Date;
  timeZone: string;
  ownerships: PlannedOwnership[];
  /** Customer names by id (notes are masked with them as the API masks them). */
  customerNames: Map<number, string>;
  /** The city company code of each project (its staff carry the actions out). */
  cityOfProject: Map<number, City>;
};

const DAY = 86_400_000;
const CHUNK = 500;

const NOTES: Record<Channel, string[]> = {
  SMS: ['短信已发送，已截屏存档', '按模板发送短信，客户已回复收到'],
  PHONE: ['电话回访完成，客户表示满意', '电话联系客户，记录了装修咨询'],
  HOTLINE_400: ['400呼叫中心回访完成，客户评价满意', '呼叫中心回访，客户提出车位问题已转营销'],
  VISIT: ['上门拜访，赠送乔迁礼品，客户满意', '入户回访，检查了门窗和排水，无问题'],
  ONSITE: ['现场检查完成，记录了两处需保养的部品', '房屋体检完成，出具体检报告'],
  WECHAT: ['微信发送祝福，客户已读'],
  EMAIL: ['邮件已发送'],
  LETTER: ['万科家书已寄出，附工程进度照片', '工程进度通报已发放，发放记录存档'],
  FORUM: ['论坛发布通报'],
  EVENT: ['参加工地开放日活动'],
};
const SKIP_REASONS = ['客户要求不再电话联系', '客户已出国，无法联系', '客户明确拒绝上门拜访'];

/** A planned action the demo staff carried out: its touchpoint, when and by whom, and its rule's code. */
export type CarriedOut = { planned: PlannedRow; code: string; touchpointId: number; at: Date; by: string };

export async function seedStandardActions(tx: Tx, rng: Rng, input: ActionSeedInput): Promise<{ planned: number; done: number; skipped: number; carried: CarriedOut[] }> {
  const planned: PlannedRow[] = [];
  for (const milestone of ['SIGNED', 'DELIVERED', 'MOVED_IN'] as const) planned.push(...(await planForMilestones(tx, milestone, input.ownerships, input.timeZone)));
  const codes = new Map((await tx.select({ id: standardActionRules.id, code: standardActionRules.code }).from(standardActionRules)).map((r) => [r.id, r.code]));
  const now = input.now.getTime();

  const done: { planned: PlannedRow; row: typeof touchpoints.$inferInsert; by: string }[] = [];
  const skipped: { planned: PlannedRow; reason: string; by: string; at: Date }[] = [];
  for (const p of planned) {
    const city = input.cityOfProject.get(p.projectId) ?? 'SZ';
    const agent = rng.pick(AGENTS[city]);
    const opens = p.opensAt.getTime();
    const due = p.dueAt.getTime();
    let at: number | null = null;
    const r = rng.next();
    if (due <= now) {
      if (r < 0.78) at = opens + rng.next() * Math.max(due - opens, 0);
      else if (r < 0.9) at = due + (1 + rng.next() * 9) * DAY;
      else if (r < 0.94) skipped.push({ planned: p, reason: rng.pick(SKIP_REASONS), by: MANAGERS[city], at: new Date(Math.min(due, now)) });
    } else if (opens <= now && r < 0.35) {
      at = opens + rng.next() * (now - opens);
    }
    if (at === null || at > now) continue;
    const values = carriedOut(p, codes.get(p.ruleId)!, {
      channel: p.channel,
      notes: rng.pick(NOTES[p.channel]),
      occurredAt: new Date(Math.round(at)),
      outcome: 'REACHED',
      evidence: p.channel === 'SMS' ? [{ url: `https://files.example.com/6+2/sms/${p.id}.png`, kind: 'SCREENSHOT', caption: '短信截屏' }] : [],
      staffId: agent,
      createdBy: agent,
    });
    done.push({ planned: p, row: touchpointRow(values, input.customerNames.get(p.customerId) ?? ''), by: agent });
  }

  const carried: CarriedOut[] = [];
  for (let i = 0; i < done.length; i += CHUNK) {
    const chunk = done.slice(i, i + CHUNK);
    const ids = await tx.insert(touchpoints).values(chunk.map((d) => d.row)).returning({ id: touchpoints.id, customerId: touchpoints.customerId, kind: touchpoints.kind, occurredAt: touchpoints.occurredAt, unitId: touchpoints.unitId });
    // Map back by natural key rather than trusting RETURNING order.
    const key = (x: { customerId: number; kind: string; occurredAt: Date | string; unitId?: number | null }) => `${x.customerId}|${x.unitId ?? ''}|${x.kind}|${new Date(x.occurredAt).getTime()}`;
    const byKey = new Map<string, number[]>();
    for (const r of ids) byKey.set(key(r), [...(byKey.get(key(r)) ?? []), r.id]);
    const set = chunk.map((d) => {
      const touchpointId = byKey.get(key(d.row as never))!.shift()!;
      carried.push({ planned: d.planned, code: codes.get(d.planned.ruleId)!, touchpointId, at: d.row.occurredAt as Date, by: d.by });
      return { id: d.planned.id, ...doneBy({ id: touchpointId, occurredAt: d.row.occurredAt as Date }, d.row.occurredAt as Date, d.by) };
    });
    // One parameter per column (arrays), not per value: the statement stays small whatever the chunk.
    await tx.execute(sql`
      update ${plannedTouchpoints} as p set status = v.status, touchpoint_id = v.touchpoint_id, done_at = v.done_at, completed_at = v.completed_at, closed_by = v.closed_by
      from unnest(${sql.param(set.map((v) => v.id))}::bigint[], ${sql.param(set.map((v) => v.status))}::text[], ${sql.param(set.map((v) => v.touchpointId))}::bigint[],
                  ${sql.param(set.map((v) => v.doneAt.toISOString()))}::timestamptz[],
                  ${sql.param(set.map((v) => v.completedAt.toISOString()))}::timestamptz[], ${sql.param(set.map((v) => v.closedBy))}::text[])
        as v(id, status, touchpoint_id, done_at, completed_at, closed_by)
      where p.id = v.id`);
  }
  for (let i = 0; i < skipped.length; i += CHUNK) {
    const set = skipped.slice(i, i + CHUNK).map((s) => ({ id: s.planned.id, ...skippedBy(s.reason, s.at, s.by) }));
    await tx.execute(sql`
      update ${plannedTouchpoints} as p set status = v.status, skip_reason = v.skip_reason, completed_at = v.completed_at, closed_by = v.closed_by
      from unnest(${sql.param(set.map((v) => v.id))}::bigint[], ${sql.param(set.map((v) => v.status))}::text[], ${sql.param(set.map((v) => v.skipReason))}::text[],
                  ${sql.param(set.map((v) => v.completedAt.toISOString()))}::timestamptz[], ${sql.param(set.map((v) => v.closedBy))}::text[])
        as v(id, status, skip_reason, completed_at, closed_by)
      where p.id = v.id`);
  }
  return { planned: planned.length, done: done.length, skipped: skipped.length, carried };
}
