import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, seedOrg, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, type TestApp } from '../helpers/test-app.js';

const BUDGET_MS = 200;
const HOLD_MS = 700;
const PROJECTS = `{ projects(first: 5) { edges { node { name cityCompany { name } } } } }`;

/**
 * REQUEST_TIMEOUT_MS over HTTP: a request's statements check its budget before they start, and
 * only its own. Work outside any request makes the request's first statement (the page of
 * projects, checked at once) wait longer than the budget, so the next one (the city companies'
 * loader) would start after it.
 */
describe('the request time budget (REQUEST_TIMEOUT_MS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { REQUEST_TIMEOUT_MS: String(BUDGET_MS) } });
    const org = await seedOrg(t);
    await createProject(t, org.szId);
  });
  afterAll(() => t?.close());

  /**
   * Makes the request's first statement wait HOLD_MS, outside any request: on PostgreSQL
   * another connection holds a lock on `projects`; PGlite, one session, runs nothing else
   * meanwhile. Resolves once the hold is in place, with `released`: a promise of its end.
   */
  async function holdProjects(): Promise<{ released: Promise<unknown> }> {
    let inPlace!: () => void;
    const placed = new Promise<void>((r) => (inPlace = r));
    const wait = async () => {
      inPlace();
      await new Promise((r) => setTimeout(r, HOLD_MS));
    };
    const held = t.database.pglite
      ? t.database.pglite.runExclusive(wait)
      : (async () => {
          const other = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
          try {
            await other.begin(async (tx) => {
              await tx`lock table projects in access exclusive mode`;
              await wait();
            });
          } finally {
            await other.end();
          }
        })();
    await placed;
    return { released: held };
  }

  it('answers within the budget as usual', async () => {
    const r = await t.gql(PROJECTS, {}, 'ADMIN');
    expect(r.errors).toBeUndefined();
    expect(r.data?.projects.edges[0]?.node.cityCompany.name).toBe('深圳公司');
  });

  it('refuses the statements a request would start after its budget, as TIMEOUT, and the next request has a budget of its own', async () => {
    const { released } = await holdProjects();
    const started = Date.now();
    const r = await t.gql(PROJECTS, {}, 'ADMIN');
    await released;
    expect(Date.now() - started).toBeGreaterThan(BUDGET_MS);
    expect(codeOf(r)).toBe('TIMEOUT');
    expect(r.errors?.[0]?.message).toContain(`${BUDGET_MS} ms time budget`);

    // The work that held the database, outside the request, was not cut short; the next request is fine.
    const again = await t.gql(PROJECTS, {}, 'ADMIN');
    expect(again.errors).toBeUndefined();
    expect(again.data?.projects.edges).toHaveLength(1);
  });

  it('refuses the rest of a write that runs out of its budget inside its transaction, and commits none of it', async () => {
    const org = await seedOrg(t);
    const code = `P-${unique()}`;
    const create = `mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id code } } }`;
    const input = { cityCompanyId: org.szId, code, name: '预算项目', city: '深圳', stage: 'SIGNING' };
    const { released } = await holdProjects();
    const r = await t.gql(create, { input }, 'ADMIN');
    await released;
    expect(codeOf(r)).toBe('TIMEOUT');
    const after = await t.gql(`query($s: String) { projects(first: 5, filter: { search: $s }) { edges { node { code } } } }`, { s: code }, 'ADMIN');
    expect(after.errors).toBeUndefined();
    expect(after.data?.projects.edges).toEqual([]);
    // Within its budget, the same write goes through.
    const ok = await t.gql(create, { input }, 'ADMIN');
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.createProject.project.code).toBe(code);
  });
});
