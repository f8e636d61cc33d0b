// Shared helpers of the benchmarks. They run against the compiled output (dist/), because
// the code needs tsc's decorator metadata: run `npx tsc -p .` (or `npm run build`) first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

function procJiffies(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return null;
  }
}

function machineJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: f.reduce((x, y) => x + y, 0) - f[3] - f[4], total: f.reduce((x, y) => x + y, 0) };
}

/** PostgreSQL server processes working for `database`: its backends and the shared auxiliary processes. */
async function pgPids(database) {
  if (database?.kind !== 'postgres') return [];
  const rows = await database.sql`select pid from pg_stat_activity where datname = current_database() or datname is null`;
  return rows.map((r) => Number(r.pid));
}

/**
 * Starts measuring where the machine's CPU time goes: this process (server + load worker),
 * the PostgreSQL processes serving `database`, and everything else ("other": work on the
 * machine that is not part of the benchmark). `stop()` returns shares of all CPUs.
 */
export async function cpuMeter(database) {
  try {
    const m0 = machineJiffies();
    const self0 = process.cpuUsage();
    const pids0 = await pgPids(database);
    const pg0 = new Map(pids0.map((p) => [p, procJiffies(p) ?? 0]));
    return async () => {
      const pids = await pgPids(database);
      const m = machineJiffies();
      const self = process.cpuUsage(self0);
      let pg = 0;
      for (const p of new Set([...pids0, ...pids])) {
        const j = procJiffies(p);
        if (j !== null) pg += j - (pg0.get(p) ?? 0);
      }
      const total = m.total - m0.total;
      const busy = (m.busy - m0.busy) / total;
      const selfShare = ((self.user + self.system) / 1e6) * CLK_TCK / total;
      const pgShare = pg / total;
      return { busy, self: selfShare, postgres: pgShare, other: Math.max(0, busy - selfShare - pgShare) };
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
