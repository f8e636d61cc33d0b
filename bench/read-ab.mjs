// A/B of two builds of ours on the read workloads, for deciding whether a change pays.
//
//   node bench/read-ab.mjs --url postgres://…/cx_bench_read_xxx --a /path/to/old/checkout [--b .]
//        [--workloads A,B,C] [--rounds 8] [--seconds 3] [--connections 16]
//   node bench/read-ab.mjs --url … --a v5 [--b .]     (PostGraphile v5, or v4, against this build)
//   node bench/read-ab.mjs --url … --a floor [--b .]  (the hand-written floor, bench/read-floor.mjs)
//        [--flags-a="--max-semi-space-size=64"] [--flags-b=…] [--env-a=NAME=value,…] [--env-b=…]
//
// Both builds run at once (`dist/src/main.js` of each checkout, built beforehand, with the same
// environment as bench/read.mjs gives ours), and the load alternates between them in short
// windows: A then B in odd rounds, B then A in even ones. This machine's speed drifts by tens of
// per cent within minutes; runs one after the other (bench:read, or one build then the other)
// measure the drift as much as the change. Interleaving spreads it over both.
//
// `--flags-a` / `--flags-b`: the Node options of each build's server (default: those of
// package.json's start script, as bench:read uses), e.g. to compare GC settings on one build.
// `--env-a` / `--env-b`: environment variables added to one build's server, e.g. to compare a
// setting (DATABASE_POOL_SIZE=3) on one build.
//
// `--a floor`: the hand-written floor (bench/read-floor.mjs), sent ours' documents: the floor target's
// ratio without the drift between servers that bench:read, one after the other, measures too.
// `--a v5` (or `v4`): PostGraphile from bench/peers (bench/read-peers.mjs) instead of a build, sent
// its own documents for the same workloads (bench:read verifies that they answer the same data).
// Measured the same way, it gives a ratio to PostGraphile that the machine's drift does not bend:
// bench:read runs the servers one after the other.
//
// Per workload: the server CPU per request of each build (from /proc, summed over its windows;
// each window's value is listed too) and B ÷ A; the CPU per request of the PostgreSQL processes
// serving the database in each build's windows (only one build is loaded at a time), and
// B ÷ A. `--url` is a database seeded by
// `npm run bench:read -- --keep` (it prints the URL). An older checkout for `--a`:
// `git worktree add /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules && (cd /tmp/old && npx tsc -p .)`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { READ_QUERIES } from './read-floor.mjs';
import { runTimedLoad } from './http-load.mjs';
import { args, freePort, intArg, jiffiesMs, processTree, procJiffies, root, sleep, startFlags } from './lib.mjs';
import { PEER_FUNCTIONS, PEER_QUERIES, PEERS, ensurePeer } from './read-peers.mjs';

const a = args();
if (!a.url || !a.a) throw new Error('usage: node bench/read-ab.mjs --url <seeded database> --a <checkout> [--b <checkout>] [--workloads A,B,C] [--rounds 8] [--seconds 3]');
/** Each side: a peer's name (v4, v5) or a checkout's directory. */
const sides = [String(a.a), String(a.b ?? root)];
const isPeer = (x) => Object.hasOwn(PEERS, x);
/** The hand-written floor (bench/read-floor.mjs): sent ours' documents, as bench:read sends them. */
const isFloor = (x) => x === 'floor';
const dirs = sides.map((x) => (isPeer(x) || isFloor(x) ? x : path.resolve(x)));
for (const x of sides) if (isPeer(x)) ensurePeer(x);
const WORKLOADS = String(a.workloads ?? 'A,B,C').split(',').map((w) => w.trim().toUpperCase());
for (const w of WORKLOADS) if (!READ_QUERIES[w]) throw new Error(`unknown workload ${w} (A, B or C)`);
const ROUNDS = intArg(a.rounds, 8);
const SECONDS = Number(a.seconds ?? 3);
const CONNECTIONS = intArg(a.connections, 16);
// Written `--flags-a=<options>` (the options themselves start with `--`).
const flags = ['flags-a', 'flags-b'].map((k) => {
  const given = process.argv.find((x) => x.startsWith(`--${k}=`));
  return given === undefined ? startFlags() : given.slice(k.length + 3).split(/\s+/).filter(Boolean);
});

const build = dirs.find((d) => !isPeer(d) && !isFloor(d)) ?? root;
const { loadConfig } = await import(pathToFileURL(path.join(build, 'dist', 'src', 'config.js')).href);
const { signToken } = await import(pathToFileURL(path.join(build, 'dist', 'src', 'auth', 'token.js')).href);
// Written `--env-a=NAME=value,NAME=value`: environment variables of one build's server only.
const envs = ['env-a', 'env-b'].map((k) => {
  const given = process.argv.find((x) => x.startsWith(`--${k}=`));
  return Object.fromEntries((given?.slice(k.length + 3) ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
});
const env = {
  PATH: process.env.PATH,
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  JWT_SECRET: 'b'.repeat(64),
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '0',
  SEED_DEMO_DATA: 'never',
  SLA_SCHEDULER: 'off',
  DATABASE_URL: String(a.url),
};
const token = await signToken(loadConfig(env), { sub: 'admin.bench', role: 'ADMIN', scope: null }, '24h');

const servers = [];
/** A connection of its own for reading which PostgreSQL backends serve the database. */
let monitor = null;
/** CPU jiffies so far of the PostgreSQL processes serving the database (its backends and the shared auxiliary ones), by pid. */
const pgJiffies = async () => new Map((await monitor`select pid from pg_stat_activity where datname = current_database() or datname is null`).map((r) => [Number(r.pid), procJiffies(Number(r.pid)) ?? 0]));
/** PostgreSQL CPU jiffies between two readings of {@link pgJiffies} (a backend that ended counts up to its last reading). */
const pgSpent = (before, after) => [...after].reduce((sum, [pid, j]) => sum + j - (before.get(pid) ?? j), 0);
try {
  const sql = postgres(String(a.url), { max: 1, onnotice: () => {} });
  monitor = postgres(String(a.url), { max: 1, onnotice: () => {} });
  const ids = (await sql`select customer_id as id from complaints group by 1 having count(*) >= 5 order by 1 limit 150`).map((r) => String(r.id));
  if (dirs.some(isPeer)) await sql.unsafe(PEER_FUNCTIONS);
  await sql.end();
  for (const [i, dir] of dirs.entries()) {
    const port = await freePort();
    const peer = isPeer(dir);
    // A peer runs as bench:read runs it: its own Node binary, the same Node options as ours.
    const child = peer
      ? spawn(PEERS[dir].node(), [...flags[i], 'server.mjs'], { cwd: PEERS[dir].dir, env: { PATH: process.env.PATH, NODE_ENV: 'production', GRAPHILE_ENV: 'production', DATABASE_URL: String(a.url), PORT: String(port), ...envs[i] }, stdio: 'ignore' })
      : isFloor(dir)
        ? spawn(process.execPath, [...flags[i], path.join(root, 'bench', 'read-floor.mjs')], { cwd: root, env: { PATH: process.env.PATH, DATABASE_URL: String(a.url), PORT: String(port), ...envs[i] }, stdio: 'ignore' })
        : spawn(process.execPath, [...flags[i], 'dist/src/main.js'], { cwd: dir, env: { ...env, ...envs[i], PORT: String(port) }, stdio: 'ignore' });
    const bodies = (w) =>
      peer
        ? w === 'B'
          ? ids.map((id) => JSON.stringify({ query: PEER_QUERIES[dir].B, variables: { id } }))
          : [JSON.stringify({ query: PEER_QUERIES[dir][w] })]
        : w === 'B'
          ? ids.map((id) => JSON.stringify({ query: READ_QUERIES.B, variables: { id: Buffer.from(`Customer:${id}`).toString('base64url') } }))
          : [JSON.stringify({ query: READ_QUERIES[w] })];
    servers.push({ dir, port, child, bodies, headers: peer ? {} : { authorization: `Bearer ${token}` } });
    const ready = peer
      ? () => fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })
      : isFloor(dir)
        ? () => fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: READ_QUERIES.C }) })
        : () => fetch(`http://127.0.0.1:${port}/readyz`);
    for (let i = 0; ; i++) {
      if (await ready().then((r) => r.ok, () => false)) break;
      if (i > 300 || child.exitCode !== null) throw new Error(`${dir}: the server did not start (is it built?)`);
      await sleep(100);
    }
  }
  // CPU of a server's whole process tree (a peer's Node binary may start the server as its child).
  const cpuOf = (s) => processTree(s.child.pid).reduce((sum, pid) => sum + procJiffies(pid), 0);

  console.log(`A: ${dirs[0]} (node ${flags[0].join(' ')})\nB: ${dirs[1]} (node ${flags[1].join(' ')})\n${ROUNDS} rounds of ${SECONDS} s windows (after 1 s of warm-up each), ${CONNECTIONS} connections\n`);
  for (const w of WORKLOADS) {
    const totals = servers.map(() => ({ ms: 0, pgMs: 0, requests: 0, seconds: 0, windows: [] }));
    for (let r = 0; r < ROUNDS; r++) {
      for (const i of r % 2 ? [1, 0] : [0, 1]) {
        const s = servers[i];
        let before = 0;
        let after = 0;
        let pgBefore = new Map();
        let pgAfter = new Map();
        const load = await runTimedLoad({
          url: `http://127.0.0.1:${s.port}/graphql`,
          bodies: s.bodies(w),
          headers: s.headers,
          connections: CONNECTIONS,
          warmupMs: 1000,
          durationMs: SECONDS * 1000,
          onTimed: async () => {
            pgBefore = await pgJiffies();
            before = cpuOf(s);
          },
          onEnd: async () => {
            after = cpuOf(s);
            pgAfter = await pgJiffies();
          },
        });
        if (load.errors) throw new Error(`${s.dir} ${w}: ${load.errors} failed requests, first: ${load.firstError}`);
        const ms = jiffiesMs(after - before);
        totals[i].ms += ms;
        totals[i].pgMs += jiffiesMs(pgSpent(pgBefore, pgAfter));
        totals[i].requests += load.requests;
        totals[i].seconds += load.elapsedMs / 1000;
        totals[i].windows.push((ms / load.requests).toFixed(2));
      }
    }
    const [x, y] = totals.map((t) => t.ms / t.requests);
    const [rx, ry] = totals.map((t) => t.requests / t.seconds);
    console.log(`${w}: A ${x.toFixed(3)} ms CPU/request, ${rx.toFixed(0)} req/s [${totals[0].windows.join(' ')}]`);
    console.log(`${w}: B ${y.toFixed(3)} ms CPU/request, ${ry.toFixed(0)} req/s [${totals[1].windows.join(' ')}]`);
    const [px, py] = totals.map((t) => t.pgMs / t.requests);
    console.log(`${w}: PostgreSQL CPU ms/request: A ${px.toFixed(3)}, B ${py.toFixed(3)}, B ÷ A ${(py / px).toFixed(3)}`);
    console.log(`${w}: B ÷ A ${(y / x).toFixed(3)} (CPU per request); throughput B ÷ A ${(ry / rx).toFixed(3)}\n`);
  }
} finally {
  await monitor?.end();
  for (const s of servers) {
    for (const pid of processTree(s.child.pid).reverse()) {
      try {
        process.kill(pid);
      } catch {}
    }
  }
}
