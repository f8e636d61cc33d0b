import type { Logger } from 'pino';
import { Access } from '../auth/access.js';
import { personalLookups, type LookupBudget, type PersonalLookups } from '../auth/lookup-budget.js';
import type { Viewer } from '../auth/token.js';
import type { Config } from '../config.js';
import type { Database, Db } from '../db/client.js';
import type { RequestBudget } from '../db/deadline.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Cursors } from './pagination.js';
import type { EventHub } from '../events/hub.js';
import type { DeliveryTransport } from '../events/delivery.js';
import type { SlaRuntime } from '../sla/runtime.js';

/** What every resolver receives, for HTTP and WebSocket alike. */
export type Context = {
  requestId: string;
  viewer: Viewer | null;
  access: Access;
  db: Db;
  /** Where statistics read: their own pool, on the read replica (DATABASE_READ_URL) when configured, else on the primary; on the embedded database, `db`. */
  readDb: Db;
  loaders: Loaders;
  config: Config;
  logger: Logger;
  /** The current time; injected so tests control it. */
  now: () => Date;
  /** Business calendar and scheduler hooks. */
  sla: SlaRuntime;
  /** Budget of exact-value lookups by personal data (phone, name, ID number) for this viewer. */
  lookups: PersonalLookups;
  /** Pagination cursors, keyed by the server secret. */
  cursors: Cursors;
  /** This instance's fan-out of the event log (subscriptions). */
  events: EventHub;
  /** For WebSocket operations: what the transport does when a subscriber cannot keep up, how it counts deliveries, and its shared path. */
  transport?: DeliveryTransport & { onOverflow(): void };
};

/** Long-lived dependencies a context is built from. */
export type AppDeps = { config: Config; database: Database; readDatabase?: Database; logger: Logger; clock?: () => Date; sla: SlaRuntime; lookupBudget: LookupBudget; cursors: Cursors; events: EventHub };

/**
 * A fresh per-request context: new access object and new DataLoaders. With a `budget` (HTTP
 * requests), every statement of the request, on the primary and on the replica, checks it first.
 */
export function createContext(deps: AppDeps, viewer: Viewer | null, requestId: string, budget?: RequestBudget): Context {
  const check = budget ? () => budget.check() : null;
  const handle = (d: Database) => (check ? d.forRequest(check) : d.db);
  const db = handle(deps.database);
  const access = new Access(viewer, db);
  return {
    requestId,
    viewer,
    access,
    db,
    readDb: deps.readDatabase ? handle(deps.readDatabase) : db,
    loaders: createLoaders(db),
    config: deps.config,
    logger: deps.logger.child({ requestId, sub: viewer?.id }),
    now: deps.clock ?? (() => new Date()),
    sla: deps.sla,
    lookups: personalLookups(deps.lookupBudget, viewer, db),
    cursors: deps.cursors,
    events: deps.events,
  };
}
