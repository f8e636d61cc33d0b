import 'reflect-metadata';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { bearerToken, signToken, verifyToken, type Viewer } from './auth/token.js';
import { createContext, type AppDeps, type Context } from './graphql/context.js';
import { AppError, formatError } from './graphql/errors.js';
import { ideAsset, idePage } from './graphql/ide.js';
import { LookupBudget } from './auth/lookup-budget.js';
import { withDeadline } from './db/deadline.js';
import { findBadTextInVariables } from './graphql/hygiene.js';
import { checkDocument, depthLimit, operationCost, RateLimiter, type LimitViolation } from './graphql/limits.js';
import { Cursors } from './graphql/pagination.js';
import { getSchema } from './graphql/schema.js';
import type { SlaRuntime } from './sla/runtime.js';
import { SlaScheduler } from './sla/scheduler.js';
import { CalendarStore } from './sla/store.js';

/** A running (or ready to run) API server. */
export type App = {
  server: http.Server;
  /** Starts listening; resolves to the bound port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes sockets. */
  close(): Promise<void>;
  metrics: client.Registry;
  /** This instance's SLA alert scheduler (started by `listen` when SLA_SCHEDULER=on). */
  scheduler: SlaScheduler;
  sla: SlaRuntime;
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Whether the client prefers `application/graphql-response+json` over `application/json`
 * (GraphQL over HTTP): the higher quality wins, then the earlier entry.
 */
function prefersGraphqlResponseJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let gr: { q: number; i: number } | null = null;
  let json: { q: number; i: number } | null = null;
  accept.split(',').forEach((part, i) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!(q > 0)) return;
    if (type === 'application/graphql-response+json') gr ??= { q, i };
    else if (type === 'application/json' || type === 'application/*' || type === '*/*') {
      if (!json || q > json.q) json = { q, i };
    }
  });
  if (!gr) return false;
  const g: { q: number; i: number } = gr;
  const j = json as { q: number; i: number } | null;
  return !j || g.q > j.q || (g.q === j.q && g.i < j.i);
}

/**
 * Sends a request error the way the GraphQL pipeline would: 400 under
 * `application/graphql-response+json`, 200 under the legacy `application/json`.
 */
function sendRequestError(req: IncomingMessage, res: ServerResponse, error: { message: string; extensions: Record<string, unknown> }) {
  const modern = prefersGraphqlResponseJson(req.headers.accept);
  const text = JSON.stringify({ errors: [error] });
  res.writeHead(modern ? 400 : 200, {
    'content-type': `${modern ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

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

const bearerTokenOrEmpty = (h: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(h ?? '')?.[1] ?? '';

const isLoopback = (addr: string | undefined) => !!addr && (addr === '::1' || addr.startsWith('127.') || addr === '::ffff:127.0.0.1');

/** Builds the HTTP server: GraphQL over HTTP, IDE, health, readiness and metrics. */
export async function createApp(input: Omit<AppDeps, 'sla' | 'lookupBudget' | 'cursors'>): Promise<App> {
  const { config, database, logger } = input;
  const metrics = new client.Registry();
  const alertsFired = new client.Counter({
    name: 'sla_alerts_fired_total',
    help: 'SLA alerts fired by this instance, by level',
    labelNames: ['level'] as const,
    registers: [metrics],
  });
  const alertLateness = new client.Histogram({
    name: 'sla_alert_lateness_seconds',
    help: 'Time from an alert’s moment to its firing',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300, 3600],
    registers: [metrics],
  });
  const scheduler = new SlaScheduler(database, {
    onFired: ({ level, latenessMs }) => {
      alertsFired.inc({ level });
      alertLateness.observe(Math.max(latenessMs, 0) / 1000);
    },
    now: input.clock ?? (() => new Date()),
    logger: logger.child({ component: 'sla-scheduler' }),
    lateAfterMs: config.slaLateAfterMs,
    pollMaxMs: config.slaPollMaxMs,
    batchSize: config.slaBatchSize,
  });
  const sla: SlaRuntime = {
    calendars: new CalendarStore({ timeZone: config.businessTimeZone, hours: config.workingHours }),
    wake() {
      scheduler.wake();
      scheduler.notifyOthers().catch((err) => logger.warn({ err }, 'SLA wake-up NOTIFY failed'));
    },
  };
  const deps: AppDeps = { ...input, sla, lookupBudget: new LookupBudget(database.db, config.personalLookupsPerMinute), cursors: new Cursors(config.jwtSecret) };
  const schema = await getSchema();

  client.collectDefaultMetrics({ register: metrics });
  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });
  const graphqlErrors = new client.Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors returned, by code',
    labelNames: ['code'] as const,
    registers: [metrics],
  });
  new client.Counter({
    name: 'db_statements_total',
    help: 'SQL statements sent through drizzle',
    registers: [metrics],
    collect() {
      this.reset();
      this.inc(database.stats.queries);
    },
  });

  const errorPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const original = unwrapResolverError(e);
            if (original instanceof GraphQLError && !(original instanceof AppError) && e.extensions?.code) continue;
            if (original instanceof AppError) continue;
            contextValue.logger.error({ err: original, path: e.path }, 'internal error');
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => {
            const code = String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
            graphqlErrors.inc({ code });
            return code === 'INTERNAL_SERVER_ERROR' ? { ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } } : e;
          });
        },
      };
    },
  };

  const costPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema: s }) {
          if (!operation) return;
          const cost = operationCost(s, document, operation, request.variables ?? {}, { stopAbove: config.maxQueryCost });
          if (cost > config.maxQueryCost) {
            throw new AppError(
              'QUERY_TOO_COMPLEX',
              `Estimated query cost exceeds the maximum of ${config.maxQueryCost}; ask for smaller pages or fewer nested connections`,
              // Counting stops past the maximum: `cost` is a lower bound. A client error: 400.
              { cost, maxCost: config.maxQueryCost, http: { status: 400 } },
            );
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT: it drains HTTP first, then stops Apollo, then closes the database.
    stopOnTerminationSignals: false,
    // Bearer tokens (not cookies) authenticate, so cross-site requests carry no credentials:
    // CSRF prevention would only block cacheable GET requests from BI tools.
    csrfPrevention: false,
    validationRules: [depthLimit(config.maxQueryDepth)],
    parseOptions: { maxTokens: config.documentLimits.maxTokens },
    plugins: [ApolloServerPluginLandingPageDisabled(), errorPlugin, costPlugin],
  });
  await apollo.start();

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
  let inFlight = 0;
  let closing = false;

  async function authenticate(req: IncomingMessage): Promise<Viewer | null> {
    const token = bearerToken(req.headers.authorization);
    return token ? verifyToken(config, token) : null;
  }

  async function handleGraphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET or POST on /graphql', { allow: 'GET, POST' });
    }
    let viewer: Viewer | null;
    try {
      viewer = await authenticate(req);
    } catch (e) {
      if (e instanceof AppError) throw new HttpError(401, 'UNAUTHENTICATED', e.message, { 'www-authenticate': 'Bearer' });
      throw e;
    }
    const wait = limiter.take(viewer ? `sub:${viewer.id}` : `ip:${req.socket.remoteAddress}`);
    if (wait > 0) throw new HttpError(429, 'RATE_LIMITED', `Too many requests; retry in ${wait} s`, { 'retry-after': String(wait) });

    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, config.maxBodyBytes);
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/(graphql-response\+)?json\b/i.test(type) && !/^application\/json/i.test(type)) {
        throw new HttpError(415, 'BAD_REQUEST', 'POST bodies must be JSON (Content-Type: application/json)');
      }
      try {
        body = JSON.parse(raw);
      } catch {
        throw new HttpError(400, 'BAD_REQUEST', 'The request body is not valid JSON');
      }
    }
    // Cheap checks before the document is validated or run: structural limits, and no
    // control characters in any text, literal or variable.
    const { query, variables } = operationOf(body, url);
    if (typeof query === 'string') {
      const v = inspect(query);
      if (v) {
        const { message, ...extensions } = v;
        graphqlErrors.inc({ code: v.code });
        return sendRequestError(req, res, { message, extensions });
      }
    }
    const bad = findBadTextInVariables(variables);
    if (bad) {
      graphqlErrors.inc({ code: 'BAD_USER_INPUT' });
      return sendRequestError(req, res, { message: bad.message, extensions: { code: 'BAD_USER_INPUT', field: bad.field } });
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const result = await withDeadline(config.requestTimeoutMs, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: url.search, body },
        context: async () => createContext(deps, viewer, requestId),
      }),
    );
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    // GraphQL over HTTP: with the legacy `application/json` media type a well-formed request
    // that fails parsing or validation SHOULD still be 200 (clients read `errors`);
    // `application/graphql-response+json` keeps Apollo's 4xx.
    if (
      res.statusCode === 400 &&
      result.body.kind === 'complete' &&
      String(result.headers.get('content-type') ?? '').startsWith('application/json') &&
      /"code":"(GRAPHQL_PARSE_FAILED|GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT|QUERY_TOO_COMPLEX)"/.test(result.body.string)
    ) {
      res.statusCode = 200;
    }
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = process.hrtime.bigint();
    const requestId = (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,100}$/.test(req.headers['x-request-id'])
      ? req.headers['x-request-id']
      : randomUUID());
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    let route = 'other';
    inFlight++;
    try {
      if (closing) res.setHeader('connection', 'close');
      if (url.pathname === '/healthz') {
        route = 'healthz';
        sendJson(res, 200, { status: 'ok' });
      } else if (url.pathname === '/readyz') {
        route = 'readyz';
        try {
          if (closing) throw new Error('shutting down');
          await database.ping();
          sendJson(res, 200, { status: 'ready', database: database.kind });
        } catch {
          sendJson(res, 503, { status: 'unavailable', database: database.kind });
        }
      } else if (url.pathname === '/metrics') {
        route = 'metrics';
        if (config.metricsToken) {
          const given = Buffer.from(bearerTokenOrEmpty(req.headers.authorization));
          const want = Buffer.from(config.metricsToken);
          if (given.length !== want.length || !timingSafeEqual(given, want)) {
            throw new HttpError(401, 'UNAUTHENTICATED', 'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"', { 'www-authenticate': 'Bearer' });
          }
        }
        const text = await metrics.metrics();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
      } else if (url.pathname.startsWith('/ide/') && config.introspection) {
        route = 'ide';
        const asset = ideAsset(url.pathname);
        if (!asset) throw new HttpError(404, 'NOT_FOUND', 'No such file');
        res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
        res.end(asset.body);
      } else if (
        (url.pathname === '/' || url.pathname === '/graphql') &&
        req.method === 'GET' &&
        !url.searchParams.has('query') &&
        (req.headers.accept ?? '').includes('text/html')
      ) {
        route = 'ide';
        if (!config.introspection) throw new HttpError(404, 'NOT_FOUND', 'The IDE is disabled (INTROSPECTION=false)');
        // Opt-in development convenience (IDE_DEV_TOKEN=true): a browser on this machine, not
        // behind a proxy, gets a short-lived ADMIN token pre-filled.
        const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
        const token = config.ideDevToken && config.nodeEnv !== 'production' && !proxied && isLoopback(req.socket.remoteAddress)
          ? await signToken(config, { sub: 'dev-ide', role: 'ADMIN', name: 'IDE (development)' }, '8h')
          : null;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(idePage(token));
      } else if (url.pathname === '/graphql') {
        route = 'graphql';
        await handleGraphql(req, res, url, requestId);
      } else {
        throw new HttpError(404, 'NOT_FOUND', `No route ${url.pathname}; GraphQL is at /graphql`);
      }
    } catch (e) {
      if (e instanceof HttpError) {
        sendJson(res, e.status, { errors: [{ message: e.message, extensions: { code: e.code } }] }, e.headers);
      } else {
        logger.error({ err: e, requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
        else res.end();
      }
    } finally {
      inFlight--;
      httpDuration.observe({ route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  const server = http.createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5_000;

  return {
    server,
    metrics,
    scheduler,
    sla,
    async listen(port = config.port, host = config.host) {
      const bound = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
      if (config.slaScheduler) await scheduler.start();
      return bound;
    },
    async close() {
      closing = true;
      await scheduler.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + config.shutdownGraceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    },
  };
}
