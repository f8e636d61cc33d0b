import { PGlite, types } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import path from 'node:path';
import postgres from 'postgres';
import { projectRoot } from '../paths.js';
import { deriveArrayRunner, registerArrayRunner } from './rows.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The drizzle database, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; every service method accepts either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** A connected database with its driver-specific operations. */
export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /**
   * Number of SQL statements sent through drizzle since start, and of transactions begun on
   * request handles ({@link forRequest}) (tests and benchmarks count these).
   */
  readonly stats: { queries: number; transactions: number };
  /**
   * The handle one request works through: `db`, but each statement, in transactions begun on
   * it too, first calls `before` (the request's time budget, which throws to refuse it), then
   * is counted as usual.
   */
  forRequest(before: () => void): Db;
  /** Throws unless the database answers. */
  ping(): Promise<void>;
  /**
   * LISTENs on a channel (on PostgreSQL over the driver's one dedicated listening
   * connection; on PGlite in-process); resolves to a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Applies pending migrations from `migrations/`, serialised across instances. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** The embedded client, when embedded. */
  readonly pglite?: PGlite;
  /** The postgres.js client, when on a server. */
  readonly sql?: postgres.Sql;
  /** The server's URL, when on a server (another pool may be opened on it: see src/server.ts). */
  readonly url?: string;
}

export const migrationsFolder = () => path.join(projectRoot(), 'migrations');
const MIGRATION_LOCK = 7_310_001;

type QueryLogger = { logQuery(query: string, params: unknown[]): void };

/** Per database, the prototype of its request handles (see {@link derive}). */
const handleProtos = new WeakMap<Db, Db>();

/**
 * The statement counter: drizzle's query logger of a database, which its array-mode fast path
 * and its request handles call too, so that wrapping its `logQuery` (as bench/complaints-create
 * does to list statements) sees every statement.
 */
function counter() {
  const stats = { queries: 0, transactions: 0 };
  const logger: QueryLogger = {
    logQuery() {
      stats.queries++;
    },
  };
  return { stats, logger, note: (text: string) => logger.logQuery(text, []) };
}

/**
 * `db` with every statement calling `before`, then `logger` (see {@link Database.forRequest}): a
 * handle whose drizzle session has another query logger, in its options too (a transaction's
 * session is made from them), and whose array-mode fast path calls it. Transactions begun on it
 * are counted. Two objects on top of the shared ones: cheap enough to make for every request.
 */
function derive(db: Db, before: () => void, base: QueryLogger, stats: { transactions: number }): Db {
  const logger: QueryLogger = {
    logQuery(query, params) {
      before();
      base.logQuery(query, params);
    },
  };
  // Made once per database, then shared by its handles: a handle is three plain objects that
  // inherit from these (properties set by assignment rather than defined one by one, as
  // `Object.create` with descriptors does, which was 2 % of a short request's CPU).
  let proto = handleProtos.get(db);
  if (!proto) {
    const begin = db.transaction;
    proto = Object.create(db, {
      transaction: {
        value(this: Db, ...args: Parameters<Db['transaction']>) {
          stats.transactions++;
          return begin.apply(this, args);
        },
      },
      // drizzle's relational builders hold the session they were made with: through this handle they would skip `before`.
      query: {
        get() {
          throw new Error('db.query (drizzle relational queries) is not available on a request handle: its statements would skip the request budget; use select()');
        },
      },
    }) as Db;
    handleProtos.set(db, proto);
  }
  const session = (db as unknown as { session: { options?: Record<string, unknown> } }).session;
  const derivedSession = Object.create(session) as { logger: QueryLogger; options: Record<string, unknown> };
  derivedSession.logger = logger;
  // Object.assign, not `{ ...options, logger }`: on Node 20 a spread followed by another property
  // takes V8's slow path and the copy outlives the next minor GC (BENCHMARKS.md, "What survives a scavenge").
  derivedSession.options = Object.assign({}, session.options, { logger });
  const derived = Object.create(proto) as Db & { session: object };
  derived.session = derivedSession;
  deriveArrayRunner(db, derived, (text) => logger.logQuery(text, []));
  return derived;
}

/** Date and time values stay text for drizzle's column decoders, as drizzle's PGlite driver asks. */
const pgliteAsText = (value: string) => value;
const PGLITE_ARRAY_MODE = {
  rowMode: 'array' as const,
  parsers: Object.fromEntries(
    // timestamp, timestamptz, interval, date, and their arrays; numeric[]
    [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1115, 1185, 1187, 1182, 1231].map((t) => [t, pgliteAsText]),
  ),
};

/** Opens the embedded PGlite, in `dataDir` (a folder), or in memory, or from a dumped data dir. */
export async function openPglite(opts: { dataDir?: string; loadDataDir?: Blob }): Promise<Database> {
  const client = await PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir });
  return wrapPglite(client);
}

export function wrapPglite(client: PGlite): Database {
  const { stats, note, logger } = counter();
  const db = drizzlePglite(client, { schema, logger }) as unknown as Db;
  registerArrayRunner(db, async (text, params) => (await client.query<unknown[]>(text, params, PGLITE_ARRAY_MODE)).rows, note);
  return {
    db,
    kind: 'pglite',
    stats,
    forRequest: (before) => derive(db, before, logger, stats),
    pglite: client,
    async ping() {
      // One connection in this process: a ping waits for the statement running before it.
      await within(2_000, client.query('select 1'));
    },
    async listen(channel, onNotify) {
      const stop = await client.listen(channel, onNotify);
      return async () => {
        if (!client.closed) await stop();
      };
    },
    async migrate() {
      await migratePglite(db as never, { migrationsFolder: migrationsFolder() });
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

/** Gives up on a promise after `ms` (the work itself is not cancelled). */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Connects to a PostgreSQL server through postgres.js. `statementTimeoutMs` bounds every
 * statement on the server. Readiness pings use a connection of their own, so they never
 * queue behind requests that hold the pool.
 */
export function openPostgres(url: string, opts: { max?: number; statementTimeoutMs?: number; applicationName?: string } = {}): Database {
  // jit off: short OLTP statements never gain from JIT, and the statistics' aggregations over narrow
  // tables spent more compiling (about 0.1 s each on 250,000 rows) than it saved.
  const connection: Record<string, string | number> = { application_name: opts.applicationName ?? 'cx-graphql-api', jit: 'off' };
  if (opts.statementTimeoutMs) connection.statement_timeout = opts.statementTimeoutMs;
  const client = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, connection });
  let pinger: postgres.Sql | null = null;
  const { stats, note, logger } = counter();
  const db = drizzlePostgres(client, { schema, logger }) as unknown as Db;
  // drizzle set the client's date parsers to pass text through: rows match drizzle's own.
  // `simple: false`: postgres.js runs a statement without parameters by the simple protocol,
  // unprepared, planned at every execution (a page whose limit is written into its text).
  const extended = (prepare: boolean) => ({ prepare, simple: false }) as postgres.UnsafeQueryOptions;
  registerArrayRunner(
    db,
    (text, params, prepare) => client.unsafe(text, params as postgres.ParameterOrJSON<never>[], extended(prepare)).values() as Promise<unknown[][]>,
    note,
  );
  return {
    db,
    kind: 'postgres',
    url,
    stats,
    forRequest: (before) => derive(db, before, logger, stats),
    sql: client,
    async listen(channel, onNotify) {
      const sub = await client.listen(channel, (payload) => onNotify(payload ?? ''));
      return () => sub.unlisten();
    },
    async ping() {
      pinger ??= postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'cx-graphql-api:ping', statement_timeout: 2_000 } });
      await within(2_000, pinger`select 1`);
    },
    async migrate() {
      // One migrator at a time when several instances start together: a session advisory
      // lock held on the single connection the migrator uses.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(single), { migrationsFolder: migrationsFolder() });
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), pinger?.end({ timeout: 1 })]);
    },
  };
}
