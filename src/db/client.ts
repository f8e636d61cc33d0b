import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import path from 'node:path';
import postgres from 'postgres';
import { projectRoot } from '../paths.js';
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
  /** Number of SQL statements sent through drizzle since start (tests count these). */
  readonly stats: { queries: number };
  /** Throws unless the database answers. */
  ping(): Promise<void>;
  /** Applies pending migrations from `migrations/`, serialised across instances. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** The embedded client, when embedded. */
  readonly pglite?: PGlite;
  /** The postgres.js client, when on a server. */
  readonly sql?: postgres.Sql;
}

export const migrationsFolder = () => path.join(projectRoot(), 'migrations');
const MIGRATION_LOCK = 7_310_001;

function counter() {
  const stats = { queries: 0 };
  return { stats, logger: { logQuery: () => void stats.queries++ } };
}

/** Opens the embedded PGlite, in `dataDir` (a folder), or in memory, or from a dumped data dir. */
export async function openPglite(opts: { dataDir?: string; loadDataDir?: Blob }): Promise<Database> {
  const client = await PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir });
  return wrapPglite(client);
}

export function wrapPglite(client: PGlite): Database {
  const { stats, logger } = counter();
  const db = drizzlePglite(client, { schema, logger }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    stats,
    pglite: client,
    async ping() {
      await client.query('select 1');
    },
    async migrate() {
      await migratePglite(db as never, { migrationsFolder: migrationsFolder() });
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

/** Connects to a PostgreSQL server through postgres.js. */
export function openPostgres(url: string, opts: { max?: number } = {}): Database {
  const client = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connection: { application_name: 'cx-graphql-api' },
  });
  const { stats, logger } = counter();
  const db = drizzlePostgres(client, { schema, logger }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    stats,
    sql: client,
    async ping() {
      await client`select 1`;
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
      await client.end({ timeout: 5 });
    },
  };
}
