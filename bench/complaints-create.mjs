// Complaint creation throughput through the API (createComplaint over HTTP) versus the same
// complaint row inserted directly with SQL, in the same run, with the same concurrency.
//
//   npx tsc -p . && node bench/complaints-create.mjs [--requests 2000] [--concurrency 8]
//        [--warmup 200] [--rounds 3] [--preload 0] [--pglite]
//
// PostgreSQL (default): a fresh database cx_bench_create_* on BENCH_DATABASE_URL's server
// (default postgres://postgres@127.0.0.1:5432/test), dropped at the end (BENCH_KEEP_DB=1
// keeps it). --pglite: an in-memory PGlite instead (the app's embedded mode).
//
// The app runs in this process exactly as test/helpers/test-app.ts starts it (loadConfig,
// openPostgres/openPglite, prepareDatabase, createApp(...).listen(0)); defaults except
// LOG_LEVEL=silent and RATE_LIMIT_PER_MINUTE=0 (the per-token limit would stop a load test).
// The SLA scheduler runs (SLA_SCHEDULER=on, the default), so each mutation's wake-up is part
// of the cost; one extra API round with the scheduler stopped shows how much.
// The HTTP clients run in a worker thread (bench/http-load.mjs), not on the server's event loop.
//
// API:  `--concurrency` clients send createComplaint (AGENT token), each for another customer
//       with a unit, selection { id number status nextDueAt }.
// SQL:  the same columns of the same rows (number, customer, project, unit, kind, category,
//       defect location, channel, description, attachments, severity, first responder, SLA
//       policy and targets, receipt time) as one plain INSERT … RETURNING id per complaint,
//       autocommit, from `--concurrency` connections — no number counter, clocks, events,
//       audit or checks.
// Rounds alternate API and SQL `--rounds` times; the table reports the median round.
import postgres from 'postgres';
import { args, measured, startOfRun, createDatabase, dist, fmt, intArg, machine, median, nowMs, openMigrated, q, saveResult, sleep, summary, traceStatements } from './lib.mjs';
import { runLoad } from './http-load.mjs';
import { seedConnection, seedComplaints, seedOrg } from './bulk-seed.mjs';

const a = args();
const REQUESTS = intArg(a.requests, 2_000);
const CONCURRENCY = intArg(a.concurrency, 8);
const WARMUP = intArg(a.warmup, 200);
const ROUNDS = intArg(a.rounds, 3);
const PRELOAD = intArg(a.preload, 0);
const SWEEP = a.sweep === 'none' ? [] : String(a.sweep ?? '1,2,4,8,16').split(',').map(Number);
const SWEEP_REQUESTS = intArg(a['sweep-requests'], 400);
const KIND = a.pglite ? 'pglite' : 'postgres';

const { loadConfig } = await dist('config.js');
const { createApp } = await dist('server.js');
const { createLogger } = await dist('logger.js');
const { signToken } = await dist('auth/token.js');
const { toGlobalId } = await dist('graphql/global-id.js');

const lockText = (l) => (l ? `${fmt(l.meanActive, 2)} / ${fmt(l.meanLockWaiters, 2)}` : '–');
const cpuText = (c) => (c ? `${pct(c.self)} / ${pct(c.postgres)} / ${pct(c.other)}` : '–');
const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)} %`);
const MUTATION = 'mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id number status nextDueAt } } }';
const KINDS = ['COMPLAINT', 'REPAIR', 'REPAIR', 'INQUIRY'];
const CATEGORIES = ['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE', 'SALES_PROMISE', 'DESIGN', 'PROPERTY_MANAGEMENT', 'OTHER'];
const LOCATIONS = ['WALL_BEAM', 'WINDOW_DOOR', 'WATERPROOFING', 'PLUMBING', 'ELECTRICAL', 'FIXTURES'];
const CHANNELS = ['HOTLINE_400', 'WECHAT', 'PHONE', 'VISIT', 'ONSITE', 'EMAIL'];

/** The complaint for customer `c` (same values for the API and the SQL baseline). */
function complaintOf(c, i) {
  const kind = KINDS[i % 4];
  return {
    customerId: c.customerId,
    projectId: c.projectId,
    unitId: c.unitId,
    kind,
    category: CATEGORIES[Math.floor(i / 4) % 6],
    defectLocation: kind === 'REPAIR' ? LOCATIONS[Math.floor(i / 3) % 6] : null,
    channel: CHANNELS[Math.floor(i / 7) % 6],
    description: `卫生间漏水，楼下天花板渗水 — bench complaint ${i}`,
  };
}

const bodyOf = (x) =>
  JSON.stringify({
    query: MUTATION,
    variables: {
      input: {
        customerId: toGlobalId('Customer', x.customerId),
        projectId: toGlobalId('Project', x.projectId),
        unitId: toGlobalId('Unit', x.unitId),
        kind: x.kind,
        category: x.category,
        ...(x.defectLocation ? { defectLocation: x.defectLocation } : {}),
        channel: x.channel,
        description: x.description,
      },
    },
  });

async function main() {
  const started = Date.now();
  const background = await startOfRun({ noWait: a['no-wait'] });
  const created = KIND === 'postgres' ? await createDatabase('create') : null;
  let database = null;
  let app = null;
  let sqlClient = null;
  let sampler = null;
  try {
    database = await openMigrated(KIND, created?.url, 10);
    // Customers: one per request of every round (no complaint is a repeat of another).
    const needed = WARMUP * 2 + (REQUESTS * ROUNDS * 2 + REQUESTS + SWEEP_REQUESTS * SWEEP.length) * 3 + 1; // room for repeated rounds
    const conn = KIND === 'postgres' ? seedConnection(created.url) : database;
    const org = await seedOrg(conn, { tag: 'create', projects: 20, customers: needed, list: true });
    let preload = null;
    if (PRELOAD) preload = await seedComplaints(conn, { tag: 'create', n: PRELOAD });
    if (conn.sql) await conn.sql.end({ timeout: 5 });
    console.log(`seeded ${needed.toLocaleString('en')} customers with units in ${fmt(org.ms / 1000, 1)} s${PRELOAD ? `, ${PRELOAD.toLocaleString('en')} complaints preloaded` : ''}`);
    let next = 0;
    const take = (n) => org.list.slice(next, (next += n)).map((c) => complaintOf(c, c.k));

    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ...(created ? { DATABASE_URL: created.url } : {}) });
    app = await createApp({ config, database, logger: createLogger('silent') });
    const port = await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}/graphql`;
    const token = await signToken(config, { sub: 'agent.bench', role: 'AGENT', scope: null });
    const headers = { authorization: `Bearer ${token}` };

    // The SQL baseline's policy columns, chosen as the app chooses them (by kind).
    const policies = await q(database, `select id, name, clocks from sla_policies where active`);
    const policyOf = (kind) => policies.find((p) => p.name === (kind === 'REPAIR' ? '报修时限 Repairs' : '默认时限 Default'));
    const INSERT = `insert into complaints (number, customer_id, project_id, unit_id, kind, category, defect_location, channel, description,
                                            attachments, severity, first_responder_id, sla_policy_id, sla_targets, received_at)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]'::jsonb, 'NORMAL', 'agent.bench', $10, $11::jsonb, $12) returning id`;
    sqlClient = KIND === 'postgres' ? postgres(created.url, { max: CONCURRENCY, onnotice: () => {}, connection: { application_name: 'cx-bench-sql' } }) : null;
    let sqlSeq = 0;
    const insertOne = (x) => {
      const p = policyOf(x.kind);
      const params = [`TS-SQL-${String(++sqlSeq).padStart(7, '0')}`, x.customerId, x.projectId, x.unitId, x.kind, x.category, x.defectLocation, x.channel, x.description, p.id, JSON.stringify(p.clocks), new Date().toISOString()];
      return sqlClient ? sqlClient.unsafe(INSERT, params) : database.pglite.query(INSERT, params);
    };
    const sqlLoad = async (rows) => {
      const lat = new Array(rows.length);
      let i = 0;
      const worker = async () => {
        for (;;) {
          const k = i++;
          if (k >= rows.length) return;
          const t = nowMs();
          await insertOne(rows[k]);
          lat[k] = nowMs() - t;
        }
      };
      const t0 = nowMs();
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return { elapsedMs: nowMs() - t0, latenciesMs: lat };
    };

    // Samples (every 10 ms, on its own connection) what the API's backends wait for: lock waits
    // show transactions queueing behind each other (e.g. on the complaint-number counter row).
    sampler = created ? postgres(created.url, { max: 1, onnotice: () => {} }) : null;
    const sampleWaits = () => {
      if (!sampler) return { stop: async () => null };
      let on = true;
      const samples = [];
      const loop = (async () => {
        while (on) {
          const rows = await sampler`select wait_event_type, wait_event, left(query, 60) as q from pg_stat_activity
                                     where datname = current_database() and application_name = 'cx-graphql-api' and state = 'active' and pid <> pg_backend_pid()`;
          samples.push(rows);
          await sleep(10);
        }
      })();
      return {
        stop: async () => {
          on = false;
          await loop;
          const n = samples.length || 1;
          const lockWaiters = samples.map((r) => r.filter((x) => x.wait_event_type === 'Lock').length);
          const active = samples.map((r) => r.length);
          const byEvent = {};
          const byStatement = {};
          for (const r of samples)
            for (const x of r)
              if (x.wait_event_type === 'Lock') {
                byEvent[x.wait_event] = (byEvent[x.wait_event] ?? 0) + 1;
                const key = x.q.replace(/\s+/g, ' ');
                byStatement[key] = (byStatement[key] ?? 0) + 1;
              }
          return {
            samples: samples.length,
            meanActive: active.reduce((x, y) => x + y, 0) / n,
            meanLockWaiters: lockWaiters.reduce((x, y) => x + y, 0) / n,
            shareWithLockWaiters: lockWaiters.filter((x) => x > 0).length / n,
            lockWaitsByEvent: byEvent,
            lockWaitsByStatement: byStatement,
          };
        },
      };
    };

    const apiRound = async (label, concurrency = CONCURRENCY, requests = REQUESTS) => {
      const rows = take(requests);
      const q0 = database.stats.queries;
      const t0 = app.scheduler.stats.ticks;
      const [{ n: c0 }] = await q(database, `select count(*)::int as n from complaints`);
      const elu0 = performance.eventLoopUtilization();
      const waits = sampleWaits();
      const r = await runLoad({ url, bodies: rows.map(bodyOf), concurrency, headers });
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const locks = await waits.stop();
      await sleep(300); // let the last wake-ups finish before counting
      const [{ n: c1 }] = await q(database, `select count(*)::int as n from complaints`);
      const queries = database.stats.queries - q0; // (the raw counts above do not go through drizzle)
      if (r.errors) throw new Error(`${label}: ${r.errors} failed requests, first: ${r.firstError}`);
      if (c1 - c0 !== requests) throw new Error(`${label}: ${c1 - c0} complaints created, expected ${requests}`);
      const ticks = app.scheduler.stats.ticks - t0;
      const queriesPerRequest = queries / requests;
      const ticksPerRequest = ticks / requests;
      // Round trips not seen by drizzle's logger: BEGIN/COMMIT of the mutation's transaction and
      // of every scheduler tick, and the wake-up NOTIFY (PostgreSQL only).
      const roundTrips = queriesPerRequest + 2 + 2 * ticksPerRequest + (KIND === 'postgres' ? 1 : 0);
      return { label, concurrency, rps: (requests * 1000) / r.elapsedMs, elapsedMs: r.elapsedMs, latency: summary(r.latenciesMs), queriesPerRequest, ticksPerRequest, roundTrips, serverEventLoopUtilization: elu, locks };
    };
    const sqlRound = async (label) => {
      const rows = take(REQUESTS);
      const r = await sqlLoad(rows);
      return { label, rps: (REQUESTS * 1000) / r.elapsedMs, elapsedMs: r.elapsedMs, latency: summary(r.latenciesMs), queriesPerRequest: 1 };
    };

    // Warm-up: JIT, connection pools, schema/plan caches, the calendar cache.
    await runLoad({ url, bodies: take(WARMUP).map(bodyOf), concurrency: CONCURRENCY, headers });
    await sqlLoad(take(WARMUP));

    const api = [];
    const sql = [];
    for (let i = 1; i <= ROUNDS; i++) {
      api.push(await measured(`api#${i}`, database, () => apiRound(`api#${i}`)));
      sql.push(await measured(`sql#${i}`, database, () => sqlRound(`sql#${i}`)));
      console.log(`round ${i}: API ${fmt(api.at(-1).rps, 1)}/s, SQL ${fmt(sql.at(-1).rps, 1)}/s`);
    }
    // Where the statements of one createComplaint go (one request, then its scheduler wake-up).
    const one = take(1)[0];
    const statements = await traceStatements(database, async () => {
      await runLoad({ url, bodies: [bodyOf(one)], concurrency: 1, headers });
      await sleep(300);
    });
    // Throughput against the number of concurrent clients (scheduler on).
    const sweep = [];
    for (const c of SWEEP) {
      const r = await measured(`sweep c=${c}`, database, () => apiRound(`sweep c=${c}`, c, SWEEP_REQUESTS));
      sweep.push(r);
      console.log(`  ${c} client(s): ${fmt(r.rps, 1)}/s, p50 ${fmt(r.latency.p50, 1)} ms, lock waiters ${r.locks ? fmt(r.locks.meanLockWaiters, 2) : '–'}`);
    }
    // The same mutation without the scheduler (SLA_SCHEDULER=off-like: wake() returns at once).
    await app.scheduler.stop();
    const apiNoScheduler = await measured('api, scheduler stopped', database, () => apiRound('api, scheduler stopped'));
    console.log(`API with the scheduler stopped: ${fmt(apiNoScheduler.rps, 1)}/s`);

    const pick = (rounds) => rounds.find((r) => r.rps === median(rounds.map((x) => x.rps)));
    const A = pick(api);
    const S = pick(sql);
    const res = {
      backgroundCpuBusy: background,
      machine: await machine(database),
      params: { REQUESTS, CONCURRENCY, WARMUP, ROUNDS, PRELOAD, KIND, selection: MUTATION },
      api,
      sql,
      apiNoScheduler,
      sweep,
      preload,
      median: { api: A, sql: S, ratio: S.rps / A.rps },
      statementsOfOneCreate: statements,
      totalSeconds: (Date.now() - started) / 1000,
    };
    const lines = [
      `| ${KIND}, ${CONCURRENCY} concurrent clients, ${REQUESTS} requests per round, median of ${ROUNDS} | complaints/s | latency p50 | latency p99 | SQL statements per complaint (drizzle-counted) | ≈ round trips per complaint | server event loop busy | CPU: bench process / PostgreSQL / other work (of ${res.machine.nproc} CPUs) | API backends active / waiting on a lock (mean) |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| API \`createComplaint\` (scheduler on) | ${fmt(A.rps, 1)} | ${fmt(A.latency.p50, 1)} ms | ${fmt(A.latency.p99, 1)} ms | ${fmt(A.queriesPerRequest, 2)} (incl. ${fmt(A.ticksPerRequest, 2)} scheduler ticks) | ${fmt(A.roundTrips, 1)} | ${pct(A.serverEventLoopUtilization)} | ${cpuText(A.cpu)} | ${lockText(A.locks)} |`,
      `| API \`createComplaint\` (scheduler stopped) | ${fmt(apiNoScheduler.rps, 1)} | ${fmt(apiNoScheduler.latency.p50, 1)} ms | ${fmt(apiNoScheduler.latency.p99, 1)} ms | ${fmt(apiNoScheduler.queriesPerRequest, 2)} | ${fmt(apiNoScheduler.roundTrips, 1)} | ${pct(apiNoScheduler.serverEventLoopUtilization)} | ${cpuText(apiNoScheduler.cpu)} | ${lockText(apiNoScheduler.locks)} |`,
      `| direct SQL \`INSERT INTO complaints\` | ${fmt(S.rps, 1)} | ${fmt(S.latency.p50, 2)} ms | ${fmt(S.latency.p99, 2)} ms | 1 | 1 | – | ${cpuText(S.cpu)} | – |`,
      `| **ratio SQL ÷ API (scheduler on)** | **${fmt(S.rps / A.rps, 1)}×** | | | | | | | |`,
    ];
    if (sweep.length) lines.push('', '| concurrent clients | complaints/s | latency p50 | latency p99 | mean backends active / waiting on a lock |', '|---:|---:|---:|---:|---:|');
    for (const r of sweep) lines.push(`| ${r.concurrency} | ${fmt(r.rps, 1)} | ${fmt(r.latency.p50, 1)} ms | ${fmt(r.latency.p99, 1)} ms | ${r.locks ? `${fmt(r.locks.meanActive, 2)} / ${fmt(r.locks.meanLockWaiters, 2)}` : '–'} |`);
    res.table = lines.join('\n');
    console.log('\n' + res.table);
    console.log('\nrounds: ' + [...api, ...sql, apiNoScheduler].map((r) => `${r.label} ${fmt(r.rps, 1)}/s (other work ${r.cpu ? pct(r.cpu.other) : '?'}${r.attempts > 1 ? `, attempt ${r.attempts}` : ''}${r.disturbed ? ', DISTURBED' : ''})`).join(', '));
    const lockStatements = Object.entries(A.locks?.lockWaitsByStatement ?? {}).sort((x, y) => y[1] - x[1]).slice(0, 5);
    if (lockStatements.length) {
      console.log(`\nstatements the API's backends were waiting in for a lock (samples, median round, ${JSON.stringify(A.locks.lockWaitsByEvent)}):`);
      for (const [q, n] of lockStatements) console.log(`  ${n}× ${q}`);
    }
    console.log(`\nstatements of one createComplaint and its scheduler wake-up (${statements.length}):`);
    for (const s of statements) console.log('  ' + s.replace(/\s+/g, ' ').slice(0, 150));
    console.log(`\nresults: ${saveResult(`complaints-create-${KIND}`, res)} (${fmt(res.totalSeconds, 0)} s)`);
  } finally {
    await app?.close().catch(() => {});
    await sqlClient?.end({ timeout: 5 }).catch(() => {});
    await sampler?.end({ timeout: 5 }).catch(() => {});
    await database?.close().catch(() => {});
    await created?.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
