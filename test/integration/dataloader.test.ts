import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, projects, unitOwnerships, units } from '../../src/db/schema/index.js';
import { toGlobalId } from '../../src/graphql/global-id.js';
import { seedOrg, unique } from '../helpers/factories.js';
import { startTestApp, traced, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let projectId: string;

const PAGE = `query($first: Int!, $p: [ID!]) {
  customers(first: $first, filter: { projectIds: $p }) {
    edges { node {
      id name phone segment
      originProject { id name }
      projects { id name cityCompany { name region { name } } }
      units { id signedAt unit { id label project { id code } ownerships { id } } project { name } }
    } }
  }
}`;

beforeAll(async () => {
  t = await startTestApp();
  const org = await seedOrg(t);
  const db = t.database.db;
  const cc = Number(Buffer.from(org.szId, 'base64url').toString().split(':')[1]);
  const [p1, p2] = await db
    .insert(projects)
    .values([
      { code: `DL-${unique()}`, name: '甲项目', city: '深圳', cityCompanyId: cc, stage: 'DELIVERY' },
      { code: `DL-${unique()}`, name: '乙项目', city: '深圳', cityCompanyId: cc, stage: 'SIGNING' },
    ])
    .returning();
  projectId = toGlobalId('Project', p1!.id);
  // 60 customers, each with a unit in p1 and a second in p2 (bulk inserted: setup, not the subject).
  const base = 13_600_000_000 + unique() * 100;
  const cs = await db
    .insert(customers)
    .values(Array.from({ length: 60 }, (_, i) => ({ name: `客户${i}`, phone: String(base + i), originProjectId: p1!.id })))
    .returning();
  const us = await db
    .insert(units)
    .values(cs.flatMap((c, i) => [
      { projectId: p1!.id, building: '1栋', unitNo: '1单元', room: String(100 + i) },
      { projectId: p2!.id, building: '2栋', unitNo: '1单元', room: String(100 + i) },
    ]))
    .returning();
  await db.insert(unitOwnerships).values(
    us.map((u, i) => ({ customerId: cs[Math.floor(i / 2)]!.id, unitId: u.id, projectId: u.projectId, signedAt: new Date('2024-01-01T00:00:00Z') })),
  );
});
afterAll(() => t?.close());

async function statementsFor(first: number): Promise<number> {
  const token = await t.token('MANAGER', { scope: [projectId] });
  // The scheduler's start-up run (SLA clocks, standard actions) must not be counted with the request.
  await t.settle();
  const before = t.database.stats.queries;
  const r = await t.gql(PAGE, { first, p: [projectId] }, token);
  expect(r.errors).toBeUndefined();
  expect(r.data.customers.edges).toHaveLength(first);
  expect(r.data.customers.edges[0].node.units.length).toBeGreaterThan(0);
  return t.database.stats.queries - before;
}

describe('DataLoader batching', () => {
  it('costs the same number of SQL statements for 5 and 50 customers with units and projects', async () => {
    const small = await statementsFor(5);
    const large = await statementsFor(50);
    expect(large).toBe(small);
    // Scope, page, ownerships, units, unit ownerships, projects, city companies, regions.
    expect(large).toBeLessThanOrEqual(10);
  });
});

describe('loader statements', () => {
  it('ask for one key as `= $1` and for several as `= any($1)`, with the same rows either way', async () => {
    // One key: a text whose generic plan PostgreSQL keeps (see `keyed` in graphql/loaders.ts).
    const page = await t.gql(`query($p: [ID!]) { customers(first: 3, filter: { projectIds: $p }) { edges { node { id name originProject { id name code } } } } }`, { p: [projectId] }, 'ADMIN');
    expect(page.errors).toBeUndefined();
    const nodes = page.data.customers.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(3);
    // Three `node` fields of one operation load their customers in one batch.
    const aliased = nodes.map((_: unknown, i: number) => `n${i}: node(id: $n${i}) { ... on Customer { id name originProject { id name code } } }`).join(' ');
    const vars = Object.fromEntries(nodes.map((n: any, i: number) => [`n${i}`, n.id]));
    const several = await traced(t, () => t.gql(`query(${nodes.map((_: unknown, i: number) => `$n${i}: ID!`).join(', ')}) { ${aliased} }`, vars, 'ADMIN'));
    expect(several.value.errors).toBeUndefined();
    expect(nodes.map((_: unknown, i: number) => several.value.data[`n${i}`])).toEqual(nodes);
    expect(several.texts.some((x) => /from "customers" where "customers"\."id" = any\(\$1::bigint\[\]\)/.test(x))).toBe(true);
    for (const node of nodes) {
      const one = await traced(t, () => t.gql(`query($id: ID!) { customer(id: $id) { id name originProject { id name code } } }`, { id: node.id }, 'ADMIN'));
      expect(one.value.errors).toBeUndefined();
      expect(one.value.data.customer).toEqual(node);
      expect(one.texts.some((x) => /from "customers" where "customers"\."id" = \$1$/.test(x))).toBe(true);
      expect(one.texts.some((x) => x.includes('= any('))).toBe(false);
    }
  });
});
