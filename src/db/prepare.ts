import type { Database } from './client.js';
import { ensureReferenceData } from '../sla/defaults.js';

/** Migrates the database and loads reference data (default SLA policies, holiday calendar). Idempotent. */
export async function prepareDatabase(database: Database): Promise<void> {
  await database.migrate();
  await ensureReferenceData(database.db);
}
