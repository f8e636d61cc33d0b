// SLA scheduler cost and alert lateness with many open complaints, against the same
// measurements on an almost empty database in the same run.
//
//   npx tsc -p . && node bench/sla-scheduler.mjs [--n 500000] [--baseline 3000] [--ticks 200]
//        [--k 200] [--reps 3] [--catchup 5000] [--late-clocks 200] [--late-window 20000] [--explain-due 50000]
//
// Creates two databases on BENCH_DATABASE_URL's server (cx_bench_big_*, cx_bench_small_*),
// bulk-seeds them (bench/bulk-seed.mjs), measures, prints a table, saves
// bench/results/sla-scheduler-*.json and drops both (BENCH_KEEP_DB=1 keeps them).
//
// (a) idle tick: SlaScheduler.tick() with nothing due, and a full wake-up cycle (tick + the
//     next-moment query the live loop runs after every tick), `--ticks` times each.
// (b) firing tick: `--k` clocks made due (warn_due_at/next_check_at 1 s in the past), one
//     tick fires their K WARNING alerts; `--reps` times. On the big database also a catch-up
//     tick with `--catchup` due clocks (e.g. after downtime: several batches of 500).
// (c) lateness: the real app (createApp().listen(): SlaScheduler with the default options
//     pollMaxMs 15000, lateAfterMs 5000, batchSize 500, LISTEN/NOTIFY wake-ups, real clock);
//     `--late-clocks` clocks get a WARNING moment spread over the next `--late-window` ms and a
//     BREACHED moment 2 s after it, written in one UPDATE followed by app.sla.wake() as the
//     mutations do; lateness = sla_alerts.fired_at − sla_alerts.due_at of each alert.
// (d) EXPLAIN ANALYZE of the due query and the next-moment query, idle and (in a rolled-back
//     transaction) with `--explain-due` clocks due at once, as after downtime; then also the
//     owners query of a batch and, for comparison, the due query as it was before 34a489e.
import { and, asc, eq, inArray, isNotNull, lte, min } from 'drizzle-orm';
import { args, measured, startOfRun, createDatabase, dist, fmt, intArg, machine, median, nowMs, openMigrated, q, saveResult, sleep, summary } from './lib.mjs';
import { bulkSeed, seedConnection } from './bulk-seed.mjs';

const a = args();
const N = intArg(a.n, 500_000);
const BASELINE = intArg(a.baseline, 3_000);
const TICKS = intArg(a.ticks, 200);
const K = intArg(a.k, 200);
const REPS = intArg(a.reps, 3);
const CATCHUP = intArg(a.catchup, 5_000);
const EXPLAIN_DUE = intArg(a['explain-due'], 50_000);
const LATE_CLOCKS = intArg(a['late-clocks'], 200);
const LATE_WINDOW = intArg(a['late-window'], 20_000);

const { SlaScheduler } = await dist('sla/scheduler.js');
const { createLogger } = await dist('logger.js');
const { loadConfig } = await dist('config.js');
const { createApp } = await dist('server.js');
const { slaClocks, complaints, projects } = await dist('db/schema/index.js');

const silent = createLogger('silent');
const schedulerOptions = () => {
  const c = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  return { now: () => new Date(), logger: silent, lateAfterMs: c.slaLateAfterMs, pollMaxMs: c.slaPollMaxMs, batchSize: c.slaBatchSize };
};

/** A fresh, seeded, migrated database. */
async function prepare(tag, n) {
  const created = await createDatabase(tag);
  let database = null;
  let seed;
  try {
    database = await openMigrated('postgres', created.url, 10);
    const conn = seedConnection(created.url);
    try {
      seed = await bulkSeed(conn, { n, tag });
    } finally {
      await conn.sql.end({ timeout: 5 });
    }
  } catch (e) {
    await database?.close().catch(() => {});
    await created.drop();
    throw e;
  }
  console.log(`  ${tag}: seeded ${n.toLocaleString('en')} complaints in ${fmt(seed.totalMs / 1000, 1)} s ` +
    `(org ${fmt(seed.orgMs / 1000, 1)}, complaints ${fmt(seed.complaints / 1000, 1)}, clocks ${fmt(seed.clocks / 1000, 1)}, alerts ${fmt(seed.alerts / 1000, 1)}, vacuum+analyze ${fmt(seed.vacuumAnalyze / 1000, 1)} s); ` +
    `${seed.counts.pending.toLocaleString('en')} pending clocks, first at ${seed.counts.first_pending}`);
  return { tag, n, ...created, database, seed };
}

/** Random pending clocks (RUNNING, nothing fired yet), not chosen before. */
async function pickClocks(db, count) {
  const rows = await q(db.database, `select id from sla_clocks where state = 'RUNNING' and warned_at is null and breached_at is null and next_check_at is not null order by random() limit $1`, [count]);
  if (rows.length < count) throw new Error(`${db.tag}: only ${rows.length} pending clocks left, need ${count}`);
  return rows.map((r) => Number(r.id));
}

async function idleTicks(db) {
  const s = new SlaScheduler(db.database, schedulerOptions());
  const stats = db.database.stats;
  for (let i = 0; i < 20; i++) await s.tick(); // warm-up
  const tickMs = [];
  let q0 = stats.queries;
  for (let i = 0; i < TICKS; i++) {
    const t = nowMs();
    const fired = await s.tick();
    tickMs.push(nowMs() - t);
    if (fired) throw new Error(`${db.tag}: an idle tick fired ${fired} alerts (the seed's quiet window is over?)`);
  }
  const tickQueries = (stats.queries - q0) / TICKS;
  // The live loop's wake-up: tick + next-moment query + re-arming the timer (private in TS, plain JS here).
  s.stopped = false;
  const cycleMs = [];
  q0 = stats.queries;
  for (let i = 0; i < TICKS; i++) {
    const t = nowMs();
    await s.cycle();
    cycleMs.push(nowMs() - t);
    clearTimeout(s.timer);
    s.timer = null;
  }
  const cycleQueries = (stats.queries - q0) / TICKS;
  s.stopped = true;
  return { tick: summary(tickMs), tickQueries, cycle: summary(cycleMs), cycleQueries };
}

/** Makes `ids` due for a WARNING one second ago. */
async function makeDue(db, ids) {
  await q(db.database, `update sla_clocks set warn_due_at = now() - interval '1 second', next_check_at = now() - interval '1 second' where id = any($1::bigint[])`, [ids]);
}

async function firingTick(db, k) {
  const ids = await pickClocks(db, k);
  await makeDue(db, ids);
  const s = new SlaScheduler(db.database, schedulerOptions());
  const q0 = db.database.stats.queries;
  const t = nowMs();
  const fired = await s.tick();
  const ms = nowMs() - t;
  const queries = db.database.stats.queries - q0;
  if (fired !== k) throw new Error(`${db.tag}: expected ${k} alerts, fired ${fired}`);
  return { k, ms, perAlertMs: ms / k, queries, queriesPerAlert: queries / k, batches: Math.ceil(k / 500) };
}

async function firing(db) {
  const runs = [];
  for (let i = 0; i < REPS; i++) runs.push(await firingTick(db, K));
  return { runs, medianMs: median(runs.map((r) => r.ms)), medianPerAlertMs: median(runs.map((r) => r.perAlertMs)), queriesPerAlert: runs[0].queriesPerAlert };
}

async function lateness(db) {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', DATABASE_URL: db.url });
  const app = await createApp({ config, database: db.database, logger: silent });
  await app.listen(0, '127.0.0.1'); // starts the scheduler (SLA_SCHEDULER=on by default): LISTEN + catch-up tick
  try {
    await sleep(500);
    // Diagnostics only: record when each tick of the live scheduler started and how many clocks it took.
    const s = app.scheduler;
    const tick = s.tick.bind(s);
    const trace = [];
    s.tick = async () => {
      const at = Date.now();
      const c0 = s.stats.clocks;
      const fired = await tick();
      trace.push({ at, clocks: s.stats.clocks - c0, fired });
      return fired;
    };
    const ids = await pickClocks(db, LATE_CLOCKS);
    const ticks0 = app.scheduler.stats.ticks;
    const t0 = Date.now();
    // WARNING moments spread evenly over [t0+1 s, t0+LATE_WINDOW] with a few ms of jitter; BREACHED 2 s after.
    const moments = ids.map((_, i) => new Date(t0 + 1000 + Math.round((i * (LATE_WINDOW - 1000)) / ids.length) + ((i * 7919) % 13)));
    await q(
      db.database,
      `update sla_clocks k set warn_due_at = m.moment, due_at = m.moment + interval '2 seconds', next_check_at = m.moment
       from json_to_recordset($1::json) as m(id bigint, moment timestamptz) where k.id = m.id`,
      [JSON.stringify(ids.map((id, i) => ({ id, moment: moments[i].toISOString() })))],
    );
    app.sla.wake();
    const expected = ids.length * 2;
    const deadline = t0 + LATE_WINDOW + 15_000;
    let rows = [];
    await sleep(Math.max(0, t0 + LATE_WINDOW + 2_100 - Date.now()));
    for (;;) {
      rows = await q(db.database, `select level, extract(epoch from due_at) * 1000 as due_ms, extract(epoch from fired_at) * 1000 as fired_ms, extract(epoch from (fired_at - due_at)) * 1000 as late_ms, late from sla_alerts where clock_id = any($1::bigint[])`, [ids]);
      if (rows.length >= expected || Date.now() > deadline) break;
      await sleep(250);
    }
    const lateMs = rows.map((r) => Number(r.late_ms));
    // Alerts ≥ 50 ms late fired by a tick that followed an empty tick (one that found nothing
    // due) by ≥ 90 ms: the timer woke a little before the moment, the tick found nothing, and the
    // re-plan then waited RECHECK_LOCKED_MS (100 ms) instead of the 0–1 ms left.
    const slow = rows.filter((r) => Number(r.late_ms) >= 50);
    const afterEmptyTick = slow.filter((r) => {
      const fired = Number(r.fired_ms);
      const i = trace.findIndex((t) => Math.abs(t.at - fired) <= 2 && t.clocks > 0);
      const prev = i > 0 ? trace[i - 1] : null;
      return prev && prev.clocks === 0 && trace[i].at - prev.at >= 90 && prev.at < Number(r.due_ms);
    }).length;
    const emptyTicks = trace.filter((t) => t.clocks === 0).length;
    return {
      alerts: rows.length,
      expected,
      lateness: summary(lateMs),
      markedLate: rows.filter((r) => r.late).length,
      over50ms: slow.length,
      over50msAfterEmptyTick: afterEmptyTick,
      emptyTicks,
      tracedTicks: trace.length,
      ticks: app.scheduler.stats.ticks - ticks0,
      windowMs: LATE_WINDOW + 2000,
    };
  } finally {
    await app.close();
  }
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the scheduler's queries exactly as drizzle builds them, with
 * `dueCount` random clocks made due inside the same transaction, which is rolled back (nothing
 * fires, nothing stays due). Since 34a489e a batch is two statements: the due clocks, locked
 * and limited on sla_clocks alone, then their complaints and projects by id. With clocks due,
 * also the query before 34a489e (join, then LIMIT) and the new one walking the index in order,
 * for comparison.
 */
async function explain(db, dueCount) {
  const d = db.database.db;
  const out = { dueCount };
  const ROLLBACK = new Error('rollback');
  const plan = async (tx, text, params) => (await tx.unsafe(`explain (analyze, buffers) ${text}`, params)).map((r) => r['QUERY PLAN']).join('\n');
  await db.database.sql
    .begin(async (tx) => {
      if (dueCount) {
        await tx.unsafe(
          `update sla_clocks set warn_due_at = m.at, next_check_at = m.at
           from (select id, now() - random() * interval '1 hour' as at from sla_clocks
                 where state = 'RUNNING' and warned_at is null and next_check_at is not null order by random() limit $1) m
           where sla_clocks.id = m.id`,
          [dueCount],
        );
      }
      const [{ now }] = await tx.unsafe(`select now() as now`);
      // As SlaScheduler.batch() builds it (batchSize 500).
      const dueQuery = d
        .select()
        .from(slaClocks)
        .where(and(eq(slaClocks.state, 'RUNNING'), isNotNull(slaClocks.nextCheckAt), lte(slaClocks.nextCheckAt, new Date(now))))
        .orderBy(asc(slaClocks.nextCheckAt))
        .limit(500)
        .for('update', { skipLocked: true })
        .toSQL();
      const minQuery = d.select({ next: min(slaClocks.nextCheckAt) }).from(slaClocks).where(and(eq(slaClocks.state, 'RUNNING'), isNotNull(slaClocks.nextCheckAt))).toSQL();
      out.dueSql = dueQuery.sql;
      out.due = await plan(tx, dueQuery.sql, dueQuery.params);
      if (dueCount) {
        // The second statement of the batch: the owners of the (up to 500) clocks just taken.
        const taken = await tx.unsafe(dueQuery.sql, dueQuery.params);
        const ownerIds = [...new Set(taken.map((r) => Number(r.complaint_id)))];
        const ownersQuery = d
          .select({ id: complaints.id, severity: complaints.severity, projectId: complaints.projectId, number: complaints.number, cityCompanyId: projects.cityCompanyId })
          .from(complaints)
          .innerJoin(projects, eq(projects.id, complaints.projectId))
          .where(inArray(complaints.id, ownerIds))
          .toSQL();
        out.ownersCount = ownerIds.length;
        out.owners = await plan(tx, ownersQuery.sql, ownersQuery.params);
        // The due query before 34a489e: joined to complaints and projects before the LIMIT.
        const joinFirst = d
          .select({ clock: slaClocks, severity: complaints.severity, projectId: complaints.projectId, number: complaints.number, cityCompanyId: projects.cityCompanyId })
          .from(slaClocks)
          .innerJoin(complaints, eq(complaints.id, slaClocks.complaintId))
          .innerJoin(projects, eq(projects.id, complaints.projectId))
          .where(and(lte(slaClocks.nextCheckAt, new Date(now)), eq(slaClocks.state, 'RUNNING')))
          .orderBy(asc(slaClocks.nextCheckAt))
          .limit(500)
          .for('update', { of: slaClocks, skipLocked: true })
          .toSQL();
        out.dueJoinFirstSql = joinFirst.sql;
        out.dueJoinFirst = await plan(tx, joinFirst.sql, joinFirst.params);
        // The new due query with the planner kept off the bitmap scan + sort it picks from its
        // low row estimate: the plan then walks sla_clocks_next_check_idx in order and stops after 500.
        await tx.unsafe('set local enable_bitmapscan = off');
        out.dueIndexOrder = await plan(tx, dueQuery.sql, dueQuery.params);
        await tx.unsafe('set local enable_bitmapscan = on');
      }
      out.min = await plan(tx, minQuery.sql, minQuery.params);
      throw ROLLBACK;
    })
    .catch((e) => {
      if (e !== ROLLBACK) throw e;
    });
  const time = (p) => Number(/Execution Time: ([\d.]+) ms/.exec(p)?.[1]);
  out.dueMs = time(out.due);
  out.ownersMs = out.owners ? time(out.owners) : undefined;
  out.dueJoinFirstMs = out.dueJoinFirst ? time(out.dueJoinFirst) : undefined;
  out.dueIndexOrderMs = out.dueIndexOrder ? time(out.dueIndexOrder) : undefined;
  out.minMs = time(out.min);
  return out;
}

async function main() {
  const started = Date.now();
  console.log(`SLA scheduler benchmark: ${N.toLocaleString('en')} open complaints vs ${BASELINE.toLocaleString('en')} (baseline), same run`);
  const dbs = [];
  const background = await startOfRun({ noWait: a['no-wait'] });
  try {
    dbs.push(await prepare('big', N));
    dbs.push(await prepare('small', BASELINE));
    const [big, small] = dbs;
    const res = { backgroundCpuBusy: background, machine: await machine(big.database), params: { N, BASELINE, TICKS, K, REPS, CATCHUP, LATE_CLOCKS, LATE_WINDOW, ...schedulerOptions(), now: undefined, logger: undefined } };
    for (const db of dbs) res[db.tag] = { seed: { ...db.seed } };

    console.log('(a) idle ticks');
    for (const db of dbs) res[db.tag].idle = await measured(`idle ticks, ${db.tag}`, db.database, () => idleTicks(db));
    console.log('(b) firing ticks');
    for (const db of dbs) res[db.tag].firing = await measured(`firing ticks, ${db.tag}`, db.database, () => firing(db));
    if (CATCHUP) res.big.catchup = await measured('catch-up tick', big.database, () => firingTick(big, CATCHUP));
    console.log('(c) lateness (real scheduler, real clock)');
    for (const db of dbs) {
      res[db.tag].lateness = await measured(`lateness, ${db.tag}`, db.database, () => lateness(db));
      console.log(`  ${db.tag}: ${res[db.tag].lateness.alerts}/${res[db.tag].lateness.expected} alerts, p50 ${fmt(res[db.tag].lateness.lateness.p50, 1)} ms, p99 ${fmt(res[db.tag].lateness.lateness.p99, 1)} ms`);
    }
    console.log('EXPLAIN');
    res.small.explainIdle = await explain(small, 0);
    res.big.explainIdle = await explain(big, 0);
    // Last: the rolled-back update leaves dead index entries behind.
    if (EXPLAIN_DUE) res.big.explainBacklog = await explain(big, EXPLAIN_DUE);

    const B = res.big;
    const S = res.small;
    const ratio = (x, y) => x / y;
    res.ratios = {
      idleTickP50: ratio(B.idle.tick.p50, S.idle.tick.p50),
      idleTickMean: ratio(B.idle.tick.mean, S.idle.tick.mean),
      idleCycleP50: ratio(B.idle.cycle.p50, S.idle.cycle.p50),
      firingPerAlert: ratio(B.firing.medianPerAlertMs, S.firing.medianPerAlertMs),
      // Lateness has 1 ms resolution (timestamps are stored in ms): both sides floored at 1 ms.
      latenessP50: ratio(Math.max(1, B.lateness.lateness.p50), Math.max(1, S.lateness.lateness.p50)),
      latenessP99: ratio(Math.max(1, B.lateness.lateness.p99), Math.max(1, S.lateness.lateness.p99)),
      latenessMean: ratio(B.lateness.lateness.mean, S.lateness.lateness.mean),
    };
    res.totalSeconds = (Date.now() - started) / 1000;

    const row = (name, f, unit = 'ms', d = 3, floor = 0) => `| ${name} | ${fmt(f(B), d)} ${unit} | ${fmt(f(S), d)} ${unit} | ${fmt(Math.max(floor, f(B)) / Math.max(floor, f(S)), 2)}× |`;
    const lines = [
      `| measurement | ${N.toLocaleString('en')} open | ${BASELINE.toLocaleString('en')} open | ratio |`,
      '|---|---:|---:|---:|',
      `| seed time | ${fmt(B.seed.totalMs / 1000, 1)} s | ${fmt(S.seed.totalMs / 1000, 2)} s | |`,
      row('idle tick, p50', (r) => r.idle.tick.p50),
      row('idle tick, mean', (r) => r.idle.tick.mean),
      row('idle tick, p99', (r) => r.idle.tick.p99),
      row('idle tick, SQL statements (drizzle-counted)', (r) => r.idle.tickQueries, '', 1),
      row('idle wake-up cycle (tick + next-moment query), p50', (r) => r.idle.cycle.p50),
      row('idle wake-up cycle, p99', (r) => r.idle.cycle.p99),
      row('idle wake-up cycle, SQL statements', (r) => r.idle.cycleQueries, '', 1),
      row(`tick firing ${K} alerts (median of ${REPS})`, (r) => r.firing.medianMs, 'ms', 1),
      row('… per alert', (r) => r.firing.medianPerAlertMs),
      row('… SQL statements per alert', (r) => r.firing.queriesPerAlert, '', 2),
      row(`lateness p50 (${LATE_CLOCKS * 2} alerts over ${(LATE_WINDOW + 2000) / 1000} s; ratio floors at 1 ms)`, (r) => r.lateness.lateness.p50, 'ms', 1, 1),
      row('lateness mean', (r) => r.lateness.lateness.mean, 'ms', 1),
      row('lateness p99', (r) => r.lateness.lateness.p99, 'ms', 1, 1),
      row('lateness max', (r) => r.lateness.lateness.max, 'ms', 1, 1),
      `| alerts ≥ 50 ms late (of which fired ~100 ms after an empty tick) | ${B.lateness.over50ms} of ${B.lateness.alerts} (${B.lateness.over50msAfterEmptyTick}) | ${S.lateness.over50ms} of ${S.lateness.alerts} (${S.lateness.over50msAfterEmptyTick}) | |`,
      `| alerts fired / expected, marked late (> 5 s) | ${B.lateness.alerts}/${B.lateness.expected}, ${B.lateness.markedLate} | ${S.lateness.alerts}/${S.lateness.expected}, ${S.lateness.markedLate} | |`,
    ];
    const phases = [['idle', 'idle ticks'], ['firing', 'firing ticks'], ['lateness', 'lateness']];
    const other = (r) => phases.map(([k, name]) => `${name} ${r[k].cpu ? Math.round(r[k].cpu.other * 100) + ' %' : '?'}${r[k].disturbed ? ' (DISTURBED)' : ''}`).join(', ');
    lines.push(`| other work on the machine during the phases (share of the CPUs) | ${other(B)} | ${other(S)} | |`);
    if (B.catchup) lines.push(`| catch-up tick, ${CATCHUP} due (${B.catchup.batches} batches) | ${fmt(B.catchup.ms, 0)} ms (${fmt(B.catchup.perAlertMs, 3)} ms/alert) | – | |`);
    if (B.explainBacklog) {
      lines.push(`| due query, one batch of 500 with ${EXPLAIN_DUE.toLocaleString('en')} due (EXPLAIN ANALYZE) | ${fmt(B.explainBacklog.dueMs, 1)} ms + owners ${fmt(B.explainBacklog.ownersMs, 1)} ms (before 34a489e, join then LIMIT: ${fmt(B.explainBacklog.dueJoinFirstMs, 1)} ms; new query walking the index in order: ${fmt(B.explainBacklog.dueIndexOrderMs, 1)} ms) | – | |`);
    }
    lines.push(`| due query / next-moment query, nothing due (EXPLAIN ANALYZE) | ${fmt(B.explainIdle.dueMs, 3)} / ${fmt(B.explainIdle.minMs, 3)} ms | ${fmt(S.explainIdle.dueMs, 3)} / ${fmt(S.explainIdle.minMs, 3)} ms | |`);
    console.log('\n' + lines.join('\n'));
    console.log(`\nEXPLAIN ANALYZE, due query, ${N.toLocaleString('en')} open, nothing due:\n${B.explainIdle.due}`);
    if (B.explainBacklog) {
      console.log(`\nEXPLAIN ANALYZE, due query (one batch), ${N.toLocaleString('en')} open, ${EXPLAIN_DUE.toLocaleString('en')} due:\n${B.explainBacklog.due}`);
      console.log(`\nEXPLAIN ANALYZE, owners of the ${B.explainBacklog.ownersCount} clocks taken (complaints + projects by id):\n${B.explainBacklog.owners}`);
      console.log(`\nEXPLAIN ANALYZE, due query before 34a489e (join, then LIMIT), ${EXPLAIN_DUE.toLocaleString('en')} due:\n${B.explainBacklog.dueJoinFirst}`);
      console.log(`\nEXPLAIN ANALYZE, due query with enable_bitmapscan = off (index order), ${EXPLAIN_DUE.toLocaleString('en')} due:\n${B.explainBacklog.dueIndexOrder}`);
    }
    console.log(`\nEXPLAIN ANALYZE, next-moment query, ${N.toLocaleString('en')} open:\n${B.explainIdle.min}`);
    res.table = lines.join('\n');
    console.log(`\nresults: ${saveResult('sla-scheduler', res)} (${fmt(res.totalSeconds, 0)} s)`);
  } finally {
    for (const db of dbs) {
      await db.database.close().catch(() => {});
      await db.drop();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
