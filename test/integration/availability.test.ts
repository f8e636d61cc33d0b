import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/client.js';
import { pgErrorOf } from '../../src/graphql/errors.js';
import { dbKind, startTestApp, type TestApp } from '../helpers/test-app.js';

/** Health endpoints and slow statements (issue 6 §4). PGlite runs SQL on the main thread: see the README. */
describe.skipIf(dbKind !== 'postgres')('availability on a PostgreSQL server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('answers /readyz and /healthz while every pooled connection is busy with a slow statement', async () => {
    // The test app's pool has 5 connections: occupy them all for a second.
    let poolFreed = false;
    const busy = Promise.all(Array.from({ length: 6 }, () => t.database.db.execute(sql`select pg_sleep(1.5)`))).then(() => {
      poolFreed = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    const [ready, health] = await Promise.all([t.fetch('/readyz'), t.fetch('/healthz')]);
    // Answered while the pool was still taken: a ping through the pool would have queued.
    expect(poolFreed).toBe(false);
    expect(ready.status).toBe(200);
    expect(health.status).toBe(200);
    await busy;
    expect(poolFreed).toBe(true);
  });

  it('ends a statement that outlives DATABASE_STATEMENT_TIMEOUT_MS (SQLSTATE 57014)', async () => {
    const db = openPostgres(t.databaseUrl!, { max: 1, statementTimeoutMs: 200 });
    try {
      const err = await db.db.execute(sql`select pg_sleep(3)`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(pgErrorOf(err).code).toBe('57014');
      // The connection stays usable.
      const rows = (await db.db.execute(sql`select 1 as one`)) as unknown as { one: number }[];
      expect(rows[0]?.one).toBe(1);
    } finally {
      await db.close();
    }
  });
});
