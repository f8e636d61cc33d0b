// PostGraphile, the peer of the read benchmarks (bench/read.mjs, bench/read-ab.mjs): where each
// peer is installed and how it runs, the documents it is sent for workloads A, B and C, and the
// SQL functions it needs for the derived fields ours computes in resolvers.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { benchDir, root } from './lib.mjs';

export const PEER_QUERIES = {
  v4: {
    A: 'query A { complaints: allComplaints(first: 50, filter: {status: {in: ["RECEIVED", "ACCEPTED", "IN_PROGRESS", "REOPENED"]}}, orderBy: [RECEIVED_AT_DESC, ID_DESC]) { edges { node { id: nodeId number kind category severity status receivedAt nextDueAt description customer: customerByCustomerId { id: nodeId name phone } project: projectByProjectId { id: nodeId name } clocks: slaClocksByComplaintId(orderBy: [STARTED_AT_ASC, ID_ASC]) { nodes { clock state dueAt breached } } } } pageInfo { hasNextPage } } }',
    B: 'query B($id: BigInt!) { customer: customerById(id: $id) { id: nodeId name phone segment units: unitOwnershipsByCustomerId(orderBy: ID_ASC) { nodes { unit: unitByUnitId { label } signedAt deliveredAt } } complaints: complaintsByCustomerId(first: 20, orderBy: [RECEIVED_AT_DESC, ID_DESC]) { edges { node { id: nodeId number status receivedAt description timeline: complaintEventsByComplaintId(orderBy: [AT_ASC, ID_ASC]) { nodes { type at fromStatus toStatus note } } } } } } }',
    C: 'query C { projects: allProjects(first: 20, orderBy: [NAME_ASC, ID_ASC]) { edges { node { id: nodeId code name city cityCompany: cityCompanyByCityCompanyId { id: nodeId name } } } } }',
  },
  v5: {
    A: 'query A { complaints: allComplaints(first: 50, filter: {status: {in: ["RECEIVED", "ACCEPTED", "IN_PROGRESS", "REOPENED"]}}, orderBy: [RECEIVED_AT_DESC, ROW_ID_DESC]) { edges { node { id number kind category severity status receivedAt nextDueAt description customer: customerByCustomerId { id name phone } project: projectByProjectId { id name } clocks: slaClocksByComplaintId(orderBy: [STARTED_AT_ASC, ROW_ID_ASC]) { nodes { clock state dueAt breached } } } } pageInfo { hasNextPage } } }',
    B: 'query B($id: BigInt!) { customer: customerByRowId(rowId: $id) { id name phone segment units: unitOwnershipsByCustomerId(orderBy: ROW_ID_ASC) { nodes { unit: unitByUnitId { label } signedAt deliveredAt } } complaints: complaintsByCustomerId(first: 20, orderBy: [RECEIVED_AT_DESC, ROW_ID_DESC]) { edges { node { id number status receivedAt description timeline: complaintEventsByComplaintId(orderBy: [AT_ASC, ROW_ID_ASC]) { nodes { type at fromStatus toStatus note } } } } } } }',
    C: 'query C { projects: allProjects(first: 20, orderBy: [NAME_ASC, ROW_ID_ASC]) { edges { node { id code name city cityCompany: cityCompanyByCityCompanyId { id name } } } } }',
  },
};

/**
 * Computed columns for PostGraphile (a function `<table>_<name>(row)` is a field `name` of the
 * table's type), with the rules of our resolvers: SlaClockResolver.breached (at the
 * statement's now()), segmentOf (src/domain/segment.ts, default thresholds 12 / 36 months; the
 * server's TimeZone is UTC, as monthsBefore computes) and Unit.label.
 */
export const PEER_FUNCTIONS = `
create or replace function sla_clocks_breached(k sla_clocks) returns boolean language sql stable as $$
  select case when k.breached_at is not null then true
              when k.state = 'STOPPED' then coalesce(k.due_at is not null and k.stopped_at is not null and k.stopped_at > k.due_at, false)
              else coalesce(k.due_at <= now(), false) end
$$;
create or replace function customers_segment(c customers) returns text language sql stable as $$
  select case when f.first is null then (case when f.signed then 'PRE_OWNER' else 'PROSPECT' end)
              when f.first > now() - interval '12 months' then 'BREAK_IN'
              when f.first > now() - interval '36 months' then 'STABLE'
              else 'VETERAN' end
  from (select min(o.delivered_at) filter (where o.delivered_at <= now()) as first, bool_or(o.signed_at is not null) as signed
        from unit_ownerships o where o.customer_id = c.id) f
$$;
create or replace function units_label(u units) returns text language sql immutable as $$
  select u.building || '-' || u.unit_no || '-' || u.room
$$;`;

export const PEERS = {
  v4: { dir: path.join(benchDir, 'peers', 'postgraphile-v4'), node: () => process.execPath },
  v5: { dir: path.join(benchDir, 'peers', 'postgraphile-v5'), node: () => path.join(benchDir, 'peers', 'postgraphile-v5', 'node_modules', '.bin', 'node') },
};

/** Installs a peer from its lock file when its node_modules is missing. */
export function ensurePeer(name) {
  const { dir } = PEERS[name];
  if (existsSync(path.join(dir, 'node_modules'))) return;
  const rel = path.relative(root, dir);
  console.log(`installing peer ${name}: npm ci --prefix ${rel}`);
  try {
    execFileSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  } catch (e) {
    throw new Error(`could not install ${name} (${e.message}); run \`npm ci --prefix ${rel}\` and try again`);
  }
}

