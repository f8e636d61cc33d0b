// Complaint intake throughput: the API (createComplaint over HTTP) against a hand-written floor
// that does the same transaction (bench/intake-floor.mjs), and a bare INSERT as an extra
// reference, in the same run, with the same concurrency.
//
//   npx tsc -p . && node bench/complaints-create.mjs [--requests 2000] [--concurrency 8]
//        [--warmup 200] [--rounds 3] [--preload 0] [--sweep 1,2,4,8,16|none] [--sweep-requests 400]
//        [--only api,floor,sql] [--no-wait] [--pglite]
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
// API:   `--concurrency` clients send createComplaint (AGENT token, whole group), each for
//        another customer with a unit, selection { id number status nextDueAt }.
// floor: the same request bodies to bench/intake-floor.mjs, a node:http server in this process
//        (like the app) that verifies the same token and writes, by hand, the same rows:
//        checks and policy in one SELECT, then the number, id and repeat check in one
//        statement, then the complaint, timeline, clocks, domain event and audit in one
//        statement, no transaction (as the app); its own postgres.js pool of 10 (PGlite: the
//        app's instance).
//        Before anything is timed, one set of intakes through each (a plain one and one
//        without a unit; a MAJOR one with an appointment and attachments at a fixed receipt
//        time and a repeat of it) must write the same rows (complaints, timeline, clocks,
//        alerts, domain events, audit, counter increments) and answer the same JSON, ids,
//        numbers, request ids and times of writing aside; else the run stops, printing the
//        differences.
// SQL:   (extra reference) the same columns of the same rows as one plain INSERT … RETURNING id
//        per complaint, autocommit, from `--concurrency` connections — no number counter,
//        clocks, events, audit or checks.
// Rounds alternate API, floor and SQL `--rounds` times (--only picks some of them); the table
// reports each one's median round.
//
// Statements per intake:
// - API: counted as before by drizzle (database.stats.queries: every statement the app sends
//   through drizzle or its array runner, BEGIN/COMMIT not seen), and split by async context
//   into the request's own (the mutation: statements sent on behalf of an HTTP request) and the
//   app's background (the SLA scheduler's ticks, which a mutation's wake-up sets off, and the
//   event sequencer and reader, woken by the domain events' NOTIFY). BEGIN/COMMIT: + 2 per
//   transaction the requests begin (database.stats.transactions; none since the intake is one
//   statement, 2026-12-01).
// - floor: counted by a wrapper around its client: every statement it sends, BEGIN/COMMIT
//   apart (and checked once against the wire on PostgreSQL, through lib's countingProxy), and
//   its waits for the database (one per statement). The app's
//   background over a floor round is the work the floor's rows cause in the app (the event
//   sequencer stamps the floor's domain events too; the floor does not wake the SLA scheduler).
import { AsyncLocalStorage } from 'node:async_hooks';
import postgres from 'postgres';
import { args, countingProxy, measured, startOfRun, createDatabase, dist, fmt, intArg, machine, median, nowMs, openMigrated, q, saveResult, sleep, summary } from './lib.mjs';
import { CREATE_COMPLAINT, differences, normalise, rowsOf, startIntakeFloor } from './intake-floor.mjs';
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
const ONLY = new Set(String(a.only === undefined || a.only === true ? 'api,floor,sql' : a.only).split(',').map((x) => x.trim()).filter(Boolean));
for (const x of ONLY) if (!['api', 'floor', 'sql'].includes(x)) throw new Error(`--only: unknown "${x}" (one or more of api, floor, sql)`);
const RUN = (x) => ONLY.has(x);

const { loadConfig } = await dist('config.js');
const { createApp } = await dist('server.js');
const { createLogger } = await dist('logger.js');
const { signToken } = await dist('auth/token.js');
const { toGlobalId, decodeGlobalId } = await dist('graphql/global-id.js');

const lockText = (l) => (l ? `${fmt(l.meanActive, 2)} / ${fmt(l.meanLockWaiters, 2)}` : '–');
const cpuText = (c) => (c ? `${pct(c.self)} / ${pct(c.postgres)} / ${pct(c.other)}` : '–');
const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)} %`);
const MUTATION = CREATE_COMPLAINT;
const KINDS = ['COMPLAINT', 'REPAIR', 'REPAIR', 'INQUIRY'];
const CATEGORIES = ['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE', 'SALES_PROMISE', 'DESIGN', 'PROPERTY_MANAGEMENT', 'OTHER'];
const LOCATIONS = ['WALL_BEAM', 'WINDOW_DOOR', 'WATERPROOFING', 'PLUMBING', 'ELECTRICAL', 'FIXTURES'];
const CHANNELS = ['HOTLINE_400', 'WECHAT', 'PHONE', 'VISIT', 'ONSITE', 'EMAIL'];

/** The complaint for customer `c` (same values for the API, the floor and the SQL baseline). */
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

/** The request body (the same for the API and the floor); `extra` adds input fields (the equivalence check's). */
const bodyOf = (x) =>
  JSON.stringify({
    query: MUTATION,
    variables: {
      input: {
        customerId: toGlobalId('Customer', x.customerId),
        projectId: toGlobalId('Project', x.projectId),
        ...(x.unitId ? { unitId: toGlobalId('Unit', x.unitId) } : {}),
        kind: x.kind,
        category: x.category,
        ...(x.defectLocation ? { defectLocation: x.defectLocation } : {}),
        channel: x.channel,
        description: x.description,
        ...(x.extra ?? {}),
      },
    },
  });

/**
 * Splits the app's drizzle-counted statements (database.stats.queries, which every statement
 * through drizzle or the array runner increments) by async context: `own` are sent on behalf of
 * an HTTP request (from a 'request' listener put before the app's), `background` the rest: the
 * SLA scheduler (woken by a request, but run outside it) and the event sequencer and reader
 * (woken by LISTEN notifications). `trace(fn)` lists the statements drizzle's logger sees
 * meanwhile (the request handles' and the array runner's too), each marked own or not.
 */
function statementSplit(database) {
  const inRequest = new AsyncLocalStorage();
  const counts = { own: 0, background: 0 };
  let n = database.stats.queries;
  Object.defineProperty(database.stats, 'queries', {
    enumerable: true,
    get: () => n,
    set: (v) => {
      counts[inRequest.getStore() ? 'own' : 'background'] += v - n;
      n = v;
    },
  });
  const listen = database.listen.bind(database);
  database.listen = (channel, onNotify) => listen(channel, (payload) => inRequest.exit(() => onNotify(payload)));
  return {
    counts,
    attach(app) {
      app.server.prependListener('request', () => inRequest.enterWith(true));
      const wake = app.scheduler.wake.bind(app.scheduler);
      app.scheduler.wake = (...wakeArgs) => inRequest.exit(() => wake(...wakeArgs));
    },
    async trace(fn) {
      const logger = database.db.session?.logger;
      if (!logger?.logQuery) throw new Error('cannot reach the drizzle logger of this database');
      const original = logger.logQuery;
      const seen = [];
      logger.logQuery = function (query, params) {
        seen.push({ own: !!inRequest.getStore(), text: query });
        return original.call(this, query, params);
      };
      const c0 = { ...counts };
      try {
        await fn();
      } finally {
        logger.logQuery = original;
      }
      return { seen, own: counts.own - c0.own, background: counts.background - c0.background };
    },
  };
}

async function main() {
  const started = Date.now();
  const background = await startOfRun({ noWait: a['no-wait'] });
  const created = KIND === 'postgres' ? await createDatabase('create') : null;
  let database = null;
  let app = null;
  let floor = null;
  let sqlClient = null;
  let sampler = null;
  try {
    database = await openMigrated(KIND, created?.url, 10);
    const split = statementSplit(database);
    // Customers: one per request of every round (no complaint is a repeat of another); room for
    // each round to be measured 3 times (measured() repeats disturbed rounds), 20 for the checks.
    const perRound = REQUESTS * ONLY.size;
    const needed = WARMUP * ONLY.size + 3 * (perRound * ROUNDS + (RUN('api') ? REQUESTS + SWEEP_REQUESTS * SWEEP.length : 0)) + 20;
    const conn = KIND === 'postgres' ? seedConnection(created.url) : database;
    const org = await seedOrg(conn, { tag: 'create', projects: 20, customers: needed, list: true });
    let preload = null;
    if (PRELOAD) preload = await seedComplaints(conn, { tag: 'create', n: PRELOAD });
    if (conn.sql) await conn.sql.end({ timeout: 5 });
    console.log(`seeded ${needed.toLocaleString('en')} customers with units in ${fmt(org.ms / 1000, 1)} s${PRELOAD ? `, ${PRELOAD.toLocaleString('en')} complaints preloaded` : ''}`);
    let next = 0;
    const customers = (n) => org.list.slice(next, (next += n));
    const take = (n) => customers(n).map((c) => complaintOf(c, c.k));

    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ...(created ? { DATABASE_URL: created.url } : {}) });
    app = await createApp({ config, database, logger: createLogger('silent') });
    split.attach(app);
    const port = await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}/graphql`;
    const token = await signToken(config, { sub: 'agent.bench', role: 'AGENT', scope: null });
    const headers = { authorization: `Bearer ${token}` };
    if (RUN('floor')) floor = await startIntakeFloor({ database, config, url: created?.url, poolSize: 10 });

    // The SQL baseline's policy columns, chosen as the app chooses them (by kind).
    const policies = await q(database, `select id, name, clocks from sla_policies where active`);
    const policyOf = (kind) => policies.find((p) => p.name === (kind === 'REPAIR' ? '报修时限 Repairs' : '默认时限 Default'));
    const INSERT = `insert into complaints (number, customer_id, project_id, unit_id, kind, category, defect_location, channel, description,
                                            attachments, severity, first_responder_id, sla_policy_id, sla_targets, received_at)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]'::jsonb, 'NORMAL', 'agent.bench', $10, $11::jsonb, $12) returning id`;
    sqlClient = KIND === 'postgres' && RUN('sql') ? postgres(created.url, { max: CONCURRENCY, onnotice: () => {}, connection: { application_name: 'cx-bench-sql' } }) : null;
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

    // ---- The floor writes what the API writes ------------------------------------------------
    const post = async (target, x) => {
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bodyOf(x) });
      return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
    };
    const counters = async () => Object.fromEntries((await q(database, `select year, last from complaint_number_counters`)).map((r) => [r.year, Number(r.last)]));
    const query = (text, params) => q(database, text, params);
    let floorCheck = null;
    const verifyFloor = async () => {
      const [a1, a2, f1, f2] = customers(4);
      const receivedAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
      const appointment = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 48 * 3_600_000);
      // "now": received at request time (times compared as present or absent only), a repair with
      // its unit and an inquiry without one. "fixed": a MAJOR complaint with an appointment and an
      // attachment received at a fixed time, then a repeat of it a minute later (times compared exactly).
      const plan = (c1, c2) => ({
        now: [complaintOf(c1, 1), { ...complaintOf(c1, 3), unitId: null }],
        fixed: [
          { ...complaintOf(c2, 0), extra: { severity: 'MAJOR', majorReason: 'AUTHORITY_OR_MEDIA', attachments: ['https://example.com/bench/1.jpg'], repairAppointmentAt: appointment.toISOString(), receivedAt: receivedAt.toISOString() } },
          { ...complaintOf(c2, 0), description: '同一问题再次来电 — bench repeat', extra: { receivedAt: new Date(receivedAt.getTime() + 60_000).toISOString() } },
        ],
      });
      const side = async (label, target, c1, c2) => {
        const before = await counters();
        const p = plan(c1, c2);
        const answers = [];
        for (const x of [...p.now, ...p.fixed]) answers.push(await post(target, x));
        const after = await counters();
        for (const r of answers) if (r.status !== 200 || r.text.includes('"errors"')) throw new Error(`floor check: ${label} answered ${r.status} ${r.text}`);
        const complaints = answers.map((r) => JSON.parse(r.text).data.createComplaint.complaint);
        const ids = complaints.map((c) => decodeGlobalId(c.id).id);
        const increments = Object.fromEntries(Object.entries(after).map(([y, n]) => [y, n - (before[y] ?? 0)]).filter(([, n]) => n));
        return { label, answers, complaints, ids, increments, now: await rowsOf(query, ids.slice(0, 2)), fixed: await rowsOf(query, ids.slice(2)) };
      };
      const api = await side('api', url, a1, a2);
      const flo = await side('floor', floor.url, f1, f2);
      const problems = [];
      for (const group of ['now', 'fixed']) {
        const opts = { exactTimes: group === 'fixed' };
        problems.push(...differences(normalise(api[group], opts), normalise(flo[group], opts)).map((d) => `${group}: ${d}`));
      }
      if (JSON.stringify(api.increments) !== JSON.stringify(flo.increments)) problems.push(`counter increments: api ${JSON.stringify(api.increments)} ≠ floor ${JSON.stringify(flo.increments)}`);
      for (const s of [api, flo]) {
        const rows = [...s.now.complaints, ...s.fixed.complaints];
        const seqs = s.complaints.map((c) => Number(/^TS-\d{4}-(\d{6,})$/.exec(c.number)?.[1]));
        if (seqs.some((n, i) => !Number.isFinite(n) || (i > 0 && n !== seqs[i - 1] + 1))) problems.push(`${s.label}: numbers not consecutive: ${s.complaints.map((c) => c.number).join(', ')}`);
        s.complaints.forEach((c, i) => {
          const row = rows.find((r) => Number(r.id) === s.ids[i]);
          const due = row.next_due_at === null ? null : new Date(row.next_due_at).toISOString();
          if (c.number !== row.number || c.nextDueAt !== due || c.status !== row.status) problems.push(`${s.label}: answer ${JSON.stringify(c)} ≠ row (${row.number}, ${row.status}, ${due})`);
        });
      }
      // The answers, byte for byte once the id, number and next due time are replaced.
      const shape = (r, c) => r.text.replace(c.id, '<id>').replace(c.number, '<number>').replace(String(c.nextDueAt), '<nextDueAt>');
      api.answers.forEach((r, i) => {
        const x = shape(r, api.complaints[i]);
        const y = shape(flo.answers[i], flo.complaints[i]);
        if (x !== y) problems.push(`answer ${i + 1}: api ${x} ≠ floor ${y}`);
        if (r.contentType !== flo.answers[i].contentType) problems.push(`answer ${i + 1}: content-type api ${r.contentType} ≠ floor ${flo.answers[i].contentType}`);
      });
      if (problems.length) {
        console.error(`\nTHE FLOOR DOES NOT WRITE WHAT THE API WRITES (${problems.length} differences):`);
        for (const p of problems) console.error('  ' + p);
        throw new Error('floor equivalence check failed');
      }
      // PostgreSQL: the floor's statement counter against the wire (a counting proxy in front of a
      // second floor instance; its second intake, after connection setup and first preparations).
      let wire = null;
      if (created) {
        const proxy = await countingProxy(created.url);
        const probe = await startIntakeFloor({ database, config, url: proxy.urlFor(created.url), poolSize: 1 });
        try {
          const [p1, p2] = take(2);
          await post(probe.url, p1);
          proxy.reset();
          probe.resetStats();
          const r = await post(probe.url, p2);
          if (r.status !== 200 || r.text.includes('"errors"')) throw new Error(`floor probe: ${r.text}`);
          const m = proxy.counts();
          wire = { messages: m, executed: (m.E ?? 0) + (m.Q ?? 0), counted: probe.stats.statements + probe.stats.transactionControl };
          if (wire.executed !== wire.counted) throw new Error(`floor statement counter: ${wire.counted} counted, ${wire.executed} executed on the wire (${JSON.stringify(m)})`);
        } finally {
          await probe.close();
          await proxy.close();
        }
      }
      floorCheck = { intakes: api.ids.length, rows: Object.fromEntries(Object.keys(api.now).map((t) => [t, api.now[t].length + api.fixed[t].length])), counterIncrements: api.increments, wire };
      console.log(
        `floor check: ${api.ids.length} intakes each way wrote the same rows (${Object.entries(floorCheck.rows).map(([t, n]) => `${t} ${n}`).join(', ')}; counter +${Object.values(api.increments).join('/')}) and answered the same JSON` +
          (wire ? `; its statement counter matches the wire (${wire.executed} statements incl. BEGIN/COMMIT per intake)` : ''),
      );
    };
    if (RUN('floor')) await verifyFloor();

    // Samples (every 10 ms, on its own connection) what the backends of `appName` wait for: lock
    // waits show transactions queueing behind each other (e.g. on the complaint-number counter row).
    sampler = created ? postgres(created.url, { max: 1, onnotice: () => {} }) : null;
    const sampleWaits = (appName) => {
      if (!sampler) return { stop: async () => null };
      let on = true;
      const samples = [];
      const loop = (async () => {
        while (on) {
          const rows = await sampler`select wait_event_type, wait_event, left(query, 60) as q from pg_stat_activity
                                     where datname = current_database() and application_name = ${appName} and state = 'active' and pid <> pg_backend_pid()`;
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
    const complaintCount = async () => (await q(database, `select count(*)::int as n from complaints`))[0].n;

    /**
     * One timed round of createComplaint requests to `target` (the API or the floor), with what
     * both rounds measure around it: the app's statement counters and scheduler ticks (per
     * request), its event loop, the lock waits of backends named `appName`, and the checks
     * that every request succeeded and created its complaint.
     */
    const timedRound = async (label, target, appName, concurrency, requests) => {
      const rows = take(requests);
      const q0 = database.stats.queries;
      const x0 = database.stats.transactions;
      const s0 = { ...split.counts };
      const t0 = app.scheduler.stats.ticks;
      const c0 = await complaintCount();
      const elu0 = performance.eventLoopUtilization();
      const waits = sampleWaits(appName);
      const r = await runLoad({ url: target, bodies: rows.map(bodyOf), concurrency, headers });
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const locks = await waits.stop();
      await sleep(300); // let the last wake-ups and the event sequencer's work for these rows finish before counting
      const c1 = await complaintCount();
      if (r.errors) throw new Error(`${label}: ${r.errors} failed requests, first: ${r.firstError}`);
      if (c1 - c0 !== requests) throw new Error(`${label}: ${c1 - c0} complaints created, expected ${requests}`);
      return {
        round: { label, concurrency, rps: (requests * 1000) / r.elapsedMs, elapsedMs: r.elapsedMs, latency: summary(r.latenciesMs), serverEventLoopUtilization: elu, locks },
        // (the raw counts above do not go through drizzle)
        app: {
          queries: (database.stats.queries - q0) / requests,
          // transactions begun by requests (database.stats.transactions: the request handles'); each is a BEGIN and a COMMIT
          transactions: (database.stats.transactions - x0) / requests,
          own: (split.counts.own - s0.own) / requests,
          background: (split.counts.background - s0.background) / requests,
          ticks: (app.scheduler.stats.ticks - t0) / requests,
        },
      };
    };
    const apiRound = async (label, concurrency = CONCURRENCY, requests = REQUESTS) => {
      const { round, app: per } = await timedRound(label, url, 'cx-graphql-api', concurrency, requests);
      // Round trips not seen by drizzle's logger: BEGIN/COMMIT of the mutation's transactions (none
      // since the intake became one statement) and of every scheduler tick, and the wake-up NOTIFY (PostgreSQL only).
      const txControl = 2 * per.transactions;
      const roundTrips = per.queries + txControl + 2 * per.ticks + (KIND === 'postgres' ? 1 : 0);
      return { ...round, queriesPerRequest: per.queries, ownPerRequest: per.own, transactionControlPerRequest: txControl, backgroundPerRequest: per.background, ticksPerRequest: per.ticks, roundTrips };
    };
    const floorRound = async (label) => {
      const s0 = { ...floor.stats };
      const { round, app: per } = await timedRound(label, floor.url, 'cx-bench-intake-floor', CONCURRENCY, REQUESTS);
      const floorPer = (k) => (floor.stats[k] - s0[k]) / REQUESTS;
      return {
        ...round,
        statementsPerRequest: floorPer('statements'),
        transactionControlPerRequest: floorPer('transactionControl'),
        roundTripsPerRequest: floorPer('roundTrips'),
        appQueriesPerRequest: per.queries,
        appOwnPerRequest: per.own, // 0: no request reaches the app
        appBackgroundPerRequest: per.background,
        appTicksPerRequest: per.ticks,
      };
    };
    const sqlRound = async (label) => {
      const rows = take(REQUESTS);
      const r = await sqlLoad(rows);
      return { label, rps: (REQUESTS * 1000) / r.elapsedMs, elapsedMs: r.elapsedMs, latency: summary(r.latenciesMs), queriesPerRequest: 1 };
    };

    // Warm-up: JIT, connection pools, schema/plan caches, the calendar cache.
    const warm = async (target, what) => {
      const r = await runLoad({ url: target, bodies: take(WARMUP).map(bodyOf), concurrency: CONCURRENCY, headers });
      if (r.errors) throw new Error(`${what} warm-up: ${r.errors} failed requests, first: ${r.firstError}`);
    };
    if (RUN('api')) await warm(url, 'API');
    if (RUN('floor')) await warm(floor.url, 'floor');
    if (RUN('sql')) await sqlLoad(take(WARMUP));

    const api = [];
    const flo = [];
    const sql = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const line = [];
      if (RUN('api')) {
        api.push(await measured(`api#${i}`, database, () => apiRound(`api#${i}`)));
        line.push(`API ${fmt(api.at(-1).rps, 1)}/s`);
      }
      if (RUN('floor')) {
        flo.push(await measured(`floor#${i}`, database, () => floorRound(`floor#${i}`)));
        line.push(`floor ${fmt(flo.at(-1).rps, 1)}/s`);
      }
      if (RUN('sql')) {
        sql.push(await measured(`sql#${i}`, database, () => sqlRound(`sql#${i}`)));
        line.push(`SQL ${fmt(sql.at(-1).rps, 1)}/s`);
      }
      console.log(`round ${i}: ${line.join(', ')}`);
    }
    // Where the statements of one intake go: one request, then what it sets off in the app
    // (the scheduler's wake-up, the event sequencer).
    let apiTrace = null;
    if (RUN('api')) {
      const one = take(1)[0];
      const x0 = database.stats.transactions;
      apiTrace = await split.trace(async () => {
        await runLoad({ url, bodies: [bodyOf(one)], concurrency: 1, headers });
        await sleep(300);
      });
      apiTrace.transactions = database.stats.transactions - x0;
    }
    let floorTrace = null;
    if (RUN('floor')) {
      const one = take(1)[0];
      let statements = null;
      const inApp = await split.trace(async () => {
        statements = await floor.trace(() => runLoad({ url: floor.url, bodies: [bodyOf(one)], concurrency: 1, headers }));
        await sleep(300);
      });
      floorTrace = { statements, app: inApp };
    }
    // Throughput against the number of concurrent clients (scheduler on).
    const sweep = [];
    if (RUN('api'))
      for (const c of SWEEP) {
        const r = await measured(`sweep c=${c}`, database, () => apiRound(`sweep c=${c}`, c, SWEEP_REQUESTS));
        sweep.push(r);
        console.log(`  ${c} client(s): ${fmt(r.rps, 1)}/s, p50 ${fmt(r.latency.p50, 1)} ms, lock waiters ${r.locks ? fmt(r.locks.meanLockWaiters, 2) : '–'}`);
      }
    // The same mutation without the scheduler (SLA_SCHEDULER=off-like: wake() returns at once).
    let apiNoScheduler = null;
    if (RUN('api')) {
      await app.scheduler.stop();
      apiNoScheduler = await measured('api, scheduler stopped', database, () => apiRound('api, scheduler stopped'));
      console.log(`API with the scheduler stopped: ${fmt(apiNoScheduler.rps, 1)}/s`);
    }

    const pick = (rounds) => (rounds.length ? rounds.find((r) => r.rps === median(rounds.map((x) => x.rps))) : null);
    const A = pick(api);
    const F = pick(flo);
    const S = pick(sql);
    const res = {
      backgroundCpuBusy: background,
      machine: await machine(database),
      params: { REQUESTS, CONCURRENCY, WARMUP, ROUNDS, PRELOAD, KIND, ONLY: [...ONLY], selection: MUTATION },
      api,
      floor: flo,
      sql,
      apiNoScheduler,
      sweep,
      preload,
      floorCheck,
      median: { api: A, floor: F, sql: S, apiOverFloor: A && F ? A.rps / F.rps : null, sqlOverApi: A && S ? S.rps / A.rps : null },
      statementsOfOneCreate: apiTrace,
      statementsOfOneFloorIntake: floorTrace,
      totalSeconds: (Date.now() - started) / 1000,
    };
    const lines = [
      `| ${KIND}, ${CONCURRENCY} concurrent clients, ${REQUESTS} requests per round, median of ${ROUNDS} | complaints/s | latency p50 | latency p99 | statements per intake: the request's own + BEGIN/COMMIT | statements per intake in the app's background (SLA scheduler, event sequencer) | all drizzle-counted statements per intake (database.stats.queries; no BEGIN/COMMIT) | ≈ round trips per intake | server event loop busy | CPU: bench process / PostgreSQL / other work (of ${res.machine.nproc} CPUs) | backends active / waiting on a lock (mean) |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ];
    const apiRow = (label, r) =>
      `| ${label} | ${fmt(r.rps, 1)} | ${fmt(r.latency.p50, 1)} ms | ${fmt(r.latency.p99, 1)} ms | ${fmt(r.ownPerRequest, 2)} + ${fmt(r.transactionControlPerRequest, 2)} | ${fmt(r.backgroundPerRequest, 2)}${r.ticksPerRequest ? ` (${fmt(r.ticksPerRequest, 2)} scheduler ticks)` : ''} | ${fmt(r.queriesPerRequest, 2)} | ${fmt(r.roundTrips, 1)} | ${pct(r.serverEventLoopUtilization)} | ${cpuText(r.cpu)} | ${lockText(r.locks)} |`;
    if (A) lines.push(apiRow('API `createComplaint` (scheduler on)', A), apiRow('API `createComplaint` (scheduler stopped)', apiNoScheduler));
    if (F) {
      lines.push(
        `| hand-written floor (bench/intake-floor.mjs) | ${fmt(F.rps, 1)} | ${fmt(F.latency.p50, 1)} ms | ${fmt(F.latency.p99, 1)} ms | ${fmt(F.statementsPerRequest, 2)} + ${fmt(F.transactionControlPerRequest, 2)} | ${fmt(F.appBackgroundPerRequest, 2)} (the app's, for the floor's rows${F.appTicksPerRequest ? `; ${fmt(F.appTicksPerRequest, 2)} scheduler ticks` : ''}) | – | ${fmt(F.roundTripsPerRequest, 1)} | ${pct(F.serverEventLoopUtilization)} | ${cpuText(F.cpu)} | ${lockText(F.locks)} |`,
      );
    }
    if (S) lines.push(`| (reference) bare SQL \`INSERT INTO complaints\`: one row, no checks, counter, clocks, timeline, event or audit | ${fmt(S.rps, 1)} | ${fmt(S.latency.p50, 2)} ms | ${fmt(S.latency.p99, 2)} ms | 1 + 0 | – | – | 1 | – | ${cpuText(S.cpu)} | – |`);
    if (A && F) {
      lines.push(
        `| **ratio API ÷ floor (scheduler on; target ≥ 0.5×)** | **${fmt(A.rps / F.rps, 2)}×** | ${fmt(A.latency.p50 / F.latency.p50, 1)}× | ${fmt(A.latency.p99 / F.latency.p99, 1)}× | ${fmt((A.ownPerRequest + A.transactionControlPerRequest) / (F.statementsPerRequest + F.transactionControlPerRequest), 2)}× | | | | | | |`,
      );
    }
    if (sweep.length) lines.push('', '| concurrent clients (API) | complaints/s | latency p50 | latency p99 | mean backends active / waiting on a lock |', '|---:|---:|---:|---:|---:|');
    for (const r of sweep) lines.push(`| ${r.concurrency} | ${fmt(r.rps, 1)} | ${fmt(r.latency.p50, 1)} ms | ${fmt(r.latency.p99, 1)} ms | ${r.locks ? `${fmt(r.locks.meanActive, 2)} / ${fmt(r.locks.meanLockWaiters, 2)}` : '–'} |`);
    res.table = lines.join('\n');
    console.log('\n' + res.table);
    console.log('\nrounds: ' + [...api, ...flo, ...sql, ...(apiNoScheduler ? [apiNoScheduler] : [])].map((r) => `${r.label} ${fmt(r.rps, 1)}/s (other work ${r.cpu ? pct(r.cpu.other) : '?'}${r.attempts > 1 ? `, attempt ${r.attempts}` : ''}${r.disturbed ? ', DISTURBED' : ''})`).join(', '));
    for (const [name, R] of [['API', A], ['floor', F]]) {
      const lockStatements = Object.entries(R?.locks?.lockWaitsByStatement ?? {}).sort((x, y) => y[1] - x[1]).slice(0, 5);
      if (!lockStatements.length) continue;
      console.log(`\nstatements the ${name}'s backends were waiting in for a lock (samples, median round, ${JSON.stringify(R.locks.lockWaitsByEvent)}):`);
      for (const [text, n] of lockStatements) console.log(`  ${n}× ${text}`);
    }
    const oneLine = (x) => x.replace(/\s+/g, ' ').trim().slice(0, 150);
    if (apiTrace) {
      console.log(
        `\nstatements of one createComplaint: ${apiTrace.own} of its own${apiTrace.transactions ? ` + BEGIN/COMMIT × ${apiTrace.transactions}` : ', no transaction'}, ${apiTrace.background} in the background it set off:`,
      );
      for (const x of apiTrace.seen) console.log(`  ${x.own ? 'own       ' : 'background'} ${oneLine(x.text)}`);
    }
    if (floorTrace) {
      console.log(`\nstatements of one floor intake (${floorTrace.statements.length}, no transaction):`);
      for (const x of floorTrace.statements) console.log('  ' + oneLine(x));
      console.log(`and in the app's background, for its rows (${floorTrace.app.background}):`);
      for (const x of floorTrace.app.seen) console.log(`  ${x.own ? 'own       ' : 'background'} ${oneLine(x.text)}`);
    }
    console.log(`\nresults: ${saveResult(`complaints-create-${KIND}`, res)} (${fmt(res.totalSeconds, 0)} s)`);
  } finally {
    await app?.close().catch(() => {});
    await floor?.close().catch(() => {});
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
