import { mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { openPglite, openPostgres, type Database } from './client.js';

/** Opens the configured database: a PostgreSQL server with DATABASE_URL, else the embedded PGlite in DATA_DIR. */
export async function openConfigured(config: Config): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, { max: config.databasePoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs });
  mkdirSync(config.dataDir, { recursive: true });
  return openPglite({ dataDir: config.dataDir });
}
