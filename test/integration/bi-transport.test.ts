import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { dbKind, freshDatabase, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/** Statistics for BI tools: cacheable GET answers with validators, and a read replica. */
let t: TestApp;
let projectId: string;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** Submits one DELIVERY response (overall 4) for a new customer of the project. */
async function respond(app: TestApp, project: string) {
  const customerId = await createCustomer(app, project);
  await addUnit(app, customerId, project);
  must(
    await app.gql(`mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { response { id } } }`, {
      input: { templateCode: 'DELIVERY', customerId, projectId: project, answers: [{ questionCode: 'OVERALL', score: 4 }, { questionCode: 'ENGINEERING', score: 4 }, { questionCode: 'CUSTOMER_SERVICE', score: 4 }] },
    }, 'ADMIN'),
    'submit',
  );
}

const statsQuery = (project: string) => `{ satisfactionStats(filter: { projectIds: ["${project}"] }) { total { responses csat } } }`;

async function get(app: TestApp, query: string, headers: Record<string, string> = {}) {
  const token = await app.token('ANALYST');
  return app.fetch(`/graphql?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
}

beforeAll(async () => {
  t = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
  const org = await seedOrg(t);
  projectId = (await createProject(t, org.szId)).id;
  await respond(t, projectId);
});
afterAll(() => t?.close());

describe('statistics over GET', () => {
  it('are cacheable privately for STATS_CACHE_MAX_AGE_SECONDS, vary by token, and revalidate with an ETag (304)', async () => {
    const res = await get(t, statsQuery(projectId));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { satisfactionStats: { total: { responses: 1, csat: 100 } } } });
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    expect(res.headers.get('vary')).toMatch(/authorization/i);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await get(t, statsQuery(projectId), { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // The data changed: the old validator no longer matches.
    await respond(t, projectId);
    const changed = await get(t, statsQuery(projectId), { 'if-none-match': etag! });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as any).data.satisfactionStats.total.responses).toBe(2);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('every statistic is cacheable; lists, mixed operations, errors and POST stay no-store', async () => {
    for (const q of [
      `{ complaintStats { total { complaints } } }`,
      `{ touchpointCompliance { total { planned } } }`,
      `{ satisfactionDrivers { minSample } }`,
      `{ a: satisfactionStats { total { responses } } b: complaintStats { total { complaints } } __typename }`,
    ]) {
      const res = await get(t, q);
      expect(res.status, q).toBe(200);
      expect(res.headers.get('cache-control'), q).toBe('private, max-age=60');
    }
    for (const q of [`{ surveyTemplates { code } }`, `{ satisfactionStats { total { responses } } surveyTemplates { code } }`, `{ satisfactionStats(groupBy: [RULE]) { total { responses } } }`]) {
      const res = await get(t, q);
      expect(res.headers.get('cache-control'), q).toBe('no-store');
      expect(res.headers.get('etag'), q).toBeNull();
    }
    const token = await t.token('ANALYST');
    const post = await t.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: statsQuery(projectId) }) });
    expect(post.status).toBe(200);
    expect(post.headers.get('cache-control')).toBe('no-store');
  });

  it('STATS_CACHE_MAX_AGE_SECONDS=0 turns caching off', async () => {
    const other = await startTestApp({ env: { SLA_SCHEDULER: 'off', STATS_CACHE_MAX_AGE_SECONDS: '0' } });
    try {
      const res = await get(other, `{ complaintStats { total { complaints } } }`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      await other.close();
    }
  });
});

describe('DATABASE_READ_URL', () => {
  it.skipIf(dbKind !== 'postgres')('statistics read the replica, lists and writes the primary', async () => {
    // A "replica" that is another database: it lacks what is written to the primary, which
    // shows which one each query read.
    const replica = await freshDatabase();
    const app = await startTestApp({ env: { SLA_SCHEDULER: 'off', DATABASE_READ_URL: replica.url! } });
    try {
      const org = await seedOrg(app);
      const project = (await createProject(app, org.szId)).id;
      await respond(app, project);
      const listed = must<any>(await app.gql(`{ surveyResponses(first: 5) { totalCount } }`, {}, 'ADMIN'), 'list');
      expect(listed.surveyResponses.totalCount).toBe(1);
      const stats = must<any>(await app.gql(`{ satisfactionStats { total { responses } } complaintStats { total { complaints } } }`, {}, 'ADMIN'), 'stats');
      expect(stats).toEqual({ satisfactionStats: { total: { responses: 0 } }, complaintStats: { total: { complaints: 0 } } });
    } finally {
      await app.close();
      await replica.drop();
    }
  });
});

describe('the statistics pool', () => {
  const STATS = `{ satisfactionStats { total { responses } } complaintStats { total { complaints } } }`;
  const statementsOf = (metrics: string) => Number(/^db_statements_total (\d+)/m.exec(metrics)?.[1] ?? NaN);

  it.skipIf(dbKind !== 'postgres')('slow statistics hold their own connections, never the requests’', async () => {
    const app = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
    // One connection holds the lock, another watches the server's sessions.
    const locker = postgres(app.databaseUrl!, { max: 1, onnotice: () => {} });
    const watcher = postgres(app.databaseUrl!, { max: 1, onnotice: () => {} });
    let release = () => {};
    try {
      const org = await seedOrg(app);
      const project = (await createProject(app, org.szId)).id;
      await respond(app, project);
      // Statistics that cannot finish: their rollups are locked. More of them than both pools
      // hold (3 for statistics, 5 for requests in this test database).
      const locked = new Promise<void>((resolve, reject) => {
        locker
          .begin(async (tx) => {
            await tx`lock table survey_response_rollups, survey_responses in access exclusive mode`;
            resolve();
            await new Promise<void>((r) => (release = r));
          })
          .catch(reject);
      });
      await locked;
      let answered = 0;
      const stats = Array.from({ length: 6 }, () => app.gql(STATS, {}, 'ADMIN').then((r) => (answered++, r)));
      // Wait until the statistics hold their pool's connections (waiting on the lock).
      for (let i = 0; i < 100; i++) {
        const rows = await watcher<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'cx-graphql-api:stats' and wait_event_type = 'Lock'`;
        if (rows[0]!.n === 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // A request still gets a connection: the statistics hold none of the requests'.
      const list = must<any>(await app.gql(`{ complaints(first: 1) { totalCount } projects(first: 5) { totalCount } }`, {}, 'MANAGER'), 'list');
      expect(list.complaints.totalCount).toBe(0);
      expect(list.projects.totalCount).toBeGreaterThan(0);
      expect(answered).toBe(0);
      release();
      for (const r of await Promise.all(stats)) expect(must<any>(r, 'stats').satisfactionStats.total.responses).toBe(1);
    } finally {
      release();
      await locker.end({ timeout: 5 });
      await watcher.end({ timeout: 5 });
      await app.close();
    }
  });

  it.skipIf(dbKind !== 'postgres')('statistics answer while every connection of the requests’ pool is held; a scoped viewer’s scope is read there first', async () => {
    const app = await startTestApp({ env: { SLA_SCHEDULER: 'off' } });
    const held: { release(): void }[] = [];
    try {
      const org = await seedOrg(app);
      const project = (await createProject(app, org.szId)).id;
      await respond(app, project);
      const scoped = await app.token('ANALYST', { scope: [project] });
      // Take every connection of the requests' pool (the test database's: 5) out of it.
      const sql = app.database.sql!;
      for (let i = 0; i < 5; i++) held.push(await sql.reserve());
      // A list reads through that pool: it waits. Statistics read through their own: they answer.
      let listed = false;
      const list = app.gql(`{ surveyResponses(first: 5) { totalCount } }`, {}, 'ADMIN').then((r) => ((listed = true), r));
      let scopedAnswered = false;
      const scopedStats = app.gql(STATS, {}, scoped).then((r) => ((scopedAnswered = true), r));
      const stats = must<any>(await app.gql(STATS, {}, 'ADMIN'), 'stats');
      expect(stats).toEqual({ satisfactionStats: { total: { responses: 1 } }, complaintStats: { total: { complaints: 0 } } });
      expect(listed).toBe(false);
      // The scoped viewer's statistics first resolve the scope claim on the requests' pool.
      expect(scopedAnswered).toBe(false);
      for (const h of held.splice(0)) h.release();
      expect(must<any>(await list, 'list').surveyResponses.totalCount).toBe(1);
      expect(must<any>(await scopedStats, 'scoped stats').satisfactionStats.total.responses).toBe(1);
      const rows = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'cx-graphql-api:stats'`;
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      for (const h of held) h.release();
      await app.close();
    }
  });

  it('counts the statistics’ statements in /metrics and per request, on either database', async () => {
    const metrics = async () => statementsOf(await (await t.fetch('/metrics')).text());
    await t.settle();
    const before = await metrics();
    const counted = t.requestStatements();
    must(await t.gql(STATS, {}, 'ADMIN'), 'stats');
    expect(t.requestStatements() - counted).toBeGreaterThanOrEqual(2);
    expect((await metrics()) - before).toBeGreaterThanOrEqual(2);
  });
});
