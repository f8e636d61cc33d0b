// The floor of bench/complaints-create.mjs: complaint intake written by hand. A plain node:http
// server answers POST /graphql with the createComplaint document bench/complaints-create.mjs
// sends our API (same bodies, global IDs in `variables.input`) and the same JSON
// ({"data":{"createComplaint":{"complaint":{"id","number","status","nextDueAt"}}}}), and does
// by hand what ComplaintService.create does (src/modules/complaints/complaint.service.ts, with
// SlaEngine.start/finish, emit and recordAudit): the same checks and the same rows, clocks,
// timeline, domain event, audit entry and yearly number. No GraphQL, no drizzle, no loaders.
//
// What is reused from the app (dist/): the bearer-token verification (auth/token.js
// verifyToken, the same jose HS256 check per request), global-ID decoding, the clock arithmetic
// (sla/clock.js deadlines/targetMsOf, sla/duration.js parseSlaDuration, sla/alerts.js
// nextCheckOf) and the business calendar, loaded once at start with the app's own loader
// (sla/store.js CalendarStore, as ctx.sla.calendars.get(db) does; the app reloads it every
// 60 s, the floor never).
//
// Statements of one intake (PostgreSQL: postgres.js named prepared statements; PGlite:
// database.pglite.query), each one round trip, no transaction (as the app since 2026-12-01):
//   1. SELECT: the customer (exists; NORMAL confidentiality unless ADMIN/MANAGER), linked to the
//      project (origin project or a holding there; else whether the project exists), the unit
//      held by the customer in that project, and the active SLA policy chosen as choosePolicy
//      chooses it (most specific, then priority, then latest saved).
//   2. The reservation: the next number of the receipt year from its counter row (INSERT … ON
//      CONFLICT DO UPDATE in a CTE: the row is locked only while this statement runs, as in the
//      app), the complaint's id from its sequence, and the complaint it repeats (latest complaint
//      of the same customer, unit and category in the 30 days before, not REJECTED).
//   3. One statement, which commits whole: INSERT complaints (next_due_at computed in
//      JavaScript: the earliest due of the clocks started, all running at intake) as a CTE,
//      and as CTEs that follow it: the timeline (RECEIVED, REPEAT_FLAGGED when a repeat, one
//      CLOCK_STARTED per clock), the clocks (selected from the complaint's CTE, so that they are
//      inserted after it, as its fact row needs), the domain event (ComplaintCreated) and the
//      audit entry.
// The SLA scheduler is not woken (the app's ctx.sla.wake(): a NOTIFY and a re-plan): nothing of
// a fresh intake is due within minutes. Only whole-group tokens (no `scope` claim) are served;
// idempotencyKey is refused.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { dist } from './lib.mjs';

/** The document bench/complaints-create.mjs sends to our API and to this floor. */
export const CREATE_COMPLAINT = 'mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id number status nextDueAt } } }';

const { verifyToken, bearerToken } = await dist('auth/token.js');
const { parseId, toGlobalId } = await dist('graphql/global-id.js');
const { CalendarStore } = await dist('sla/store.js');
const { deadlines, targetMsOf } = await dist('sla/clock.js');
const { parseSlaDuration } = await dist('sla/duration.js');
const { nextCheckOf } = await dist('sla/alerts.js');
const { COMPLAINT_KINDS, COMPLAINT_CATEGORIES, DEFECT_LOCATIONS, SEVERITIES, MAJOR_REASONS, CHANNELS } = await dist('domain/enums.js');

const DESK = ['ADMIN', 'MANAGER', 'AGENT']; // COMPLAINT_DESK
const SEES_CONFIDENTIAL = ['ADMIN', 'MANAGER'];
const REPEAT_WINDOW_MS = 30 * 86_400_000; // REPEAT_WINDOW_DAYS
const CLOCK_SKEW_MS = 5 * 60_000;
const CLOCKS_AT_INTAKE = ['ACCEPTANCE', 'RESOLUTION', 'ESCALATION_REPORT', 'REPAIR_VISIT']; // CLOCK_EFFECTS.create.start + the two conditional ones
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
const PREPARED = { prepare: true, simple: false };

const VALIDATE = `
  select v.*, v.linked or exists (select 1 from projects where id = $2) as project_exists
  from (
    select c.confidentiality,
           c.origin_project_id = $2 or exists (select 1 from unit_ownerships o where o.customer_id = c.id and o.project_id = $2) as linked,
           $3::bigint is null or exists (select 1 from unit_ownerships o where o.customer_id = c.id and o.unit_id = $3 and o.project_id = $2) as holds_unit,
           p.id as policy_id, p.name as policy_name, p.clocks as policy_clocks
    from customers c
    left join lateral (
      select id, name, clocks from sla_policies
      where active
        and (kinds = '[]'::jsonb or kinds @> jsonb_build_array($4::text))
        and (categories = '[]'::jsonb or categories @> jsonb_build_array($5::text))
        and (severities = '[]'::jsonb or severities @> jsonb_build_array($6::text))
      order by (kinds <> '[]'::jsonb)::int + (categories <> '[]'::jsonb)::int + (severities <> '[]'::jsonb)::int desc, priority desc, updated_at desc
      limit 1) p on true
    where c.id = $1) v`;

// $1 year, $2 'TS-<year>-', $3 customer, $4 category, $5 repeat window start, $6 received at, [$7 unit]; the repeat check as the app writes it (unit null: `unit_id is null`).
const reserve = (withUnit) => `
  with n as (
    insert into complaint_number_counters (year, last) values ($1, 1)
    on conflict (year) do update set last = complaint_number_counters.last + 1
    returning last
  )
  select $2::text || lpad(last::text, greatest(6, length(last::text)), '0') as number,
         nextval('complaints_id_seq') as id,
         (select id from complaints
          where customer_id = $3 and ${withUnit ? 'unit_id = $7' : 'unit_id is null'} and category = $4 and status <> 'REJECTED'
            and received_at >= $5::timestamptz and received_at < $6::timestamptz
          order by received_at desc limit 1) as repeat_of_id
  from n`;
const RESERVE = { true: reserve(true), false: reserve(false) };

/** Multi-row INSERT texts by row count (a handful of variants, each prepared once per connection). */
const byCount = (build) => {
  const cache = new Map();
  return (n) => cache.get(n) ?? cache.set(n, build(n)).get(n);
};
// The intake's one statement, by the number of timeline entries and clocks.
// $1 id, $2 number, $3 customer, $4 project, $5 unit, $6 kind, $7 category, $8 defect location, $9 channel, $10 description,
// $11 attachments, $12 severity, $13 major reason, $14 actor (first responder), $15 policy, $16 SLA targets, $17 next due,
// $18 received at, $19 escalated at, $20 repair appointment, $21 repeat of, $22 actor role, $23 subject global ID, $24 request id;
// then per entry: type, to_status, actor_id, data; then per clock: clock, target, target_ms, working_time, warn_at,
// started_at (= running_since), due_at, warn_due_at, next_check_at.
const INTAKE_FIXED = 24;
const intake = byCount((key) => {
  const [n, m] = key.split(':').map(Number);
  const entries = Array.from({ length: n }, (_, i) => {
    const p = INTAKE_FIXED + 1 + i * 4;
    return `($1, $${p}, $${p + 1}, $${p + 2}, $${p + 3}::jsonb, $18::timestamptz)`;
  }).join(', ');
  const clocks = Array.from({ length: m }, (_, i) => {
    const p = INTAKE_FIXED + 1 + n * 4 + i * 9;
    return `($${p}, $${p + 1}, $${p + 2}::bigint, $${p + 3}::boolean, $${p + 4}::real, $${p + 5}::timestamptz, $${p + 6}::timestamptz, $${p + 7}::timestamptz, $${p + 8}::timestamptz)`;
  }).join(', ');
  return `
  with c as (
    insert into complaints (id, number, customer_id, project_id, unit_id, kind, category, defect_location, channel, description, attachments,
                            severity, major_reason, first_responder_id, sla_policy_id, sla_targets, next_due_at, received_at, escalated_at,
                            repair_appointment_at, repeat_of_id)
    overriding system value
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16::jsonb, $17::timestamptz, $18::timestamptz, $19::timestamptz,
            $20::timestamptz, $21)
    returning id, number, status, kind, category, severity, project_id
  ), t as (
    insert into complaint_events (complaint_id, type, to_status, actor_id, data, at) values ${entries}
  )${
    m
      ? `, k as (
    insert into sla_clocks (complaint_id, clock, cycle, state, target, target_ms, working_time, warn_at, started_at, running_since, due_at, warn_due_at, next_check_at)
    select c.id, v.clock, 0, 'RUNNING', v.target, v.target_ms, v.working_time, v.warn_at, v.started_at, v.started_at, v.due_at, v.warn_due_at, v.next_check_at
    from c, (values ${clocks}) v(clock, target, target_ms, working_time, warn_at, started_at, due_at, warn_due_at, next_check_at)
  )`
      : ''
  }, e as (
    insert into domain_events (type, aggregate_type, aggregate_id, project_id, payload)
    select 'ComplaintCreated', 'Complaint', id, project_id,
           jsonb_build_object('number', number, 'status', status, 'kind', kind, 'category', category, 'severity', severity)
    from c
  ), a as (
    insert into audit_log (actor_id, actor_role, action, subject_id, project_id, changes, request_id)
    select $14, $22, 'createComplaint', $23, project_id, jsonb_build_object('number', number, 'kind', kind, 'category', category, 'severity', severity), $24
    from c
  )
  select number, status from c`;
});

class InputError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const bad = (field, message) => new InputError('BAD_USER_INPUT', `${field}: ${message}`);
const oneOf = (list, v, field, optional = false) => {
  if (optional && (v === undefined || v === null)) return null;
  if (!list.includes(v)) throw bad(field, `must be one of ${list.join(', ')}`);
  return v;
};
const dateOf = (v, field) => {
  if (v === undefined || v === null) return null;
  const d = new Date(v);
  if (typeof v !== 'string' || Number.isNaN(d.getTime())) throw bad(field, 'must be a DateTime');
  return d;
};
const idOf = (gid, type, field) => {
  try {
    return parseId(gid, type, field);
  } catch (e) {
    throw new InputError(e.extensions?.code ?? 'BAD_USER_INPUT', e.message);
  }
};

/** The input as the app's createSchema leaves it (the cheap part of its checks). */
function inputOf(raw, now) {
  if (!raw || typeof raw !== 'object') throw bad('input', 'is required');
  if (raw.idempotencyKey) throw bad('input.idempotencyKey', 'is not supported by the floor');
  const description = typeof raw.description === 'string' ? raw.description.normalize('NFC').trim() : '';
  if (!description || description.length > 4000 || BIDI.test(description)) throw bad('input.description', 'must be 1–4000 characters without bidi controls');
  const attachments = raw.attachments ?? [];
  if (!Array.isArray(attachments) || attachments.length > 20 || attachments.some((u) => typeof u !== 'string' || u.length > 1000 || !/^https?:\/\//.test(u))) {
    throw bad('input.attachments', 'at most 20 http(s) URLs');
  }
  const x = {
    customerId: idOf(raw.customerId, 'Customer', 'input.customerId'),
    projectId: idOf(raw.projectId, 'Project', 'input.projectId'),
    unitId: raw.unitId ? idOf(raw.unitId, 'Unit', 'input.unitId') : null,
    kind: oneOf(COMPLAINT_KINDS, raw.kind, 'input.kind'),
    category: oneOf(COMPLAINT_CATEGORIES, raw.category, 'input.category'),
    defectLocation: oneOf(DEFECT_LOCATIONS, raw.defectLocation, 'input.defectLocation', true),
    severity: oneOf(SEVERITIES, raw.severity ?? 'NORMAL', 'input.severity'),
    majorReason: oneOf(MAJOR_REASONS, raw.majorReason, 'input.majorReason', true),
    channel: oneOf(CHANNELS, raw.channel, 'input.channel'),
    description,
    attachments,
    repairAppointmentAt: dateOf(raw.repairAppointmentAt, 'input.repairAppointmentAt'),
    receivedAt: dateOf(raw.receivedAt, 'input.receivedAt') ?? now,
  };
  if (x.severity === 'MAJOR' && !x.majorReason) throw bad('input.majorReason', 'is required for a MAJOR complaint');
  if (x.receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw bad('input.receivedAt', 'must not be in the future');
  if (x.repairAppointmentAt && x.repairAppointmentAt.getTime() < now.getTime() - CLOCK_SKEW_MS) throw bad('input.repairAppointmentAt', 'must not be in the past');
  return x;
}

/** The clocks SlaEngine.start opens at intake (none ran before, none paused), computed with the app's functions. */
function clocksOf(x, targets, cal) {
  const out = [];
  for (const clock of CLOCKS_AT_INTAKE) {
    const t = targets.find((c) => c.clock === clock);
    if (!t) continue;
    if (clock === 'ESCALATION_REPORT' && x.severity !== 'MAJOR') continue;
    if (clock === 'REPAIR_VISIT' && !x.repairAppointmentAt) continue;
    const begin = clock === 'REPAIR_VISIT' && x.repairAppointmentAt > x.receivedAt ? x.repairAppointmentAt : x.receivedAt;
    const targetMs = targetMsOf(parseSlaDuration(t.target), t.workingTime, cal);
    const { dueAt, warnAt } = deadlines({ targetMs, workingTime: t.workingTime, warnAt: t.warnAt }, { consumedMs: 0, runningSince: begin }, cal);
    const nextCheckAt = nextCheckOf({ warnedAt: null, breachedAt: null, warnDueAt: warnAt, dueAt });
    out.push({ clock, target: t.target, targetMs, workingTime: t.workingTime, warnAt: t.warnAt, begin, dueAt, warnDueAt: warnAt, nextCheckAt });
  }
  return out;
}

const iso = (d) => (d ? d.toISOString() : null);
const yearFormats = new Map();
const yearOf = (at, timeZone) => {
  let f = yearFormats.get(timeZone);
  if (!f) yearFormats.set(timeZone, (f = new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' })));
  return Number(f.format(at));
};

/**
 * Statement counting around the driver: every statement sent (`statements`; the floor begins
 * no transaction, so `transactionControl` stays 0), and the waits for the database (`roundTrips`).
 */
function countedDriver(database, url, poolSize, stats, trace) {
  const note = (text) => {
    stats.statements++;
    if (trace.on) trace.seen.push(text);
  };
  if (database.kind === 'pglite') {
    const pg = database.pglite;
    return {
      query: async (text, params) => {
        note(text);
        return (await pg.query(text, params)).rows;
      },
      end: async () => {},
    };
  }
  const sql = postgres(url, { max: poolSize, onnotice: () => {}, connection: { application_name: 'cx-bench-intake-floor' } });
  return {
    query: (text, params) => {
      note(text);
      return sql.unsafe(text, params, PREPARED);
    },
    end: () => sql.end({ timeout: 5 }),
  };
}

/**
 * Starts the floor on 127.0.0.1 (a free port). `database` is the bench's (openMigrated): on
 * PGlite the floor shares its instance; on PostgreSQL it opens its own postgres.js pool of
 * `poolSize` connections to `url` (the app's DATABASE_POOL_SIZE default is 10). `config` is
 * the app's loaded configuration (token secret, business time zone, working hours).
 * Returns { url, stats, resetStats(), trace(fn), close() }.
 */
export async function startIntakeFloor({ database, config, url = null, poolSize = 10 }) {
  const cal = await new CalendarStore({ timeZone: config.businessTimeZone, hours: config.workingHours }).get(database.db);
  const stats = { requests: 0, intakes: 0, failed: 0, statements: 0, transactionControl: 0, roundTrips: 0 };
  const trace = { on: false, seen: [] };
  const db = countedDriver(database, url, poolSize, stats, trace);

  async function createComplaint(viewer, raw) {
    if (!DESK.includes(viewer.role)) throw new InputError('FORBIDDEN', `Role ${viewer.role} may not receive complaints`);
    if (viewer.scope !== null) throw new InputError('FORBIDDEN', 'the floor serves whole-group tokens only');
    const now = new Date();
    const x = inputOf(raw, now);
    stats.roundTrips++;
    const [v] = await db.query(VALIDATE, [x.customerId, x.projectId, x.unitId, x.kind, x.category, x.severity]);
    if (!v || (v.confidentiality !== 'NORMAL' && !SEES_CONFIDENTIAL.includes(viewer.role))) throw new InputError('NOT_FOUND', `Customer ${raw.customerId} not found`);
    if (!v.project_exists) throw new InputError('NOT_FOUND', `Project ${raw.projectId} not found`);
    if (!v.linked) throw bad('input.projectId', 'the customer is not linked to this project (neither came in through it nor holds a unit there)');
    if (!v.holds_unit) throw bad('input.unitId', 'the customer does not hold this unit in the given project');
    const targets = v.policy_clocks ?? [];
    const clocks = clocksOf(x, targets, cal);
    const dues = clocks.map((c) => c.dueAt.getTime());
    const nextDueAt = dues.length ? new Date(Math.min(...dues)) : null;
    const at = x.receivedAt.toISOString();
    const year = yearOf(x.receivedAt, config.businessTimeZone);
    const requestId = randomUUID();
    stats.roundTrips++;
    const [r] = await db.query(RESERVE[x.unitId !== null], [
      year, `TS-${year}-`, x.customerId, x.category, new Date(x.receivedAt.getTime() - REPEAT_WINDOW_MS).toISOString(), at, ...(x.unitId !== null ? [x.unitId] : []),
    ]);
    const id = Number(r.id);
    const repeatOf = r.repeat_of_id === null ? null : Number(r.repeat_of_id);
    const events = [['RECEIVED', 'RECEIVED', viewer.id, JSON.stringify({ channel: x.channel, severity: x.severity, policy: v.policy_name ?? null })]];
    if (repeatOf !== null) events.push(['REPEAT_FLAGGED', null, null, JSON.stringify({ repeatOf: toGlobalId('Complaint', repeatOf) })]);
    for (const k of clocks) events.push(['CLOCK_STARTED', null, viewer.id, JSON.stringify({ clock: k.clock, cycle: 0, target: k.target, workingTime: k.workingTime })]);
    stats.roundTrips++;
    const [n] = await db.query(intake(`${events.length}:${clocks.length}`), [
      id, r.number, x.customerId, x.projectId, x.unitId, x.kind, x.category, x.defectLocation, x.channel, x.description,
      JSON.stringify(x.attachments), x.severity, x.majorReason, viewer.id, v.policy_id, JSON.stringify(targets), iso(nextDueAt),
      at, x.severity === 'MAJOR' ? at : null, iso(x.repairAppointmentAt), repeatOf, viewer.role, toGlobalId('Complaint', id), requestId,
      ...events.flat(),
      ...clocks.flatMap((k) => [k.clock, k.target, k.targetMs, k.workingTime, k.warnAt, iso(k.begin), iso(k.dueAt), iso(k.warnDueAt), iso(k.nextCheckAt)]),
    ]);
    return { id: toGlobalId('Complaint', id), number: n.number, status: n.status, nextDueAt: iso(nextDueAt) };
  }

  const send = (res, status, text) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const errorText = (code, message) => JSON.stringify({ errors: [{ message, extensions: { code } }], data: null });
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, errorText('NOT_FOUND', 'POST /graphql only'));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      stats.requests++;
      try {
        let viewer;
        try {
          const token = bearerToken(req.headers.authorization);
          if (!token) throw new Error('no token');
          viewer = await verifyToken(config, token);
        } catch (e) {
          return send(res, 401, errorText('UNAUTHENTICATED', String(e?.message ?? e)));
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (body.query !== CREATE_COMPLAINT) return send(res, 400, errorText('BAD_REQUEST', 'the floor answers the createComplaint document of bench/complaints-create.mjs only'));
        const complaint = await createComplaint(viewer, body.variables?.input);
        stats.intakes++;
        send(res, 200, JSON.stringify({ data: { createComplaint: { complaint } } }) + '\n'); // Apollo ends its JSON with a newline
      } catch (e) {
        stats.failed++;
        if (e instanceof InputError) send(res, 200, errorText(e.code, e.message));
        else send(res, 500, errorText('INTERNAL_SERVER_ERROR', String(e?.message ?? e)));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/graphql`,
    stats,
    resetStats() {
      for (const k of Object.keys(stats)) stats[k] = 0;
    },
    /** Runs `fn` and returns the statement texts the floor sent meanwhile. */
    async trace(fn) {
      trace.on = true;
      trace.seen = [];
      try {
        await fn();
      } finally {
        trace.on = false;
      }
      return trace.seen;
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      await db.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Equivalence: the rows one intake writes, through the API and through the floor.

const ID_KEYS = { customer_id: 'customer', project_id: 'project', unit_id: 'unit', complaint_id: 'complaint', aggregate_id: 'complaint', repeat_of_id: 'complaint' };
const DROPPED = new Set(['id', 'seq', 'request_id', 'created_at', 'updated_at']);
const isTimeKey = (k) => k === 'at' || k.endsWith('_at') || k === 'running_since';

/**
 * Everything the intakes of `complaintIds` wrote (complaints, complaint_events, sla_clocks,
 * sla_alerts, domain_events, audit_log), each table in id order. `query(text, params)` returns rows.
 */
export async function rowsOf(query, complaintIds) {
  const ids = complaintIds.map(String);
  const list = `(${ids.map((_, i) => `$${i + 1}`).join(', ')})`;
  const cast = ids.map((x) => Number(x));
  const gids = cast.map((x) => toGlobalId('Complaint', x));
  return {
    complaints: await query(`select * from complaints where id in ${list} order by id`, cast),
    complaint_events: await query(`select * from complaint_events where complaint_id in ${list} order by id`, cast),
    sla_clocks: await query(`select * from sla_clocks where complaint_id in ${list} order by id`, cast),
    sla_alerts: await query(`select * from sla_alerts where complaint_id in ${list} order by id`, cast),
    domain_events: await query(`select * from domain_events where aggregate_type = 'Complaint' and aggregate_id in ${list} order by id`, cast),
    audit_log: await query(`select * from audit_log where subject_id in (${gids.map((_, i) => `$${i + 1}`).join(', ')}) order by id`, gids),
  };
}

/**
 * The rows with what must differ between two equivalent intakes replaced by symbols: ids and
 * the customer, project and unit by order of first appearance (`complaint#1` …), numbers by
 * `TS-YYYY-######/number#k` (year and width kept), complaint global IDs by the complaint's symbol; ids, seq, request ids,
 * created_at/updated_at and the `at` of domain events and audit entries dropped. With
 * `exactTimes` false every other timestamp becomes `<time>` too (intakes received at `now`).
 */
export function normalise(rows, { exactTimes }) {
  const symbols = new Map();
  const sym = (kind, v) => {
    if (v === null || v === undefined) return null;
    const key = `${kind}:${v}`;
    if (!symbols.has(key)) symbols.set(key, `${kind}#${[...symbols.keys()].filter((k) => k.startsWith(kind + ':')).length + 1}`);
    return symbols.get(key);
  };
  for (const c of rows.complaints) sym('complaint', c.id);
  // TS-2026-000042 → TS-2026-######/number#1: the year and the width are compared, the sequence is not.
  const numbers = new Map(rows.complaints.map((c) => [c.number, `${c.number.replace(/\d+$/, (d) => '#'.repeat(d.length))}/${sym('number', c.number)}`]));
  const gids = new Map(rows.complaints.map((c) => [toGlobalId('Complaint', Number(c.id)), sym('complaint', c.id)]));
  const value = (v) => {
    // jsonb may come back as text (the app's postgres.js client leaves some types unparsed)
    if (typeof v === 'string' && /^[[{]/.test(v)) {
      try {
        return value(JSON.parse(v));
      } catch {}
    }
    if (typeof v === 'string' && gids.has(v)) return gids.get(v);
    if (typeof v === 'string' && numbers.has(v)) return numbers.get(v);
    if (Array.isArray(v)) return v.map(value);
    if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]));
    return v instanceof Date ? v.toISOString() : v;
  };
  const out = {};
  for (const [table, list] of Object.entries(rows)) {
    out[table] = list.map((r) => {
      const o = {};
      for (const [k, v] of Object.entries(r)) {
        if (DROPPED.has(k)) continue;
        if ((table === 'domain_events' || table === 'audit_log') && k === 'at') continue;
        if (ID_KEYS[k]) o[k] = sym(ID_KEYS[k], v);
        else if (isTimeKey(k) && v !== null) o[k] = exactTimes ? new Date(v).toISOString() : '<time>';
        else if (k === 'subject_id') o[k] = value(v);
        else o[k] = value(typeof v === 'bigint' ? Number(v) : v);
        // bigints may come back as text (postgres.js) or numbers (PGlite)
        if (typeof o[k] === 'string' && /^-?\d+$/.test(o[k]) && (k === 'target_ms' || k === 'consumed_ms' || k === 'sla_policy_id')) o[k] = Number(o[k]);
      }
      return o;
    });
  }
  return out;
}

/** Differences between two normalised row sets, as readable lines (empty when equal). */
export function differences(a, b, labels = ['api', 'floor']) {
  const lines = [];
  for (const table of Object.keys(a)) {
    const x = a[table];
    const y = b[table] ?? [];
    if (x.length !== y.length) lines.push(`${table}: ${x.length} rows (${labels[0]}) vs ${y.length} rows (${labels[1]})`);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const r = x[i] ?? {};
      const s = y[i] ?? {};
      for (const k of new Set([...Object.keys(r), ...Object.keys(s)])) {
        const u = JSON.stringify(canonical(r[k]));
        const w = JSON.stringify(canonical(s[k]));
        if (u !== w) lines.push(`${table}[${i}].${k}: ${labels[0]} ${u} ≠ ${labels[1]} ${w}`);
      }
    }
  }
  return lines;
}

/** JSON values with object keys sorted (jsonb does not keep key order). */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
