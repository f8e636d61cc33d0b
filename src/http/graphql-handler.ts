import { HeaderMap, type ApolloServer } from '@apollo/server';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, verifyToken, type Viewer } from '../auth/token.js';
import type { Config } from '../config.js';
import { RequestBudget } from '../db/deadline.js';
import { createContext, type AppDeps, type Context } from '../graphql/context.js';
import { AppError } from '../graphql/errors.js';
import { findBadTextInVariables } from '../graphql/hygiene.js';
import { checkDocument, RateLimiter, type LimitViolation } from '../graphql/limits.js';
import type { Metrics } from '../metrics.js';
import { HttpError, readBody, sendRequestError } from './respond.js';

/** The `query` and `variables` of a GraphQL-over-HTTP request, where they can be read. */
function operationOf(body: unknown, url: URL): { query: unknown; variables: unknown } {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    return { query: b.query, variables: b.variables };
  }
  let variables: unknown;
  try {
    const raw = url.searchParams.get('variables');
    variables = raw ? JSON.parse(raw) : undefined;
  } catch {
    variables = undefined; // Apollo reports the malformed JSON
  }
  return { query: url.searchParams.get('query') ?? undefined, variables };
}

/**
 * GraphQL over HTTP on `/graphql`: authentication, the per-token rate limit, the body,
 * cheap structural checks before validation, then Apollo within the request's time
 * budget, with GraphQL-over-HTTP status codes.
 */
export function createGraphqlHandler(opts: { config: Config; deps: AppDeps; apollo: ApolloServer<Context>; metrics: Metrics }) {
  const { config, deps, apollo, metrics } = opts;
  const limiter = new RateLimiter(config.rateLimitPerMinute);
  // Verdicts of the structural check by document text: clients send the same few documents.
  const verdicts = new Map<string, LimitViolation | null>();
  const inspect = (query: string): LimitViolation | null => {
    let v = verdicts.get(query);
    if (v === undefined) {
      v = checkDocument(query, config.documentLimits);
      if (query.length <= 20_000) {
        if (verdicts.size >= 2_000) verdicts.clear();
        verdicts.set(query, v);
      }
    }
    return v;
  };

  async function authenticate(req: IncomingMessage): Promise<Viewer | null> {
    try {
      const token = bearerToken(req.headers.authorization);
      return token ? await verifyToken(config, token) : null;
    } catch (e) {
      if (e instanceof AppError) throw new HttpError(401, 'UNAUTHENTICATED', e.message, { 'www-authenticate': 'Bearer' });
      throw e;
    }
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const raw = await readBody(req, config.maxBodyBytes);
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/(graphql-response\+)?json\b/i.test(type) && !/^application\/json/i.test(type)) {
      throw new HttpError(415, 'BAD_REQUEST', 'POST bodies must be JSON (Content-Type: application/json)');
    }
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'The request body is not valid JSON');
    }
  }

  return async function handleGraphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET or POST on /graphql', { allow: 'GET, POST' });
    }
    const viewer = await authenticate(req);
    const wait = limiter.take(viewer ? `sub:${viewer.id}` : `ip:${req.socket.remoteAddress}`);
    if (wait > 0) throw new HttpError(429, 'RATE_LIMITED', `Too many requests; retry in ${wait} s`, { 'retry-after': String(wait) });
    const body = method === 'POST' ? await readJson(req) : undefined;

    // Cheap checks before the document is validated or run: structural limits, and no
    // control characters in any text, literal or variable.
    const { query, variables } = operationOf(body, url);
    if (typeof query === 'string') {
      const v = inspect(query);
      if (v) {
        const { message, ...extensions } = v;
        metrics.graphqlErrors.inc({ code: v.code });
        return sendRequestError(req, res, { message, extensions });
      }
    }
    const bad = findBadTextInVariables(variables);
    if (bad) {
      metrics.graphqlErrors.inc({ code: 'BAD_USER_INPUT' });
      return sendRequestError(req, res, { message: bad.message, extensions: { code: 'BAD_USER_INPUT', field: bad.field } });
    }

    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const budget = new RequestBudget(config.requestTimeoutMs);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: async () => createContext(deps, viewer, requestId, budget),
    });
    // Answers depend on the token: never stored by a shared or browser cache.
    res.setHeader('cache-control', 'no-store');
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    // GraphQL over HTTP: with the legacy `application/json` media type a well-formed request
    // that fails parsing or validation SHOULD still be 200 (clients read `errors`);
    // `application/graphql-response+json` keeps Apollo's 4xx.
    if (
      res.statusCode === 400 &&
      result.body.kind === 'complete' &&
      String(result.headers.get('content-type') ?? '').startsWith('application/json') &&
      /"code":"(GRAPHQL_PARSE_FAILED|GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT|QUERY_TOO_COMPLEX|BAD_REQUEST)"/.test(result.body.string)
    ) {
      res.statusCode = 200;
    }
    if (result.body.kind === 'complete') {
      // A cacheable answer carries a validator: a client revalidating with If-None-Match gets 304.
      if (res.statusCode === 200 && String(res.getHeader('cache-control') ?? '').startsWith('private, max-age')) {
        const etag = `"${createHash('sha256').update(result.body.string).digest('base64url').slice(0, 27)}"`;
        res.setHeader('etag', etag);
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          res.end();
          return;
        }
      }
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };
}
