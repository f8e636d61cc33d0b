// Read benchmark (issue 8): our API against PostGraphile v4, PostGraphile v5 and a
// hand-written floor, on three read workloads over the same PostgreSQL database, in one run.
//
//   npm run bench:read [-- --workloads A,B,C] [--only ours,executor,v4,v5,floor] [--connections 16]
//        [--duration 10] [--warmup 3] [--customers 24000] [--complaints 23600] [--repeaters 150]
//        [--count 50] [--attempts 2] [--url postgres://…/cx_bench_read_xxx] [--keep] [--no-wait]
//
// Servers (each a process of its own, started for one workload at a time, never two at once):
// - ours: the production build, started as `npm start` does (`node <its Node options>
//   dist/src/main.js`, options read from package.json) with NODE_ENV=production, a random
//   JWT_SECRET, RATE_LIMIT_PER_MINUTE=0 (one token sends everything), SEED_DEMO_DATA=never,
//   LOG_LEVEL=warn and SLA_SCHEDULER=off (a read benchmark: the scheduler would otherwise fire
//   the alerts falling due in a reused database and write while we read; its cost is what
//   bench:sla measures); everything else at its default (pool of 10). An ADMIN token (whole
//   group, unmasked personal data: the only role that sees what PostGraphile returns).
// - v4: PostGraphile 4 + postgraphile-plugin-connection-filter (bench/peers/postgraphile-v4).
// - v5: PostGraphile 5 (Grafast) + the connection filter for v5 (bench/peers/postgraphile-v5),
//   on the Node 22 binary of that package's `node` dev dependency (v5 needs Node >= 22).
// - floor: bench/read-floor.mjs, node:http + postgres.js + JSON.stringify, one statement per
//   request, answering with JSON identical to ours.
// - executor (only when named in --only): bench/read-executor.mjs, Apollo + graphql-js on our
//   schema with ours' answers in memory (recorded from ours for every body sent): what executing
//   and serialising the same documents costs with no data path at all. What ours costs beyond it
//   is our data path (statements, rows, resolvers, access rules).
// Every Node server (ours, both peers, the floor) runs with ours' Node options, so a GC setting
// is not counted as ours alone. The peers install on first use (`npm ci --prefix bench/peers/<name>`); they are not
// dependencies of the root package. PostGraphile runs without authentication or row-level
// security (none is defined): it returns every row, as ours does for ADMIN.
//
// Data: a fresh database cx_bench_read_<random> on BENCH_DATABASE_URL's server, migrated, with
// `--customers` customers (each with a signed and delivered unit) in 20 projects under 4 city
// companies of one region, `--complaints` complaints with their SLA clocks (bench/bulk-seed.mjs
// seedComplaints), of which `--repeaters` customers have 20 each, moved along their lifecycle
// with timelines (seedLifecycle: ~86 % open). Dropped at the end unless --keep / BENCH_KEEP_DB=1;
// `--url` reuses a database seeded by an earlier --keep run (it is seeded when empty) and keeps it.
// Three SQL functions are added for PostGraphile's computed columns (SlaClock.breached,
// Customer.segment, Unit.label: the derived fields ours computes in its resolvers).
//
// Workloads (the documents sent to ours are READ_QUERIES in bench/read-floor.mjs):
// A. complaint desk: 50 newest open complaints with customer, project and clocks;
// B. customer 360: a customer with units and 20 newest complaints with their timelines;
//    $id cycles over the customers with at least 5 complaints;
// C. 20 projects by name with their city company.
// PostGraphile gets the equivalent documents (PEER_QUERIES below): the connection filter's
// `status: {in: […]}`, orderBy lists ending with the primary key (ours orders by (sort key, id)),
// v4's `nodeId` / v5's `id` where ours has its global `id`, and aliases so the answers have
// our shape.
//
// Per workload and server:
// 1. counting phase: the server starts with its DATABASE_URL pointed at a TCP proxy in this
//    process (countingProxy in lib.mjs); its answers are verified (below), 20 requests warm
//    it, then `--count` requests are sent one at a time and the proxy's count of frontend
//    messages (Parse 'P', Bind 'B', Execute 'E', simple Query 'Q') divided by them. Ours also
//    gets EVENTS_POLL_MS=3600000 in this phase only, so that the event log's 5-second poll
//    (background work, not the request's) is not counted.
// 2. timing phase: the server restarts on a direct connection; a load process
//    (bench/http-load.mjs runTimedLoad, raw keep-alive sockets) runs `--connections` closed-loop
//    clients for `--warmup` s, then `--duration` s timed: requests/s, latency p50/p99 of the
//    requests answered in the window, CPU (from /proc) of the server process tree, of the
//    PostgreSQL backends of the database (plus its auxiliary processes) and of the load
//    process, each ÷ requests. A window in which other work took more than BENCH_MAX_OTHER
//    (10 %) of the CPUs is measured again (up to `--attempts` in all).
// Verification, before timing: ours' answers are the reference (A, C, and B for its first 10
// ids). The floor's must deep-equal them; PostGraphile's must equal them after normalisation
// (IDs decoded to row keys, `{ nodes }` lists unwrapped, timestamps as epoch ms). A mismatch
// aborts with the first difference.
//
// Prints a table and saves bench/results/read-*.json.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { READ_QUERIES } from './read-floor.mjs';
import { PEER_FUNCTIONS, PEER_QUERIES, PEERS, ensurePeer } from './read-peers.mjs';
import { runTimedLoad } from './http-load.mjs';
import { seedComplaints, seedConnection, seedLifecycle, seedOrg } from './bulk-seed.mjs';
import {
  args,
  benchDir,
  countingProxy,
  cpuMeter,
  createDatabase,
  dist,
  fmt,
  freePort,
  intArg,
  keepDatabases,
  machine,
  maxOther,
  openMigrated,
  root,
  saveResult,
  sleep,
  startOfRun,
  startFlags,
  startProcess,
  summary,
  waitQuiet,
} from './lib.mjs';

const a = args();
const WORKLOADS = String(a.workloads ?? 'A,B,C').split(',').map((w) => w.trim().toUpperCase());
// Always in this order (ours first: its answers are the reference the others are verified against).
const SERVERS = ['ours', 'executor', 'v4', 'v5', 'floor'].filter((s) => String(a.only ?? 'ours,v4,v5,floor').split(',').map((x) => x.trim()).includes(s));
const CONNECTIONS = intArg(a.connections, 16);
const DURATION_S = Number(a.duration ?? 10);
const WARMUP_S = Number(a.warmup ?? 3);
const CUSTOMERS = intArg(a.customers, 24_000);
const COMPLAINTS = intArg(a.complaints, 23_600);
const REPEATERS = intArg(a.repeaters, 150);
const COUNT = intArg(a.count, 50);
const ATTEMPTS = intArg(a.attempts, 2);
const VERIFY_B = 10;
/** Aborted when the bench is interrupted: kills the load process, and the errors that follow are not reported. */
const loads = new AbortController();
const KEEP = !!a.keep || keepDatabases;
for (const w of WORKLOADS) if (!READ_QUERIES[w]) throw new Error(`unknown workload ${w} (A, B or C)`);
for (const s of String(a.only ?? '').split(',').filter(Boolean)) if (!['ours', 'executor', 'v4', 'v5', 'floor'].includes(s.trim())) throw new Error(`unknown server ${s} (ours, executor, v4, v5, floor)`);
if (SERVERS.includes('executor') && !SERVERS.includes('ours')) throw new Error('the executor answers with what ours answered: --only needs ours too');

// ───────────────────────── verification ─────────────────────────

/** Row key of a global ID: ours `Type:id` (base64url), PostGraphile `["type", id]` (base64). */
function keyOf(id) {
  const text = Buffer.from(String(id), 'base64').toString('utf8');
  if (text.startsWith('[')) return String(JSON.parse(text).at(-1));
  const i = text.indexOf(':');
  return i > 0 ? text.slice(i + 1) : String(id);
}
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;

/** An answer in comparable form: `{ nodes }` lists unwrapped, IDs as row keys, timestamps as epoch ms. */
function normalise(x, key = '') {
  if (Array.isArray(x)) return x.map((v) => normalise(v));
  if (x && typeof x === 'object') {
    const keys = Object.keys(x);
    if (keys.length === 1 && keys[0] === 'nodes' && Array.isArray(x.nodes)) return normalise(x.nodes);
    return Object.fromEntries(keys.map((k) => [k, normalise(x[k], k)]));
  }
  if (key === 'id' && typeof x === 'string') return keyOf(x);
  if (typeof x === 'string' && TIMESTAMP.test(x)) return Date.parse(x);
  return x;
}

/** The first place where two JSON values differ, as `path: a ≠ b`, or null. */
function firstDifference(x, y, at = '$') {
  if (isDeepStrictEqual(x, y)) return null;
  if (x && y && typeof x === 'object' && typeof y === 'object' && Array.isArray(x) === Array.isArray(y)) {
    if (Array.isArray(x) && x.length !== y.length) return `${at}: ${x.length} items ≠ ${y.length} items`;
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const d = firstDifference(x[k], y[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: ${JSON.stringify(x)?.slice(0, 300)} ≠ ${JSON.stringify(y)?.slice(0, 300)}`;
}

async function post(url, headers, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  if (r.status !== 200 || !json || json.errors) throw new Error(`HTTP ${r.status}: ${text.slice(0, 600)}`);
  return json;
}

// ───────────────────────── the run ─────────────────────────

async function main() {
  const started = Date.now();
  const background = await startOfRun({ noWait: a['no-wait'] });
  for (const s of SERVERS) if (PEERS[s]) ensurePeer(s);
  if (SERVERS.includes('v5')) {
    const v = execFileSync(PEERS.v5.node(), ['--version'], { encoding: 'utf8' }).trim();
    if (Number(v.slice(1).split('.')[0]) < 22) throw new Error(`PostGraphile v5 needs Node >= 22; ${PEERS.v5.node()} is ${v}`);
  }

  const { loadConfig } = await dist('config.js');
  const { signToken } = await dist('auth/token.js');
  const mainJs = path.join(root, 'dist', 'src', 'main.js');
  // ours as deployed; the peers and the floor get the same options: a GC setting any Node server could use is not ours alone.
  const oursFlags = startFlags();

  let created = null;
  let database = null;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-read-'));
  // Interrupted (Ctrl-C, SIGTERM): stop the servers, drop the database, then exit (a signal skips `finally`).
  const live = new Set();
  const interrupted = async (signal) => {
    console.log(`\n${signal}: stopping ${live.size} server(s)${created && !KEEP ? ` and dropping ${created.name}` : ''}`);
    loads.abort();
    await Promise.all([...live].map((p) => p.stop().catch(() => {})));
    await database?.close().catch(() => {});
    if (created && !a.keep) await created.drop().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let url = a.url;
  if (!url) {
    created = await createDatabase('read');
    url = created.url;
  }
  const res = { backgroundCpuBusy: background, params: { WORKLOADS, SERVERS, CONNECTIONS, DURATION_S, WARMUP_S, CUSTOMERS, COMPLAINTS, REPEATERS, COUNT, ATTEMPTS, maxOther }, workloads: {} };
  try {
    database = await openMigrated('postgres', url, 2);
    const sql = database.sql;
    const [{ n: existing }] = await sql`select count(*)::int as n from complaints`;
    if (existing === 0) {
      console.log(`seeding ${CUSTOMERS.toLocaleString('en')} customers and ${COMPLAINTS.toLocaleString('en')} complaints (${REPEATERS} customers with 20 each) into ${url}`);
      const t0 = Date.now();
      const conn = seedConnection(url);
      try {
        await seedOrg(conn, { tag: 'read', projects: 20, customers: CUSTOMERS });
        const c = await seedComplaints(conn, { tag: 'read', n: COMPLAINTS, repeaters: { customers: REPEATERS, each: 20 } });
        res.lifecycle = await seedLifecycle(conn, { after: c.idAfter });
      } finally {
        await conn.sql.end({ timeout: 5 });
      }
      console.log(`seeded in ${fmt((Date.now() - t0) / 1000, 1)} s: ${JSON.stringify(res.lifecycle.statuses)}, ${res.lifecycle.events.toLocaleString('en')} timeline rows`);
    } else console.log(`reusing ${url} (${existing.toLocaleString('en')} complaints)`);
    await sql.unsafe(PEER_FUNCTIONS);
    const [data] = await sql`select (select count(*) from customers)::int as customers, (select count(*) from projects)::int as projects,
                                    (select count(*) from complaints)::int as complaints,
                                    (select count(*) from complaints where status in ('RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'REOPENED'))::int as open,
                                    (select count(*) from sla_clocks)::int as clocks, (select count(*) from complaint_events)::int as events`;
    res.data = data;
    console.log(`data: ${Object.entries(data).map(([k, v]) => `${v.toLocaleString('en')} ${k}`).join(', ')}`);
    // B cycles over customers with a history (the repeaters), by id.
    let ids = (await sql`select customer_id as id from complaints group by 1 having count(*) >= 5 order by 1 limit 200`).map((r) => String(r.id));
    if (ids.length < VERIFY_B) ids = (await sql`select customer_id as id from complaints group by 1 order by count(*) desc, 1 limit 200`).map((r) => String(r.id));
    res.bCustomers = ids.length;

    const jwtSecret = randomBytes(32).toString('hex');
    const oursEnv = { NODE_ENV: 'production', HOST: '127.0.0.1', JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SEED_DEMO_DATA: 'never', SLA_SCHEDULER: 'off' };
    const config = loadConfig({ ...oursEnv, DATABASE_URL: url, PORT: '4000' });
    const adminToken = await signToken(config, { sub: 'admin.bench', role: 'ADMIN', scope: null }, '24h');
    const gid = (type, id) => Buffer.from(`${type}:${id}`).toString('base64url');
    res.params.oursEnv = { ...oursEnv, JWT_SECRET: '(random)' };
    res.params.nodeFlags = oursFlags;
    console.log(`ours: node ${[...oursFlags, 'dist/src/main.js'].join(' ')} (as npm start), ${Object.entries(oursEnv).map(([k, v]) => `${k}=${k === 'JWT_SECRET' ? '(random)' : v}`).join(' ')}`);

    /** How each server starts (tracked in `live` until stopped), what it is sent, and with which headers. */
    const tracked = async (started) => {
      const p = await started;
      live.add(p);
      const stop = p.stop;
      p.stop = () => stop().finally(() => live.delete(p));
      return p;
    };
    const servers = {
      ours: {
        headers: { authorization: `Bearer ${adminToken}` },
        bodies: (w) => (w === 'B' ? ids.map((id) => ({ query: READ_QUERIES.B, variables: { id: gid('Customer', id) } })) : [{ query: READ_QUERIES[w] }]),
        start: (dbUrl, port, counting) =>
          startProcess('ours', process.execPath, [...oursFlags, mainJs], {
            env: { ...oursEnv, DATABASE_URL: dbUrl, PORT: String(port), ...(counting ? { EVENTS_POLL_MS: '3600000' } : {}) },
            ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
          }),
      },
      v4: {
        headers: {},
        bodies: (w) => (w === 'B' ? ids.map((id) => ({ query: PEER_QUERIES.v4.B, variables: { id } })) : [{ query: PEER_QUERIES.v4[w] }]),
        start: (dbUrl, port) => startProcess('PostGraphile v4', PEERS.v4.node(), [...oursFlags, 'server.mjs'], { cwd: PEERS.v4.dir, env: { NODE_ENV: 'production', DATABASE_URL: dbUrl, PORT: String(port) } }),
      },
      v5: {
        headers: {},
        bodies: (w) => (w === 'B' ? ids.map((id) => ({ query: PEER_QUERIES.v5.B, variables: { id } })) : [{ query: PEER_QUERIES.v5[w] }]),
        start: (dbUrl, port) =>
          startProcess('PostGraphile v5', PEERS.v5.node(), [...oursFlags, 'server.mjs'], { cwd: PEERS.v5.dir, env: { NODE_ENV: 'production', GRAPHILE_ENV: 'production', DATABASE_URL: dbUrl, PORT: String(port) } }),
      },
      executor: {
        headers: {},
        bodies: (w) => servers.ours.bodies(w),
        start: (dbUrl, port, counting, w) =>
          startProcess('executor', process.execPath, [...oursFlags, path.join(benchDir, 'read-executor.mjs')], { env: { EXECUTOR_ANSWERS: recordedFile(w), PORT: String(port) } }),
      },
      floor: {
        headers: {},
        bodies: (w) => servers.ours.bodies(w),
        start: (dbUrl, port) => startProcess('floor', process.execPath, [...oursFlags, path.join(benchDir, 'read-floor.mjs')], { env: { DATABASE_URL: dbUrl, PORT: String(port) } }),
      },
    };
    /** Where ours' answers to workload `w` are recorded for the executor. */
    const recordedFile = (w) => path.join(scratch, `ours-${w}.json`);
    res.queries = { ours: READ_QUERIES, v4: PEER_QUERIES.v4, v5: PEER_QUERIES.v5, floor: '(same documents as ours)' };

    for (const w of WORKLOADS) {
      console.log(`\n── workload ${w} ──`);
      const out = (res.workloads[w] = {});
      // The verification samples' answers of the first server (ours unless --only leaves it out), raw and normalised.
      let reference = null;
      for (const name of SERVERS) {
        const s = servers[name];
        const bodies = s.bodies(w).map((b) => JSON.stringify(b));
        const sample = w === 'B' ? bodies.slice(0, VERIFY_B) : bodies;
        const r = (out[name] = { server: name });

        // 1. Through the counting proxy: verify, warm, count statements.
        const proxy = await countingProxy(url);
        let proc = null;
        try {
          const port = await freePort();
          proc = await tracked(s.start(proxy.urlFor(url), port, true, w));
          const endpoint = `http://127.0.0.1:${port}/graphql`;
          const answers = [];
          for (const b of sample) answers.push(await post(endpoint, s.headers, b));
          const normal = answers.map((x) => normalise(x));
          if (!reference) reference = { server: name, answers, normal };
          else {
            // The floor promises our exact JSON; PostGraphile the same data in its own spelling.
            const exact = (name === 'floor' || name === 'executor') && reference.server === 'ours';
            for (let i = 0; i < answers.length; i++) {
              const d = exact ? firstDifference(reference.answers[i], answers[i]) : firstDifference(reference.normal[i], normal[i]);
              if (d) throw new Error(`workload ${w}: answer ${i + 1} of ${name} differs from that of ${reference.server}${exact ? '' : ' (normalised)'} at ${d}`);
            }
            r.verified = `${answers.length} answer(s) ${exact ? 'deep-equal to' : 'equal after normalisation to'} those of ${reference.server}`;
          }
          r.responseBytes = Buffer.byteLength(JSON.stringify(answers[0]));
          // The executor answers every body with what ours answered to it.
          if (name === 'ours' && SERVERS.includes('executor')) {
            const recorded = [];
            for (const b of bodies) recorded.push({ body: b, answer: await post(endpoint, s.headers, b) });
            writeFileSync(recordedFile(w), JSON.stringify(recorded));
          }
          for (let i = 0; i < 20; i++) await post(endpoint, s.headers, bodies[i % bodies.length]);
          await sleep(200);
          proxy.reset();
          for (let i = 0; i < COUNT; i++) await post(endpoint, s.headers, bodies[(20 + i) % bodies.length]);
          await sleep(200);
          const c = proxy.counts();
          r.messagesPerRequest = Object.fromEntries(Object.entries(c).sort().map(([k, v]) => [k, v / COUNT]));
          console.log(`  ${name}: ${r.verified ?? 'the reference'}; per request ${['P', 'B', 'E', 'Q'].map((k) => `${k} ${fmt(r.messagesPerRequest[k] ?? 0, 2)}`).join(', ')}`);
        } finally {
          await proc?.stop();
          await proxy.close();
        }

        // 2. Direct: timed closed-loop load.
        proc = null;
        try {
          let endpoint = null;
          for (let attempt = 1; ; attempt++) {
            // (Re)started when it is not running: on a shared machine a server may be stopped from outside.
            if (proc?.exited()) console.log(`  ${name} exited (${JSON.stringify(proc.exited())}) meanwhile; starting it again`);
            if (!proc || proc.exited()) {
              const port = await freePort();
              proc = await tracked(s.start(url, port, false, w));
              endpoint = `http://127.0.0.1:${port}/graphql`;
            }
            let meter = null;
            let cpu = null;
            const load = await runTimedLoad({
              url: endpoint,
              bodies,
              headers: s.headers,
              connections: CONNECTIONS,
              warmupMs: WARMUP_S * 1000,
              durationMs: DURATION_S * 1000,
              signal: loads.signal,
              onTimed: async (loadPid) => {
                meter = await cpuMeter(database, { processes: { server: proc.pid, load: loadPid } });
              },
              onEnd: async () => {
                cpu = await meter();
              },
            });
            if (load.errors && proc.exited() && attempt < ATTEMPTS) {
              console.log(`  ${name} exited during the measurement (${JSON.stringify(proc.exited())}); measuring again`);
              continue;
            }
            if (load.errors) throw new Error(`${name} ${w}: ${load.errors} failed requests${proc.exited() ? ` (the server exited: ${JSON.stringify(proc.exited())})` : ''}, first: ${load.firstError}`);
            const lat = summary(load.latenciesMs);
            const per = (ms) => (cpu && load.requests ? ms / load.requests : NaN);
            Object.assign(r, {
              attempt,
              requests: load.requests,
              warmupRequests: load.warmupRequests,
              rps: load.rps,
              latency: { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max, mean: lat.mean },
              cpuMsPerRequest: { server: per(cpu?.ms.server), postgres: per(cpu?.ms.postgres), load: per(cpu?.ms.load) },
              cpu,
              disturbed: !!cpu && cpu.other > maxOther,
              serverWarnings: proc.warnings(),
            });
            console.log(
              `  ${name}: ${fmt(r.rps, 0)} req/s, p50 ${fmt(lat.p50, 1)} ms, p99 ${fmt(lat.p99, 1)} ms; CPU ms/request server ${fmt(r.cpuMsPerRequest.server, 2)}, PostgreSQL ${fmt(r.cpuMsPerRequest.postgres, 2)}, load ${fmt(r.cpuMsPerRequest.load, 2)}; other work ${cpu ? Math.round(cpu.other * 100) : '?'} %`,
            );
            if (!r.disturbed || attempt >= ATTEMPTS) break;
            console.log(`  ${name}: other work took ${Math.round(cpu.other * 100)} % of the CPUs; measuring again after a quiet moment`);
            await waitQuiet({ maxMs: 120_000 });
          }
        } finally {
          await proc?.stop();
        }
      }
    }

    res.machine = await machine(database);
    res.table = table(res);
    console.log('\n' + res.table);
    res.totalSeconds = (Date.now() - started) / 1000;
    console.log(`\nresults: ${saveResult('read', res)} (${fmt(res.totalSeconds, 0)} s)`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await database?.close().catch(() => {});
    if (created) {
      if (a.keep) console.log(`kept ${created.name}; rerun with --url ${created.url}`);
      else await created.drop();
    }
  }
}

const count = (x = 0) => fmt(x, Number.isInteger(x) ? 0 : 2);

/** The summary table and the details per server (markdown). */
function table(res) {
  const names = { ours: 'ours', executor: 'executor (Apollo + graphql-js, data in memory)', v4: 'PostGraphile v4', v5: 'PostGraphile v5', floor: 'floor' };
  const present = SERVERS;
  const head = [
    'workload',
    ...present.map((s) => `${names[s]} req/s (p50 / p99 ms)`),
    ...(present.includes('ours') && (present.includes('v4') || present.includes('v5')) ? ['ours ÷ best PostGraphile'] : []),
    ...(present.includes('ours') && present.includes('floor') ? ['ours ÷ floor'] : []),
    `CPU ms/req server + PostgreSQL (${present.join(' / ')})`,
    `statements/req P/E/Q (${present.join(' / ')})`,
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`];
  for (const w of WORKLOADS) {
    const o = res.workloads[w];
    const cells = [w];
    for (const s of present) cells.push(`${fmt(o[s].rps, 0)} (${fmt(o[s].latency.p50, 1)} / ${fmt(o[s].latency.p99, 1)})`);
    const best = Math.max(...['v4', 'v5'].filter((s) => o[s]).map((s) => o[s].rps));
    if (head.includes('ours ÷ best PostGraphile')) cells.push(`${fmt(o.ours.rps / best, 2)}×`);
    if (head.includes('ours ÷ floor')) cells.push(`${fmt(o.ours.rps / o.floor.rps, 2)}×`);
    cells.push(present.map((s) => `${fmt(o[s].cpuMsPerRequest.server, 2)} + ${fmt(o[s].cpuMsPerRequest.postgres, 2)}`).join(' / '));
    cells.push(present.map((s) => ['P', 'E', 'Q'].map((k) => count(o[s].messagesPerRequest[k])).join('/')).join(' · '));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    '| workload | server | req/s | p50 ms | p90 ms | p99 ms | CPU ms/req: server | PostgreSQL | load generator | other work (share of CPUs) | Parse / Bind / Execute / Query per req | answer bytes |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const w of WORKLOADS)
    for (const s of present) {
      const r = res.workloads[w][s];
      const m = r.messagesPerRequest;
      lines.push(
        `| ${w} | ${names[s]} | ${fmt(r.rps, 0)} | ${fmt(r.latency.p50, 1)} | ${fmt(r.latency.p90, 1)} | ${fmt(r.latency.p99, 1)} | ${fmt(r.cpuMsPerRequest.server, 2)} | ${fmt(r.cpuMsPerRequest.postgres, 2)} | ${fmt(r.cpuMsPerRequest.load, 2)} | ${r.cpu ? Math.round(r.cpu.other * 100) + ' %' : '–'}${r.disturbed ? ' (disturbed)' : ''} | ${['P', 'B', 'E', 'Q'].map((k) => count(m[k])).join(' / ')} | ${r.responseBytes.toLocaleString('en')} |`,
      );
    }
  const m = res.machine;
  lines.push(
    '',
    `${CONNECTIONS} closed-loop connections, ${WARMUP_S} s warm-up + ${DURATION_S} s timed per server; servers one at a time; commit ${m.atStart.commit}${m.atStart.modifiedFiles ? ` + ${m.atStart.modifiedFiles} modified files` : ''}; ${m.nproc} CPUs (${m.cpu}), ${m.node}, ${String(m.postgres).split(' on ')[0]}.`,
    `Data: ${Object.entries(res.data).map(([k, v]) => `${v.toLocaleString('en')} ${k}`).join(', ')}; B cycles over ${res.bCustomers} customers.`,
  );
  return lines.join('\n');
}

main().catch((err) => {
  if (loads.signal.aborted) return; // interrupted: the signal handler cleans up and exits
  console.error(err);
  process.exitCode = 1;
});
