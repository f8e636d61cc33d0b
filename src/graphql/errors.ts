import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/** The closed set of error codes clients can branch on (`extensions.code`). */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'INVALID_TRANSITION',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'TIMEOUT',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A user-facing error: a message that says what to fix, a code from {@link ERROR_CODES},
 * and optional details (`field`, `existingId`, `allowed`, …) in `extensions`.
 */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...details } });
  }

  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }

  static badInput(field: string, message: string, details: Record<string, unknown> = {}) {
    return new AppError('BAD_USER_INPUT', `${field}: ${message}`, { field, ...details });
  }
  static notFound(what: string, id?: string) {
    return new AppError('NOT_FOUND', id ? `${what} ${id} was not found` : `${what} was not found`, id ? { id } : {});
  }
  static forbidden(message: string) {
    return new AppError('FORBIDDEN', message);
  }
  static unauthenticated(message = 'Authentication required: send "Authorization: Bearer <token>"') {
    return new AppError('UNAUTHENTICATED', message);
  }
  static conflict(message: string, details: Record<string, unknown> = {}) {
    return new AppError('CONFLICT', message, details);
  }
  static invalidTransition(message: string, details: Record<string, unknown> = {}) {
    return new AppError('INVALID_TRANSITION', message, details);
  }
}

/** Codes produced by graphql-js/Apollo itself for bad requests; safe to show as they are. */
const REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The one place errors are shaped for clients: user errors pass with their code,
 * everything else becomes a bare INTERNAL_SERVER_ERROR (no message, stack or SQL).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) {
    // `formatted.extensions` is the AppError's, minus Apollo's `http` (status and headers).
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { ...formatted.extensions } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_CODES.has(code) && original instanceof GraphQLError) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    // Variable coercion errors name the offending path only in the message; expose it as `field`.
    const at = /^Variable "\$(\w+)" got invalid value .*? at "([^"]+)"/s.exec(formatted.message);
    const whole = /^Variable "\$(\w+)"/.exec(formatted.message);
    if (code === 'BAD_USER_INPUT' && (at || whole)) extensions.field = at ? at[2] : whole![1];
    return { ...formatted, extensions };
  }
  // Apollo's own request errors (a persisted-query hash that does not match, an unsupported
  // version …) carry an HTTP 4xx status but no code: client errors, with their message.
  const status = original instanceof GraphQLError ? (original.extensions?.http as { status?: number } | undefined)?.status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_REQUEST' } };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/** The SQLSTATE and constraint of a database error, looking through wrappers (drizzle wraps driver errors). */
export function pgErrorOf(e: unknown): { code?: string; constraint?: string } {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const o = cur as Record<string, unknown>;
    if (typeof o.code === 'string' && /^[0-9A-Z]{5}$/.test(o.code)) {
      return { code: o.code, constraint: (o.constraint_name ?? o.constraint) as string | undefined };
    }
    cur = o.cause;
  }
  return {};
}
