import { randomUUID, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { signToken } from '../auth/token.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { ideAsset, idePage } from '../graphql/ide.js';
import type { Metrics } from '../metrics.js';
import { bearerTokenOrEmpty, HttpError, isLoopback, sendJson } from './respond.js';

/** The HTTP server with its routes, and the state graceful shutdown needs. */
export type HttpServer = {
  server: http.Server;
  /** Requests being served now. */
  inFlight(): number;
  /** From now on, `/readyz` answers 503 and responses close their connections. */
  startClosing(): void;
};

/**
 * Routes: `/healthz`, `/readyz`, `/metrics`, the IDE and its assets, and `/graphql`
 * (handled by `graphql`). Errors before GraphQL are JSON `{ errors: [{ message,
 * extensions: { code } }] }`; anything unexpected is a 500 with the request id only.
 */
export function createHttpServer(opts: {
  config: Config;
  database: Database;
  logger: Logger;
  metrics: Metrics;
  graphql: (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => Promise<void>;
}): HttpServer {
  const { config, database, logger, metrics } = opts;
  let inFlight = 0;
  let closing = false;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = process.hrtime.bigint();
    const requestId =
      typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,100}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID();
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
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
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
        const token =
          config.ideDevToken && config.nodeEnv !== 'production' && !proxied && isLoopback(req.socket.remoteAddress)
            ? await signToken(config, { sub: 'dev-ide', role: 'ADMIN', name: 'IDE (development)' }, '8h')
            : null;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(idePage(token));
      } else if (url.pathname === '/graphql') {
        route = 'graphql';
        await opts.graphql(req, res, url, requestId);
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
      metrics.httpDuration.observe({ route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  const server = http.createServer((req, res) => void handle(req, res));
  // Idle keep-alive connections outlive a load balancer's (HTTP_KEEP_ALIVE_TIMEOUT_MS); a
  // request's headers may take a second more, so that a request arriving on a connection just
  // before its idle time ends is not cut off by the headers timeout.
  server.keepAliveTimeout = config.httpKeepAliveTimeoutMs;
  server.headersTimeout = config.httpKeepAliveTimeoutMs + 1_000;
  return {
    server,
    inFlight: () => inFlight,
    startClosing() {
      closing = true;
    },
  };
}
