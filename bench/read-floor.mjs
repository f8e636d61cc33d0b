// The floor of bench/read.mjs: a hand-written node:http + postgres.js + JSON.stringify server
// that answers the three read workloads with JSON identical to our API's (global IDs, ISO
// timestamps, the same order and the same derived fields), and nothing else. It is what the
// same answer costs with no GraphQL (no parsing, validation or execution of the document), no
// authentication, no access rules, no limits, no metrics: one prepared statement per request,
// rows put together in JavaScript and serialised with JSON.stringify.
//
//   DATABASE_URL=postgres://… PORT=5003 node bench/read-floor.mjs   (prints "listening on <port>")
//
// A request is recognised by its exact document text (READ_QUERIES, the same strings the
// bench sends to our API); anything else is a 400. Pool: 10 connections, like our
// DATABASE_POOL_SIZE default.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';

/** The workloads' documents, exactly as bench/read.mjs sends them to our API (and to this floor). */
export const READ_QUERIES = {
  A: 'query A { complaints(first: 50, filter: {statuses: [RECEIVED, ACCEPTED, IN_PROGRESS, REOPENED]}, orderBy: {field: RECEIVED_AT, direction: DESC}) { edges { node { id number kind category severity status receivedAt nextDueAt description customer { id name phone } project { id name } clocks { clock state dueAt breached } } } pageInfo { hasNextPage } } }',
  B: 'query B($id: ID!) { customer(id: $id) { id name phone segment units { unit { label } signedAt deliveredAt } complaints(first: 20) { edges { node { id number status receivedAt description timeline { type at fromStatus toStatus note } } } } } }',
  C: 'query C { projects(first: 20) { edges { node { id code name city cityCompany { id name } } } } }',
};

// Our global IDs: base64url of `Type:id` (src/graphql/global-id.ts).
const gid = (type, id) => Buffer.from(`${type}:${id}`).toString('base64url');
const dbIdOf = (globalId, type) => {
  const m = /^([A-Za-z]+):([1-9][0-9]{0,15})$/.exec(Buffer.from(String(globalId), 'base64url').toString('utf8'));
  return m && m[1] === type ? m[2] : null;
};
// Timestamps inside json_agg come back as text: formatted in SQL exactly as Date#toISOString.
const iso = (col) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const ISO_NULLABLE = (col) => `case when ${col} is null then null else ${iso(col)} end`;

/** The SQL of each workload: one statement, children aggregated as JSON in the same order as our loaders. */
const SQL = {
  // Complaint.clocks: ordered by (started_at, id); `breached` as SlaClockResolver computes it, at the statement's now().
  A: `select c.id, c.number, c.kind, c.category, c.severity, c.status, c.received_at, c.next_due_at, c.description,
             cu.id as customer_id, cu.name as customer_name, cu.phone as customer_phone, p.id as project_id, p.name as project_name,
             coalesce((select json_agg(json_build_object('clock', k.clock, 'state', k.state, 'dueAt', ${ISO_NULLABLE('k.due_at')},
                        'breached', case when k.breached_at is not null then true
                                         when k.state = 'STOPPED' then coalesce(k.due_at is not null and k.stopped_at is not null and k.stopped_at > k.due_at, false)
                                         else coalesce(k.due_at <= now(), false) end) order by k.started_at, k.id)
                       from sla_clocks k where k.complaint_id = c.id), '[]') as clocks
      from complaints c
      join customers cu on cu.id = c.customer_id
      join projects p on p.id = c.project_id
      where c.status in ('RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'REOPENED')
      order by c.received_at desc, c.id desc
      limit 51`,
  // Customer.segment as src/domain/segment.ts (thresholds 12 and 36 months, the defaults; the session runs in UTC
  // as monthsBefore does); units ordered by ownership id; complaints newest first, timeline by (at, id).
  B: `select cu.id, cu.name, cu.phone,
             (select case when f.first is null then (case when f.signed then 'PRE_OWNER' else 'PROSPECT' end)
                          when f.first > now() - interval '12 months' then 'BREAK_IN'
                          when f.first > now() - interval '36 months' then 'STABLE'
                          else 'VETERAN' end
              from (select min(o.delivered_at) filter (where o.delivered_at <= now()) as first, bool_or(o.signed_at is not null) as signed
                    from unit_ownerships o where o.customer_id = cu.id) f) as segment,
             coalesce((select json_agg(json_build_object('unit', json_build_object('label', u.building || '-' || u.unit_no || '-' || u.room),
                                                         'signedAt', ${ISO_NULLABLE('o.signed_at')}, 'deliveredAt', ${ISO_NULLABLE('o.delivered_at')}) order by o.id)
                       from unit_ownerships o join units u on u.id = o.unit_id where o.customer_id = cu.id), '[]') as units,
             coalesce((select json_agg(json_build_object('id', c.id, 'number', c.number, 'status', c.status, 'receivedAt', ${iso('c.received_at')},
                                                         'description', c.description,
                                                         'timeline', coalesce((select json_agg(json_build_object('type', e.type, 'at', ${iso('e.at')},
                                                                                  'fromStatus', e.from_status, 'toStatus', e.to_status, 'note', e.note) order by e.at, e.id)
                                                                               from complaint_events e where e.complaint_id = c.id), '[]'))
                                       order by c.received_at desc, c.id desc)
                       from (select * from complaints where customer_id = cu.id order by received_at desc, id desc limit 20) c), '[]') as complaints
      from customers cu
      where cu.id = $1`,
  // Projects by (name, id), the default order of our `projects`.
  C: `select p.id, p.code, p.name, p.city, cc.id as city_company_id, cc.name as city_company_name
      from projects p join city_companies cc on cc.id = p.city_company_id
      order by p.name, p.id
      limit 21`,
};

// Named prepared statements (parsed and planned once per connection), also for the statements without parameters,
// which postgres.js would otherwise send as simple queries.
const PREPARED = { prepare: true, simple: false };

/** Answers a request body (already parsed) with the response object, or null when it is not one of the workloads. */
async function answer(sql, body) {
  if (body.query === READ_QUERIES.A) {
    const rows = await sql.unsafe(SQL.A, [], PREPARED);
    return {
      data: {
        complaints: {
          edges: rows.slice(0, 50).map((r) => ({
            node: {
              id: gid('Complaint', r.id),
              number: r.number,
              kind: r.kind,
              category: r.category,
              severity: r.severity,
              status: r.status,
              receivedAt: r.received_at,
              nextDueAt: r.next_due_at,
              description: r.description,
              customer: { id: gid('Customer', r.customer_id), name: r.customer_name, phone: r.customer_phone },
              project: { id: gid('Project', r.project_id), name: r.project_name },
              clocks: r.clocks,
            },
          })),
          pageInfo: { hasNextPage: rows.length > 50 },
        },
      },
    };
  }
  if (body.query === READ_QUERIES.B) {
    const id = dbIdOf(body.variables?.id, 'Customer');
    const [r] = id ? await sql.unsafe(SQL.B, [id], PREPARED) : [];
    if (!r) return { errors: [{ message: 'Customer not found', extensions: { code: 'NOT_FOUND' } }], data: null };
    return {
      data: {
        customer: {
          id: gid('Customer', r.id),
          name: r.name,
          phone: r.phone,
          segment: r.segment,
          units: r.units,
          complaints: { edges: r.complaints.map((c) => ({ node: { ...c, id: gid('Complaint', c.id) } })) },
        },
      },
    };
  }
  if (body.query === READ_QUERIES.C) {
    const rows = await sql.unsafe(SQL.C, [], PREPARED);
    return {
      data: {
        projects: {
          edges: rows.slice(0, 20).map((r) => ({
            node: { id: gid('Project', r.id), code: r.code, name: r.name, city: r.city, cityCompany: { id: gid('CityCompany', r.city_company_id), name: r.city_company_name } },
          })),
        },
      },
    };
  }
  return null;
}

async function main() {
  // UTC sessions: `now() - interval '12 months'` then moves by calendar months in UTC, as monthsBefore does.
  const sql = postgres(process.env.DATABASE_URL, { max: Number(process.env.DATABASE_POOL_SIZE ?? 10), onnotice: () => {}, connection: { application_name: 'cx-bench-read-floor', TimeZone: 'UTC' } });
  const send = (res, status, obj) => {
    const text = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'POST /graphql only' }] });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const out = await answer(sql, JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (out) send(res, 200, out);
        else send(res, 400, { errors: [{ message: 'the floor answers the three documents of bench/read.mjs only' }] });
      } catch (e) {
        send(res, 500, { errors: [{ message: String(e?.message ?? e) }] });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 5003), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
  const stop = () => server.close(() => sql.end({ timeout: 5 }).then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
