// `npm run bench:stats`: the BI statistics through the API against the same aggregations written
// directly in SQL, on the same database in the same run (the floor). Run `npm run seed:bulk`
// first; then:
//
//   npm run bench:stats -- --url postgres://postgres@127.0.0.1:5432/cx_bulk [--rounds 9] [--months 12]
//
// Each workload is one statistic grouped by project × month over the last `months` months (the
// drivers: over the same period, per dimension; touchpointCompliance: by the due time). Each has two floors: the same aggregation in SQL
// over the rows (what the rollups and complaint_facts save) and over the rollup, complaint_facts
// or the planned actions' own done_at the API reads (what the API adds). Before timing, the API's figures are checked against every floor's. Then rounds alternate
// ours / floors, one request at a time; the table gives the median and worst latency of each and
// the ratios of the medians (target: ours ≤ 1.3 × the floor over the same data).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { args, dist, fmt, freePort, intArg, machine, median, nowMs, saveResult, startFlags, startOfRun, startProcess, summary } from './lib.mjs';

const opts = args();
const url = opts.url ?? process.env.DATABASE_URL;
if (!url) {
  console.error('bench:stats needs the seeded database: --url postgres://… or DATABASE_URL (see npm run seed:bulk)');
  process.exit(2);
}
const rounds = intArg(opts.rounds, 9);
const months = intArg(opts.months, 12);
const TZ = 'Asia/Shanghai';

const background = await startOfRun({ noWait: !!opts['no-wait'] });
const sql = postgres(url, { max: 4, onnotice: () => {} });
const [counts] = await sql`select (select count(*) from survey_responses)::int as responses, (select count(*) from complaints)::int as complaints, (select count(*) from projects)::int as projects`;
console.log(`data: ${counts.responses.toLocaleString('en')} responses, ${counts.complaints.toLocaleString('en')} complaints, ${counts.projects} projects`);

// The period: the last `months` whole local months.
const [{ from, to }] = await sql.unsafe(
  `select (date_trunc('month', now() at time zone '${TZ}') - interval '${months} months') at time zone '${TZ}' as from,
          date_trunc('month', now() at time zone '${TZ}') at time zone '${TZ}' as to`,
);
const period = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
console.log(`period: ${period.from} … ${period.to}`);

// Our production build, on its own port, reading the same database.
const secret = randomBytes(24).toString('hex');
const port = await freePort();
const env = { DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', JWT_SECRET: secret, SEED_DEMO_DATA: 'never', SLA_SCHEDULER: 'off', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', BUSINESS_TIME_ZONE: TZ };
const ours = await startProcess('ours', 'node', [...startFlags(), 'dist/src/main.js'], { env, ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok });
const { loadConfig } = await dist('config.js');
const { signToken } = await dist('auth/token.js');
const token = await signToken(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, LOG_LEVEL: 'silent' }), { sub: 'bench.analyst', role: 'ADMIN', scope: null, department: null, name: null });

async function gql(query, variables) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const month = (col) => `to_char(date_trunc('month', ${col} at time zone '${TZ}'), 'YYYY-MM')`;
// touchpointCompliance in SQL, "on time" read from `doneAt` (with the `join` it needs).
const compliance = (doneAt, join) =>
  sql
    .unsafe(
      `select p.project_id, ${month('p.due_at')} as period, count(*)::int as planned, (count(*) filter (where p.status = 'DONE'))::int as done,
              (count(*) filter (where p.status = 'DONE' and ${doneAt} <= p.due_at))::int as on_time,
              (count(*) filter (where p.status in ('PLANNED', 'OVERDUE') and p.due_at <= now()))::int as overdue,
              (count(*) filter (where p.status = 'SKIPPED'))::int as skipped
       from planned_touchpoints p ${join}
       where p.due_at >= $1 and p.due_at < $2
       group by 1, 2 order by 1, 2`,
      [period.from, period.to],
    )
    .then((rows) => rows.map((r) => [r.period, r.planned, r.done, r.on_time, r.overdue, r.skipped, r.done + r.overdue ? (100 * r.on_time) / (r.done + r.overdue) : null]));
const workloads = [
  {
    name: 'satisfactionStats by project × month',
    ours: () =>
      gql(
        `query($p: StatsPeriodInput) { satisfactionStats(groupBy: [PROJECT, MONTH], period: $p) { cells { group { projectId period } responses scored mean csat nps } total { responses } } }`,
        { p: period },
      ).then((d) => d.satisfactionStats.cells.map((c) => [c.group.period, c.responses, c.scored, c.mean, c.csat, c.nps])),
    rollup: () =>
      sql
        .unsafe(
          `select to_char(t.month, 'YYYY-MM') as period, sum(t.responses)::int as responses, sum(t.scored)::int as scored,
                  sum(t.score_sum)::float8 / nullif(sum(t.scored), 0) as mean,
                  100.0 * sum(t.s4 + t.s5) / nullif(sum(t.scored), 0) as csat,
                  100.0 * (sum(t.promoters) - sum(t.detractors)) / nullif(sum(t.nps_answers), 0) as nps
           from survey_response_rollups t join projects p on p.id = t.project_id
           where t.month >= ($1::timestamptz at time zone '${TZ}')::date and t.month < ($2::timestamptz at time zone '${TZ}')::date
           group by p.id, t.month having sum(t.responses) > 0 order by p.id, t.month`,
          [period.from, period.to],
        )
        .then((rows) => rows.map((r) => [r.period, r.responses, r.scored, r.mean, r.csat === null ? null : Number(r.csat), r.nps === null ? null : Number(r.nps)])),
    floor: () =>
      sql
        .unsafe(
          `select ${month('r.submitted_at')} as period, count(*)::int as responses, count(r.overall_score)::int as scored,
                  count(*) filter (where r.overall_score = 1) as s1, count(*) filter (where r.overall_score = 2) as s2, count(*) filter (where r.overall_score = 3) as s3,
                  count(*) filter (where r.overall_score = 4) as s4, count(*) filter (where r.overall_score = 5) as s5,
                  count(*) filter (where r.nps_score >= 9) as promoters, count(*) filter (where r.nps_score <= 6) as detractors,
                  sum(r.overall_score)::float8 / nullif(count(r.overall_score), 0) as mean,
                  100.0 * count(*) filter (where r.overall_score >= 4) / nullif(count(r.overall_score), 0) as csat,
                  100.0 * (count(*) filter (where r.nps_score >= 9) - count(*) filter (where r.nps_score <= 6)) / nullif(count(r.nps_score), 0) as nps
           from survey_responses r join projects p on p.id = r.project_id
           where r.submitted_at >= $1 and r.submitted_at < $2
           group by p.id, 1 order by p.id, 1`,
          [period.from, period.to],
        )
        .then((rows) => rows.map((r) => [r.period, r.responses, r.scored, r.mean, r.csat === null ? null : Number(r.csat), r.nps === null ? null : Number(r.nps)])),
  },
  {
    name: 'complaintStats by project × month',
    ours: () =>
      gql(
        `query($p: StatsPeriodInput) { complaintStats(groupBy: [PROJECT, MONTH], period: $p) { cells { group { projectId period } complaints accepted timeToAcceptP50Seconds timeToResolveP90Seconds returnVisitRate returnVisitScore repeatRate clocks { clock onTimeRate } } } }`,
        { p: period },
      ).then((d) =>
        d.complaintStats.cells.map((c) => [c.group.period, c.complaints, c.accepted, c.timeToAcceptP50Seconds, c.timeToResolveP90Seconds, c.returnVisitRate, c.returnVisitScore, c.clocks.find((k) => k.clock === 'ACCEPTANCE').onTimeRate]),
      ),
    // What the API reads, by hand, in one snapshot like the API: the additive measures from the
    // monthly rollups and their pending deltas, the percentiles from complaint_facts, the open
    // cycles past due from the partial index.
    rollup: () =>
      sql.begin('isolation level repeatable read read only', async (tx) => {
        const key = (r) => `${r.project_id}|${r.period}`;
        const sums = await tx.unsafe(
          `select r.project_id, to_char(r.month, 'YYYY-MM') as period, sum(r.complaints)::int as complaints, sum(r.accepted)::int as accepted,
                  sum(r.resolved)::int as resolved, sum(r.visited)::int as visited,
                  sum(r.survey_score_sum)::float8 / nullif(sum(r.survey_scored), 0) as rv_score,
                  sum(r.acceptance_met)::int as met, sum(r.acceptance_breached)::int as breached
           from (select month, project_id, complaints, accepted, resolved, visited, survey_score_sum, survey_scored, acceptance_met, acceptance_breached from complaint_rollups
                 where month >= ($1::timestamptz at time zone '${TZ}')::date and month < ($2::timestamptz at time zone '${TZ}')::date
                 union all
                 select (date_trunc('month', received_at at time zone '${TZ}'))::date, project_id, complaints, accepted, resolved, visited, survey_score_sum, survey_scored, acceptance_met, acceptance_breached
                 from complaint_rollup_deltas where received_at >= $1 and received_at < $2) r
           group by 1, 2 having sum(r.complaints) > 0 order by 1, 2`,
          [period.from, period.to],
        );
        const pcts = await tx.unsafe(
          `select f.project_id, ${month('f.received_at')} as period,
                  percentile_cont(0.5) within group (order by f.accept_ms) / 1000 as accept_p50, percentile_cont(0.9) within group (order by f.accept_ms) / 1000 as accept_p90,
                  percentile_cont(0.5) within group (order by f.resolve_ms) / 1000 as resolve_p50, percentile_cont(0.9) within group (order by f.resolve_ms) / 1000 as resolve_p90
           from complaint_facts f where f.received_at >= $1 and f.received_at < $2 group by 1, 2`,
          [period.from, period.to],
        );
        const overdue = await tx.unsafe(
          `select f.project_id, ${month('f.received_at')} as period, count(*)::int as late
           from sla_clocks k join complaint_facts f on f.complaint_id = k.complaint_id
           where f.received_at >= $1 and f.received_at < $2 and k.clock = 'ACCEPTANCE' and k.stopped_at is null and k.breached_at is null and k.due_at <= now()
           group by 1, 2`,
          [period.from, period.to],
        );
        const pct = new Map(pcts.map((r) => [key(r), r]));
        const late = new Map(overdue.map((r) => [key(r), r.late]));
        return sums.map((r) => {
          const missed = r.breached + (late.get(key(r)) ?? 0);
          const onTime = r.met + missed ? (100 * r.met) / (r.met + missed) : null;
          return [r.period, r.complaints, r.accepted, pct.get(key(r)).accept_p50, pct.get(key(r)).resolve_p90, r.resolved ? (100 * r.visited) / r.resolved : null, r.rv_score, onTime];
        });
      }),
    floor: async () => {
      const [rows, clocks] = await Promise.all([
        sql.unsafe(
          `select c.project_id, ${month('c.received_at')} as period, count(*)::int as complaints, count(c.accepted_at)::int as accepted,
                  ${['RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'RESOLVED', 'RETURN_VISITED', 'CLOSED', 'REOPENED', 'REJECTED'].map((st) => `count(*) filter (where c.status = '${st}') as "${st}",`).join(' ')}
                  count(*) filter (where c.severity = 'MAJOR') as major, count(*) filter (where c.repeat_of_id is not null) as repeats,
                  avg(extract(epoch from c.accepted_at - c.received_at)) as accept_mean, avg(extract(epoch from c.resolved_at - c.received_at)) as resolve_mean,
                  percentile_cont(0.5) within group (order by extract(epoch from c.accepted_at - c.received_at)) as accept_p50,
                  percentile_cont(0.9) within group (order by extract(epoch from c.accepted_at - c.received_at)) as accept_p90,
                  percentile_cont(0.5) within group (order by extract(epoch from c.resolved_at - c.received_at)) as resolve_p50,
                  percentile_cont(0.9) within group (order by extract(epoch from c.resolved_at - c.received_at)) as resolve_p90,
                  sum(c.survey_satisfied) as rv_satisfied,
                  count(c.resolved_at)::int as resolved, count(*) filter (where c.survey_responses > 0)::int as visited,
                  sum(c.survey_score_sum)::float8 / nullif(sum(c.survey_scored), 0) as rv_score
           from complaints c
           where c.received_at >= $1 and c.received_at < $2
           group by 1, 2 order by 1, 2`,
          [period.from, period.to],
        ),
        sql.unsafe(
          `select c.project_id, ${month('c.received_at')} as period, k.clock, count(*)::int as all,
                  count(*) filter (where k.stopped_at is not null and k.breached_at is null)::int as met,
                  count(*) filter (where k.breached_at is not null or (k.stopped_at is null and k.due_at <= now()))::int as missed
           from sla_clocks k join complaints c on c.id = k.complaint_id
           where c.received_at >= $1 and c.received_at < $2
           group by 1, 2, 3`,
          [period.from, period.to],
        ),
      ]);
      const onTime = new Map(clocks.filter((r) => r.clock === 'ACCEPTANCE').map((r) => [`${r.project_id}|${r.period}`, r.met + r.missed ? (100 * r.met) / (r.met + r.missed) : null]));
      return rows.map((r) => [r.period, r.complaints, r.accepted, r.accept_p50, r.resolve_p90, r.resolved ? (100 * r.visited) / r.resolved : null, r.rv_score, onTime.get(`${r.project_id}|${r.period}`) ?? null]);
    },
  },
  {
    name: 'touchpointCompliance by project × month (due time)',
    ours: () =>
      gql(
        `query($p: StatsPeriodInput) { touchpointCompliance(groupBy: [PROJECT, MONTH], period: $p) { cells { group { projectId period } planned done doneOnTime overdue skipped onTimeRate } } }`,
        { p: period },
      ).then((d) => d.touchpointCompliance.cells.map((c) => [c.group.period, c.planned, c.done, c.doneOnTime, c.overdue, c.skipped, c.onTimeRate])),
    floor: () => compliance('t.occurred_at', 'left join touchpoints t on t.id = p.touchpoint_id'),
    rollup: () => compliance('p.done_at', ''),
  },
  {
    name: 'satisfactionDrivers over the period',
    ours: () =>
      gql(`query($p: StatsPeriodInput) { satisfactionDrivers(period: $p) { drivers { dimension sample mean correlation } } }`, { p: period }).then((d) =>
        d.satisfactionDrivers.drivers.map((x) => [x.dimension, x.sample, x.mean, x.correlation]).sort((a, b) => a[0].localeCompare(b[0])),
      ),
    rollup: () =>
      sql
        .unsafe(
          `select dimension, sum(n)::int as sample, (sum(sx) / sum(n))::float8 as mean,
                  ((sum(n) * sum(sxy) - sum(sx) * sum(sy)) / sqrt((sum(n) * sum(sxx) - sum(sx) * sum(sx)) * (sum(n) * sum(syy) - sum(sy) * sum(sy))))::float8 as r
           from survey_driver_rollups
           where month >= ($1::timestamptz at time zone '${TZ}')::date and month < ($2::timestamptz at time zone '${TZ}')::date
           group by dimension order by dimension`,
          [period.from, period.to],
        )
        .then((rows) => rows.map((r) => [r.dimension, r.sample, r.mean, r.r])),
    floor: () =>
      sql
        .unsafe(
          `select dimension, count(*)::int as sample, avg(x) as mean, corr(x, y) as r from (
             select q.dimension, avg(a.score)::float8 as x, r.overall_score::float8 as y
             from survey_responses r join survey_answers a on a.response_id = r.id join survey_questions q on q.id = a.question_id
             where r.submitted_at >= $1 and r.submitted_at < $2 and q.kind = 'SCORE' and a.score is not null and r.overall_score is not null
             group by q.dimension, r.id, r.overall_score) pairs
           group by dimension order by dimension`,
          [period.from, period.to],
        )
        .then((rows) => rows.map((r) => [r.dimension, r.sample, r.mean, r.r])),
  },
];

/** Numbers equal to 9 significant digits (floating sums may differ in the last bits between plans). */
function same(a, b) {
  const norm = (v) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v === undefined ? null : v);
  return JSON.stringify(a, (_k, v) => norm(v)) === JSON.stringify(b, (_k, v) => norm(v));
}

const results = [];
for (const w of workloads) {
  const mine = await w.ours();
  const sides = ['ours', 'floor', ...(w.rollup ? ['rollup'] : [])];
  let agree = true;
  for (const side of sides.slice(1)) {
    const theirs = await w[side]();
    if (!same(mine, theirs)) {
      console.error(`${w.name}: the API and the ${side} SQL disagree\nours:  ${JSON.stringify(mine.slice(0, 5))}\n${side}: ${JSON.stringify(theirs.slice(0, 5))}`);
      process.exitCode = 1;
      agree = false;
    }
  }
  if (!agree) continue;
  const times = Object.fromEntries(sides.map((side) => [side, []]));
  for (let i = 0; i < rounds; i++) {
    for (const side of i % 2 ? [...sides].reverse() : sides) {
      const t0 = nowMs();
      await w[side]();
      times[side].push(nowMs() - t0);
    }
  }
  const o = summary(times.ours);
  const f = summary(times.floor);
  const r = w.rollup ? summary(times.rollup) : null;
  results.push({ workload: w.name, cells: mine.length, ours: o, floor: f, rollup: r, ratio: median(times.ours) / median(times.floor), rollupRatio: r ? median(times.ours) / r.p50 : null });
  console.log(
    `${w.name}: ${mine.length} cells; ours p50 ${fmt(o.p50, 0)} ms (max ${fmt(o.max, 0)}), SQL over the rows p50 ${fmt(f.p50, 0)} ms (max ${fmt(f.max, 0)}); ours ÷ SQL ${fmt(median(times.ours) / median(times.floor))}` +
      (r ? `; SQL over the rollup or facts p50 ${fmt(r.p50, 1)} ms (max ${fmt(r.max, 1)}); ours ÷ that ${fmt(median(times.ours) / r.p50)}` : ''),
  );
}

console.log('\n| workload | cells | ours p50 ms | SQL over the rows p50 ms | ours ÷ that | SQL over the rollup or facts p50 ms | ours ÷ that |\n|---|---:|---:|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.workload} | ${r.cells} | ${fmt(r.ours.p50, 0)} | ${fmt(r.floor.p50, 0)} | ${fmt(r.ratio)} | ${r.rollup ? fmt(r.rollup.p50, 1) : '–'} | ${r.rollup ? fmt(r.rollupRatio) : '–'} |`);
const file = saveResult('stats', { at: new Date().toISOString(), background, counts, period, rounds, results, machine: await machine(null) });
console.log(`saved ${file}`);
await ours.stop();
await sql.end({ timeout: 5 });
