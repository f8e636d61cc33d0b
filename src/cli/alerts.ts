import { parseArgs } from 'node:util';
import { alertFeed } from './alert-feed.js';

/**
 * Prints SLA alerts as they arrive. Usage:
 *   npm run --silent alerts -- --url http://localhost:4000 --token <token> [--levels BREACHED,ESCALATED] [--after <cursor>] [--json]
 * Reconnects with backoff and resumes after the last alert printed; Ctrl-C stops.
 */
const usage =
  'usage: npm run --silent alerts -- --url <http://host:port> --token <token> [--levels WARNING,BREACHED,ESCALATED,LOW_SATISFACTION,TOUCHPOINT_OVERDUE] [--after <cursor>] [--json]';
try {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:4000' },
      token: { type: 'string' },
      levels: { type: 'string' },
      after: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (!values.token) throw new Error('--token is required (npm run --silent token -- --role SUBSCRIBER)');
  const feed = alertFeed({
    url: values.url!,
    token: values.token,
    levels: values.levels ? values.levels.split(',').map((l) => l.trim().toUpperCase()).filter(Boolean) : undefined,
    after: values.after ?? null,
    json: values.json,
    write: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`# ${line}\n`),
  });
  const stop = () => {
    void feed.stop().then(() => {
      const last = feed.lastCursor();
      if (last) process.stderr.write(`# stopped; resume with --after ${last}\n`);
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await feed.done;
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(1);
}
