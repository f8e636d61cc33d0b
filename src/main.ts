import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openConfigured } from './db/open.js';
import { seedDemoData } from './seed/demo.js';
import { createLogger } from './logger.js';
import { createApp } from './server.js';
import { prepareDatabase } from './db/prepare.js';
import { missingCalendarYears } from './sla/defaults.js';

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

const logger = createLogger(config.logLevel);
const database = await openConfigured(config);
logger.info({ database: database.kind, dataDir: config.databaseUrl ? undefined : config.dataDir }, 'database opened');
await prepareDatabase(database);
logger.info('migrations applied');
for (const year of await missingCalendarYears(database.db, new Date())) {
  logger.warn({ year }, `no holiday schedule loaded for ${year}: working-time SLA targets count weekends only; add it with upsertBusinessCalendarYear`);
}

const seed = config.seedDemoData === 'always' || (config.seedDemoData === 'auto' && database.kind === 'pglite');
if (seed) {
  const started = Date.now();
  const summary = await seedDemoData(database.db, {
    calendar: { timeZone: config.businessTimeZone, hours: config.workingHours },
    segments: { breakInMonths: config.segmentBreakInMonths, veteranMonths: config.segmentVeteranMonths },
  });
  if (summary) logger.info({ ...summary, ms: Date.now() - started }, 'demo data loaded');
}

const app = await createApp({ config, database, logger });
const port = await app.listen(config.port, config.host);
logger.info({ port, ide: `http://localhost:${port}/graphql`, introspection: config.introspection }, 'server listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  try {
    await app.close();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
