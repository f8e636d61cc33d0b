import 'reflect-metadata';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type client from 'prom-client';
import { openPostgres, type Database } from './db/client.js';
import { LookupBudget } from './auth/lookup-budget.js';
import type { AppDeps } from './graphql/context.js';
import { Cursors } from './graphql/pagination.js';
import { getSchema } from './schema.js';
import { createApollo } from './http/apollo.js';
import { createGraphqlHandler } from './http/graphql-handler.js';
import { createHttpServer } from './http/router.js';
import { createMetrics } from './metrics.js';
import { EventHub } from './events/hub.js';
import { EventRetention } from './events/retention.js';
import { createSocketServer } from './realtime/socket-server.js';
import type { SlaRuntime } from './sla/runtime.js';
import { SlaScheduler } from './sla/scheduler.js';
import { CalendarStore } from './sla/store.js';
import { overdueSource, planningSource } from './modules/touchpoints/scheduler.js';
import { findingsSource } from './modules/inspections/scheduler.js';
import { ensureSurveyRollups } from './modules/surveys/rollups.js';
import { complaintRollupCompactor, ensureComplaintRollups } from './modules/complaints/rollups.js';

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
  /** This instance's fan-out of the event log to subscribers. */
  events: EventHub;
  /** Deletes events older than the retention. */
  retention: EventRetention;
  /** The WebSocket endpoint: `disconnectAll()` drops every client (they resume with `after`). */
  realtime: { disconnectAll(): void };
  /** The statistics' own pool (on the replica, else on the primary), when on PostgreSQL. */
  readDatabase?: Database;
};

/**
 * Wires one API instance: metrics, the SLA runtime and scheduler, the per-request
 * dependencies, Apollo and the HTTP server (src/http/). Starts nothing until `listen`.
 */
export async function createApp(input: Omit<AppDeps, 'sla' | 'lookupBudget' | 'cursors' | 'events' | 'readDatabase'>): Promise<App> {
  const { config, database, logger } = input;
  // Statistics read through a pool of their own (this instance opens and closes it): on the
  // replica when one is configured, else on the primary. A few slow statistics statements then
  // never hold the connections the requests' short reads and writes wait for. The embedded
  // database has one session: the statistics share it.
  const statsUrl = config.databaseReadUrl ?? (database.kind === 'postgres' ? database.url : undefined);
  const readDatabase = statsUrl
    ? openPostgres(statsUrl, { max: config.databaseStatsPoolSize, statementTimeoutMs: config.databaseStatementTimeoutMs, applicationName: 'cx-graphql-api:stats' })
    : undefined;
  const metrics = createMetrics(database, readDatabase);
  const scheduler = new SlaScheduler(database, {
    onFired: ({ level, latenessMs }) => {
      metrics.alertsFired.inc({ level });
      metrics.alertLateness.observe(Math.max(latenessMs, 0) / 1000);
    },
    now: input.clock ?? (() => new Date()),
    logger: logger.child({ component: 'sla-scheduler' }),
    lateAfterMs: config.slaLateAfterMs,
    pollMaxMs: config.slaPollMaxMs,
    batchSize: config.slaBatchSize,
    // Standard actions: overdue alerts on time, and time-based triggers planned ahead.
    sources: [
      overdueSource({ lateAfterMs: config.slaLateAfterMs }),
      // 6+2 inspection findings: their 15-day rectification deadlines.
      findingsSource({ lateAfterMs: config.slaLateAfterMs }),
      planningSource({
        timeZone: config.businessTimeZone,
        intervalMs: config.touchpointPlanIntervalMs,
        lookaheadMs: Math.max(86_400_000, 2 * config.touchpointPlanIntervalMs),
      }),
    ],
  });
  const sla: SlaRuntime = {
    calendars: new CalendarStore({ timeZone: config.businessTimeZone, hours: config.workingHours }),
    wake(earliest) {
      scheduler.wake(earliest);
      scheduler.notifyOthers(earliest).catch((err) => logger.warn({ err }, 'SLA wake-up NOTIFY failed'));
    },
  };
  const events = new EventHub(database, {
    logger: logger.child({ component: 'events' }),
    pollMs: config.eventsPollMs,
    streamCapacity: config.eventStreamBuffer,
    coalesceMs: config.eventCoalesceMs,
    batchSize: 500,
    onEvent: (e) => metrics.eventLogLag.observe(Math.max(Date.now() - e.at.getTime(), 0) / 1000),
    onRound: (r) => {
      metrics.eventRound.observe({ stage: 'prepare' }, r.prepareMs / 1000);
      metrics.eventRound.observe({ stage: 'flush' }, r.flushMs / 1000);
    },
  });
  const retention = new EventRetention(events.log, { retentionMs: config.eventRetentionMs, logger, now: input.clock ?? (() => new Date()) });
  const deps: AppDeps = {
    ...input,
    readDatabase,
    events,
    sla,
    lookupBudget: new LookupBudget(database.db, config.personalLookupsPerMinute),
    cursors: new Cursors(config.jwtSecret),
  };
  // The survey rollups' months are in the business time zone: rebuilt if they are in another (or none).
  if (await ensureSurveyRollups(database.db, config.businessTimeZone)) logger.info({ timeZone: config.businessTimeZone }, 'survey rollups rebuilt');
  if (await ensureComplaintRollups(database.db, config.businessTimeZone)) logger.info({ timeZone: config.businessTimeZone }, 'complaint rollups rebuilt');
  const compactor = complaintRollupCompactor(database.db, { logger: logger.child({ component: 'complaint-rollups' }), everyMs: config.rollupCompactMs });
  const schema = await getSchema();
  const apollo = await createApollo(schema, config, metrics);
  const http = createHttpServer({ config, database, logger, metrics, graphql: createGraphqlHandler({ config, deps, apollo, metrics }) });
  const { server } = http;
  const sockets = createSocketServer({ server, schema, config, deps, logger, registry: metrics.registry });

  return {
    server,
    metrics: metrics.registry,
    scheduler,
    sla,
    events,
    retention,
    realtime: { disconnectAll: () => sockets.disconnectAll() },
    readDatabase,
    async listen(port = config.port, host = config.host) {
      const bound = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
      await events.start();
      retention.start();
      compactor.start();
      if (config.slaScheduler) await scheduler.start();
      return bound;
    },
    async close() {
      http.startClosing();
      await scheduler.stop();
      await sockets.close();
      await events.stop();
      await retention.stop();
      await compactor.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + config.shutdownGraceMs;
      while (http.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      await readDatabase?.close();
    },
  };
}
