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
 */
export async function seedComplaints(conn, { tag, n, now = new Date(), quietMinutes = 120, maxAgeHours = 130, alerts = true }) {
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
           from customers c join unit_ownerships o on o.customer_id = c.id where c.member_no like 'BN' || $7 || '-%') cu on cu.k = (g::bigint * 7919) % $8::int`,
    [year, base, n, maxAgeHours * H, quietMs, nowIso, tag, nc],
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
  return { times, counts: { ...counts, first_pending: counts.first_pending ? new Date(counts.first_pending).toISOString() : null } };
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
