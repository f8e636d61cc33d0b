// `npm run seed:bulk`: a large, realistic data set for the statistics on a real PostgreSQL —
// by default 1,000,000 survey responses (with their answers) and 500,000 complaints (with their
// SLA clocks) over the last 2 years across 50 projects. All rows are made in SQL from
// generate_series, in batches, each batch in its own transaction: an interrupted run resumes
// where it stopped (run the same command again).
//
//   npm run seed:bulk -- --url postgres://postgres@127.0.0.1:5432/cx_bulk
//        [--responses 1000000] [--complaints 500000] [--planned 500000] [--projects 50] [--customers 100000]
//        [--years 2] [--batch 50000] [--tag bulk] [--time-zone Asia/Shanghai]
//
// Without --url it uses DATABASE_URL. The database must exist; it is migrated first. Rows carry
// the tag (project codes BP-<tag>-…, complaint numbers BK-<tag>-…, responses created by
// bulk:<tag>), so a second tag adds a second, independent data set. The survey and complaint
// rollups are rebuilt at the end in the business time zone (--time-zone, else BUSINESS_TIME_ZONE, else Asia/Shanghai);
// until then they are marked stale, so a server started meanwhile rebuilds them itself.
//
// The shape (see BENCHMARKS.md):
// - receipt and submission times spread evenly over the last `years`, by a multiplicative hash;
// - complaints: 70 % CLOSED, 10 % RETURN_VISITED, 5 % RESOLVED, 5 % IN_PROGRESS, 5 % ACCEPTED,
//   3 % RECEIVED, 2 % REJECTED; accepted 1–30 h after receipt (ACCEPTANCE clock met within 24 h),
//   resolved 2–241 h after (RESOLUTION met within 168 h); 3 % MAJOR;
// - responses: SIGNING 15 %, DELIVERY 15 %, THREE_MONTH 10 %, ANNUAL 20 %, and return visits
//   (COMPLAINT_RETURN_VISIT 25 %, REPAIR_RETURN_VISIT 15 %) that follow a complaint of the set;
//   overall scores skewed to 4–5 (mean ≈ 3.9), dimension scores within one point of the overall,
//   NPS from the overall; one answer per question of the template (comments on 5 %).
import { args, dist, intArg, nowMs, openMigrated, q } from './lib.mjs';
import { seedOrg } from './bulk-seed.mjs';

const opts = args();
const url = opts.url ?? process.env.DATABASE_URL;
if (!url) {
  console.error('seed:bulk needs a PostgreSQL database: --url postgres://… or DATABASE_URL');
  process.exit(2);
}
const tag = String(opts.tag ?? 'bulk').replace(/[^A-Za-z0-9]/g, '');
const sizes = {
  responses: intArg(opts.responses, 1_000_000),
  planned: intArg(opts.planned, 500_000),
  complaints: intArg(opts.complaints, 500_000),
  projects: intArg(opts.projects, 50),
  customers: intArg(opts.customers, 100_000),
  years: intArg(opts.years, 2),
  batch: intArg(opts.batch, 50_000),
};

/** A progress bar on stderr: `label [#####-----] 52% 520,000/1,000,000 41k rows/s`. */
function progress(label, total) {
  const t0 = nowMs();
  let first = null;
  return (done) => {
    first ??= done;
    const share = total ? done / total : 1;
    const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '-');
    const rate = ((done - first) / Math.max((nowMs() - t0) / 1000, 0.001) / 1000).toFixed(1);
    process.stderr.write(`\r${label.padEnd(10)} [${bar}] ${String(Math.floor(share * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${rate}k rows/s   `);
    if (done >= total) process.stderr.write('\n');
  };
}

const database = await openMigrated('postgres', url, 2);
const sql = database.sql;
const run = (text, params) => q(database, text, params);
const started = nowMs();
const timeZone = String(opts['time-zone'] ?? process.env.BUSINESS_TIME_ZONE ?? 'Asia/Shanghai');
// The rollups will not count what follows until rebuilt: mark them stale first.
await run('delete from survey_rollup_state');
await run('delete from complaint_rollup_state');
const spanSeconds = sizes.years * 365 * 86_400;
const now = new Date();

// 1. Org, customers, units and ownerships (once per tag).
const [{ n: existingProjects }] = await run(`select count(*)::int as n from projects where code like 'BP-' || $1 || '-%'`, [tag]);
if (!existingProjects) {
  process.stderr.write(`org: ${sizes.projects} projects, ${sizes.customers.toLocaleString('en')} customers… `);
  const r = await seedOrg(database, { tag, projects: sizes.projects, customers: sizes.customers });
  process.stderr.write(`${(r.ms / 1000).toFixed(1)} s\n`);
}
const [{ nc }] = await run(`select count(*)::int as nc from customers where member_no like 'BN' || $1 || '-%'`, [tag]);

/** Runs `step(from, to)` for the rows not made yet, a batch per transaction. */
async function batches(label, total, countDone, step) {
  const bar = progress(label, total);
  let done = await countDone();
  bar(Math.min(done, total));
  while (done < total) {
    const to = Math.min(done + sizes.batch, total);
    await sql.begin((tx) => step(tx, done + 1, to));
    done = to;
    bar(done);
  }
}

// 2. Complaints with their ACCEPTANCE and RESOLUTION clocks.
const [policy] = await run(`select id, clocks from sla_policies where name = '默认时限 Default'`);
await batches(
  'complaints',
  sizes.complaints,
  async () => Number((await run(`select count(*)::int as n from complaints where number like 'BK-' || $1 || '-%'`, [tag]))[0].n),
  async (tx, from, to) => {
    const [{ maxc }] = await tx.unsafe(`select coalesce(max(id), 0) as maxc from complaints`);
    await tx.unsafe(
      `insert into complaints (number, customer_id, project_id, unit_id, kind, category, channel, description, severity, status,
                               first_responder_id, department, sla_policy_id, sla_targets, received_at, accepted_at, resolved_at,
                               return_visited_at, closed_at, return_visit_score, resolution, reject_reason, created_at, updated_at)
       select 'BK-' || $1 || '-' || g, cu.id, cu.origin_project_id, cu.unit_id, x.kind,
              (array['ENGINEERING_QUALITY','SERVICE_ATTITUDE','SALES_PROMISE','DESIGN','PROPERTY_MANAGEMENT','OTHER'])[1 + (g / 4) % 6],
              (array['HOTLINE_400','WECHAT','PHONE','VISIT','ONSITE','EMAIL'])[1 + (g / 7) % 6],
              '批量投诉 #' || g, case when g % 33 = 0 then 'MAJOR' else 'NORMAL' end, s.status,
              'agent.bulk.' || (g % 40), case when s.status <> 'RECEIVED' then 'ENGINEERING' end, $2::bigint, $3::jsonb,
              r.received_at, case when s.status <> 'RECEIVED' then r.received_at + (1 + g % 30) * interval '1 hour' end,
              case when s.status in ('RESOLVED', 'RETURN_VISITED', 'CLOSED') then r.received_at + (2 + (g * 13) % 240) * interval '1 hour' end,
              case when s.status in ('RETURN_VISITED', 'CLOSED') then r.received_at + (26 + (g * 13) % 240) * interval '1 hour' end,
              case when s.status = 'CLOSED' then r.received_at + (50 + (g * 13) % 240) * interval '1 hour' end,
              case when s.status in ('RETURN_VISITED', 'CLOSED') then sc.score end,
              case when s.status in ('RESOLVED', 'RETURN_VISITED', 'CLOSED') then '已处理' end,
              case when s.status = 'REJECTED' then '非我司责任' end,
              r.received_at, r.received_at
       from generate_series($4::int, $5::int) g
       cross join lateral (select (array['COMPLAINT','REPAIR','REPAIR','INQUIRY'])[1 + g % 4] as kind, ((g::bigint * 2654435761) % 4294967296) as h) x
       cross join lateral (select case when x.h % 100 < 70 then 'CLOSED' when x.h % 100 < 80 then 'RETURN_VISITED' when x.h % 100 < 85 then 'RESOLVED'
                                       when x.h % 100 < 90 then 'IN_PROGRESS' when x.h % 100 < 95 then 'ACCEPTED' when x.h % 100 < 98 then 'RECEIVED' else 'REJECTED' end as status) s
       cross join lateral (select (array[1,2,3,4,4,4,5,5,5,5])[1 + (x.h / 100) % 10] as score) sc
       cross join lateral (select date_trunc('milliseconds', $6::timestamptz - (x.h % $7::bigint) * interval '1 second') as received_at) r
       join (select row_number() over (order by c.id) - 1 as i, c.id, c.origin_project_id, o.unit_id
             from customers c join unit_ownerships o on o.customer_id = c.id where c.member_no like 'BN' || $1 || '-%') cu
         on cu.i = (g::bigint * 7919) % $8::int`,
      [tag, policy.id, JSON.stringify(policy.clocks), from, to, now.toISOString(), spanSeconds, nc],
    );
    await tx.unsafe(
      `insert into sla_clocks (complaint_id, clock, state, target, target_ms, working_time, warn_at, started_at, running_since,
                               due_at, warn_due_at, stopped_at, consumed_ms, warned_at, breached_at)
       select c.id, k.clock, case when m.stop is null then 'RUNNING' else 'STOPPED' end, k.target, k.target_ms, false, 0.8,
              c.received_at, case when m.stop is null then c.received_at end, m.due, m.warn, m.stop,
              case when m.stop is null then 0 else (extract(epoch from m.stop - c.received_at) * 1000)::bigint end,
              case when coalesce(m.stop, $2::timestamptz) >= m.warn then m.warn end,
              case when coalesce(m.stop, $2::timestamptz) >= m.due then m.due end
       from complaints c
       cross join (values ('ACCEPTANCE', 'P1D', 86400000::bigint, interval '19 hours 12 minutes', interval '24 hours'),
                          ('RESOLUTION', 'P7D', 604800000::bigint, interval '134 hours 24 minutes', interval '168 hours'))
                  as k(clock, target, target_ms, warn_after, due_after)
       cross join lateral (select c.received_at + k.warn_after as warn, c.received_at + k.due_after as due,
                                  case when k.clock = 'ACCEPTANCE' then c.accepted_at when c.status = 'REJECTED' then c.updated_at else c.resolved_at end as stop) m
       where c.id > $1::bigint`,
      [maxc, now.toISOString()],
    );
  },
);

// 3. Survey responses with their answers.
const templates = await run(`select id, code, stage from survey_templates where superseded_at is null and code in ('SIGNING','DELIVERY','THREE_MONTH','ANNUAL','COMPLAINT_RETURN_VISIT','REPAIR_RETURN_VISIT')`);
if (templates.length !== 6) throw new Error('the six default survey templates are missing (migration 0010)');
const tpl = Object.fromEntries(templates.map((t) => [t.code, t]));
// Template by share: 15 % SIGNING, 15 % DELIVERY, 10 % THREE_MONTH, 20 % ANNUAL, 25 % complaint and 15 % repair return visits.
const slots = [
  ...Array(3).fill('SIGNING'),
  ...Array(3).fill('DELIVERY'),
  ...Array(2).fill('THREE_MONTH'),
  ...Array(4).fill('ANNUAL'),
  ...Array(5).fill('COMPLAINT_RETURN_VISIT'),
  ...Array(3).fill('REPAIR_RETURN_VISIT'),
];
const [{ nk }] = await run(`select count(*)::int as nk from complaints where number like 'BK-' || $1 || '-%'`, [tag]);
await batches(
  'responses',
  sizes.responses,
  async () => Number((await run(`select count(*)::int as n from survey_responses where created_by = 'bulk:' || $1`, [tag]))[0].n),
  async (tx, from, to) => {
    const [{ maxr }] = await tx.unsafe(`select coalesce(max(id), 0) as maxr from survey_responses`);
    await tx.unsafe(
      `insert into survey_responses (template_id, customer_id, project_id, complaint_id, overall_score, nps_score, segment, stage, channel, submitted_at, created_by, created_at)
       select t.id, coalesce(k.customer_id, cu.id), coalesce(k.project_id, cu.origin_project_id), k.id, sc.overall,
              case when t.code in ('SIGNING','DELIVERY','THREE_MONTH','ANNUAL') then least(10, greatest(0, sc.overall * 2 + (x.h / 7) % 3 - 1)) end,
              (array['PRE_OWNER','BREAK_IN','BREAK_IN','STABLE','STABLE','VETERAN'])[1 + (x.h / 11) % 6], t.stage,
              (array['PHONE','HOTLINE_400','WECHAT','VISIT','SMS'])[1 + g % 5],
              coalesce(k.visited, date_trunc('milliseconds', $2::timestamptz - (x.h % $3::bigint) * interval '1 second')), 'bulk:' || $1, now()
       from generate_series($4::int, $5::int) g
       cross join lateral (select ((g::bigint * 2654435761) % 4294967296) as h) x
       cross join lateral (select ($6::text[])[1 + g % 18] as code) pick
       join survey_templates t on t.id = ($7::jsonb ->> pick.code)::bigint
       cross join lateral (select (array[1,2,2,3,3,3,4,4,4,4,4,4,5,5,5,5,5,5,5,5])[1 + (x.h / 100) % 20] as overall) sc
       left join lateral (select c.id, c.customer_id, c.project_id, c.received_at + (30 + g % 200) * interval '1 hour' as visited
                          from complaints c where t.code in ('COMPLAINT_RETURN_VISIT','REPAIR_RETURN_VISIT') and c.number = 'BK-' || $1 || '-' || (1 + (g::bigint * 104729) % $8::int)) k on true
       join (select row_number() over (order by c.id) - 1 as i, c.id, c.origin_project_id from customers c where c.member_no like 'BN' || $1 || '-%') cu
         on cu.i = (g::bigint * 7919) % $9::int`,
      [tag, now.toISOString(), spanSeconds, from, to, slots, JSON.stringify(Object.fromEntries(Object.entries(tpl).map(([c, t]) => [c, Number(t.id)]))), Math.max(nk, 1), nc],
    );
    await tx.unsafe(
      `insert into survey_answers (response_id, question_id, score, text, text_masked)
       select r.id, qn.id,
              case qn.kind when 'OVERALL' then r.overall_score when 'NPS' then r.nps_score
                           when 'SCORE' then least(5, greatest(1, r.overall_score + ((r.id + qn.position) % 3) - 1)) end,
              case when qn.kind = 'TEXT' then '希望加快维修进度' end, case when qn.kind = 'TEXT' then '希望加快维修进度' end
       from survey_responses r
       join survey_questions qn on qn.template_id = r.template_id
       where r.id > $1::bigint and r.created_by = 'bulk:' || $2
         and (qn.kind <> 'TEXT' or r.id % 20 = 0) and (qn.kind <> 'NPS' or r.nps_score is not null)`,
      [maxr, tag],
    );
    // The return-visit counters of the complaints these responses follow (as insertResponse keeps them).
    await tx.unsafe(
      `update complaints c set survey_responses = c.survey_responses + r.n, survey_scored = c.survey_scored + r.k,
                               survey_score_sum = c.survey_score_sum + r.s, survey_satisfied = c.survey_satisfied + r.sat
       from (select complaint_id, count(*)::int n, count(overall_score)::int k, coalesce(sum(overall_score), 0)::int s,
                    (count(*) filter (where overall_score >= 4))::int sat
             from survey_responses where id > $1::bigint and created_by = 'bulk:' || $2 and complaint_id is not null group by complaint_id) r
       where c.id = r.complaint_id`,
      [maxr, tag],
    );
  },
);

// 4. Planned standard actions (6+2) over the same years, with the touchpoints that carried out the
// done ones: 70 % DONE (four in five of them by the due time), 10 % SKIPPED, the rest open
// (OVERDUE once past due).
const rules = (await run(`select id, stage, channel from standard_action_rules order by id`)).map((r) => ({ id: Number(r.id), stage: r.stage, channel: r.channel }));
const plannedShape = `
  from generate_series($2::int, $3::int) g
  cross join lateral (select ((g::bigint * 2654435761) % 4294967296) as h) x
  cross join lateral (select $4::jsonb -> (g % jsonb_array_length($4::jsonb)) as rule) rl
  cross join lateral (select date_trunc('milliseconds', $5::timestamptz - (x.h % $6::bigint) * interval '1 second') as trigger_at) tr
  cross join lateral (select tr.trigger_at + (1 + g % 30) * interval '1 day' as due_at) d
  join (select row_number() over (order by c.id) - 1 as i, c.id, c.origin_project_id from customers c where c.member_no like 'BN' || $1 || '-%') cu
    on cu.i = (g::bigint * 7919) % $7::int`;
await batches(
  'planned',
  sizes.planned,
  async () => Number((await run(`select count(*)::int as n from planned_touchpoints where trigger_key like 'bulk:' || $1 || ':%'`, [tag]))[0].n),
  async (tx, from, to) => {
    const [{ maxt }] = await tx.unsafe(`select coalesce(max(id), 0) as maxt from touchpoints`);
    const params = [tag, from, to, JSON.stringify(rules), now.toISOString(), spanSeconds, nc];
    await tx.unsafe(
      `insert into touchpoints (customer_id, project_id, stage, channel, kind, occurred_at, created_by, created_at)
       select cu.id, cu.origin_project_id, rl.rule ->> 'stage', rl.rule ->> 'channel', 'STANDARD_ACTION',
              d.due_at - (case when x.h % 10 < 8 then 1 else -1 end) * (1 + x.h % 48) * interval '1 hour', 'bulk:' || $1 || ':' || g, now()
       ${plannedShape}
       where x.h % 100 < 70`,
      params,
    );
    await tx.unsafe(
      `insert into planned_touchpoints (rule_id, customer_id, project_id, trigger_key, trigger_at, opens_at, due_at, channel, stage, status,
                                        touchpoint_id, done_at, completed_at, skip_reason, closed_by)
       select (rl.rule ->> 'id')::bigint, cu.id, cu.origin_project_id, 'bulk:' || $1 || ':' || g, tr.trigger_at, tr.trigger_at, d.due_at,
              rl.rule ->> 'channel', rl.rule ->> 'stage',
              case when x.h % 100 < 70 then 'DONE' when x.h % 100 < 80 then 'SKIPPED' when d.due_at <= $5::timestamptz then 'OVERDUE' else 'PLANNED' end,
              tp.id, tp.occurred_at, tp.occurred_at, case when x.h % 100 between 70 and 79 then '客户要求不联系' end,
              case when x.h % 100 < 80 then 'agent.bulk.' || (g % 40) end
       ${plannedShape}
       left join touchpoints tp on tp.id > $8::bigint and tp.created_by = 'bulk:' || $1 || ':' || g`,
      [...params, maxt],
    );
  },
);

process.stderr.write(`survey rollups (${timeZone})… `);
const { rebuildSurveyRollups } = await dist('modules/surveys/rollups.js');
await rebuildSurveyRollups(database.db, timeZone);
process.stderr.write(`complaint rollups (${timeZone})… `);
const { rebuildComplaintRollups } = await dist('modules/complaints/rollups.js');
await rebuildComplaintRollups(database.db, timeZone);
process.stderr.write('vacuum analyze… ');
for (const table of ['complaints', 'sla_clocks', 'survey_responses', 'survey_answers', 'customers', 'unit_ownerships', 'projects', 'survey_response_rollups', 'survey_driver_rollups', 'complaint_facts', 'complaint_rollups', 'planned_touchpoints', 'touchpoints']) await run(`vacuum (analyze) ${table}`);
const [counts] = await run(
  `select (select count(*) from survey_responses)::int as responses, (select count(*) from survey_answers)::int as answers,
          (select count(*) from complaints)::int as complaints, (select count(*) from sla_clocks)::int as clocks,
          (select count(*) from projects)::int as projects, (select count(*) from customers)::int as customers`,
);
process.stderr.write(`done in ${((nowMs() - started) / 1000).toFixed(0)} s\n`);
console.log(JSON.stringify({ tag, sizes, database: counts }, null, 2));
await database.close();
