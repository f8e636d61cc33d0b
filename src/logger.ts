import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout; errors are serialised with their stack (logs only, never responses). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'cx-graphql-api' }, timestamp: pino.stdTimeFunctions.isoTime });
}
