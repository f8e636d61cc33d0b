import client from 'prom-client';
import type { Database } from './db/client.js';

/** The Prometheus registry of one app instance and the metrics its parts record. */
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Creates the registry: Node runtime, HTTP, GraphQL errors, SQL statements (of the requests'
 * pool and of the statistics' own, `readDatabase`), the event fan-out's stages, SLA alerts.
 */
export function createMetrics(database: Database, readDatabase?: Database) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  new client.Counter({
    name: 'db_statements_total',
    help: 'SQL statements sent through drizzle, the statistics pool’s included',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(database.stats.queries + (readDatabase?.stats.queries ?? 0));
    },
  });
  return {
    registry,
    httpDuration: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    graphqlErrors: new client.Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    graphqlReadyAnswers: new client.Counter({
      name: 'graphql_ready_answers_total',
      help: 'Queries answered without Apollo’s request pipeline: POSTs of a text Apollo answered before without errors (GRAPHQL_EXECUTOR=jit)',
      registers: [registry],
    }),
    alertsFired: new client.Counter({
      name: 'sla_alerts_fired_total',
      help: 'SLA alerts fired by this instance, by level',
      labelNames: ['level'] as const,
      registers: [registry],
    }),
    eventLogLag: new client.Histogram({
      name: 'event_log_lag_seconds',
      help: 'Time from an event being written (its transaction’s start) to this instance taking it from the log, sequenced or read: the first stage of event_delivery_lag_seconds',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30],
      registers: [registry],
    }),
    eventRound: new client.Histogram({
      name: 'event_round_seconds',
      help: 'Rounds of cohorts of alike subscribers, by stage: prepare (the shared check and executions of the round’s events) and flush (writing them to every member’s socket)',
      labelNames: ['stage'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    alertLateness: new client.Histogram({
      name: 'sla_alert_lateness_seconds',
      help: 'Time from an alert’s moment to its firing',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300, 3600],
      registers: [registry],
    }),
  };
}

/**
 * A histogram without labels that takes many equal observations at once: `observeMany(v, n)`
 * counts `n` observations of `v` in one step. The event fan-out sends one event to a thousand
 * subscribers in one round, all with the same lag; observed one by one through prom-client's
 * Histogram, that was a thousand calls per event (5 % of a server's busy time at 100 events/s).
 * Registered as a metric of its own (prom-client's registry reads its `name` and calls `get()`,
 * and `reset()` on `resetMetrics()`), exposed like any histogram: `_bucket{le}`, `_sum`,
 * `_count`, the registry's default labels added. It has no `labels()`, `startTimer()` or `zero()`.
 */
export class CountedHistogram {
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(opts: { name: string; help: string; buckets: readonly number[]; registers: client.Registry[] }) {
    this.name = opts.name;
    this.help = opts.help;
    this.bounds = [...opts.buckets].sort((x, y) => x - y);
    if (this.bounds.some((b, i) => !Number.isFinite(b) || b === this.bounds[i - 1])) throw new Error(`${opts.name}: buckets must be distinct finite numbers`);
    this.counts = new Float64Array(this.bounds.length);
    for (const r of opts.registers) r.registerMetric(this as unknown as client.Metric);
  }

  /** Counts `n` observations of `value` (a whole number; none for 0). Like prom-client, refuses a value that is not a finite number. */
  observeMany(value: number, n: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: value is not a valid number: ${value}`);
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${this.name}: count is not a whole number of observations: ${n}`);
    if (n === 0) return;
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) this.counts[i]! += n;
    this.sum += value * n;
    this.count += n;
  }

  /** Counts one observation of `value`. */
  observe(value: number): void {
    this.observeMany(value, 1);
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** What the registry formats (the shape prom-client's own histograms give). */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    let acc = 0;
    const bucket = `${this.name}_bucket`;
    const values = this.bounds.map((le, i) => ({ labels: { le } as Record<string, string | number>, value: (acc += this.counts[i]!), metricName: bucket }));
    values.push(
      { labels: { le: '+Inf' }, value: this.count, metricName: bucket },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values });
  }
}
