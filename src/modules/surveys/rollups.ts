import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../db/client.js';
import { surveyRollupState } from '../../db/schema/index.js';
import { sqlLiteral } from '../../db/literal.js';

/**
 * The survey rollups (`survey_response_rollups`, `survey_driver_rollups`): exact monthly sums of
 * the responses and of the driver pairs, by local month in the business time zone, project,
 * template version, segment, stage and whether the customer is restricted (CONFIDENTIAL or
 * SECRET). They change in the transaction that changes what they sum:
 * - a response adds itself ({@link rollUpResponse}, called by `insertResponse`);
 * - a customer's confidentiality moving across NORMAL moves their responses ({@link moveCustomerResponses});
 * - a server whose business time zone differs from the rollups' rebuilds them at start
 *   ({@link ensureSurveyRollups}); `npm run seed:bulk` rebuilds them after writing in SQL.
 * So they are exactly as fresh as the responses: a statistic read after a commit counts it.
 */

type Source = {
  /** A CTE list (with its trailing comma) the statement starts with. */
  with?: SQL;
  /** What follows `from survey_responses r`: joins giving `restricted`. */
  from: SQL;
  /** Whether the response's customer is restricted. */
  restricted: SQL;
  /** Group keys `restricted` needs besides the response's ID. */
  groupBy?: SQL;
};

/**
 * Adds (sign 1) or removes (sign −1) the responses matching `where` (over `survey_responses r`) to
 * or from both rollups, in one statement. Rows are written in key order, so concurrent writers
 * lock shared rollup rows in the same order (no deadlock between them).
 */
function rollUp(db: DbOrTx, where: SQL, source: Source, sign: 1 | -1, timeZone: string) {
  const zone = sqlLiteral(timeZone);
  const month = sql`(date_trunc('month', r.submitted_at at time zone ${zone}))::date`;
  const s = sql.raw(String(sign));
  const key = sql.raw('month, project_id, template_id, segment, stage, restricted');
  const add = (cols: string[]) => sql.raw(cols.map((c) => `${c} = t.${c} + excluded.${c}`).join(', '));
  const score = (n: number) => sql`${s} * count(*) filter (where r.overall_score = ${sql.raw(String(n))})`;
  return db.execute(sql`
    with ${source.with ?? sql``} responses as (
      insert into survey_response_rollups as t (${key}, responses, scored, score_sum, s1, s2, s3, s4, s5, nps_answers, promoters, detractors)
      select ${month}, r.project_id, r.template_id, r.segment, r.stage, ${source.restricted},
             ${s} * count(*), ${s} * count(r.overall_score), ${s} * coalesce(sum(r.overall_score), 0),
             ${score(1)}, ${score(2)}, ${score(3)}, ${score(4)}, ${score(5)},
             ${s} * count(r.nps_score), ${s} * count(*) filter (where r.nps_score >= 9), ${s} * count(*) filter (where r.nps_score <= 6)
      from survey_responses r ${source.from}
      where ${where}
      group by 1, 2, 3, 4, 5, 6
      order by 1, 2, 3, 4, 5, 6
      on conflict (${key}) do update set ${add(['responses', 'scored', 'score_sum', 's1', 's2', 's3', 's4', 's5', 'nps_answers', 'promoters', 'detractors'])}
    )
    insert into survey_driver_rollups as t (${key}, dimension, n, sx, sy, sxx, syy, sxy)
    select month, project_id, template_id, segment, stage, restricted, dimension,
           ${s} * count(*), ${s} * sum(x), ${s} * sum(y), ${s} * sum(x * x), ${s} * sum(y * y), ${s} * sum(x * y)
    from (
      select ${month} as month, r.project_id, r.template_id, r.segment, r.stage, ${source.restricted} as restricted, q.dimension,
             avg(a.score) as x, r.overall_score::numeric as y
      from survey_responses r ${source.from}
      join survey_answers a on a.response_id = r.id
      join survey_questions q on q.id = a.question_id
      where ${where} and q.kind = 'SCORE' and q.dimension is not null and a.score is not null and r.overall_score is not null
      group by r.id, q.dimension ${source.groupBy ?? sql``}
    ) pairs
    group by 1, 2, 3, 4, 5, 6, 7
    order by 1, 2, 3, 4, 5, 6, 7
    on conflict (${key}, dimension) do update set ${add(['n', 'sx', 'sy', 'sxx', 'syy', 'sxy'])}
  `);
}

/**
 * Adds a just-written response (with its answers) to the rollups. The customer's row is locked
 * (FOR SHARE) and read in the same statement, so a concurrent change of their confidentiality
 * either moves this response too or is seen by it.
 */
export async function rollUpResponse(tx: Tx, responseId: number, customerId: number, timeZone: string): Promise<void> {
  await rollUp(
    tx,
    sql`r.id = ${responseId}`,
    {
      with: sql`locked as (select confidentiality <> 'NORMAL' as restricted from customers where id = ${customerId} for share),`,
      from: sql`cross join locked`,
      restricted: sql`locked.restricted`,
      groupBy: sql`, locked.restricted`,
    },
    1,
    timeZone,
  );
}

/**
 * Moves a customer's responses between the restricted and unrestricted rollups after their
 * confidentiality changed from `was` to `now` (in the transaction of the change, after the update
 * that locks the customer). Nothing to do when both are NORMAL or both are not.
 */
export async function moveCustomerResponses(tx: Tx, customerId: number, was: string, now: string, timeZone: string): Promise<void> {
  const before = was !== 'NORMAL';
  const after = now !== 'NORMAL';
  if (before === after) return;
  const where = sql`r.customer_id = ${customerId}`;
  const take = () => rollUp(tx, where, { from: sql``, restricted: sql.raw(String(before)) }, -1, timeZone);
  const give = () => rollUp(tx, where, { from: sql``, restricted: sql.raw(String(after)) }, 1, timeZone);
  // The unrestricted rows first, whichever way the customer moves: two opposite moves in the same
  // keys then lock them in the same order.
  if (after) {
    await take();
    await give();
  } else {
    await give();
    await take();
  }
}

/** Rebuilds both rollups from the responses, in `timeZone`, and records the zone (one transaction; writers of responses wait). */
export async function rebuildSurveyRollups(db: Db, timeZone: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`lock table survey_responses, survey_answers, survey_response_rollups, survey_driver_rollups in share row exclusive mode`);
    await tx.execute(sql`delete from survey_response_rollups`);
    await tx.execute(sql`delete from survey_driver_rollups`);
    await rollUp(
      tx,
      sql`true`,
      { from: sql`join customers c on c.id = r.customer_id`, restricted: sql`c.confidentiality <> 'NORMAL'`, groupBy: sql`, c.id` },
      1,
      timeZone,
    );
    await tx
      .insert(surveyRollupState)
      .values({ id: 1, timeZone, builtAt: now })
      .onConflictDoUpdate({ target: surveyRollupState.id, set: { timeZone, builtAt: now } });
  });
}

/** Rebuilds the rollups unless they are already in `timeZone` (at server start). Returns whether it rebuilt. */
export async function ensureSurveyRollups(db: Db, timeZone: string): Promise<boolean> {
  const [state] = await db.select().from(surveyRollupState).where(eq(surveyRollupState.id, 1));
  if (state?.timeZone === timeZone) return false;
  await rebuildSurveyRollups(db, timeZone);
  return true;
}
