// Subscription fan-out: delivery latency of `complaintCreated` to many graphql-ws subscribers
// while complaints are created over HTTP, against the floor of a bare PostgreSQL
// LISTEN/NOTIFY round trip measured in the same run.
//
//   npm run build && node bench/subscriptions.mjs [--subscribers 1000] [--rate 100] [--seconds 30]
//        [--instances 1,2] [--client-procs 2] [--floor-seconds <seconds>] [--drain 60]
//        [--warmup 10] [--ramp 3] [--calibrate 100] [--pool 10] [--attempts 2] [--viewers alike|scoped] [--cpu-prof] [--no-wait]
//        [--writer api|sql] [--spread-writes] [--subscribe-to <k>] [--coalesce <ms>] [--client lean|graphql-ws]
//
// --writer api (default): complaints are created through createComplaint on instance 1, so the
//   instance also pays for intake (5 statements, no transaction, since 2026-12-01; 6 + BEGIN/COMMIT
//   from 2026-11-30; 20 before).
// --spread-writes (with --writer api): the warm-up, ramp and load's createComplaint requests go
//   to the instances in turn, as a load balancer in front of them would send them, instead of
//   all to instance 1 (the calibration stays on instance 1).
// --subscribe-to k: every subscriber on instance k (the last one if there are fewer) instead of
//   spread evenly: with `--instances 2 --subscribe-to 2`, one instance takes the writes and
//   another the WebSockets, as a process of its own for the sockets would split them.
// --writer sql: this process writes each complaint and its ComplaintCreated event by hand in one
//   statement (no clocks, timeline or audit): the servers do only the fan-out.
//
// --viewers alike (default): MANAGER tokens without scope, so every subscriber sees alike and
//   the server may share one access check per event among them.
// --viewers scoped: complaints go to 10 of the 20 projects; subscriber i's token is scoped to
//   those 10 plus its own subset of the other 10, so every scope differs (each needs its own
//   check) and every subscriber still sees every complaint.
// --client lean (default): each subscriber speaks graphql-transport-ws itself on a `ws` socket and
//   reads a data-only result's `at` and complaint id at their places (any other message is parsed
//   in full). --client graphql-ws: graphql-ws's own client, which parses and validates every
//   message. The subscribers share the server's two cores; real ones run elsewhere. The lean
//   client took 29–31 % of the machine where graphql-ws's took 37–39 % (2026-12-03).
// SERVER_NODE_ARGS (environment): extra `node` options for the servers, e.g. `--trace-gc`.
// --cpu-prof: the servers run with `node --cpu-prof`; the profile of the measurement window is
//   summarised (self time by package/function) and kept in bench/results/cpuprof-*.
//
// Creates cx_bench_subs_* on BENCH_DATABASE_URL's server (default
// postgres://postgres@127.0.0.1:5432/test), migrates it, seeds customers with units
// (bench/bulk-seed.mjs seedOrg), runs one scenario per entry of `--instances`, prints a table,
// saves bench/results/subscriptions-*.json and drops the database (BENCH_KEEP_DB=1 keeps it).
//
// Per scenario (`--instances k`):
// - k production server processes: `node dist/src/main.js` with NODE_ENV=production,
//   DATABASE_URL (the bench database), HOST=127.0.0.1, PORT, a random JWT_SECRET,
//   RATE_LIMIT_PER_MINUTE=0 (one writer token sends `--rate`/s), SEED_DEMO_DATA=never,
//   LOG_LEVEL=warn; everything else at its default (DATABASE_POOL_SIZE 10 unless --pool,
//   EVENT_COALESCE_MS as configured unless --coalesce,
//   EVENT_STREAM_BUFFER 1000, the SLA scheduler on). They share the database.
// - calibration: `--calibrate` createComplaint at `--rate`/s with no subscriber: SQL statements
//   per createComplaint (/metrics db_statements_total) and the write latency without fan-out.
// - floor (quiet): `--floor-seconds` of `pg_notify` at `--rate`/s from one postgres.js connection
//   to `sql.listen` on another (this process), payload = the send time; latency = receive − send.
// - `--subscribers` clients over `ws` (see --client), one connection and one
//   subscription each, spread evenly over the instances, run in `--client-procs` child processes
//   (not in this process, and not in the servers): MANAGER tokens without scope (whole group),
//   one token subject per subscriber (WS_MAX_CONNECTIONS_PER_SUBJECT is per subject),
//   `subscription { complaintCreated { cursor at complaint { id number } } }`.
// - warm-up: `--warmup` complaints at 10/s, then `--ramp` seconds of the load itself (`--rate`/s,
//   same writer), neither measured; every subscriber must receive all of them (proves its stream
//   is open before the measurement starts). The ramp measures a server that has run the load
//   before, as a production server has: without it (`--ramp 0`) the first second of the load
//   was the server's first burst of full rounds (V8 compiling the flush for them, the heap
//   growing), with p99 of 400–900 ms in that second against 110–200 ms after it.
// - load: `--rate` × `--seconds` createComplaint (AGENT token, each for another customer with a
//   unit) through instance 1 only, open loop (sent on schedule, not after the previous answer),
//   from this process over keep-alive HTTP. A second LISTEN/NOTIFY floor runs meanwhile
//   ("floor under load"). Then up to `--drain` s for the subscribers to receive everything.
// - latency of each delivered event = receive time in the subscriber − the event's `at`; also
//   reported without the events written in the load's first second, as the steady state.
//   `at` is domain_events.at = now() of the createComplaint transaction, i.e. its START, on the
//   database's clock (same machine, same clock as the subscribers): it therefore also contains
//   the rest of the write transaction up to its commit (the calibration shows how long the
//   whole request takes). Also reported: receive − the time the createComplaint request was
//   sent (contains the whole request). Both are wall-clock differences across processes on one
//   machine (performance.timeOrigin + performance.now()); `at` has 1 ms resolution.
// - exactly once and in order: after the load the log's order of the measured complaints
//   (domain_events by seq) is sent to the subscriber processes; each subscriber's received
//   list must contain each of them once, in that order (missing, duplicates, out of order,
//   unexpected events are counted).
// - CPU from /proc (servers, PostgreSQL backends of the bench database + auxiliary processes,
//   subscriber processes, this process, other work), RSS from /proc and /metrics
//   (process_resident_memory_bytes) before/after, statements from /metrics db_statements_total,
//   WebSocket closes from the clients and ws_closed_total. A per-second timeline goes to the
//   result file.
// A scenario in which other work took more than BENCH_MAX_OTHER (10 %) of the CPUs is run again
// after a quiet moment, up to `--attempts` times in all.
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const wall = () => performance.timeOrigin + performance.now();
const QUERY = 'subscription { complaintCreated { cursor at complaint { id number } } }';

if (process.argv[2] === '--client-worker') await clientWorker();
else
  await import('./lib.mjs')
    .then(main)
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });

// ───────────────────────── subscriber process ─────────────────────────

/**
 * A child process holding a share of the subscribers. Messages from the parent:
 * connect, mark, progress, analyze, close (each answered with { re: cmd, … }).
 */
async function clientWorker() {
  const { createClient } = await import('graphql-ws');
  const WebSocket = (await import('ws')).default;
  const CLIENT = process.argv[3] === 'graphql-ws' ? 'graphql-ws' : 'lean';
  // The lean client's fast path: the bytes a data-only result of QUERY begins with, and the keys it reads.
  const NEXT_HEAD = Buffer.from('{"id":"1","type":"next","payload":{"data":{"complaintCreated":{"cursor":"');
  const AT_KEY = Buffer.from('","at":"');
  const ID_KEY = Buffer.from('","complaint":{"id":"');
  const ERRORS_KEY = Buffer.from('"errors":');
  const subs = [];
  const intern = new Map();
  const idOf = (gid) => {
    let k = intern.get(gid);
    if (k === undefined) intern.set(gid, (k = intern.size));
    return k;
  };
  let warm = new Set();
  let marked = false;
  const send = (m) => process.send(m);

  /** Keeps a subscriber's first 5 errors. */
  function noteError(s, why) {
    if (s.errors.length < 5) s.errors.push(why);
  }
  /** What a subscriber records of one `next` result (the library's sink and the lean client's slow path). */
  function onResult(s, r, t) {
    if (r.errors?.length) return noteError(s, JSON.stringify(r.errors).slice(0, 300));
    const d = r.data?.complaintCreated;
    if (!d) return;
    record(s, d.complaint.id, Date.parse(d.at), t);
  }
  function record(s, gid, at, t) {
    const k = idOf(gid);
    s.ids.push(k);
    s.recv.push(t);
    s.at.push(at);
    if (marked && !warm.has(k)) s.n++;
  }

  function open(spec) {
    const s = { ...spec, ids: [], recv: [], at: [], n: 0, connected: false, closed: null, errors: [], completed: false };
    let resolveReady;
    s.ready = new Promise((r) => (resolveReady = r));
    s.client = CLIENT === 'lean' ? leanClient(s, resolveReady) : libraryClient(s, resolveReady);
    subs.push(s);
    return s;
  }

  /** graphql-ws's own client over `ws`. */
  function libraryClient(s, resolveReady) {
    const client = createClient({
      url: s.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${s.token}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: (e) => {
        if (!s.closed) s.errors.push(String(e?.message ?? e?.reason ?? e));
        resolveReady();
      },
      on: {
        connected: () => {
          s.connected = true;
          resolveReady();
        },
        closed: (e) => {
          s.closed = { code: e?.code ?? 0, reason: String(e?.reason ?? ''), at: wall() };
          resolveReady();
        },
      },
    });
    return {
      subscribe: () =>
        client.subscribe(
          { query: QUERY },
          {
            next: (r) => onResult(s, r, wall()),
            error: (e) => noteError(s, Array.isArray(e) ? JSON.stringify(e).slice(0, 300) : String(e?.message ?? e?.code ?? e)),
            complete: () => {
              s.completed = true;
            },
          },
        ),
      dispose: () => client.dispose(),
    };
  }

  /**
   * The protocol (graphql-transport-ws) spoken directly on a `ws` socket: a harness that takes
   * less of the machine it shares with the server. A `next` whose bytes begin exactly as a
   * result with data and no errors (NEXT_HEAD) has its `at` and complaint id read at their
   * places instead of the whole message parsed; every other message (the ack, pings, errors,
   * a result of another shape) is parsed in full and handled as graphql-ws's client would.
   * The same exactly-once and order checks follow either way.
   */
  function leanClient(s, resolveReady) {
    const ws = new WebSocket(s.url, 'graphql-transport-ws', { perMessageDeflate: false });
    const fail = (why) => noteError(s, why);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${s.token}` } })));
    ws.on('error', (e) => {
      fail(String(e?.message ?? e));
      resolveReady();
    });
    ws.on('close', (code, reason) => {
      s.closed = { code, reason: String(reason), at: wall() };
      resolveReady();
    });
    ws.on('message', (data) => {
      const t = wall();
      if (data.length > NEXT_HEAD.length && data.compare(NEXT_HEAD, 0, NEXT_HEAD.length, 0, NEXT_HEAD.length) === 0) {
        const a = data.indexOf(AT_KEY, NEXT_HEAD.length);
        const c = a < 0 ? -1 : data.indexOf(ID_KEY, a);
        // A result with errors (wherever its serialisation puts them) takes the full parse.
        if (c > 0 && data.indexOf(ERRORS_KEY, c) === -1) {
          const aEnd = data.indexOf(34, a + AT_KEY.length);
          const cEnd = data.indexOf(34, c + ID_KEY.length);
          return record(s, data.toString('latin1', c + ID_KEY.length, cEnd), Date.parse(data.toString('latin1', a + AT_KEY.length, aEnd)), t);
        }
      }
      let m;
      try {
        m = JSON.parse(String(data));
      } catch {
        return fail(`unparsable message: ${String(data).slice(0, 200)}`);
      }
      if (m.type === 'connection_ack') {
        s.connected = true;
        resolveReady();
      } else if (m.type === 'ping') ws.send('{"type":"pong"}');
      else if (m.type === 'next' && m.id === '1') onResult(s, m.payload, t);
      else if (m.type === 'error') fail(JSON.stringify(m.payload).slice(0, 300));
      else if (m.type === 'complete') s.completed = true;
      else if (m.type !== 'pong') fail(`unexpected message: ${String(data).slice(0, 200)}`);
    });
    return {
      subscribe: () => ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } })),
      dispose: async () => {
        if (ws.readyState === ws.CLOSED) return;
        await new Promise((r) => {
          ws.once('close', r);
          ws.close(1000, 'Normal Closure');
        });
      },
    };
  }

  const live = () => subs.filter((s) => s.connected && !s.closed && !s.completed);
  const closes = () => {
    const by = {};
    for (const s of subs) if (s.closed) by[s.closed.code] = (by[s.closed.code] ?? 0) + 1;
    return by;
  };

  process.on('message', async (m) => {
    const reply = (r) => process.send({ ...r, rid: m.rid });
    if (m.cmd === 'connect') {
      const t0 = wall();
      let next = 0;
      const one = async () => {
        for (;;) {
          const spec = m.subscribers[next++];
          if (!spec) return;
          const s = open(spec);
          await Promise.race([s.ready, new Promise((r) => setTimeout(r, 30_000))]);
          if (s.connected && !s.closed) s.client.subscribe();
        }
      };
      await Promise.all(Array.from({ length: m.concurrency ?? 50 }, one));
      reply({ re: 'connect', connected: subs.filter((s) => s.connected).length, failed: subs.filter((s) => !s.connected).map((s) => ({ i: s.i, closed: s.closed, errors: s.errors })), ms: wall() - t0 });
    } else if (m.cmd === 'progress') {
      const l = live();
      const warmGot = m.warmIds
        ? subs.map((s) => {
            const have = new Set(s.ids);
            return m.warmIds.filter((g) => intern.has(g) && have.has(intern.get(g))).length;
          })
        : null;
      reply({
        re: 'progress',
        live: l.length,
        closes: closes(),
        minN: l.length ? Math.min(...l.map((s) => s.n)) : 0,
        sumN: subs.reduce((x, s) => x + s.n, 0),
        minWarm: warmGot ? Math.min(...warmGot.filter((_, i) => !subs[i].closed)) : null,
        received: subs.reduce((x, s) => x + s.ids.length, 0),
      });
    } else if (m.cmd === 'mark') {
      warm = new Set(m.warmIds.map(idOf));
      marked = true;
      for (const s of subs) s.n = 0;
      reply({ re: 'mark' });
    } else if (m.cmd === 'analyze') {
      // m.order: global ids of the measured complaints in log (seq) order; m.sent: their request send times.
      const canon = new Int32Array(intern.size + m.order.length).fill(-1);
      m.order.forEach((g, j) => (canon[idOf(g)] = j));
      const latAt = [];
      const latSent = [];
      const latAnswered = [];
      const recvRel = [];
      const inst = [];
      const per = [];
      for (const s of subs) {
        const seen = new Uint8Array(m.order.length);
        let got = 0;
        let dups = 0;
        let outOfOrder = 0;
        let unexpected = 0;
        let last = -1;
        for (let x = 0; x < s.ids.length; x++) {
          const k = s.ids[x];
          const j = canon[k];
          if (j < 0) {
            if (!warm.has(k)) unexpected++;
            continue;
          }
          if (seen[j]) {
            dups++;
            continue;
          }
          seen[j] = 1;
          got++;
          if (j < last) outOfOrder++;
          else last = j;
          latAt.push(s.recv[x] - s.at[x]);
          latSent.push(s.recv[x] - m.sent[j]);
          latAnswered.push(s.recv[x] - m.answered[j]);
          inst.push(s.instance);
          recvRel.push(s.recv[x] - m.t0);
        }
        per.push({ i: s.i, instance: s.instance, connected: s.connected, got, missing: m.order.length - got, dups, outOfOrder, unexpected, closed: s.closed ? { code: s.closed.code, reason: s.closed.reason.slice(0, 120), atRelMs: s.closed.at - m.t0 } : null, errors: s.errors.slice(0, 3) });
      }
      reply({ re: 'analyze', latAt: Float32Array.from(latAt), latSent: Float32Array.from(latSent), latAnswered: Float32Array.from(latAnswered), inst: Uint8Array.from(inst), recvRel: Float32Array.from(recvRel), per });
    } else if (m.cmd === 'close') {
      await Promise.all(subs.map((s) => s.client.dispose().catch(() => {})));
      reply({ re: 'close' });
      setTimeout(() => process.exit(0), 50);
    }
  });
  send({ re: 'ready' });
}

// ───────────────────────── orchestrator ─────────────────────────

async function main(lib) {
  const { args, waitQuiet, startOfRun, startProcess, freePort, createDatabase, dist, fmt, intArg, machine, openMigrated, percentile, saveResult, sleep, summary, maxOther, root, benchDir } = lib;
  const { seedConnection, seedOrg } = await import('./bulk-seed.mjs');
  const postgres = (await import('postgres')).default;
  const a = args();
  const SUBSCRIBERS = intArg(a.subscribers, 1_000);
  const RATE = intArg(a.rate, 100);
  const SECONDS = intArg(a.seconds, 30);
  const INSTANCES = String(a.instances ?? '1,2').split(',').map(Number);
  const CLIENT_PROCS = intArg(a['client-procs'], 2);
  const CLIENT = a.client ?? 'lean';
  if (CLIENT !== 'lean' && CLIENT !== 'graphql-ws') throw new Error(`--client ${CLIENT}: lean or graphql-ws`);
  const FLOOR_SECONDS = intArg(a['floor-seconds'], SECONDS);
  const DRAIN = intArg(a.drain, 60);
  const WARMUP = intArg(a.warmup, 10);
  const RAMP = a.ramp === undefined ? 3 : Number(a.ramp);
  const CALIBRATE = intArg(a.calibrate, 100);
  const PREWARM = 30;
  const POOL = a.pool === undefined ? undefined : String(intArg(a.pool, 10));
  const COALESCE = a.coalesce === undefined ? undefined : String(intArg(a.coalesce, 0));
  const ATTEMPTS = intArg(a.attempts, 2);
  const VIEWERS = a.viewers === 'scoped' ? 'scoped' : 'alike';
  const CPU_PROF = !!a['cpu-prof'];
  const WRITER = a.writer === 'sql' ? 'sql' : 'api';
  const SPREAD = WRITER === 'api' && !!a['spread-writes'];
  const SUBSCRIBE_TO = a['subscribe-to'] === undefined ? 0 : intArg(a['subscribe-to'], 0);

  const { loadConfig } = await dist('config.js');
  const { signToken } = await dist('auth/token.js');
  const { toGlobalId, decodeGlobalId } = await dist('graphql/global-id.js');
  const mainJs = path.join(root, 'dist', 'src', 'main.js');
  const self = fileURLToPath(import.meta.url);
  const pct = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${Math.round(x * 100)} %`);
  const MiB = (b) => (b === null || b === undefined ? '–' : `${Math.round(b / 2 ** 20)} MiB`);

  // ── /proc readers ──
  const CLK_TCK = 100;
  const jiffies = (pid) => {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return null;
    }
  };
  const rssOf = (pid) => {
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
    } catch {
      return null;
    }
  };
  const machineJ = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { busy: f.reduce((x, y) => x + y, 0) - f[3] - f[4], total: f.reduce((x, y) => x + y, 0) };
  };
  // ── HTTP (keep-alive) ──
  // Idle sockets are dropped after 4 s, before the server's keep-alive timeout closes them (65 s
  // by default, HTTP_KEEP_ALIVE_TIMEOUT_MS; 5 s in builds before it, which A/B runs may start):
  // otherwise a request sent on a socket the server is closing at that moment fails with
  // "socket hang up" (seen once in 1,500 writes after the ramp's burst left idle sockets).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });
  const request = (url, { method = 'GET', headers = {}, body } = {}) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
      if (body) req.write(body);
      req.end();
    });

  /** The Prometheus text of an instance, parsed into { 'name{labels}': value }. */
  async function scrape(inst) {
    const r = await request(`${inst.base}/metrics`);
    const out = {};
    for (const line of r.text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      out[line.slice(0, i)] = Number(line.slice(i + 1));
    }
    return out;
  }
  const metric = (m, name) => m?.[name] ?? null;
  const sumMetric = (m, prefix) => Object.entries(m ?? {}).filter(([k]) => k === prefix || k.startsWith(prefix + '{')).reduce((x, [, v]) => x + v, 0);
  const labelled = (m, prefix, label) => {
    const out = {};
    for (const [k, v] of Object.entries(m ?? {})) {
      const r = new RegExp(`^${prefix}\\{.*${label}="([^"]*)"`).exec(k);
      if (r) out[r[1]] = (out[r[1]] ?? 0) + v;
    }
    return out;
  };
  /** Percentile estimate (upper bucket bound) from the difference of two scrapes of a histogram. */
  const histQuantiles = (m0, m1, name, label = '') => {
    const b = [];
    for (const [k, v] of Object.entries(m1 ?? {})) {
      const r = new RegExp(`^${name}_bucket\\{(.*)\\}$`).exec(k);
      if (!r) continue;
      const parts = r[1].split(',');
      const le = parts.find((x) => x.startsWith('le='))?.slice(4, -1);
      if (le === undefined || parts.filter((x) => !x.startsWith('le=')).join(',') !== label) continue;
      b.push({ le: le === '+Inf' ? Infinity : Number(le), n: v - (m0?.[k] ?? 0) });
    }
    b.sort((x, y) => x.le - y.le);
    const total = b.at(-1)?.n ?? 0;
    const q = (p) => (total ? (b.find((x) => x.n >= p * total)?.le ?? null) : null);
    return { count: total, p50: q(0.5), p99: q(0.99), buckets: Object.fromEntries(b.map((x) => [String(x.le), x.n])) };
  };

  /**
   * Where a server spent its CPU (a --cpu-prof profile): self time by place (package, or file
   * of the app, or V8/Node internals) and inclusive time of a few functions on the delivery
   * and write paths, as shares of all samples.
   */
  function profileSummary(dir, window = null, exitWall = null) {
    let file;
    try {
      file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    } catch {
      return null;
    }
    if (!file) return null;
    const p = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const placeOf = (n) => {
      const u = n.callFrame.url || '';
      const f = n.callFrame.functionName;
      if (!u) return f === '(garbage collector)' ? '(gc)' : f === '(idle)' || f === '(program)' ? f : `(native ${f || 'anonymous'})`;
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
      if (m) return m[1];
      const d = /dist\/src\/(.+)\.js$/.exec(u);
      if (d) return `app ${d[1]}`;
      if (u.startsWith('node:')) return u.replace(/^node:(internal\/)?/, 'node ').split('/').slice(0, 2).join('/');
      return u;
    };
    const self = new Map();
    const selfFn = new Map();
    const incl = new Map();
    const WATCH = { deliverable: 'deliverable (subscription delivery, incl. check)', visibleMatching: 'visibleMatching (the check)', execute: 'graphql execute', executeSubscriptionEvent: 'executeSubscriptionEvent', stringify: 'JSON.stringify', sendFrame: 'ws sendFrame', readNew: 'hub readNew', createComplaint: 'createComplaint', handleGraphql: 'HTTP GraphQL handler', createLoaders: 'createLoaders', encodeEventCursor: 'encodeEventCursor' };
    let total = 0;
    let idle = 0;
    // Only the samples of the measurement window (the profile's clock is mapped to ours by its end = the process exit).
    const counts = new Map();
    const from = window && exitWall ? p.endTime - (exitWall - window.from) * 1000 : -Infinity;
    const to = window && exitWall ? p.endTime - (exitWall - window.to) * 1000 : Infinity;
    let ts = p.startTime;
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < p.samples.length; i++) {
      ts += p.timeDeltas[i];
      if (ts < from || ts > to) continue;
      first = Math.min(first, ts);
      last = Math.max(last, ts);
      counts.set(p.samples[i], (counts.get(p.samples[i]) ?? 0) + 1);
    }
    for (const [id, c] of counts) {
      const n = byId.get(id);
      const place = placeOf(n);
      total += c;
      if (place === '(idle)') {
        idle += c;
        continue;
      }
      self.set(place, (self.get(place) ?? 0) + c);
      const fn = `${n.callFrame.functionName || '(anonymous)'} [${place}]`;
      selfFn.set(fn, (selfFn.get(fn) ?? 0) + c);
      const seen = new Set();
      for (let x = id; x !== undefined; x = parent.get(x)) {
        const name = byId.get(x).callFrame.functionName;
        const w = Object.hasOwn(WATCH, name) ? WATCH[name] : null;
        if (w && !seen.has(w)) {
          seen.add(w);
          incl.set(w, (incl.get(w) ?? 0) + c);
        }
      }
    }
    const busy = total - idle;
    return {
      dir,
      totalMs: (last - first) / 1000,
      busyShare: busy / total,
      byPlace: [...self.entries()].sort((x, y) => y[1] - x[1]).slice(0, 25).map(([k, v]) => [k, v / busy]),
      byFunction: [...selfFn.entries()].sort((x, y) => y[1] - x[1]).slice(0, 25).map(([k, v]) => [k, v / busy]),
      inclusive: [...incl.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, v / busy]),
    };
  }

  // ── servers ──
  async function startServer(k, env) {
    const port = await freePort();
    const profDir = CPU_PROF ? path.join(benchDir, 'results', `cpuprof-${new Date().toISOString().replace(/[:.]/g, '-')}-${k}`) : null;
    const base = `http://127.0.0.1:${port}`;
    const proc = await startProcess(`server ${k}`, process.execPath, [...((process.env.SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)), ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), mainJs], {
      env: { ...env, PORT: String(port) },
      ready: async () => (await request(`${base}/readyz`)).status === 200,
      timeoutMs: 60_000,
    });
    const inst = { ...proc, profDir, k, port, base, ws: `ws://127.0.0.1:${port}/graphql`, exitWall: null };
    // When it exited, on the wall clock: the CPU profile's time window ends there.
    proc.child.once('exit', () => (inst.exitWall = wall()));
    return inst;
  }

  // ── subscriber processes ──
  function startClientProc() {
    const child = fork(self, ['--client-worker', CLIENT], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const waiting = new Map();
    let nextRid = 1;
    child.on('message', (m) => {
      const key = m.rid ?? m.re;
      const w = waiting.get(key);
      if (w) {
        waiting.delete(key);
        w(m);
      }
    });
    const ask = (cmd, extra = {}) =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || !child.connected) return reject(new Error(`subscriber process ${child.pid} is gone`));
        const rid = nextRid++;
        waiting.set(rid, resolve);
        child.send({ cmd, rid, ...extra });
      });
    const ready = new Promise((resolve) => waiting.set('ready', resolve));
    return { child, pid: child.pid, ask, ready };
  }

  // ── load: open loop, on schedule ──
  const MUTATION = 'mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id number } } }';
  const KINDS = ['COMPLAINT', 'REPAIR', 'REPAIR', 'INQUIRY'];
  const CATEGORIES = ['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE', 'SALES_PROMISE', 'DESIGN', 'PROPERTY_MANAGEMENT', 'OTHER'];
  const LOCATIONS = ['WALL_BEAM', 'WINDOW_DOOR', 'WATERPROOFING', 'PLUMBING', 'ELECTRICAL', 'FIXTURES'];
  const CHANNELS = ['HOTLINE_400', 'WECHAT', 'PHONE', 'VISIT', 'ONSITE', 'EMAIL'];
  const bodyOf = (c) => {
    const i = c.k;
    const kind = KINDS[i % 4];
    return JSON.stringify({
      query: MUTATION,
      variables: {
        input: {
          customerId: toGlobalId('Customer', c.customerId),
          projectId: toGlobalId('Project', c.projectId),
          unitId: toGlobalId('Unit', c.unitId),
          kind,
          category: CATEGORIES[Math.floor(i / 4) % 6],
          ...(kind === 'REPAIR' ? { defectLocation: LOCATIONS[Math.floor(i / 3) % 6] } : {}),
          channel: CHANNELS[Math.floor(i / 7) % 6],
          description: `卫生间漏水，楼下天花板渗水 — subscription bench ${i}`,
        },
      },
    });
  };

  /**
   * `--writer sql`: the complaint and its ComplaintCreated event written by hand in one
   * statement (no clocks, timeline or audit), so that the fan-out is measured without the
   * cost of intake through the API (issue 8). Answers like the API would.
   */
  let writerSql = null;
  let sqlNo = 0;
  const SQL_CREATE = `with c as (
      insert into complaints (number, customer_id, project_id, unit_id, kind, category, defect_location, channel, description, first_responder_id)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'agent.bench') returning id, number, project_id, status, kind, category, severity)
    insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload)
    select 'ComplaintCreated', 'Complaint', id, project_id, jsonb_build_object('number', number, 'status', status, 'kind', kind, 'category', category, 'severity', severity) from c
    returning aggregate_id`;
  async function sqlCreate(body) {
    const x = JSON.parse(body).variables.input;
    const num = (gid) => decodeGlobalId(gid).id;
    const params = [`TS-SUBS-${process.pid}-${++sqlNo}`, num(x.customerId), num(x.projectId), num(x.unitId), x.kind, x.category, x.defectLocation ?? null, x.channel, x.description];
    const [row] = await writerSql.unsafe(SQL_CREATE, params);
    return { status: 200, text: JSON.stringify({ data: { createComplaint: { complaint: { id: toGlobalId('Complaint', Number(row.aggregate_id)) } } } }) };
  }

  /** Sends `bodies` to `url` at `rate`/s on schedule; resolves with each request's send/answer time and result. */
  async function openLoop(url, headers, bodies, rate, onTick) {
    const out = new Array(bodies.length);
    let inflight = 0;
    let maxInflight = 0;
    const pending = [];
    const t0 = wall();
    for (let i = 0; i < bodies.length; i++) {
      const due = t0 + (i * 1000) / rate;
      const d = due - wall();
      if (d > 0.5) await sleep(d);
      const sent = wall();
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      onTick?.(i);
      pending.push(
        (WRITER === 'sql' ? sqlCreate(bodies[i]) : request(Array.isArray(url) ? url[i % url.length] : url, { method: 'POST', headers, body: bodies[i] }))
          .then((r) => {
            const answered = wall();
            let id = null;
            let error = null;
            try {
              const j = JSON.parse(r.text);
              id = j.data?.createComplaint?.complaint?.id ?? null;
              if (j.errors?.length) error = `${j.errors[0].extensions?.code ?? ''} ${j.errors[0].message}`.slice(0, 200);
            } catch {
              error = `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
            }
            if (r.status !== 200 && !error) error = `HTTP ${r.status}`;
            out[i] = { sent, answered, lag: sent - due, id: error ? null : id, error };
          })
          .catch((e) => (out[i] = { sent, answered: wall(), lag: sent - due, id: null, error: String(e?.message ?? e) }))
          .finally(() => inflight--),
      );
    }
    await Promise.all(pending);
    return { results: out, elapsedMs: wall() - t0, maxInflight };
  }

  /** A bare LISTEN/NOTIFY round trip at `rate`/s for `seconds`: receive − send, same process. */
  async function notifyFloor(url, rate, seconds) {
    const listener = postgres(url, { max: 1, onnotice: () => {} });
    const notifier = postgres(url, { max: 1, onnotice: () => {} });
    const lat = [];
    let stopped = false;
    try {
      await listener.listen('cx_bench_floor', (payload) => {
        if (!stopped) lat.push(performance.now() - Number(payload));
      });
      await notifier`select 1`;
      const n = Math.max(1, Math.round(rate * seconds));
      const t0 = performance.now();
      const sends = [];
      // A failed send is kept for the end, not left unhandled: the bench's own error, if it
      // stopped meanwhile (and dropped the database), is the one to report.
      let failed = null;
      for (let i = 0; i < n && !failed; i++) {
        const d = t0 + (i * 1000) / rate - performance.now();
        if (d > 0.5) await sleep(d);
        sends.push(notifier.notify('cx_bench_floor', String(performance.now())).catch((e) => void (failed ??= e)));
      }
      await Promise.all(sends);
      if (failed) throw failed;
      const until = Date.now() + 5_000;
      while (lat.length < n && Date.now() < until) await sleep(20);
      stopped = true;
      return { sent: n, received: lat.length, ...summary(lat) };
    } finally {
      await listener.end({ timeout: 5 }).catch(() => {});
      await notifier.end({ timeout: 5 }).catch(() => {});
    }
  }

  /** PostgreSQL processes working for the bench database: its backends and the auxiliary processes. */
  const pgPids = async (sql) => (await sql`select pid from pg_stat_activity where datname = current_database() or datname is null`).map((r) => Number(r.pid));

  // ───────── the run ─────────
  const started = Date.now();
  console.log(`Subscription fan-out benchmark: ${SUBSCRIBERS} complaintCreated subscribers (${VIEWERS}, ${CLIENT} clients), ${RATE} complaints/s for ${SECONDS} s, instances ${INSTANCES.join(' and ')}`);
  const background = await startOfRun({ noWait: a['no-wait'] });

  const created = await createDatabase('subs');
  let database = null;
  let admin = null;
  const servers = [];
  const procs = [];
  try {
    database = await openMigrated('postgres', created.url, 2);
    const perScenario = PREWARM + CALIBRATE + WARMUP + Math.ceil(RAMP * RATE) + RATE * SECONDS;
    const needed = (perScenario * INSTANCES.length * ATTEMPTS + 100) * (VIEWERS === 'scoped' ? 2 : 1);
    const conn = seedConnection(created.url);
    const org = await seedOrg(conn, { tag: 'subs', projects: 20, customers: needed, list: true });
    await conn.sql.end({ timeout: 5 });
    await database.close();
    database = null;
    console.log(`seeded ${needed.toLocaleString('en')} customers with units in ${fmt(org.ms / 1000, 1)} s`);
    // --viewers scoped: complaints go to the first 10 projects; subscriber i's scope is those 10
    // plus its own subset of the other 10 (bits of i), so every scope differs and sees every event.
    const projectIds = [...new Set(org.list.map((c) => c.projectId))].sort((x, y) => x - y);
    const writeProjects = VIEWERS === 'scoped' ? new Set(projectIds.slice(0, 10)) : new Set(projectIds);
    const writable = org.list.filter((c) => writeProjects.has(c.projectId));
    const scopeOf = (i) => (VIEWERS === 'scoped' ? [...writeProjects, ...projectIds.slice(10).filter((_, b) => (i >> b) & 1)].map((id) => toGlobalId('Project', id)) : null);
    let nextCustomer = 0;
    const take = (n) => {
      if (nextCustomer + n > writable.length) throw new Error('out of seeded customers');
      return writable.slice(nextCustomer, (nextCustomer += n)).map(bodyOf);
    };
    admin = postgres(created.url, { max: 2, onnotice: () => {} });
    if (WRITER === 'sql') writerSql = postgres(created.url, { max: 10, onnotice: () => {}, connection: { application_name: 'cx-bench-writer' } });

    const jwtSecret = randomBytes(32).toString('hex');
    const serverEnv = { NODE_ENV: 'production', DATABASE_URL: created.url, HOST: '127.0.0.1', JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SEED_DEMO_DATA: 'never', ...(POOL ? { DATABASE_POOL_SIZE: POOL } : {}), ...(COALESCE ? { EVENT_COALESCE_MS: COALESCE } : {}) };
    const config = loadConfig({ ...serverEnv, PORT: '4000' });
    const writerToken = await signToken(config, { sub: 'agent.bench', role: 'AGENT', scope: null });
    const writerHeaders = { authorization: `Bearer ${writerToken}` };
    const tokens = [];
    for (let i = 0; i < SUBSCRIBERS; i++) tokens.push(await signToken(config, { sub: `bench.subscriber.${i}`, role: 'MANAGER', scope: scopeOf(i) }));

    const res = {
      backgroundCpuBusy: background,
      machine: await machine(null),
      params: { CLIENT, WRITER, SPREAD, SUBSCRIBE_TO, VIEWERS, SUBSCRIBERS, RATE, SECONDS, INSTANCES, CLIENT_PROCS, FLOOR_SECONDS, DRAIN, WARMUP, RAMP, CALIBRATE, POOL: POOL ?? 'default (10)', ATTEMPTS, query: QUERY, mutation: MUTATION, serverEnv: { ...serverEnv, JWT_SECRET: '(random)', DATABASE_URL: '(bench database)' } },
      scenarios: [],
    };

    async function scenario(k, attempt) {
      const label = `${k} instance${k > 1 ? 's' : ''}, ${SUBSCRIBERS} subscribers, ${RATE}/s × ${SECONDS} s`;
      console.log(`\n── scenario: ${label} (attempt ${attempt}) ──`);
      const out = { instances: k, subscribers: SUBSCRIBERS, rate: RATE, seconds: SECONDS, attempt, loadavgStart: os.loadavg() };
      servers.length = 0;
      for (let i = 0; i < k; i++) servers.push(await startServer(i + 1, serverEnv));
      const writeUrl = `${servers[0].base}/graphql`;
      // Where the warm-up, ramp and load write: instance 1, or every instance in turn.
      const loadUrl = SPREAD ? servers.map((s) => `${s.base}/graphql`) : writeUrl;
      console.log(`  servers: ${servers.map((s) => `#${s.k} pid ${s.pid} port ${s.port}`).join(', ')}`);
      const snap = async (name) => {
        const ms = await Promise.all(servers.map((s) => scrape(s).catch(() => null)));
        return { name, at: wall(), metrics: ms, rss: servers.map((s) => rssOf(s.pid)) };
      };
      const snaps = { idle: await snap('idle') };

      // JIT and pool warm-up (not measured), then the calibration: statements per createComplaint
      // and write latency without subscribers.
      await openLoop(writeUrl, writerHeaders, take(PREWARM), 10);
      const calBodies = take(CALIBRATE);
      const m0 = await scrape(servers[0]);
      const cal = await openLoop(writeUrl, writerHeaders, calBodies, RATE);
      await sleep(500);
      const m1 = await scrape(servers[0]);
      const calErrors = cal.results.filter((r) => r.error);
      out.calibration = {
        n: CALIBRATE,
        errors: calErrors.length,
        firstError: calErrors[0]?.error,
        statementsPerCreate: (metric(m1, 'db_statements_total') - metric(m0, 'db_statements_total')) / CALIBRATE,
        writeLatency: summary(cal.results.map((r) => r.answered - r.sent)),
      };
      console.log(`  calibration: ${CALIBRATE} creates without subscribers, ${fmt(out.calibration.statementsPerCreate, 1)} statements each (incl. sequencer/reader/scheduler), write p50 ${fmt(out.calibration.writeLatency.p50, 1)} ms, p99 ${fmt(out.calibration.writeLatency.p99, 1)} ms${calErrors.length ? `, ${calErrors.length} errors: ${calErrors[0].error}` : ''}`);

      // Floor on a quiet machine (servers idle, no subscriber yet).
      out.floorQuiet = await notifyFloor(created.url, RATE, FLOOR_SECONDS);
      console.log(`  LISTEN/NOTIFY floor (quiet): p50 ${fmt(out.floorQuiet.p50, 2)} ms, p99 ${fmt(out.floorQuiet.p99, 2)} ms, max ${fmt(out.floorQuiet.max, 2)} ms (${out.floorQuiet.received}/${out.floorQuiet.sent})`);

      // Subscribers.
      procs.length = 0;
      for (let p = 0; p < CLIENT_PROCS; p++) procs.push(startClientProc());
      await Promise.all(procs.map((p) => p.ready));
      const on = (i) => (SUBSCRIBE_TO ? Math.min(SUBSCRIBE_TO, k) - 1 : i % k);
      const specs = Array.from({ length: SUBSCRIBERS }, (_, i) => ({ i, instance: on(i) + 1, url: servers[on(i)].ws, token: tokens[i] }));
      const tc = wall();
      const conn = await Promise.all(procs.map((p, j) => p.ask('connect', { subscribers: specs.filter((s) => s.i % CLIENT_PROCS === j), concurrency: 50 })));
      out.connect = { connected: conn.reduce((x, c) => x + c.connected, 0), failed: conn.flatMap((c) => c.failed).slice(0, 10), failedCount: conn.reduce((x, c) => x + c.failed.length, 0), ms: wall() - tc };
      console.log(`  ${out.connect.connected}/${SUBSCRIBERS} subscribers connected in ${fmt(out.connect.ms / 1000, 1)} s${out.connect.failedCount ? `; ${out.connect.failedCount} failed, e.g. ${JSON.stringify(out.connect.failed[0])}` : ''}`);
      await sleep(1000);
      snaps.subscribed = await snap('subscribed');
      out.serverSubscriptions = snaps.subscribed.metrics.map((m) => metric(m, 'ws_subscriptions'));

      // Warm-up: every subscriber receives every warm-up event (its stream is open).
      const warm = await openLoop(loadUrl, writerHeaders, take(WARMUP), 10);
      const ramp = RAMP > 0 ? await openLoop(loadUrl, writerHeaders, take(Math.round(RATE * RAMP)), RATE) : { results: [] };
      const warmIds = [...warm.results, ...ramp.results].map((r) => r.id).filter(Boolean);
      const progress = async (extra = {}) => {
        const ps = await Promise.all(procs.map((p) => p.ask('progress', extra)));
        const closes = {};
        for (const p of ps) for (const [c, n] of Object.entries(p.closes)) closes[c] = (closes[c] ?? 0) + n;
        return { live: ps.reduce((x, p) => x + p.live, 0), minN: Math.min(...ps.map((p) => (p.live ? p.minN : Infinity))), sumN: ps.reduce((x, p) => x + p.sumN, 0), minWarm: Math.min(...ps.map((p) => p.minWarm ?? Infinity)), received: ps.reduce((x, p) => x + p.received, 0), closes };
      };
      const tw = wall();
      let pw;
      for (;;) {
        pw = await progress({ warmIds });
        if (pw.minWarm >= warmIds.length || wall() - tw > 60_000) break;
        await sleep(250);
      }
      out.warmup = { created: warmIds.length, everySubscriberGotAll: pw.minWarm >= warmIds.length, minReceived: pw.minWarm, ms: wall() - tw, live: pw.live, closes: pw.closes };
      console.log(`  warm-up: ${warmIds.length} complaints (${RAMP} s of them at ${RATE}/s), ${out.warmup.everySubscriberGotAll ? 'every subscriber got all' : `some subscriber got only ${pw.minWarm}`} after ${fmt(out.warmup.ms / 1000, 1)} s; ${pw.live} live`);

      // Measurement.
      await Promise.all(procs.map((p) => p.ask('mark', { warmIds })));
      snaps.start = await snap('start');
      const pg0pids = await pgPids(admin);
      const pg0 = new Map(pg0pids.map((p) => [p, jiffies(p) ?? 0]));
      const mj0 = machineJ();
      const own0 = [...servers.map((s) => jiffies(s.pid)), ...procs.map((p) => jiffies(p.pid))];
      const self0 = process.cpuUsage();
      const t0 = wall();
      // Timeline: one sample per second.
      const timeline = [];
      let sentSoFar = 0;
      let prevSample = { mj: mj0, srv: servers.map((s) => jiffies(s.pid)), cl: procs.map((p) => jiffies(p.pid)) };
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          await sleep(1000);
          const mj = machineJ();
          const srv = servers.map((s) => jiffies(s.pid));
          const cl = procs.map((p) => jiffies(p.pid));
          const dt = mj.total - prevSample.mj.total;
          const p = await progress().catch(() => null);
          timeline.push({
            t: Math.round((wall() - t0) / 100) / 10,
            sent: sentSoFar,
            machineBusy: (mj.busy - prevSample.mj.busy) / dt,
            serverCpuCores: srv.map((j, i) => ((j - prevSample.srv[i]) / dt) * os.cpus().length),
            clientCpuCores: cl.reduce((x, j, i) => x + (j - prevSample.cl[i]), 0) / dt * os.cpus().length,
            serverRss: servers.map((s) => rssOf(s.pid)),
            load1: os.loadavg()[0],
            live: p?.live,
            deliveredSoFar: p?.sumN,
            closes: p?.closes,
          });
          prevSample = { mj, srv, cl };
        }
      })();
      const floorUnderLoad = notifyFloor(created.url, RATE, SECONDS);
      floorUnderLoad.catch(() => {}); // awaited below; if the load fails first, its error is the one reported
      const load = await openLoop(loadUrl, writerHeaders, take(RATE * SECONDS), RATE, (i) => (sentSoFar = i + 1));
      const loadDoneAt = wall();
      out.floorUnderLoad = await floorUnderLoad;
      const ok = load.results.filter((r) => r.id);
      const errs = load.results.filter((r) => r.error);
      // Drain: until every live subscriber has every created complaint, no progress for 10 s, or --drain s.
      let lastSum = -1;
      let lastChange = wall();
      let pd;
      for (;;) {
        pd = await progress();
        if (pd.sumN !== lastSum) {
          lastSum = pd.sumN;
          lastChange = wall();
        }
        if ((pd.live && pd.minN >= ok.length) || !pd.live || wall() - lastChange > 10_000 || wall() - loadDoneAt > DRAIN * 1000) break;
        await sleep(250);
      }
      const drainMs = wall() - loadDoneAt;
      // Why the drain ended: all delivered, all subscribers gone, no progress for 10 s, or the --drain cap.
      out.drainEnd = pd.live && pd.minN >= ok.length ? 'complete' : !pd.live ? 'no live subscriber' : wall() - loadDoneAt > DRAIN * 1000 ? `cap of ${DRAIN} s reached, still delivering` : 'no progress for 10 s';
      const t1 = wall();
      out.window = { from: t0, to: t1 };
      sampling = false;
      await sampler;
      const cpuSelf = process.cpuUsage(self0);
      const mj1 = machineJ();
      const own1 = [...servers.map((s) => jiffies(s.pid)), ...procs.map((p) => jiffies(p.pid))];
      const pg1pids = await pgPids(admin);
      let pgJ = 0;
      for (const p of new Set([...pg0pids, ...pg1pids])) {
        const j = jiffies(p);
        if (j !== null) pgJ += j - (pg0.get(p) ?? 0);
      }
      snaps.end = await snap('end');
      const total = mj1.total - mj0.total;
      const ncpu = os.cpus().length;
      const serverJ = servers.map((_, i) => own1[i] - own0[i]);
      const clientJ = procs.reduce((x, _, i) => x + own1[servers.length + i] - own0[servers.length + i], 0);
      const selfJ = ((cpuSelf.user + cpuSelf.system) / 1e6) * CLK_TCK;
      const busy = (mj1.busy - mj0.busy) / total;
      const share = (j) => j / total;
      out.cpu = {
        windowS: (t1 - t0) / 1000,
        machineBusy: busy,
        servers: serverJ.map(share),
        serverCores: serverJ.map((j) => share(j) * ncpu),
        postgres: share(pgJ),
        subscriberProcs: share(clientJ),
        loadGenerator: share(selfJ),
        other: Math.max(0, busy - share(serverJ.reduce((x, y) => x + y, 0) + pgJ + clientJ + selfJ)),
      };
      out.cpuDuringLoad = (() => {
        const w = timeline.filter((x) => x.t <= (loadDoneAt - t0) / 1000 + 0.5);
        const avg = (f) => (w.length ? w.reduce((x, y) => x + f(y), 0) / w.length : null);
        return { machineBusy: avg((x) => x.machineBusy), serverCores: servers.map((_, i) => avg((x) => x.serverCpuCores[i])), maxServerCores: servers.map((_, i) => Math.max(...w.map((x) => x.serverCpuCores[i]))) };
      })();
      out.timeline = timeline;
      out.loadavgEnd = os.loadavg();
      out.loadavgDuring = { max1: Math.max(...timeline.map((x) => x.load1)), mean1: timeline.reduce((x, y) => x + y.load1, 0) / (timeline.length || 1) };

      // Write side.
      out.writes = {
        requested: load.results.length,
        ok: ok.length,
        errors: errs.length,
        errorKinds: Object.entries(errs.reduce((m, r) => ((m[r.error.slice(0, 80)] = (m[r.error.slice(0, 80)] ?? 0) + 1), m), {})),
        achievedRate: (load.results.length * 1000) / (load.results.at(-1).sent - load.results[0].sent + 1000 / RATE),
        latency: summary(load.results.map((r) => r.answered - r.sent)),
        scheduleLag: summary(load.results.map((r) => r.lag)),
        maxInflight: load.maxInflight,
        elapsedMs: load.elapsedMs,
      };
      out.drainMs = drainMs;

      // Exactly once, in order: the log's order of the measured complaints.
      const idNum = new Map(ok.map((r) => [r.id, r]));
      const numericIds = ok.map((r) => decodeGlobalId(r.id).id);
      const fromGid = new Map(ok.map((r, i) => [numericIds[i], r.id]));
      const logRows = await admin`select aggregate_id, seq from domain_events where type = 'ComplaintCreated' and aggregate_id = any(${numericIds}::bigint[]) order by seq`;
      const order = logRows.map((r) => fromGid.get(Number(r.aggregate_id)));
      const seqs = logRows.map((r) => Number(r.seq));
      out.log = { events: logRows.length, sequenced: logRows.filter((r) => r.seq !== null).length, contiguousSeq: seqs.every((s, i) => i === 0 || s > seqs[i - 1]), sendOrderInversions: order.reduce((x, g, i) => x + (i > 0 && idNum.get(g).sent < idNum.get(order[i - 1]).sent ? 1 : 0), 0) };
      const sent = order.map((g) => idNum.get(g).sent);
      const answered = order.map((g) => idNum.get(g).answered);
      const an = await Promise.all(procs.map((p) => p.ask('analyze', { order, sent, answered, t0 })));
      const per = an.flatMap((x) => x.per).sort((x, y) => x.i - y.i);
      const concat = (key) => {
        const n = an.reduce((x, y) => x + y[key].length, 0);
        const all = new Float32Array(n);
        let o = 0;
        for (const y of an) {
          all.set(y[key], o);
          o += y[key].length;
        }
        return all;
      };
      const latAt = concat('latAt');
      const instOf = (() => {
        const all = new Uint8Array(latAt.length);
        let o = 0;
        for (const y of an) {
          all.set(y.inst, o);
          o += y.inst.length;
        }
        return all;
      })();
      const latSent = concat('latSent');
      const recvRel = concat('recvRel');
      const stats = (arr) => {
        const s = Float32Array.from(arr).sort();
        let sum = 0;
        for (const x of s) sum += x;
        return { n: s.length, mean: s.length ? sum / s.length : NaN, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
      };
      out.latencyFromAt = stats(latAt);
      out.latencyFromSend = stats(latSent);
      out.latencyFromAnswer = stats(concat('latAnswered'));
      // Without the events written in the load's first second (the step from the warm-up's
      // 10/s to the full rate): the steady state. `at` ≈ receive − latency, relative to t0.
      out.latencySteady = stats(latAt.filter((l, i) => recvRel[i] - l >= 1000));
      out.latencyFromAtByInstance = servers.map((s) => ({ instance: s.k, ...stats(latAt.filter((_, i) => instOf[i] === s.k)) }));
      let lastRecv = 0;
      for (const x of recvRel) if (x > lastRecv) lastRecv = x;
      const expected = order.length * SUBSCRIBERS;
      const exact = per.filter((p) => p.got === order.length && !p.dups && !p.outOfOrder && !p.unexpected);
      out.delivery = {
        events: order.length,
        expectedDeliveries: expected,
        delivered: latAt.length,
        share: expected ? latAt.length / expected : NaN,
        deliveredPerSecond: lastRecv ? (latAt.length * 1000) / lastRecv : 0,
        deliveredPerSecondDuringLoad: (() => {
          let n = 0;
          const end = loadDoneAt - t0;
          for (const x of recvRel) if (x <= end) n++;
          return (n * 1000) / end;
        })(),
        lastDeliveryAfterStartS: lastRecv / 1000,
        subscribersExactlyOnceInOrder: exact.length,
        subscribersMissing: per.filter((p) => p.missing).length,
        missingTotal: per.reduce((x, p) => x + p.missing, 0),
        duplicates: per.reduce((x, p) => x + p.dups, 0),
        outOfOrder: per.reduce((x, p) => x + p.outOfOrder, 0),
        unexpected: per.reduce((x, p) => x + p.unexpected, 0),
        closedSubscribers: per.filter((p) => p.closed).length,
        closeCodes: per.reduce((m, p) => (p.closed ? ((m[p.closed.code] = (m[p.closed.code] ?? 0) + 1), m) : m), {}),
        firstCloseAfterStartS: Math.min(...per.filter((p) => p.closed).map((p) => p.closed.atRelMs / 1000)),
        closeReasons: [...new Set(per.filter((p) => p.closed).map((p) => `${p.closed.code} ${p.closed.reason}`))].slice(0, 5),
        subscriberErrors: [...new Set(per.flatMap((p) => p.errors))].slice(0, 5),
        byInstance: servers.map((s) => {
          const mine = per.filter((p) => p.instance === s.k);
          return { instance: s.k, subscribers: mine.length, exactlyOnceInOrder: mine.filter((p) => p.got === order.length && !p.dups && !p.outOfOrder && !p.unexpected).length, got: mine.reduce((x, p) => x + p.got, 0) };
        }),
      };
      // Latency by second of receipt (blow-up over time).
      const bySecond = new Map();
      for (let i = 0; i < recvRel.length; i++) {
        const sec = Math.floor(recvRel[i] / 1000);
        if (!bySecond.has(sec)) bySecond.set(sec, []);
        bySecond.get(sec).push(latAt[i]);
      }
      for (const row of timeline) {
        const l = bySecond.get(Math.floor(row.t) - 1);
        if (l) {
          const s = summary(l);
          row.delivered = s.n;
          row.latencyP50 = s.p50;
          row.latencyP99 = s.p99;
        }
      }
      out.latencyBySecond = [...bySecond.entries()].sort((x, y) => x[0] - y[0]).map(([sec, l]) => ({ sec, ...summary(l) }));

      // Server metrics over the window.
      out.servers = servers.map((s, i) => {
        const a0 = snaps.start.metrics[i];
        const a1 = snaps.end.metrics[i];
        const statements = metric(a1, 'db_statements_total') - metric(a0, 'db_statements_total');
        const delivered = sumMetric(a1, 'events_delivered_total') - sumMetric(a0, 'events_delivered_total');
        const writes = SPREAD ? load.results.filter((r, j) => r.id && j % servers.length === i).length : i === 0 ? ok.length : 0;
        const deliveryStatements = statements - writes * out.calibration.statementsPerCreate;
        const subs = specs.filter((x) => x.instance === s.k).length;
        const closed0 = labelled(a0, 'ws_closed_total', 'code');
        const closed1 = labelled(a1, 'ws_closed_total', 'code');
        return {
          instance: s.k,
          pid: s.pid,
          subscribers: subs,
          wsSubscriptionsAtStart: metric(a0, 'ws_subscriptions'),
          wsConnectionsAtStart: metric(a0, 'ws_connections'),
          wsSubscriptionsAtEnd: metric(a1, 'ws_subscriptions'),
          statements,
          deliveryStatements,
          deliveryStatementsPerEvent: deliveryStatements / (order.length || 1),
          deliveryStatementsPerEventPerSubscriber: deliveryStatements / (order.length || 1) / (subs || 1),
          eventsDelivered: delivered,
          serverLag: histQuantiles(a0, a1, 'event_delivery_lag_seconds'),
          logLag: histQuantiles(a0, a1, 'event_log_lag_seconds'),
          roundPrepare: histQuantiles(a0, a1, 'event_round_seconds', 'stage="prepare"'),
          roundFlush: histQuantiles(a0, a1, 'event_round_seconds', 'stage="flush"'),
          eventLoopLagP99s: metric(a1, 'nodejs_eventloop_lag_p99_seconds'),
          eventLoopLagMaxS: metric(a1, 'nodejs_eventloop_lag_max_seconds'),
          wsClosed: Object.fromEntries(Object.entries(closed1).map(([c, n]) => [c, n - (closed0[c] ?? 0)]).filter(([, n]) => n)),
          rss: {
            idleProc: snaps.idle.rss[i],
            idleMetrics: metric(snaps.idle.metrics[i], 'process_resident_memory_bytes'),
            subscribedMetrics: metric(snaps.subscribed.metrics[i], 'process_resident_memory_bytes'),
            startMetrics: metric(a0, 'process_resident_memory_bytes'),
            endMetrics: metric(a1, 'process_resident_memory_bytes'),
            peakProc: Math.max(...timeline.map((x) => x.serverRss[i] ?? 0)),
          },
          heapUsedEnd: metric(a1, 'nodejs_heap_size_used_bytes'),
          warnings: s.warnings(),
          logSample: s.log.slice(0, 8),
        };
      });
      out.disturbed = out.cpu.other > maxOther;

      const d = out.delivery;
      console.log(`  writes: ${out.writes.ok}/${out.writes.requested} ok at ${fmt(out.writes.achievedRate, 1)}/s, latency p50 ${fmt(out.writes.latency.p50, 1)} ms p99 ${fmt(out.writes.latency.p99, 1)} ms, max in flight ${out.writes.maxInflight}${out.writes.errors ? `, errors: ${JSON.stringify(out.writes.errorKinds)}` : ''}`);
      console.log(`  delivered ${d.delivered.toLocaleString('en')}/${d.expectedDeliveries.toLocaleString('en')} (${pct(d.share)}), ${fmt(d.deliveredPerSecond, 0)}/s; exactly once in order: ${d.subscribersExactlyOnceInOrder}/${SUBSCRIBERS} subscribers; missing ${d.missingTotal}, duplicates ${d.duplicates}, out of order ${d.outOfOrder}; closed ${d.closedSubscribers} ${JSON.stringify(d.closeCodes)}; drain ${fmt(drainMs / 1000, 1)} s (${out.drainEnd})`);
      console.log(`  latency (receive − at): p50 ${fmt(out.latencyFromAt.p50, 1)} ms, p99 ${fmt(out.latencyFromAt.p99, 1)} ms, max ${fmt(out.latencyFromAt.max, 1)} ms; (receive − request sent): p50 ${fmt(out.latencyFromSend.p50, 1)}, p99 ${fmt(out.latencyFromSend.p99, 1)} ms; (receive − answer received): p50 ${fmt(out.latencyFromAnswer.p50, 1)}, p99 ${fmt(out.latencyFromAnswer.p99, 1)} ms; after the first second: p50 ${fmt(out.latencySteady.p50, 1)}, p99 ${fmt(out.latencySteady.p99, 1)} ms`);
      if (k > 1) console.log(`  latency (receive − at) by instance: ${out.latencyFromAtByInstance.map((x) => `#${x.instance} p50 ${fmt(x.p50, 1)} ms, p99 ${fmt(x.p99, 1)} ms`).join('; ')}`);
      console.log(`  LISTEN/NOTIFY floor under load: p50 ${fmt(out.floorUnderLoad.p50, 2)} ms, p99 ${fmt(out.floorUnderLoad.p99, 2)} ms`);
      console.log(`  CPU (share of ${ncpu} CPUs over ${fmt(out.cpu.windowS, 0)} s): servers ${out.cpu.servers.map(pct).join(' + ')}, PostgreSQL ${pct(out.cpu.postgres)}, subscribers ${pct(out.cpu.subscriberProcs)}, load generator ${pct(out.cpu.loadGenerator)}, other ${pct(out.cpu.other)}; load average max ${fmt(out.loadavgDuring.max1, 2)}`);
      for (const s of out.servers) console.log(`  server #${s.instance}: ${s.subscribers} subscribers, ${fmt(s.deliveryStatementsPerEvent, 1)} delivery statements per event (${fmt(s.deliveryStatementsPerEventPerSubscriber, 2)} per subscriber), RSS ${MiB(s.rss.idleMetrics)} idle → ${MiB(s.rss.startMetrics)} subscribed → ${MiB(s.rss.endMetrics)} after (peak ${MiB(s.rss.peakProc)}), server-side lag p50 ≤ ${s.serverLag.p50} s p99 ≤ ${s.serverLag.p99} s (from the log: p50 ≤ ${s.logLag.p50} s, p99 ≤ ${s.logLag.p99} s; ${s.roundFlush.count} rounds${VIEWERS === 'alike' ? ` (one cohort: ${fmt(s.eventsDelivered / (s.roundFlush.count || 1) / (s.subscribers || 1), 1)} events each)` : ''}, prepare p50 ≤ ${s.roundPrepare.p50} s p99 ≤ ${s.roundPrepare.p99} s, flush p50 ≤ ${s.roundFlush.p50} s p99 ≤ ${s.roundFlush.p99} s), closes ${JSON.stringify(s.wsClosed)}, ${s.warnings} warnings logged`);
      return out;
    }

    for (const k of INSTANCES) {
      for (let attempt = 1; ; attempt++) {
        let out;
        try {
          out = await scenario(k, attempt);
        } finally {
          await Promise.all(procs.map((p) => p.ask('close').catch(() => {})));
          await Promise.all(procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r() : p.child.once('exit', r)))));
          for (const s of servers) await s.stop();
          if (out) for (const s of servers) out.servers[s.k - 1].logSample = s.log.slice(0, 8);
          if (out && CPU_PROF) {
            for (const s of servers) {
              const prof = profileSummary(s.profDir, out.window, s.exitWall);
              out.servers[s.k - 1].cpuProfile = prof;
              if (prof) console.log(`  server #${s.k} CPU profile (${prof.dir}), ${fmt(prof.totalMs / 1000, 1)} s of the measurement window, busy ${pct(prof.busyShare)} of it:\n    self time by code: ${prof.byPlace.slice(0, 12).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}\n    self time by function: ${prof.byFunction.slice(0, 12).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}\n    inclusive: ${prof.inclusive.map(([k, v]) => `${k} ${pct(v)}`).join(', ')}`);
            }
          }
        }
        res.scenarios.push(out);
        if (!out.disturbed || attempt >= ATTEMPTS) break;
        console.log(`  other work took ${pct(out.cpu.other)} of the CPUs meanwhile; running the scenario again after a quiet moment`);
        await waitQuiet({ maxMs: 120_000 });
      }
    }

    res.totalSeconds = (Date.now() - started) / 1000;
    const best = INSTANCES.map((k) => {
      const all = res.scenarios.filter((s) => s.instances === k);
      return all.find((s) => !s.disturbed) ?? all.at(-1);
    });
    const lines = [
      `| ${SUBSCRIBERS} subscribers (${VIEWERS === 'scoped' ? 'MANAGER tokens, each with its own project scope' : 'MANAGER tokens without scope: they see alike'}), ${RATE} complaints/s × ${SECONDS} s ${WRITER === 'sql' ? 'written in SQL' : SPREAD ? 'through createComplaint on each instance in turn' : 'through createComplaint on instance 1'} | ${best.map((s) => `${s.instances} instance${s.instances > 1 ? (SUBSCRIBE_TO ? `s (all subscribers on #${Math.min(SUBSCRIBE_TO, s.instances)})` : `s (${SUBSCRIBERS / s.instances} each)`) : ''}`).join(' | ')} |`,
      `|---|${best.map(() => '---:').join('|')}|`,
      `| delivery latency p50 / p99 / max (receive − event \`at\`) | ${best.map((s) => `${fmt(s.latencyFromAt.p50, 1)} / **${fmt(s.latencyFromAt.p99, 1)}** / ${fmt(s.latencyFromAt.max, 0)} ms`).join(' | ')} |`,
      `| … of the events written after the load's first second (steady state), p50 / p99 | ${best.map((s) => `${fmt(s.latencySteady.p50, 1)} / ${fmt(s.latencySteady.p99, 1)} ms`).join(' | ')} |`,
      `| … from the createComplaint request being sent, p50 / p99 | ${best.map((s) => `${fmt(s.latencyFromSend.p50, 1)} / ${fmt(s.latencyFromSend.p99, 1)} ms`).join(' | ')} |`,
      `| … from its answer reaching the writer (a lower bound: commit comes before), p50 / p99 | ${best.map((s) => `${fmt(s.latencyFromAnswer.p50, 1)} / ${fmt(s.latencyFromAnswer.p99, 1)} ms`).join(' | ')} |`,
      `| LISTEN/NOTIFY floor, quiet, p50 / p99 | ${best.map((s) => `${fmt(s.floorQuiet.p50, 2)} / **${fmt(s.floorQuiet.p99, 2)}** ms`).join(' | ')} |`,
      `| LISTEN/NOTIFY floor under the load, p50 / p99 | ${best.map((s) => `${fmt(s.floorUnderLoad.p50, 2)} / ${fmt(s.floorUnderLoad.p99, 2)} ms`).join(' | ')} |`,
      `| **p99 − floor p99 (target ≤ 100 ms); ratio** | ${best.map((s) => `**${fmt(s.latencyFromAt.p99 - s.floorQuiet.p99, 1)} ms**${s.latencyFromAt.p99 - s.floorQuiet.p99 <= 100 ? ' (met)' : ' (missed)'}; ${fmt(s.latencyFromAt.p99 / s.floorQuiet.p99, 0)}×`).join(' | ')} |`,
      `| events delivered / expected | ${best.map((s) => `${s.delivery.delivered.toLocaleString('en')} / ${s.delivery.expectedDeliveries.toLocaleString('en')} (${pct(s.delivery.share)})`).join(' | ')} |`,
      `| deliveries/s (to the last delivery; while writing) | ${best.map((s) => `${fmt(s.delivery.deliveredPerSecond, 0)}; ${fmt(s.delivery.deliveredPerSecondDuringLoad, 0)}`).join(' | ')} |`,
      `| subscribers with every event exactly once, in order (missing = not received when the drain ended) | ${best.map((s) => `${s.delivery.subscribersExactlyOnceInOrder} / ${SUBSCRIBERS} (missing ${s.delivery.missingTotal}, dup ${s.delivery.duplicates}, out of order ${s.delivery.outOfOrder}; drain: ${s.drainEnd})`).join(' | ')} |`,
      `| connections closed by the server (code: count) | ${best.map((s) => (s.delivery.closedSubscribers ? `${JSON.stringify(s.delivery.closeCodes)}, first after ${fmt(s.delivery.firstCloseAfterStartS, 1)} s` : 'none')).join(' | ')} |`,
      `| writes ok / sent, achieved rate | ${best.map((s) => `${s.writes.ok} / ${s.writes.requested}, ${fmt(s.writes.achievedRate, 1)}/s`).join(' | ')} |`,
      `| createComplaint latency p50 / p99 (without subscribers) | ${best.map((s) => `${fmt(s.writes.latency.p50, 0)} / ${fmt(s.writes.latency.p99, 0)} ms (${fmt(s.calibration.writeLatency.p50, 0)} / ${fmt(s.calibration.writeLatency.p99, 0)} ms)`).join(' | ')} |`,
      `| SQL statements per event for delivery, per instance (per subscriber); ${SPREAD ? 'each instance' : 'instance 1'} after subtracting ${'~'}${fmt(best[0].calibration.statementsPerCreate, 0)} per create | ${best.map((s) => s.servers.map((x) => `#${x.instance}: ${fmt(Math.max(0, x.deliveryStatementsPerEvent), 1)} (${fmt(Math.max(0, x.deliveryStatementsPerEventPerSubscriber), 2)})`).join(', ')).join(' | ')} |`,
      `| server CPU during writing, mean / max (cores) | ${best.map((s) => s.cpuDuringLoad.serverCores.map((c, i) => `#${i + 1}: ${fmt(c, 2)} / ${fmt(s.cpuDuringLoad.maxServerCores[i], 2)}`).join(', ')).join(' | ')} |`,
      `| CPU share of the machine: servers / PostgreSQL / subscribers / load gen. / other | ${best.map((s) => `${pct(s.cpu.servers.reduce((x, y) => x + y, 0))} / ${pct(s.cpu.postgres)} / ${pct(s.cpu.subscriberProcs)} / ${pct(s.cpu.loadGenerator)} / ${pct(s.cpu.other)}`).join(' | ')} |`,
      `| server RSS idle → subscribed → after (peak) | ${best.map((s) => s.servers.map((x) => `#${x.instance}: ${MiB(x.rss.idleMetrics)} → ${MiB(x.rss.startMetrics)} → ${MiB(x.rss.endMetrics)} (${MiB(x.rss.peakProc)})`).join(', ')).join(' | ')} |`,
      `| load average (1 min) at start / max during | ${best.map((s) => `${fmt(s.loadavgStart[0], 2)} / ${fmt(s.loadavgDuring.max1, 2)}`).join(' | ')} |`,
    ];
    res.table = lines.join('\n');
    console.log('\n' + res.table);
    console.log(`\nresults: ${saveResult('subscriptions', res)} (${fmt(res.totalSeconds, 0)} s)`);
  } finally {
    await Promise.all(procs.map((p) => (p.child.exitCode === null ? p.child.kill() : null)));
    for (const s of servers) await s.stop().catch(() => {});
    agent.destroy();
    await admin?.end({ timeout: 5 }).catch(() => {});
    await writerSql?.end({ timeout: 5 }).catch(() => {});
    await database?.close().catch(() => {});
    await created.drop();
  }
}
