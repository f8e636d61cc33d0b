import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openConfigured } from '../db/open.js';
import { seedDemoData } from '../seed/demo.js';
import { prepareDatabase } from '../db/prepare.js';

/** Migrates, then loads the demo data into the configured database (skipped when it already has projects). */
const { values } = parseArgs({ options: { customers: { type: 'string' } } });
const config = loadConfig();
const database = await openConfigured(config);
try {
  await prepareDatabase(database);
  const started = Date.now();
  const calendar = { timeZone: config.businessTimeZone, hours: config.workingHours };
  const segments = { breakInMonths: config.segmentBreakInMonths, veteranMonths: config.segmentVeteranMonths };
  const summary = await seedDemoData(database.db, { calendar, segments, ...(values.customers ? { customers: Number(values.customers) } : {}) });
  console.log(summary ? `demo data loaded in ${Date.now() - started} ms: ${JSON.stringify(summary)}` : 'database already has projects; nothing loaded');
} finally {
  await database.close();
}
