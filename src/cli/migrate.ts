import { loadConfig } from '../config.js';
import { openConfigured } from '../db/open.js';

/** Applies pending migrations to the configured database. */
const database = await openConfigured(loadConfig());
try {
  await database.migrate();
  console.log(`migrations applied (${database.kind})`);
} finally {
  await database.close();
}
