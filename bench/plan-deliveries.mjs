// Planning the standard actions of deliveries (issue 9): the planner the API and the seeder use
// (planForMilestones, through drizzle, calendar offsets in the business time zone, sampled rules
// drawn in delivery order) against a direct SQL INSERT … SELECT of the same rows, on a real
// PostgreSQL, in the same run. Also the recordDelivery mutation over HTTP on a sample: statements
// per delivery and deliveries/s.
//
//   node bench/plan-deliveries.mjs [--n 100000] [--projects 20] [--batch 1000] [--rounds 3] [--api 500]
//
// Needs `npm run build` first. Creates cx_bench_plan_<random> on BENCH_DATABASE_URL's server
// (postgres://postgres@127.0.0.1:5432/test by default) and drops it at the end (BENCH_KEEP_DB=1 keeps it).
// Both ways must produce the same rows (rule, ownership, trigger key, open and due times); the
// benchmark checks that before it reports.
import { args, createDatabase, dist, fmt, intArg, machine, median, nowMs, openMigrated, q } from './lib.mjs';

const a = args();
const N = intArg(a.n, 100_000);
const PROJECTS = intArg(a.projects, 20);
const BATCH = intArg(a.batch, 1000);
const ROUNDS = intArg(a.rounds, 3);
const API = intArg(a.api, 500);
const TZ = 'Asia/Shanghai';

const db = await createDatabase('plan');
const database = await openMigrated('postgres', db.url, 10);
try {
  console.log(`machine: ${JSON.stringify(await machine(database))}`);
  const t0 = nowMs();
  // N customers with one unit each in PROJECTS projects, signed 400 days ago (Shanghai morning), delivered at spread times in the last 300 days.
  await q(database, `insert into regions (code, name) values ('PB', '基准区域')`);
  await q(database, `insert into city_companies (code, name, city, region_id) select 'PBC', '基准公司', '深圳', id from regions where code = 'PB'`);
  await q(
    database,
    `insert into projects (code, name, city, city_company_id, stage) select 'PB-' || i, '基准项目 ' || i, '深圳', (select id from city_companies where code = 'PBC'), 'DELIVERY' from generate_series(1, $1::int) i`,
    [PROJECTS],
  );
  await q(
    database,
    `insert into customers (name, phone, origin_project_id) select '客户' || i, (13000000000 + i)::text, (select id from projects where code = 'PB-' || (1 + i % $2::int)) from generate_series(1, $1::int) i`,
    [N, PROJECTS],
  );
  await q(database, `insert into units (project_id, building, unit_no, room) select origin_project_id, '1栋', '1单元', id::text from customers`);
  await q(
    database,
    `insert into unit_ownerships (customer_id, unit_id, project_id, signed_at)
     select c.id, u.id, u.project_id, now() - interval '400 days'
     from customers c join units u on u.room = c.id::text and u.project_id = c.origin_project_id`,
  );
  // When each unit is handed over: recorded by the runs below, in batches (ours) or at once (direct).
  await q(database, `create table bench_deliveries as select id, date_trunc('minute', now() - interval '300 days' + (id % 43200) * interval '10 minutes') as at from unit_ownerships`);
  await q(database, `create unique index on bench_deliveries (id)`);
  console.log(`seeded ${N} delivered ownerships in ${fmt((nowMs() - t0) / 1000, 1)} s`);

  const { planForMilestones } = await dist('modules/touchpoints/planner.js');
  const owned = (
    await q(database, `select o.id, o.customer_id, o.project_id, o.unit_id, o.signed_at, d.at as delivered_at from unit_ownerships o join bench_deliveries d using (id) order by d.at, o.id`)
  ).map((r) => ({
    id: Number(r.id),
    customerId: Number(r.customer_id),
    projectId: Number(r.project_id),
    unitId: Number(r.unit_id),
    signedAt: new Date(r.signed_at),
    deliveredAt: new Date(r.delivered_at),
    movedInAt: null,
  }));

  // Deliveries recorded in transactions of BATCH (a delivery import): each records its deliveries and plans their actions with the planner, as the seeder does.
  async function ours() {
    const before = database.stats.queries;
    const start = nowMs();
    let rows = 0;
    for (let i = 0; i < owned.length; i += BATCH) {
      const batch = owned.slice(i, i + BATCH);
      rows += (
        await database.db.transaction(async (tx) => {
          const { sql } = await import('drizzle-orm');
          await tx.execute(sql`update unit_ownerships o set delivered_at = d.at from bench_deliveries d where d.id = o.id and o.id = any(${sql.param(batch.map((b) => b.id))}::bigint[])`);
          return planForMilestones(tx, 'DELIVERED', batch, TZ);
        })
      ).length;
    }
    return { ms: nowMs() - start, rows, statements: database.stats.queries - before };
  }

  // The same deliveries and rows in two statements: offsets as intervals on the local calendar, sampling by rank in delivery order.
  async function direct() {
    const before = database.stats.queries;
    const start = nowMs();
    await q(database, `update unit_ownerships o set delivered_at = d.at from bench_deliveries d where d.id = o.id`);
    const [r] = await q(
      database,
      `with ranked as (
         select o.*, row_number() over (partition by o.project_id order by o.delivered_at, o.id) as k from unit_ownerships o where o.delivered_at is not null
       ), ins as (
         insert into planned_touchpoints (rule_id, customer_id, project_id, unit_id, ownership_id, trigger_key, trigger_at, opens_at, due_at, channel, stage)
         select r.id, o.customer_id, o.project_id, o.unit_id, o.id, 'DELIVERED:ownership:' || o.id, o.delivered_at,
                ((o.delivered_at at time zone $1) + r.start_after::interval) at time zone $1,
                ((o.delivered_at at time zone $1) + r.due_within::interval) at time zone $1,
                r.channel, r.stage
         from ranked o join standard_action_rules r on r.trigger = 'DELIVERED' and r.active
         where (r.sample_share is null and r.sample_cap is null)
            or (ceil(coalesce(round(r.sample_share::numeric, 6), 1) * o.k) > ceil(coalesce(round(r.sample_share::numeric, 6), 1) * (o.k - 1))
                and ceil(coalesce(round(r.sample_share::numeric, 6), 1) * o.k) <= coalesce(r.sample_cap, 2147483647))
         on conflict do nothing returning 1)
       select count(*)::int as n from ins`,
      [TZ],
    );
    return { ms: nowMs() - start, rows: r.n, statements: 2 };
  }

  const snapshot = async () =>
    (await q(database, `select rule_id, ownership_id, trigger_key, opens_at, due_at from planned_touchpoints order by rule_id, ownership_id`)).map((r) => `${r.rule_id}|${r.ownership_id}|${r.trigger_key}|${new Date(r.opens_at).toISOString()}|${new Date(r.due_at).toISOString()}`);
  const clear = async () => {
    await q(database, `truncate planned_touchpoints cascade`);
    await q(database, `update unit_ownerships set delivered_at = null`);
  };

  const results = { ours: [], direct: [] };
  let same = null;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, fn] of round % 2 ? [['direct', direct], ['ours', ours]] : [['ours', ours], ['direct', direct]]) {
      await clear();
      await q(database, 'vacuum analyze planned_touchpoints');
      const r = await fn();
      results[label].push(r);
      console.log(`round ${round + 1} ${label}: ${r.rows} actions in ${fmt(r.ms / 1000, 2)} s, ${r.statements} statements`);
      if (round === 0) {
        const rows = await snapshot();
        if (same === null) same = rows;
        else if (JSON.stringify(same) !== JSON.stringify(rows)) {
          const a = new Set(same);
          const b = new Set(rows);
          console.log('only first:', same.filter((x) => !b.has(x)).slice(0, 5), 'only second:', rows.filter((x) => !a.has(x)).slice(0, 5), same.length, rows.length);
          throw new Error('the planner and the direct INSERT planned different rows');
        }
        else console.log(`both planned the same ${rows.length} rows`);
      }
    }
  }
  const oursMs = median(results.ours.map((r) => r.ms));
  const directMs = median(results.direct.map((r) => r.ms));
  console.log(
    `\nplanning ${N} deliveries: ours ${fmt(oursMs / 1000, 2)} s (${fmt((oursMs * 1000) / N, 1)} µs and ${fmt(results.ours[0].statements / N, 3)} statements per delivery), ` +
      `direct SQL ${fmt(directMs / 1000, 2)} s (${fmt((directMs * 1000) / N, 1)} µs; 2 statements in all); ours ÷ direct time ${fmt(oursMs / directMs, 1)}×, direct ÷ ours throughput ${fmt(directMs / oursMs, 3)}`,
  );

  // The mutation: recordDelivery over HTTP for a sample of fresh signed ownerships.
  if (API > 0) {
    const { createApp } = await dist('server.js');
    const { loadConfig } = await dist('config.js');
    const { createLogger } = await dist('logger.js');
    const { signToken } = await dist('auth/token.js');
    const { toGlobalId } = await dist('graphql/global-id.js');
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', SLA_SCHEDULER: 'off', EVENTS_POLL_MS: '600000' });
    const app = await createApp({ config, database, logger: createLogger('silent') });
    const port = await app.listen(0, '127.0.0.1');
    const token = await signToken(config, { sub: 'bench', role: 'ADMIN', scope: null, department: null, name: null });
    await q(database, `update unit_ownerships o set delivered_at = d.at from bench_deliveries d where d.id = o.id`);
    await q(database, `update unit_ownerships set delivered_at = null where id in (select id from unit_ownerships order by id desc limit $1)`, [API]);
    const ids = (await q(database, `select id from unit_ownerships where delivered_at is null order by id`)).map((r) => toGlobalId('UnitOwnership', Number(r.id)));
    await q(database, `delete from planned_touchpoints where ownership_id in (select id from unit_ownerships where delivered_at is null)`);
    const before = database.stats.queries;
    const start = nowMs();
    for (const id of ids) {
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id } } }', variables: { input: { ownershipId: id } } }),
      });
      const body = await res.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    }
    const ms = nowMs() - start;
    console.log(`recordDelivery over HTTP, one client: ${ids.length} deliveries, ${fmt((ids.length * 1000) / ms, 1)} per s, ${fmt((database.stats.queries - before) / ids.length, 2)} statements per delivery (request, planning, audit)`);
    await app.close();
  }
} finally {
  await database.close();
  await db.drop();
}
