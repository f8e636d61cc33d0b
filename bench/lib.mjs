// Shared helpers of the benchmarks. They run against the compiled output (dist/), because
// the code needs tsc's decorator metadata: run `npx tsc -p .` (or `npm run build`) first.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const root = path.dirname(benchDir);
export const dist = (rel) => {
  const file = path.join(root, 'dist', 'src', rel);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -p .\` in ${root} first`);
  return import(file);
};

/** The server the benchmark databases are created on (any database of it; only the host part matters). */
export const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const keepDatabases = process.env.BENCH_KEEP_DB === '1';

export function urlOf(name) {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new empty database `cx_bench_<tag>_<random>` on the benchmark server. */
export async function createDatabase(tag) {
  const name = `cx_bench_${tag}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return { name, url: urlOf(name), drop: () => dropDatabase(name) };
}

export async function dropDatabase(name) {
  if (keepDatabases) {
    console.log(`(kept database ${name}: BENCH_KEEP_DB=1)`);
    return;
  }
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Opens and migrates a database the way the app does (migrations + reference data). */
export async function openMigrated(kind, url, poolSize = 10) {
  const { openPostgres, openPglite } = await dist('db/client.js');
  const { prepareDatabase } = await dist('db/prepare.js');
  const database = kind === 'pglite' ? await openPglite({}) : openPostgres(url, { max: poolSize });
  await prepareDatabase(database);
  return database;
}

/** Runs raw SQL on either driver; returns rows. */
export async function q(database, text, params = []) {
  if (database.kind === 'pglite') return (await database.pglite.query(text, params)).rows;
  return database.sql.unsafe(text, params);
}

/**
 * The Node options `npm start` runs our server with (package.json's start script, e.g.
 * `--max-semi-space-size=128`), so that ours is measured as it is deployed.
 */
export function startFlags() {
  const script = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts?.start ?? '';
  const m = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/main\.js\b/.exec(script);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

export const percentile = (sorted, p) => {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
};

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, mean, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

export const median = (xs) => percentile([...xs].sort((a, b) => a - b), 50);
export const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nowMs = () => performance.now();

/** Busy share of all CPUs over `ms` (from /proc/stat), e.g. to see other work on the machine before a run. */
export async function cpuBusy(ms = 2000) {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((x, y) => x + y, 0) };
  };
  try {
    const a = read();
    await sleep(ms);
    const b = read();
    return 1 - (b.idle - a.idle) / (b.total - a.total);
  } catch {
    return null;
  }
}

function git(...argv) {
  try {
    return execFileSync('git', argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The code under test, as of this process's start (the tree may change while a benchmark runs). */
let startInfo = null;
function codeInfo() {
  if (startInfo) return startInfo;
  const dirty = git('status', '--porcelain', '--untracked-files=no');
  let distBuiltAt = null;
  try {
    distBuiltAt = statSync(path.join(root, 'dist', 'src', 'server.js')).mtime.toISOString();
  } catch {}
  startInfo = { commit: git('rev-parse', '--short', 'HEAD'), modifiedFiles: dirty === null ? null : dirty.split('\n').filter(Boolean).length, distBuiltAt };
  return startInfo;
}
codeInfo();

export async function machine(database) {
  let pg = null;
  if (database?.kind === 'postgres') pg = (await database.sql`select version() as v`)[0].v;
  if (database?.kind === 'pglite') pg = `PGlite ${(await database.pglite.query('select version() as v')).rows[0].v}`;
  const now = { commit: git('rev-parse', '--short', 'HEAD') };
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: pg,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    atStart: codeInfo(),
    commitAtEnd: now.commit,
  };
}

/** Saves a result object as bench/results/<name>-<time>.json (bench/results/ is git-ignored). */
export function saveResult(name, result) {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  return file;
}

/** `--name value` / `--name=value` / `--flag` command-line options. */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2);
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[k] = argv[++i];
    else out[k] = true;
  }
  return out;
}

export const intArg = (v, def) => (v === undefined || v === true ? def : Number(String(v).replace(/_/g, '')));

/**
 * Runs `fn` while recording the SQL text of every statement drizzle sends through
 * `database` (the same hook that feeds `database.stats.queries`). Returns the texts.
 */
export async function traceStatements(database, fn) {
  const logger = database.db.session?.logger;
  if (!logger?.logQuery) throw new Error('cannot reach the drizzle logger of this database');
  const original = logger.logQuery;
  const seen = [];
  logger.logQuery = function (query, params) {
    seen.push(query);
    return original.call(this, query, params);
  };
  try {
    await fn();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}

const CLK_TCK = 100; // USER_HZ of /proc/*/stat on Linux

/** CPU time (utime + stime, in jiffies) a process has used so far, or null when it is gone. */
export function procJiffies(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return null;
  }
}

/** Milliseconds of CPU in `jiffies`. */
export const jiffiesMs = (jiffies) => (jiffies * 1000) / CLK_TCK;

/** `pid` and its descendants (from the parent ids in /proc/<pid>/stat), e.g. a server and the workers it forked. */
export function processTree(pid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {}
  }
  const out = [];
  for (const queue = [pid]; queue.length; ) {
    const p = queue.pop();
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

function machineJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: f.reduce((x, y) => x + y, 0) - f[3] - f[4], total: f.reduce((x, y) => x + y, 0) };
}

/** PostgreSQL server processes working for `database`: its backends and the shared auxiliary processes. */
export async function pgPids(database) {
  if (database?.kind !== 'postgres') return [];
  const rows = await database.sql`select pid from pg_stat_activity where datname = current_database() or datname is null`;
  return rows.map((r) => Number(r.pid));
}

/**
 * Starts measuring where the machine's CPU time goes: this process (server + load worker),
 * the PostgreSQL processes serving `database`, and everything else ("other": work on the
 * machine that is not part of the benchmark). `stop()` returns shares of all CPUs.
 *
 * `processes` ({ name: pid }) are further processes of the benchmark (servers, load
 * generators started as processes of their own), each counted with its descendants: `stop()`
 * then also returns `processes` ({ name: share }) and `ms` (CPU milliseconds of self, postgres
 * and each named process), and "other" excludes them.
 */
export async function cpuMeter(database, { processes = {} } = {}) {
  try {
    const treeJiffies = (pid) => processTree(pid).reduce((x, p) => x + (procJiffies(p) ?? 0), 0);
    const named0 = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, treeJiffies(pid)]));
    const m0 = machineJiffies();
    const self0 = process.cpuUsage();
    const pids0 = await pgPids(database);
    const pg0 = new Map(pids0.map((p) => [p, procJiffies(p) ?? 0]));
    return async () => {
      const pids = await pgPids(database);
      const m = machineJiffies();
      const self = process.cpuUsage(self0);
      const named = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, treeJiffies(pid) - named0[k]]));
      let pg = 0;
      for (const p of new Set([...pids0, ...pids])) {
        const j = procJiffies(p);
        if (j !== null) pg += j - (pg0.get(p) ?? 0);
      }
      const total = m.total - m0.total;
      const busy = (m.busy - m0.busy) / total;
      const selfJiffies = ((self.user + self.system) / 1e6) * CLK_TCK;
      const selfShare = selfJiffies / total;
      const pgShare = pg / total;
      const namedJiffies = Object.values(named).reduce((x, y) => x + y, 0);
      const out = { busy, self: selfShare, postgres: pgShare, other: Math.max(0, busy - selfShare - pgShare - namedJiffies / total) };
      if (Object.keys(processes).length) {
        out.processes = Object.fromEntries(Object.entries(named).map(([k, j]) => [k, j / total]));
        out.ms = { self: jiffiesMs(selfJiffies), postgres: jiffiesMs(pg), ...Object.fromEntries(Object.entries(named).map(([k, j]) => [k, jiffiesMs(j)])) };
        out.wallMs = jiffiesMs(total) / (os.availableParallelism?.() ?? os.cpus().length);
      }
      return out;
    };
  } catch {
    return async () => null;
  }
}

/** Waits (up to `maxMs`) until the machine is quiet (< `threshold` busy over 3 s); returns the last reading. */
export async function waitQuiet({ threshold = 0.15, maxMs = 300_000 } = {}) {
  const until = Date.now() + maxMs;
  let busy = await cpuBusy(3000);
  while (busy !== null && busy >= threshold && Date.now() < until) {
    console.log(`  machine busy ${Math.round(busy * 100)} % with other work; waiting for a quiet moment…`);
    busy = await cpuBusy(3000);
  }
  return busy;
}

/**
 * The start of every benchmark run: waits for a quiet machine (or, with `noWait`, only reads how
 * busy it is), then prints that reading, the load average and the code under test (commit,
 * modified files, when dist/ was built). Returns the reading (share of the CPUs busy with
 * other work, or null where /proc cannot tell), which each result records.
 */
export async function startOfRun({ noWait = false } = {}) {
  const background = noWait ? await cpuBusy() : await waitQuiet();
  console.log(
    `machine CPU busy before start (other work): ${background === null ? '?' : Math.round(background * 100) + ' %'}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
  const code = (await machine(null)).atStart;
  console.log(`code: commit ${code.commit}${code.modifiedFiles ? ` + ${code.modifiedFiles} modified files` : ''}, dist built ${code.distBuiltAt}`);
  return background;
}

/** Largest share of the CPUs that other work may take during a measurement before it is repeated. */
export const maxOther = Number(process.env.BENCH_MAX_OTHER ?? 0.1);

/**
 * Runs `fn` under a cpuMeter; when other work on the machine took more than `maxOther` of the
 * CPUs meanwhile, waits for a quiet moment and runs it again (at most `attempts` times in all).
 * Returns fn's result with `cpu` (shares) and `attempts`; `disturbed` when no attempt was clean.
 */
export async function measured(label, database, fn, attempts = 3) {
  for (let i = 1; ; i++) {
    const stop = await cpuMeter(database);
    const result = await fn();
    const cpu = await stop();
    if (!cpu || cpu.other <= maxOther || i >= attempts) return { ...result, cpu, attempts: i, disturbed: !!cpu && cpu.other > maxOther };
    console.log(`  ${label}: other work took ${Math.round(cpu.other * 100)} % of the CPUs meanwhile; measuring again`);
    await waitQuiet({ maxMs: 120_000 });
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server process (`command` `argv`, environment `env` only, plus PATH and HOME) and
 * waits until it is ready: until `ready()` resolves true (polled every 100 ms) or, without
 * `ready`, until a line of its output matches `readyLine`. Keeps the first 200 output lines for
 * error messages and counts warnings (JSON log lines of level ≥ 40 and non-JSON lines).
 * Returns { pid, child, log, warnings(), exited(), stop() }; stop() sends SIGTERM and, after 20 s, SIGKILL.
 */
export async function startProcess(label, command, argv, { env = {}, cwd = root, ready = null, readyLine = /listening/, timeoutMs = 120_000 } = {}) {
  const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const inst = { label, pid: child.pid, child, log: [], warnCount: 0, exit: null, sawReady: false };
  const take = (buf) => {
    for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
      let level = null;
      try {
        level = JSON.parse(line).level;
      } catch {}
      if (!ready && readyLine.test(line)) inst.sawReady = true;
      else if (level === null || level >= 40) inst.warnCount++;
      if (inst.log.length < 200) inst.log.push(line.slice(0, 600));
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((inst.exit = { code, signal }))));
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (inst.exit) throw new Error(`${label} exited (${JSON.stringify(inst.exit)}) before it was ready:\n${inst.log.join('\n')}`);
    if (ready ? await ready().catch(() => false) : inst.sawReady) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${label} not ready after ${timeoutMs / 1000} s:\n${inst.log.join('\n')}`);
    }
    await sleep(100);
  }
  return {
    label,
    pid: child.pid,
    child,
    log: inst.log,
    warnings: () => inst.warnCount,
    /** How it exited ({ code, signal }), or null while it runs. */
    exited: () => inst.exit,
    async stop() {
      if (inst.exit) return inst.exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/**
 * A TCP proxy in front of a PostgreSQL server that counts the frontend messages passing
 * through it, by type: 'Q' simple query, 'P' Parse (a statement being prepared), 'B' Bind,
 * 'E' Execute, 'S' Sync… Put it between a server under test and PostgreSQL (its DATABASE_URL
 * through `urlFor(url)`) to count the statements each request costs, whatever the driver,
 * without pg_stat_statements. Startup, SSL and cancel requests (no type byte) are skipped.
 * `counts()` returns the counts since the last `reset()`.
 */
export async function countingProxy(targetUrl) {
  const target = new URL(targetUrl);
  const host = target.hostname;
  const port = Number(target.port || 5432);
  let counts = {};
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let typed = false; // the first messages (SSLRequest, GSSENCRequest, the startup message) have no type byte
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (;;) {
        if (!typed) {
          if (pending.length - at < 8) break;
          const len = pending.readInt32BE(at);
          if (pending.length - at < len) break;
          const code = pending.readInt32BE(at + 4);
          at += len;
          if (code !== 80877103 && code !== 80877104) typed = true; // not SSL/GSS negotiation: startup done
          continue;
        }
        if (pending.length - at < 5) break;
        const len = pending.readInt32BE(at + 1);
        if (pending.length - at < 1 + len) break;
        const type = String.fromCharCode(pending[at]);
        counts[type] = (counts[type] ?? 0) + 1;
        at += 1 + len;
      }
      pending = at === pending.length ? Buffer.alloc(0) : pending.subarray(at);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = server.address().port;
  return {
    port: proxyPort,
    /** `url` (a database URL of the proxied server) routed through the proxy. */
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(proxyPort);
      return u.toString();
    },
    counts: () => ({ ...counts }),
    reset() {
      counts = {};
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
