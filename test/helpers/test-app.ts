import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { inject } from 'vitest';
import { signToken } from '../../src/auth/token.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openPglite, openPostgres, type Database } from '../../src/db/client.js';
import type { Department, Role } from '../../src/domain/enums.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type App } from '../../src/server.js';

/** A GraphQL response as clients see it. */
export type GqlResult<T = any> = {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
};

/** Which database this test run uses. */
export const dbKind: 'pglite' | 'postgres' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

/**
 * A fresh database for one test file, cloned from the migrated template of this
 * run: a PGlite loaded from the dumped data dir, or a server database copied from
 * the template database. `drop()` removes it.
 */
export async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void>; url?: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const file = inject('pgliteTemplate');
    const database = await openPglite({ loadDataDir: new Blob([readFileSync(file)]) });
    return { database, drop: () => database.close() };
  }
  const template = inject('pgTemplate');
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${template}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), { max: 5 });
  return {
    database,
    url: url.toString(),
    drop: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export type TokenOptions = { scope?: string[] | null; sub?: string; department?: Department; name?: string };

/** A running API on a random port over a fresh database. */
export type TestApp = {
  url: string;
  config: Config;
  database: Database;
  /** The PostgreSQL URL of this test's database (PostgreSQL pass only), for a second connection. */
  databaseUrl?: string;
  app: App;
  /** Signs a token for a role. */
  token(role: Role, opts?: TokenOptions): Promise<string>;
  /** POSTs an operation; `auth` is a token or a role (signed with whole-group scope). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, auth?: string | Role | null): Promise<GqlResult<T>>;
  /**
   * SQL statements sent for requests so far (the statistics pool's included): all statements
   * minus the event log's background work (sequencing and reading events), for counting a
   * request's statements.
   */
  requestStatements(): number;
  /** Waits until background work (SLA scheduler, event fan-out) has stopped sending statements. */
  settle(): Promise<void>;
  /** Raw fetch against the server. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

const ROLE_NAMES = new Set(['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST', 'SUBSCRIBER']);

export async function startTestApp(opts: { env?: Record<string, string>; clock?: () => Date } = {}): Promise<TestApp> {
  // The rollup compactor's statement every 5 s would land, now and then, inside a request whose
  // statements a test counts (requestStatements): off unless a test asks for it.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ROLLUP_COMPACT_MS: '0', ...opts.env });
  const { database, drop, url: databaseUrl } = await freshDatabase();
  const logger = createLogger(config.logLevel);
  const app = await createApp({ config, database, logger, clock: opts.clock });
  const port = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  // Statements of both pools: on PostgreSQL the statistics read through their own (see createApp).
  const statements = () => database.stats.queries + (app.readDatabase?.stats.queries ?? 0);
  const token = (role: Role, o: TokenOptions = {}) =>
    signToken(config, { sub: o.sub ?? `test-${role.toLowerCase()}`, role, scope: o.scope ?? null, department: o.department ?? null, name: o.name ?? null });
  return {
    url,
    config,
    database,
    databaseUrl,
    app,
    token,
    fetch: (path, init) => fetch(url + path, init),
    requestStatements: () => statements() - app.events.log.stats.statements,
    async settle() {
      let last = -1;
      for (let i = 0; i < 200 && statements() !== last; i++) {
        last = statements();
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async gql(query, variables, auth) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth) headers.authorization = `Bearer ${ROLE_NAMES.has(auth) ? await token(auth as Role) : auth}`;
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as GqlResult;
      return { ...body, status: res.status };
    },
    async close() {
      await app.close();
      await drop();
    },
  };
}

/** The `extensions.code` of the first error, for terse assertions. */
export const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

/**
 * The texts of the statements sent on `t`'s database while `fn` runs (drizzle's query logger,
 * which the fast row path also notes), with `fn`'s value.
 */
export async function traced<T>(t: TestApp, fn: () => Promise<T>): Promise<{ texts: string[]; value: T }> {
  const logger = (t.database.db as unknown as { session: { logger: { logQuery(q: string, p: unknown[]): void } } }).session.logger;
  const original = logger.logQuery;
  const texts: string[] = [];
  logger.logQuery = function (query, params) {
    texts.push(query);
    return original.call(this, query, params);
  };
  try {
    return { texts, value: await fn() };
  } finally {
    logger.logQuery = original;
  }
}
