import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { projects, regions } from '../../src/db/schema/index.js';
import { anyOf, selectFixed, selectRows } from '../../src/db/rows.js';
import { AppError } from '../../src/graphql/errors.js';
import { createProject, seedOrg, unique } from '../helpers/factories.js';
import { codeOf, startTestApp, type TestApp } from '../helpers/test-app.js';

// Generous, so that a busy CI machine answers the unhindered requests within the budget.
const BUDGET_MS = 1_000;
const HOLD_MS = 2_500;
const PROJECTS = `{ projects(first: 5) { edges { node { name cityCompany { name region { name } } } } } }`;

/**
 * REQUEST_TIMEOUT_MS over HTTP: a request's statements check its budget before they start, and
 * only its own. Work outside any request makes the request's first statement (the page of
 * projects with their city companies, checked at once) wait longer than the budget, so the next
 * one (the regions' loader) would start after it.
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
    // A hold that fails to take place fails the test instead of leaving it waiting.
    await Promise.race([
      placed,
      held.then(() => {
        throw new Error('the hold ended before it was in place');
      }),
    ]);
    return { released: held };
  }

  it('answers within the budget as usual', async () => {
    const r = await t.gql(PROJECTS, {}, 'ADMIN');
    expect(r.errors).toBeUndefined();
    expect(r.data?.projects.edges[0]?.node.cityCompany).toEqual({ name: '深圳公司', region: { name: '华南区域' } });
  });

  it('refuses the statements a request would start after its budget, as TIMEOUT, and the next request has a budget of its own', async () => {
    const { released } = await holdProjects();
    const started = Date.now();
    const r = await t.gql(PROJECTS, {}, 'ADMIN');
    const took = Date.now() - started;
    await released;
    expect(took).toBeGreaterThan(BUDGET_MS);
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

/**
 * `Database.forRequest`, path by path, on the test's driver: every statement a request's handle
 * sends calls `before` first (and is counted), in transactions and savepoints too, and a
 * `before` that throws stops the statement before it reaches the database.
 */
describe("a request's database handle", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('calls `before` once for every statement, on every path, and still counts them', async () => {
    let calls = 0;
    const h = t.database.forRequest(() => void calls++);
    const code = `R${unique()}`;
    const paths: [string, () => Promise<unknown>][] = [
      ['select through drizzle', () => h.select().from(projects).limit(1)],
      ['select on the array-mode fast path', () => selectRows(h, h.select().from(projects).limit(1))],
      ['fixed select', () => selectFixed(h, 'request-budget-test', [[1]], () => h.select().from(projects).where(anyOf(projects.id, [1])))],
      ['execute', () => h.execute(sql`select 1`)],
      ['$count', () => h.$count(projects)],
      ['insert', () => h.insert(regions).values({ code, name: '预算区域' })],
      ['update', () => h.update(regions).set({ name: '预算区域二' }).where(eq(regions.code, code))],
      ['delete', () => h.delete(regions).where(eq(regions.code, code))],
    ];
    for (const [what, run] of paths) {
      const [c0, q0] = [calls, t.database.stats.queries];
      await run();
      expect({ what, before: calls - c0 }).toEqual({ what, before: 1 });
      // Counted too (the instance's background work may add its own statements meanwhile).
      expect({ what, counted: t.database.stats.queries - q0 >= 1 }).toEqual({ what, counted: true });
    }
    // In a transaction and a savepoint, each statement too (drizzle's savepoint bookkeeping may add its own).
    const once = async (run: () => Promise<unknown>) => {
      const c = calls;
      await run();
      expect(calls - c).toBe(1);
    };
    await h.transaction(async (tx) => {
      await once(() => tx.select().from(projects).limit(1));
      await once(() => tx.execute(sql`select 1`));
      await tx.transaction(async (sp) => once(() => sp.execute(sql`select 2`)));
    });
    // The shared handle is untouched.
    const c1 = calls;
    await t.database.db.execute(sql`select 1`);
    expect(calls).toBe(c1);
    expect(() => (h as unknown as { query: unknown }).query).toThrow(/not available on a request handle/);
  });

  it('sends nothing once `before` refuses, and a refused statement in a transaction rolls it back', async () => {
    const code = `R${unique()}`;
    let open = true;
    const h = t.database.forRequest(() => {
      if (!open) throw new AppError('TIMEOUT', 'spent');
    });
    open = false;
    await expect(h.insert(regions).values({ code, name: '预算区域' })).rejects.toThrow('spent');
    await expect(selectRows(h, h.select().from(regions))).rejects.toThrow('spent');
    open = true;
    await expect(
      h.transaction(async (tx) => {
        await tx.insert(regions).values({ code, name: '预算区域' });
        open = false;
        await tx.update(regions).set({ name: '不应写入' }).where(eq(regions.code, code));
      }),
    ).rejects.toThrow('spent');
    expect(await t.database.db.select().from(regions).where(eq(regions.code, code))).toEqual([]);
  });
});
