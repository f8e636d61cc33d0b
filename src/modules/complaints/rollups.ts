import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { complaintRollupState } from '../../db/schema/index.js';
import { sqlLiteral } from '../../db/literal.js';
import { rowsOf } from '../../db/rows.js';
import { Periodic } from '../../periodic.js';
import { SLA_CLOCKS, type SlaClockKind } from '../../domain/enums.js';

/**
 * The complaint rollups (`complaint_rollups`): exact monthly sums of `complaint_facts` (counts,
 * sums of the times to accept and to resolve, return-visit and repeat counters, SLA clock
 * counters) by local month in the business time zone and rollup key (project, department,
 * restricted, status, severity, category, kind).
 *
 * Freshness: exact at every instant. A trigger on `complaint_facts` appends each change, as the
 * old row's measures negated and the new row's, to `complaint_rollup_deltas` in the writing
 * transaction; readers sum the rollups and the deltas not yet folded in, in one snapshot. The
 * compactor ({@link compactComplaintRollups}, every few seconds on each instance) folds the deltas
 * into the rollups in one statement, so a reader sees them either before or after, never twice.
 * Writers only append: none waits for another on a shared rollup row, and none can deadlock on one.
 */

type ClockMeasure = `${Lowercase<SlaClockKind>}_${'n' | 'met' | 'breached'}`;
/** An additive measure of a rollup row, as named in `complaint_rollups` and `complaint_rollup_deltas`. */
export type RollupMeasure =
  | 'complaints'
  | 'accepted'
  | 'accept_ms_sum'
  | 'resolved'
  | 'resolve_ms_sum'
  | 'visited'
  | 'survey_scored'
  | 'survey_score_sum'
  | 'survey_satisfied'
  | 'repeats'
  | ClockMeasure;
const clockMeasures = SLA_CLOCKS.flatMap((clock) => (['n', 'met', 'breached'] as const).map((what) => `${clock.toLowerCase()}_${what}` as ClockMeasure));

/** The additive measures of a rollup row. */
export const ROLLUP_MEASURES: readonly RollupMeasure[] = [
  'complaints',
  'accepted',
  'accept_ms_sum',
  'resolved',
  'resolve_ms_sum',
  'visited',
  'survey_scored',
  'survey_score_sum',
  'survey_satisfied',
  'repeats',
  ...clockMeasures,
];

const KEY = 'month, project_id, department, restricted, status, severity, category, kind';
const MEASURES = ROLLUP_MEASURES.join(', ');

/** Each measure of one `complaint_facts` row `f` (what a delta row of it holds, times its sign). */
export const FACT_MEASURES: Record<RollupMeasure, string> = {
  complaints: '1',
  accepted: '(f.accept_ms is not null)::int',
  accept_ms_sum: 'coalesce(f.accept_ms, 0)',
  resolved: '(f.resolve_ms is not null)::int',
  resolve_ms_sum: 'coalesce(f.resolve_ms, 0)',
  visited: '(f.survey_responses > 0)::int',
  survey_scored: 'f.survey_scored',
  survey_score_sum: 'f.survey_score_sum',
  survey_satisfied: 'f.survey_satisfied',
  repeats: 'f.repeat::int',
  ...(Object.fromEntries(clockMeasures.map((m) => [m, `f.${m}`])) as Record<ClockMeasure, string>),
};

/** A compactor's turn: only one instance compacts at a time (the others skip their turn). */
const COMPACTOR_LOCK = 0x63780015;

/**
 * Folds the deltas committed so far into the rollups, in one statement (and one transaction):
 * grouped by month in the rollups' time zone and key, written in key order. Nothing happens
 * before the rollups are built (no state row) or while another instance compacts. Returns the
 * number of delta rows folded in.
 */
export async function compactComplaintRollups(db: Db): Promise<number> {
  const add = ROLLUP_MEASURES.map((m) => `${m} = t.${m} + excluded.${m}`).join(', ');
  const sums = ROLLUP_MEASURES.map((m) => `sum(d.${m})`).join(', ');
  const rows = await db.execute(
    sql.raw(`
      with moved as (
        delete from complaint_rollup_deltas
        where (select pg_try_advisory_xact_lock(${COMPACTOR_LOCK})) and exists (select 1 from complaint_rollup_state where id = 1)
        returning *
      ), folded as (
        insert into complaint_rollups as t (${KEY}, ${MEASURES})
        select (date_trunc('month', d.received_at at time zone s.time_zone))::date, d.project_id, d.department, d.restricted, d.status, d.severity, d.category, d.kind, ${sums}
        from moved d cross join complaint_rollup_state s
        where s.id = 1
        group by 1, 2, 3, 4, 5, 6, 7, 8
        order by 1, 2, 3, 4, 5, 6, 7, 8
        on conflict (${KEY}) do update set ${add}
      )
      select count(*)::int as moved from moved
    `),
  );
  return Number(rowsOf<{ moved: number }>(rows)[0]?.moved ?? 0);
}

/** Rebuilds the rollups from `complaint_facts` in `timeZone` and records the zone (one transaction; writers of complaints wait). */
export async function rebuildComplaintRollups(db: Db, timeZone: string, now = new Date()): Promise<void> {
  const zone = sqlLiteral(timeZone);
  const facts = ROLLUP_MEASURES.map((m) => `sum(${FACT_MEASURES[m]})`).join(', ');
  await db.transaction(async (tx) => {
    await tx.execute(sql`lock table complaint_facts, complaint_rollups, complaint_rollup_deltas in share row exclusive mode`);
    await tx.execute(sql`delete from complaint_rollup_deltas`);
    await tx.execute(sql`delete from complaint_rollups`);
    await tx.execute(sql`
      insert into complaint_rollups (${sql.raw(KEY)}, ${sql.raw(MEASURES)})
      select (date_trunc('month', f.received_at at time zone ${zone}))::date, f.project_id, coalesce(f.department, ''), f.restricted, f.status, f.severity, f.category, f.kind, ${sql.raw(facts)}
      from complaint_facts f
      group by 1, 2, 3, 4, 5, 6, 7, 8`);
    await tx
      .insert(complaintRollupState)
      .values({ id: 1, timeZone, builtAt: now })
      .onConflictDoUpdate({ target: complaintRollupState.id, set: { timeZone, builtAt: now } });
  });
}

/** Rebuilds the rollups unless they are already in `timeZone` (at server start). Returns whether it rebuilt. */
export async function ensureComplaintRollups(db: Db, timeZone: string): Promise<boolean> {
  const [state] = await db.select().from(complaintRollupState).where(eq(complaintRollupState.id, 1));
  if (state?.timeZone === timeZone) return false;
  await rebuildComplaintRollups(db, timeZone);
  return true;
}

/** Runs {@link compactComplaintRollups} every `everyMs` on this instance until stopped (never when 0). */
export function complaintRollupCompactor(db: Db, opts: { logger: Logger; everyMs: number }): Periodic {
  return new Periodic(() => compactComplaintRollups(db), { ...opts, failure: 'complaint rollup compaction failed; retrying later' });
}
