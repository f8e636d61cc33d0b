import pino, { type Logger } from 'pino';

/**
 * Properties of database errors that carry the values of a statement (drizzle's
 * `params`, postgres.js' `parameters`/`args`, PostgreSQL's `detail` such as
 * "Key (phone)=(13800138000) already exists", `where` context lines): personal data
 * that must never reach the logs.
 */
const VALUE_PROPERTIES = new Set(['params', 'parameters', 'args', 'detail', 'where', 'query_values']);

/**
 * Serialises an error for the logs: name, message, code, constraint and stack, with
 * the cause chain, but without statement parameters. drizzle puts them into the
 * message itself (`Failed query: … params: …`): that line is cut off.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || depth > 5) return err instanceof Error ? { type: err.name } : err;
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: e.constructor?.name ?? e.name, message: e.message.replace(/\nparams:[\s\S]*$/, '') };
  for (const [k, v] of Object.entries(e)) {
    if (k === 'cause' || VALUE_PROPERTIES.has(k) || typeof v === 'function') continue;
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  }
  // Frames only: the stack's first lines repeat the message, parameters included.
  if (e.stack) out.stack = e.stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
  if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** Structured JSON logs on stdout; errors are serialised with their stack (logs only, never responses) and without SQL parameters. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'cx-graphql-api' }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } },
    destination,
  );
}
