// Bulk seeder: N open complaints (status RECEIVED) with RUNNING ACCEPTANCE and RESOLUTION
// clocks, plus the regions, city companies, projects, customers, units and ownerships they
// need — all with INSERT … SELECT FROM generate_series (no row goes through Node).
//
//   node bench/bulk-seed.mjs [--n 500000] [--customers 50000] [--projects 20] [--keep]
//   node bench/bulk-seed.mjs --url postgres://…/existing_db     (seeds into a migrated or empty db)
//
// Without --url it creates cx_bench_seed_<random> on BENCH_DATABASE_URL's server, migrates
// it, seeds it, prints the timings and drops it again (unless --keep / BENCH_KEEP_DB=1).
//
// The shape of the data (see BENCHMARKS.md):
// - receipt times are spread uniformly over the last `maxAgeHours` (default 130 h ≈ 5.4 days);
// - RESOLUTION (P7D, calendar time): warn at +134.4 h, due at +168 h → all still pending;
// - ACCEPTANCE (P1D, working time; approximated here as +19.2 h warn / +24 h due in calendar
//   time, weekends ignored): pending for complaints younger than 24 h, already warned and
//   breached (with their sla_alerts rows) for the older ones, which is what a scheduler that
//   kept up would have left behind;
// - nothing falls due in the first `quietMinutes` (default 120) after the seed, so a
//   benchmark sees an idle scheduler until it makes clocks due on purpose; afterwards about
//   one clock per second falls due on average (~590k pending moments over ~5.5 days).
import postgres from 'postgres';
import { pathToFileURL } from 'node:url';
import { args, createDatabase, dist, fmt, intArg, machine, nowMs, openMigrated } from './lib.mjs';

const H = 3_600_000;

/** Runs one statement on the seeding connection (PGlite or a single postgres.js connection). */
function runner(conn) {
  if (conn.pglite) return async (text, params = []) => (await conn.pglite.query(text, params)).rows;
  return async (text, params = []) => conn.sql.unsafe(text, params);
}

/**
 * Regions, city companies, `projects` projects and `customers` customers, each customer with one
 * unit (in its origin project) and its ownership (signed and delivered). Rows carry `tag` in their
 * codes so several seeds can share a database. Returns the customers as (k, customerId,
 * projectId, unitId) when `list` is set (complaint-creation benchmark), else just counts.
 */
export async function seedOrg(conn, { tag, projects = 20, customers = 50_000, list = false }) {
  const run = runner(conn);
  const t0 = nowMs();
  const [region] = await run(`insert into regions (code, name) values ($1, $2) returning id`, [`BR-${tag}`, `基准区域 ${tag}`]);
  await run(
    `insert into city_companies (code, name, city, region_id)
     select 'BC-' || $1 || '-' || i, (array['深圳','广州','上海','成都'])[i] || '公司 ' || $1, (array['深圳','广州','上海','成都'])[i], $2::bigint
     from generate_series(1, 4) i`,
    [tag, region.id],
  );
  await run(
    `insert into projects (code, name, city, city_company_id, stage, total_units, actual_delivery_on)
     select 'BP-' || $1 || '-' || i, '基准项目' || i || ' ' || $1, cc.city, cc.id,
            (array['DELIVERY','WARRANTY','RESIDENCE'])[1 + i % 3], 2000, date '2025-06-30' - i
     from generate_series(1, $2::int) i
     join (select id, city, row_number() over (order by id) - 1 as n from city_companies where code like 'BC-' || $1 || '-%') cc on cc.n = i % 4`,
    [tag, projects],
  );
  await run(
    `insert into customers (name, phone, gender, customer_class, origin_project_id, member_no, created_by)
     select '业主' || k, '13' || lpad(k::text, 9, '0'), (array['MALE','FEMALE','UNKNOWN'])[1 + k % 3], (array['A','B','C','D'])[1 + k % 4],
            p.ids[1 + k % $3::int], 'BN' || $1 || '-' || k, 'bench'
     from generate_series(1, $2::int) k,
          (select array_agg(id order by id) ids from projects where code like 'BP-' || $1 || '-%') p`,
    [tag, customers, projects],
  );
  await run(
    `insert into units (project_id, building, unit_no, room)
     select c.origin_project_id, 'BN' || $1 || '-' || (k % 30 + 1) || '栋', '1单元', k::text
     from customers c, lateral (select substr(c.member_no, length('BN' || $1 || '-') + 1)::int as k) x
     where c.member_no like 'BN' || $1 || '-%'`,
    [tag],
  );
  await run(
    `insert into unit_ownerships (customer_id, unit_id, project_id, signed_at, delivered_at)
     select c.id, u.id, u.project_id, timestamptz '2024-03-01 10:00+08' + (c.id % 300) * interval '1 day', timestamptz '2025-07-01 10:00+08' + (c.id % 200) * interval '1 day'
     from customers c
     join units u on u.project_id = c.origin_project_id and u.room = substr(c.member_no, length('BN' || $1 || '-') + 1) and u.building like 'BN' || $1 || '-%'
     where c.member_no like 'BN' || $1 || '-%'`,
    [tag],
  );
  // Statistics, as a database in use has them: without them the planner guesses, and the plan a
  // prepared statement keeps may scan a table where an index serves.
  for (const table of ['customers', 'units', 'unit_ownerships', 'projects', 'city_companies']) await run(`analyze ${table}`);
  const ms = nowMs() - t0;
  if (!list) return { ms, projects, customers };
  const rows = await run(
    `select substr(c.member_no, length('BN' || $1 || '-') + 1)::int as k, c.id as customer_id, c.origin_project_id as project_id, o.unit_id
     from customers c join unit_ownerships o on o.customer_id = c.id
     where c.member_no like 'BN' || $1 || '-%' order by 1`,
    [tag],
  );
  return { ms, projects, customers, list: rows.map((r) => ({ k: Number(r.k), customerId: Number(r.customer_id), projectId: Number(r.project_id), unitId: Number(r.unit_id) })) };
}

/**
 * `n` open complaints over the customers of `seedOrg(tag)` with their clocks (and the alerts of
 * the moments already past). `now` is the reference instant; nothing is pending before
 * `now + quietMinutes`.
 *
 * Complaints are spread evenly over the customers (about n / customers each), except that with
 * `repeaters: { customers: H, each: P }` the first H × P complaints go to the first H customers,
 * P each (a customer-360 view needs customers with a history). Returns `idAfter`: the complaints
 * of this call are those with a larger id (for seedLifecycle).
 */
export async function seedComplaints(conn, { tag, n, now = new Date(), quietMinutes = 120, maxAgeHours = 130, alerts = true, repeaters = null }) {
  if (quietMinutes > 144) throw new Error('quietMinutes must be ≤ 144 (the forbidden windows must not overlap)');
  const run = runner(conn);
  const times = {};
  const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(now));
  const [{ base }] = await run(`select coalesce((select last from complaint_number_counters where year = $1), 0) as base`, [year]);
  const [{ maxc }] = await run(`select coalesce(max(id), 0) as maxc from complaints`);
  const [{ maxk }] = await run(`select coalesce(max(id), 0) as maxk from sla_clocks`);
  const [{ nc }] = await run(`select count(*)::int as nc from customers where member_no like 'BN' || $1 || '-%'`, [tag]);
  if (!nc) throw new Error(`no customers of seed ${tag}: run seedOrg first`);
  const quietMs = quietMinutes * 60_000;
  const nowIso = now.toISOString();

  let t = nowMs();
  // Age in ms: a multiplicative hash of g spread over [0, maxAge), moved out of the windows in
  // which an ACCEPTANCE moment (warn +19.2 h, due +24 h) would fall within the quiet period.
  await run(
    `insert into complaints (number, customer_id, project_id, unit_id, kind, category, defect_location, channel, description,
                             severity, status, first_responder_id, sla_policy_id, sla_targets, received_at, next_due_at, created_at, updated_at)
     select 'TS-' || $1::int || '-' || lpad(($2::bigint + g)::text, greatest(6, length(($2::bigint + g)::text)), '0'),
            cu.customer_id, cu.project_id, cu.unit_id, x.kind,
            (array['ENGINEERING_QUALITY','SERVICE_ATTITUDE','SALES_PROMISE','DESIGN','PROPERTY_MANAGEMENT','OTHER'])[1 + (g / 4) % 6],
            case when x.kind = 'REPAIR' then (array['WALL_BEAM','WINDOW_DOOR','WATERPROOFING','PLUMBING','ELECTRICAL','FIXTURES'])[1 + (g / 3) % 6] end,
            (array['HOTLINE_400','WECHAT','PHONE','VISIT','ONSITE','EMAIL'])[1 + (g / 7) % 6],
            '基准投诉 #' || g || ' — 卫生间漏水，楼下天花板渗水 (bench)',
            'NORMAL', 'RECEIVED', 'agent.bench.' || (g % 40), pol.id, pol.clocks,
            r.received_at, r.received_at + interval '24 hours', r.received_at, r.received_at
     from generate_series(1, $3::int) g
     cross join lateral (select (array['COMPLAINT','REPAIR','REPAIR','INQUIRY'])[1 + g % 4] as kind,
                                ((g::bigint * 2654435761) % 4294967296)::float8 / 4294967296 * $4::float8 as a) x
     cross join lateral (select x.a + $5::float8 * ((x.a > 19.2 * ${H} - $5::float8 and x.a <= 19.2 * ${H}) or (x.a > 24 * ${H} - $5::float8 and x.a <= 24 * ${H}))::int as age) y
     cross join lateral (select date_trunc('milliseconds', $6::timestamptz - y.age * interval '1 millisecond') as received_at) r
     join (select id, clocks, name from sla_policies) pol on pol.name = case when x.kind = 'REPAIR' then '报修时限 Repairs' else '默认时限 Default' end
     join (select substr(c.member_no, length('BN' || $7 || '-') + 1)::int - 1 as k, c.id as customer_id, c.origin_project_id as project_id, o.unit_id
           from customers c join unit_ownerships o on o.customer_id = c.id where c.member_no like 'BN' || $7 || '-%') cu
       on cu.k = case when g <= $9::int * $10::int then (g - 1) % greatest($9::int, 1) else (g::bigint * 7919) % $8::int end`,
    [year, base, n, maxAgeHours * H, quietMs, nowIso, tag, nc, Math.min(repeaters?.customers ?? 0, nc), repeaters?.each ?? 0],
  );
  times.complaints = nowMs() - t;
  await run(
    `insert into complaint_number_counters (year, last) values ($1, $2) on conflict (year) do update set last = greatest(complaint_number_counters.last, excluded.last)`,
    [year, Number(base) + n],
  );

  t = nowMs();
  await run(
    `insert into sla_clocks (complaint_id, clock, state, target, target_ms, working_time, warn_at, started_at, running_since,
                             due_at, warn_due_at, consumed_ms, next_check_at, warned_at, breached_at)
     select c.id, k.clock, 'RUNNING', k.target, k.target_ms, k.working_time, 0.8, c.received_at, c.received_at,
            m.due, m.warn, 0,
            case when m.warn > $2::timestamptz then m.warn when m.due > $2::timestamptz then m.due end,
            case when m.warn <= $2::timestamptz then m.warn end,
            case when m.due <= $2::timestamptz then m.due end
     from complaints c
     cross join (values ('ACCEPTANCE', 'P1D', 32400000::bigint, true, interval '19 hours 12 minutes', interval '24 hours'),
                        ('RESOLUTION', 'P7D', 604800000::bigint, false, interval '134 hours 24 minutes', interval '168 hours'))
                as k(clock, target, target_ms, working_time, warn_after, due_after)
     cross join lateral (select c.received_at + k.warn_after as warn, c.received_at + k.due_after as due) m
     where c.id > $1::bigint`,
    [maxc, nowIso],
  );
  times.clocks = nowMs() - t;

  if (alerts) {
    t = nowMs();
    await run(
      `insert into sla_alerts (level, clock_id, clock, complaint_id, project_id, due_at, fired_at, late)
       select l.level, k.id, k.clock, k.complaint_id, c.project_id, l.moment, l.moment + interval '40 milliseconds', false
       from sla_clocks k
       join complaints c on c.id = k.complaint_id
       cross join lateral (values ('WARNING', k.warned_at), ('BREACHED', k.breached_at)) l(level, moment)
       where k.id > $1::bigint and l.moment is not null`,
      [maxk],
    );
    times.alerts = nowMs() - t;
  }

  t = nowMs();
  for (const table of ['complaints', 'sla_clocks', 'sla_alerts', 'customers', 'units', 'unit_ownerships', 'projects']) await run(`vacuum (analyze) ${table}`);
  times.vacuumAnalyze = nowMs() - t;

  const [counts] = await run(
    `select (select count(*) from complaints where id > $1::bigint)::int as complaints,
            (select count(*) from sla_clocks where id > $2::bigint)::int as clocks,
            (select count(*) from sla_clocks where id > $2::bigint and next_check_at is not null)::int as pending,
            (select count(*) from sla_alerts)::int as alerts,
            (select min(next_check_at) from sla_clocks where next_check_at is not null) as first_pending,
            (select count(*) from sla_clocks where next_check_at < $3::timestamptz + interval '24 hours')::int as pending_24h`,
    [maxc, maxk, nowIso],
  );
  return { times, idAfter: Number(maxc), counts: { ...counts, first_pending: counts.first_pending ? new Date(counts.first_pending).toISOString() : null } };
}

/**
 * Moves the complaints with id > `after` (all RECEIVED, as seedComplaints leaves them) along
 * their lifecycle and writes their timelines, all in SQL: a read benchmark needs the mix a desk
 * sees, not 100 % fresh intake. By a hash of the id: 34 % RECEIVED, 20 % ACCEPTED, 26 %
 * IN_PROGRESS, 6 % REOPENED (open: 86 %), 6 % RESOLVED, 2 % RETURN_VISITED, 4 % CLOSED,
 * 2 % REJECTED. Each step happens at a fixed share of the complaint's age (accepted at 20 %,
 * started 40 %, note 50 %, resolved 60 %, return visit 70 %, closed/reopened 80 %, rejected
 * 30 %), so every instant lies between receipt and `now`. Clocks follow CLOCK_EFFECTS
 * (src/modules/complaints/complaint.rules.ts): ACCEPTANCE stops at acceptance or rejection,
 * RESOLUTION at resolution (it runs again, shifted, when REOPENED), RETURN_VISIT (P3D, taken as
 * 72 h calendar time) starts at resolution; alerts for moments after a clock stopped are
 * removed, and next_due_at is recomputed. None of the new moments falls within the quiet period
 * of seedComplaints (RETURN_VISIT warns ≥ 5.6 h and RESOLUTION ≥ 33 h after `now`).
 * Timelines: RECEIVED, CLOCK_STARTED ×2, then one row per transition, clock stop/start, a NOTE
 * for a third of the worked ones and ALERT_FIRED for the alerts kept — 3 to 14 rows each.
 */
export async function seedLifecycle(conn, { after = 0, now = new Date() } = {}) {
  const run = runner(conn);
  const nowIso = now.toISOString();
  const times = {};
  let t = nowMs();
  await run(`drop table if exists bench_lifecycle`);
  await run(
    `create temp table bench_lifecycle as
     select c.id, c.received_at as r, c.first_responder_id as agent, 'handler.bench.' || (c.id % 25) as handler, c.channel,
            (array['ENGINEERING','CUSTOMER_SERVICE','MARKETING','DESIGN','PROPERTY','CUSTOMER_SERVICE'])[array_position(array['ENGINEERING_QUALITY','SERVICE_ATTITUDE','SALES_PROMISE','DESIGN','PROPERTY_MANAGEMENT','OTHER'], c.category)] as department,
            s.status,
            s.status not in ('RECEIVED', 'REJECTED') as accepted,
            s.status in ('IN_PROGRESS', 'RESOLVED', 'RETURN_VISITED', 'CLOSED', 'REOPENED') as started,
            s.status in ('RESOLVED', 'RETURN_VISITED', 'CLOSED', 'REOPENED') as resolved,
            s.status in ('RETURN_VISITED', 'CLOSED') as visited,
            date_trunc('milliseconds', c.received_at + 0.2 * a.age) as t_accept,
            date_trunc('milliseconds', c.received_at + 0.3 * a.age) as t_reject,
            date_trunc('milliseconds', c.received_at + 0.4 * a.age) as t_start,
            date_trunc('milliseconds', c.received_at + 0.5 * a.age) as t_note,
            date_trunc('milliseconds', c.received_at + 0.6 * a.age) as t_resolve,
            date_trunc('milliseconds', c.received_at + 0.7 * a.age) as t_visit,
            date_trunc('milliseconds', c.received_at + 0.8 * a.age) as t_end
     from complaints c
     cross join lateral (select $2::timestamptz - c.received_at as age, ((c.id * 2654435761) % 4294967296) % 100 as h) a
     cross join lateral (select case when a.h < 34 then 'RECEIVED' when a.h < 54 then 'ACCEPTED' when a.h < 80 then 'IN_PROGRESS' when a.h < 86 then 'REOPENED'
                                     when a.h < 92 then 'RESOLVED' when a.h < 94 then 'RETURN_VISITED' when a.h < 98 then 'CLOSED' else 'REJECTED' end as status) s
     where c.id > $1::bigint`,
    [after, nowIso],
  );
  // The instant each clock stopped (null: still running).
  await run(`alter table bench_lifecycle add column acceptance_stop timestamptz, add column resolution_stop timestamptz, add column visit_stop timestamptz, add column last_at timestamptz`);
  await run(
    `update bench_lifecycle set
       acceptance_stop = case when accepted then t_accept when status = 'REJECTED' then t_reject end,
       resolution_stop = case when status in ('RESOLVED', 'RETURN_VISITED', 'CLOSED') then t_resolve when status = 'REJECTED' then t_reject end,
       visit_stop = case when status in ('RETURN_VISITED', 'CLOSED') then t_visit when status = 'REOPENED' then t_end end,
       last_at = case status when 'RECEIVED' then r when 'ACCEPTED' then t_accept when 'IN_PROGRESS' then t_start when 'RESOLVED' then t_resolve
                             when 'RETURN_VISITED' then t_visit when 'REJECTED' then t_reject else t_end end`,
  );
  await run(
    `update complaints c set
       status = l.status,
       department = case when l.accepted then l.department end,
       handler_id = case when l.accepted then l.handler end,
       accepted_at = case when l.accepted then l.t_accept end,
       resolved_at = case when l.resolved then l.t_resolve end,
       resolution = case when l.resolved then '已重做防水层，闭水试验 48 小时无渗漏 (bench)' end,
       return_visited_at = case when l.visited then l.t_visit end,
       return_visit_score = case when l.visited then 4 + (c.id % 2)::int end,
       closed_at = case when l.status = 'CLOSED' then l.t_end end,
       reject_reason = case when l.status = 'REJECTED' then '不属于交付质量范围，已告知业主联系物业 (bench)' end,
       reopen_count = case when l.status = 'REOPENED' then 1 else 0 end,
       updated_at = l.last_at
     from bench_lifecycle l where c.id = l.id`,
  );
  times.complaints = nowMs() - t;

  t = nowMs();
  // Stopped ACCEPTANCE / RESOLUTION clocks keep only the alerts of moments before they stopped.
  await run(
    `update sla_clocks k set
       state = 'STOPPED', running_since = null, next_check_at = null, stopped_at = x.stop,
       consumed_ms = (extract(epoch from x.stop - k.started_at) * 1000)::bigint,
       warned_at = case when k.warned_at <= x.stop then k.warned_at end,
       breached_at = case when k.breached_at <= x.stop then k.breached_at end
     from (select id, 'ACCEPTANCE' as clock, acceptance_stop as stop from bench_lifecycle where acceptance_stop is not null
           union all select id, 'RESOLUTION', resolution_stop from bench_lifecycle where resolution_stop is not null) x
     where k.complaint_id = x.id and k.clock = x.clock`,
  );
  // RESOLUTION continues after a reopening: the time between resolution and reopening moves its deadlines.
  await run(
    `update sla_clocks k set running_since = l.t_end, consumed_ms = (extract(epoch from l.t_resolve - k.started_at) * 1000)::bigint,
       due_at = k.due_at + (l.t_end - l.t_resolve), warn_due_at = k.warn_due_at + (l.t_end - l.t_resolve), next_check_at = k.warn_due_at + (l.t_end - l.t_resolve)
     from bench_lifecycle l where k.complaint_id = l.id and k.clock = 'RESOLUTION' and l.status = 'REOPENED'`,
  );
  await run(
    `insert into sla_clocks (complaint_id, clock, state, target, target_ms, working_time, warn_at, started_at, running_since,
                             due_at, warn_due_at, consumed_ms, next_check_at, stopped_at)
     select l.id, 'RETURN_VISIT', case when l.visit_stop is null then 'RUNNING' else 'STOPPED' end, 'P3D', 97200000, true, 0.8, l.t_resolve,
            case when l.visit_stop is null then l.t_resolve end,
            l.t_resolve + interval '72 hours', l.t_resolve + interval '57 hours 36 minutes',
            coalesce((extract(epoch from l.visit_stop - l.t_resolve) * 1000)::bigint, 0),
            case when l.visit_stop is null then l.t_resolve + interval '57 hours 36 minutes' end, l.visit_stop
     from bench_lifecycle l where l.resolved order by l.id`,
  );
  await run(
    `delete from sla_alerts a using sla_clocks k
     where a.clock_id = k.id and k.complaint_id > $1::bigint
       and ((a.level = 'WARNING' and k.warned_at is null) or (a.level = 'BREACHED' and k.breached_at is null))`,
    [after],
  );
  await run(
    `update complaints c set next_due_at = (select min(k.due_at) from sla_clocks k where k.complaint_id = c.id and k.state = 'RUNNING') where c.id > $1::bigint`,
    [after],
  );
  times.clocks = nowMs() - t;

  t = nowMs();
  // Inserted in timeline order, so ties on `at` (receipt and its clock starts) keep this order by id.
  await run(
    `insert into complaint_events (complaint_id, type, from_status, to_status, actor_id, note, data, at)
     select id, type, from_status, to_status, actor, note, data, at from (
       select l.id, e.*
       from bench_lifecycle l
       cross join lateral (values
         (1, 'RECEIVED', null, 'RECEIVED', l.agent, null, jsonb_build_object('channel', l.channel, 'severity', 'NORMAL'), l.r),
         (2, 'CLOCK_STARTED', null, null, l.agent, null, jsonb '{"clock": "ACCEPTANCE", "cycle": 0, "target": "P1D", "workingTime": true}', l.r),
         (3, 'CLOCK_STARTED', null, null, l.agent, null, jsonb '{"clock": "RESOLUTION", "cycle": 0, "target": "P7D", "workingTime": false}', l.r),
         (4, 'ACCEPTED', 'RECEIVED', 'ACCEPTED', l.agent, null, jsonb_build_object('department', l.department, 'handlerId', l.handler), case when l.accepted then l.t_accept end),
         (5, 'REJECTED', 'RECEIVED', 'REJECTED', l.agent, '不属于交付质量范围，已告知业主联系物业 (bench)', null, case when l.status = 'REJECTED' then l.t_reject end),
         (6, 'CLOCK_STOPPED', null, null, l.agent, null, jsonb '{"clock": "ACCEPTANCE", "cycle": 0}', l.acceptance_stop),
         (7, 'IN_PROGRESS', 'ACCEPTED', 'IN_PROGRESS', l.handler, null, null, case when l.started then l.t_start end),
         (8, 'NOTE', null, null, l.handler, '已联系业主，约定上门查看 (bench)', null, case when l.started and l.id % 3 = 0 then l.t_note end),
         (9, 'RESOLVED', 'IN_PROGRESS', 'RESOLVED', l.handler, null, null, case when l.resolved then l.t_resolve end),
         (10, 'CLOCK_STOPPED', null, null, l.handler, null, jsonb '{"clock": "RESOLUTION", "cycle": 0}', coalesce(l.resolution_stop, case when l.resolved then l.t_resolve end)),
         (11, 'CLOCK_STARTED', null, null, l.handler, null, jsonb '{"clock": "RETURN_VISIT", "cycle": 0, "target": "P3D", "workingTime": true}', case when l.resolved then l.t_resolve end),
         (12, 'RETURN_VISITED', 'RESOLVED', 'RETURN_VISITED', l.agent, null, jsonb_build_object('score', 4 + l.id % 2), case when l.visited then l.t_visit end),
         (13, 'REOPENED', 'RESOLVED', 'REOPENED', l.agent, '业主反映雨后仍有渗水 (bench)', null, case when l.status = 'REOPENED' then l.t_end end),
         (14, 'CLOCK_STOPPED', null, null, l.agent, null, jsonb '{"clock": "RETURN_VISIT", "cycle": 0}', l.visit_stop),
         (15, 'CLOSED', 'RETURN_VISITED', 'CLOSED', l.agent, null, null, case when l.status = 'CLOSED' then l.t_end end)
       ) e(ord, type, from_status, to_status, actor, note, data, at)
       where e.at is not null
       union all
       select a.complaint_id, 0, 'ALERT_FIRED', null, null, null, null,
              jsonb_build_object('level', a.level, 'clock', a.clock, 'late', a.late), a.fired_at
       from sla_alerts a where a.complaint_id > $1::bigint
     ) x
     order by id, at, ord`,
    [after],
  );
  times.timeline = nowMs() - t;
  await run(`drop table bench_lifecycle`);
  t = nowMs();
  for (const table of ['complaints', 'sla_clocks', 'sla_alerts', 'complaint_events']) await run(`vacuum (analyze) ${table}`);
  times.vacuumAnalyze = nowMs() - t;
  const rows = await run(
    `select status, count(*)::int as n from complaints where id > $1::bigint group by 1 order by 2 desc`,
    [after],
  );
  const [ev] = await run(`select count(*)::int as events from complaint_events e where e.complaint_id > $1::bigint`, [after]);
  return { times, statuses: Object.fromEntries(rows.map((r) => [r.status, r.n])), events: ev.events };
}

/** seedOrg + seedComplaints with timings; `conn` is a Database from openMigrated (PGlite) or { sql } for a single connection. */
export async function bulkSeed(conn, { n = 500_000, customers, projects = 20, tag = 'seed', now = new Date(), quietMinutes = 120, alerts = true } = {}) {
  const t0 = nowMs();
  const org = await seedOrg(conn, { tag, projects, customers: customers ?? Math.max(100, Math.min(50_000, Math.ceil(n / 10))) });
  const res = await seedComplaints(conn, { tag, n, now, quietMinutes, alerts });
  return { n, customers: org.customers, projects, orgMs: org.ms, ...res.times, totalMs: nowMs() - t0, counts: res.counts };
}

/** A single-connection postgres.js client (temp state, one session), for seeding a server database. */
export const seedConnection = (url) => ({ sql: postgres(url, { max: 1, onnotice: () => {} }) });

async function main() {
  const a = args();
  const n = intArg(a.n, 500_000);
  let url = a.url;
  let created = null;
  if (!url) {
    created = await createDatabase('seed');
    url = created.url;
  }
  let database = null;
  let conn = null;
  try {
    database = await openMigrated('postgres', url, 2);
    conn = seedConnection(url);
    console.log(`seeding ${n.toLocaleString('en')} open complaints into ${url}`);
    const r = await bulkSeed(conn, { n, customers: a.customers ? intArg(a.customers) : undefined, projects: intArg(a.projects, 20), tag: a.tag ?? 'seed', alerts: !a['no-alerts'] });
    console.log(JSON.stringify({ machine: await machine(database), ...r }, null, 2));
    console.log(
      `seed total ${fmt(r.totalMs / 1000, 1)} s (org ${fmt(r.orgMs / 1000, 1)} s, complaints ${fmt(r.complaints / 1000, 1)} s, clocks ${fmt(r.clocks / 1000, 1)} s, alerts ${fmt((r.alerts ?? 0) / 1000, 1)} s, vacuum/analyze ${fmt(r.vacuumAnalyze / 1000, 1)} s)`,
    );
  } finally {
    await conn?.sql.end({ timeout: 5 });
    await database?.close();
    if (created) {
      if (a.keep) console.log(`kept ${created.name} (${created.url}); drop it with: psql -c 'drop database ${created.name}'`);
      else await created.drop();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
