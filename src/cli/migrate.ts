import { loadConfig } from '../config.js';
import { openConfigured } from '../db/open.js';
import { prepareDatabase } from '../db/prepare.js';

/** Applies pending migrations to the configured database. */
const database = await openConfigured(loadConfig());
try {
  await prepareDatabase(database);
  console.log(`migrations applied (${database.kind})`);
} finally {
  await database.close();
}
