import { createSourceEventStream, execute, getOperationAST, GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type http from 'node:http';
import type { Logger } from 'pino';
import client from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { STREAM_READERS } from '../auth/access.js';
import { bearerToken, verifyToken, type Viewer } from '../auth/token.js';
import type { Config } from '../config.js';
import type { Delivery, DeliveryTransport } from '../events/delivery.js';
import type { Prepared } from '../events/hub.js';
import type { StoredEvent } from '../events/log.js';
import { createContext, type AppDeps, type Context } from '../graphql/context.js';
import { AppError, formatError } from '../graphql/errors.js';
import { findBadTextInVariables } from '../graphql/hygiene.js';
import { checkDocument, depthLimit, operationCost } from '../graphql/limits.js';
import { CountedHistogram } from '../metrics.js';
import { sendTextFrames, serveGraphqlWs } from './ws-transport.js';

/**
 * Close codes of the WebSocket endpoint, beyond those of graphql-ws itself (4400 bad
 * message, 4403 forbidden, 4406 subprotocol, 4408 init timeout, 4409 duplicate id,
 * 4429 too many init requests, 4500 internal).
 */
export const CLOSE = {
  /** No, malformed, invalid or expired bearer token in `connection_init`, or the token expired while connected. */
  UNAUTHORIZED: 4401,
  /** The token subject already holds WS_MAX_CONNECTIONS_PER_SUBJECT connections on this instance. */
  TOO_MANY_CONNECTIONS: 4429,
  /** The client did not read fast enough: a subscription's buffer filled up. Resume with `after`. */
  TOO_SLOW: 4413,
  /** The server is shutting down: reconnect (to another instance) and resume with `after`. */
  GOING_AWAY: 1001,
} as const;

type Extra = { viewer?: Viewer; expiry?: NodeJS.Timeout; subject?: string };

/** Prometheus metrics of the WebSocket endpoint. */
function socketMetrics(registry: client.Registry, live: Set<{ subscriptions: Record<string, unknown> }>) {
  return {
    connections: new client.Gauge({
      name: 'ws_connections',
      help: 'Open WebSocket connections (authenticated)',
      registers: [registry],
      collect() {
        this.set(live.size);
      },
    }),
    subscriptions: new client.Gauge({
      name: 'ws_subscriptions',
      help: 'Active subscriptions',
      registers: [registry],
      collect() {
        let n = 0;
        for (const c of live) n += Object.keys(c.subscriptions).length;
        this.set(n);
      },
    }),
    delivered: new client.Counter({ name: 'events_delivered_total', help: 'Subscription events sent to clients, by type', labelNames: ['type'] as const, registers: [registry] }),
    lag: new CountedHistogram({
      name: 'event_delivery_lag_seconds',
      help: 'Time from an event being written to it being sent to a subscriber',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300],
      registers: [registry],
    }),
    sharedDelivered: new client.Counter({
      name: 'events_delivered_shared_total',
      help: 'Of events_delivered_total, those sent by a cohort of alike subscribers: checked, executed and serialised once for all of them',
      registers: [registry],
    }),
    closed: new client.Counter({ name: 'ws_closed_total', help: 'WebSocket connections closed, by code', labelNames: ['code'] as const, registers: [registry] }),
  };
}

/**
 * A viewer whose identity (`id`, `name`) is watched: an execution that reads it depends
 * on who the subscriber is, not only on what they may see, and is not shared.
 */
function watchIdentity(viewer: Viewer) {
  let read = false;
  const watched = { ...viewer };
  for (const key of ['id', 'name'] as const) {
    Object.defineProperty(watched, key, {
      enumerable: true,
      get: () => {
        read = true;
        return viewer[key];
      },
    });
  }
  return { viewer: watched as Viewer, wasRead: () => read, forget: () => (read = false) };
}

/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on the HTTP server's `/graphql`:
 * authentication in `connection_init`, token expiry, limits per connection and per
 * token subject, keep-alive pings, the same document limits and error masking as HTTP,
 * and a context per operation built like an HTTP request's.
 */
export function createSocketServer(opts: {
  server: http.Server;
  schema: GraphQLSchema;
  config: Config;
  deps: AppDeps;
  logger: Logger;
  registry: client.Registry;
}) {
  const { config, deps, schema, logger } = opts;
  const live = new Set<{ subscriptions: Record<string, unknown> }>();
  const metrics = socketMetrics(opts.registry, live);
  const perSubject = new Map<string, number>();
  const wss = new WebSocketServer({ server: opts.server, path: '/graphql' });
  const rules = [...specifiedRules, depthLimit(config.maxQueryDepth)];
  const shutClose = (socket: WebSocket, code: number, reason: string) => {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
  };

  const deliveredByType = new Map<string, client.Counter.Internal>();
  const deliveredOf = (type: string) => {
    let c = deliveredByType.get(type);
    if (!c) deliveredByType.set(type, (c = metrics.delivered.labels({ type })));
    return c;
  };

  /** Counts `count` deliveries of `e` (by type) and their lag, one observation each. */
  const recordDelivered = (e: StoredEvent, count: number) => {
    deliveredOf(e.type).inc(count);
    const lag = Math.max(Date.now() - e.at.getTime(), 0) / 1000;
    metrics.lag.observeMany(lag, count);
  };

  /** Per operation: a short name for its document, operation name and variables. */
  const documentKeys = new WeakMap<object, string>();

  /** Executes a document for one event with a fresh context; tells whether it read who the viewer is. */
  async function executeFresh(args: ExecutionArgs, payload: unknown): Promise<{ result: ExecutionResult; personal: boolean }> {
    const own = args.contextValue as Context;
    const watch = own.viewer ? watchIdentity(own.viewer) : null;
    const contextValue = createContext(deps, watch?.viewer ?? null, own.requestId);
    watch?.forget();
    contextValue.transport = own.transport;
    const result = await execute({ ...args, rootValue: payload, contextValue });
    return { result, personal: watch?.wasRead() ?? false };
  }

  /**
   * The result of one event for one subscriber. An event that carries a `shareKey` (the
   * event and the subscriber's sight and filter, see src/events/delivery.ts) is executed
   * once per document among the subscribers who share that key, within a second: a
   * thousand dashboards on one document cost one execution and a thousand sends. An
   * execution that read the viewer's identity is not shared; each runs its own.
   */
  async function resultFor(args: ExecutionArgs, payload: unknown): Promise<ExecutionResult> {
    const shareKey = (payload as { shareKey?: unknown } | null)?.shareKey;
    const documentKey = documentKeys.get(args.contextValue as object);
    if (typeof shareKey !== 'string' || !documentKey) return (await executeFresh(args, payload)).result;
    const shared = await sharedRun(args, documentKey, payload as Delivery<unknown>);
    if (shared.mine || !shared.personal) return shared.result;
    return (await executeFresh(args, payload)).result;
  }

  /** The execution of `documentKey` for a delivery, shared among the subscribers of its `shareKey` within a second. */
  async function sharedRun(args: ExecutionArgs, documentKey: string, delivery: Delivery<unknown>) {
    let mine = false;
    const shared = await deps.events.shared(`x${documentKey}:${delivery.shareKey}`, async () => {
      mine = true;
      const run = await executeFresh(args, delivery);
      // graphql-js builds `data` of prototype-less objects, which JSON.stringify walks slowly;
      // a result sent to many subscribers is copied once into plain objects.
      return run.result.data ? { ...run, result: { ...run.result, data: JSON.parse(JSON.stringify(run.result.data)) } } : run;
    });
    return { ...shared, mine };
  }

  /**
   * The shared path of one subscription (see Cohort in src/events/hub.ts): its key is the
   * document and the sight, its message is prepared once per event for the whole cohort
   * (the shared check and execution, serialised once), and each member's send is one
   * synchronous write of `next` with its own id, the same bytes graphql-ws would send.
   */
  function laneFor(args: ExecutionArgs, documentKey: string, id: string, socket: WebSocket): NonNullable<DeliveryTransport['lane']> {
    const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    return (sight, deliveryOf) => ({
      key: `${documentKey}|${sight}`,
      prepare: async (e, upcoming): Promise<Prepared<Buffer>> => {
        const delivery = await deliveryOf(e, upcoming);
        if (!delivery) return { kind: 'skip' };
        const run = await sharedRun(args, documentKey, delivery);
        if (run.personal) return { kind: 'personal' };
        if (run.result.errors) return { kind: 'slow' };
        return { kind: 'send', message: Buffer.from(JSON.stringify(run.result)), checkedAt: delivery.checkedAt };
      },
      // A closing socket: the member leaves for its own path, which sends nothing more.
      send: (messages) => socket.readyState === socket.OPEN && sendTextFrames(socket, head, messages as readonly Buffer[]),
      delivered: (e, count) => {
        recordDelivered(e, count);
        metrics.sharedDelivered.inc(count);
      },
    });
  }

  /** graphql-js `subscribe`, with each event's execution shared where it may be. */
  async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in Object(source))) return source as ExecutionResult;
    const events = source as AsyncIterableIterator<unknown>;
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const r = await events.next();
        return r.done ? r : { value: await resultFor(args, r.value), done: false };
      },
      // Straight through: ending the source ends a waiting `next` at once.
      async return() {
        await events.return?.();
        return { value: undefined, done: true };
      },
      async throw(e: unknown) {
        await events.return?.();
        throw e;
      },
      [Symbol.asyncIterator]: () => mapped,
    };
    return mapped;
  }

  const cleanup = serveGraphqlWs<Extra>(
    {
      subscribe,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        let viewer: Viewer;
        try {
          const token = typeof raw === 'string' ? bearerToken(raw) : null;
          if (!token) throw AppError.unauthenticated('Send { "authorization": "Bearer <token>" } in connection_init');
          viewer = await verifyToken(config, token);
        } catch (e) {
          shutClose(socket, CLOSE.UNAUTHORIZED, e instanceof AppError ? e.message.slice(0, 120) : 'Unauthorized');
          return false;
        }
        if (!STREAM_READERS.includes(viewer.role)) return false; // graphql-ws closes with 4403
        const held = perSubject.get(viewer.id) ?? 0;
        if (held >= config.wsMaxConnectionsPerSubject) {
          shutClose(socket, CLOSE.TOO_MANY_CONNECTIONS, `At most ${config.wsMaxConnectionsPerSubject} connections per token subject`);
          return false;
        }
        perSubject.set(viewer.id, held + 1);
        ctx.extra.subject = viewer.id;
        ctx.extra.viewer = viewer;
        // Close when the token expires (clamped: setTimeout takes at most ~24.8 days).
        const ms = Math.min(Math.max(viewer.expiresAt.getTime() - Date.now(), 0), 2 ** 31 - 1);
        ctx.extra.expiry = setTimeout(() => shutClose(socket, CLOSE.UNAUTHORIZED, 'The bearer token expired; reconnect with a new one'), ms);
        live.add(ctx);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const viewer = ctx.extra.viewer;
        if (!viewer) return [new AppError('UNAUTHENTICATED', 'Not authenticated')];
        if (Object.keys(ctx.subscriptions).length >= config.wsMaxSubscriptionsPerConnection) {
          return [new AppError('RATE_LIMITED', `At most ${config.wsMaxSubscriptionsPerConnection} subscriptions per connection; complete one first`, { limit: config.wsMaxSubscriptionsPerConnection })];
        }
        const violation = checkDocument(payload.query, config.documentLimits);
        if (violation) {
          const { message, ...extensions } = violation;
          return [new GraphQLError(message, { extensions })];
        }
        const bad = findBadTextInVariables(payload.variables);
        if (bad) return [AppError.badInput(bad.field, bad.message.replace(`${bad.field}: `, ''))];
        let document;
        try {
          document = parse(payload.query, { maxTokens: config.documentLimits.maxTokens });
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError('Syntax error')];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unknown or ambiguous operation: send operationName')];
        const cost = operationCost(schema, document, operation, payload.variables ?? {}, { stopAbove: config.maxQueryCost });
        if (cost > config.maxQueryCost) {
          return [new AppError('QUERY_TOO_COMPLEX', `Estimated query cost exceeds the maximum of ${config.maxQueryCost}`, { cost, maxCost: config.maxQueryCost })];
        }
        const contextValue = createContext(deps, viewer, `ws:${id}`);
        const documentKey = deps.events.intern(JSON.stringify([payload.query, payload.operationName ?? null, payload.variables ?? null]));
        documentKeys.set(contextValue, documentKey);
        const args = { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue } satisfies ExecutionArgs;
        contextValue.transport = {
          onOverflow: () => shutClose(ctx.extra.socket, CLOSE.TOO_SLOW, 'Subscriber too slow: reconnect and resume with `after` from your last cursor'),
          onDeliver: (e: StoredEvent) => recordDelivered(e, 1),
          lane: laneFor(args, documentKey, id, ctx.extra.socket),
        };
        return args;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
      onClose: (ctx, code) => {
        metrics.closed.inc({ code: String(code ?? 0) });
        if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
        live.delete(ctx);
        if (ctx.extra.subject) {
          const n = (perSubject.get(ctx.extra.subject) ?? 1) - 1;
          if (n > 0) perSubject.set(ctx.extra.subject, n);
          else perSubject.delete(ctx.extra.subject);
        }
      },
    },
    wss,
    config.wsKeepAliveMs,
    logger,
  );

  wss.on('error', (err) => logger.warn({ err }, 'WebSocket server error'));

  return {
    /** Closes every connection (clients reconnect and resume with `after`); keeps accepting. */
    disconnectAll(code: number = CLOSE.GOING_AWAY, reason = 'Disconnected by the server; reconnect and resume with `after`'): void {
      for (const socket of wss.clients) shutClose(socket, code, reason);
    },
    /** Closes every connection with 1001 (going away) and stops accepting. */
    async close(): Promise<void> {
      for (const socket of wss.clients) shutClose(socket, CLOSE.GOING_AWAY, 'Server shutting down; reconnect and resume with `after`');
      await cleanup.dispose();
    },
  };
}
