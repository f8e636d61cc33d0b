import { z } from 'zod';
import type { DocumentLimits } from './graphql/limits.js';

/**
 * Runtime configuration, parsed once from the environment.
 * Nothing else in the code base reads `process.env`.
 */
/** A token lifetime such as `30m`, `12h` or `7d`. */
const duration = z.string().regex(/^\d+\s*[smhd]$/, 'must be a number with s, m, h or d, e.g. 12h');

/** Seconds in a lifetime such as `12h`. */
export function durationSeconds(v: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(v);
  if (!m) throw new Error(`not a duration: ${v}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Whether a bind address is loopback only. */
export const isLoopbackHost = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

const schema = z
  .object({
    /** `production`, `development` or `test`. Production refuses a missing JWT secret. */
    NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
    /** HTTP port for GraphQL, WebSocket, health and metrics. */
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    /** Interface to bind: loopback by default; a public interface needs a real JWT_SECRET. */
    HOST: z.string().default('127.0.0.1'),
    /** PostgreSQL connection string; when unset the embedded PGlite in DATA_DIR is used. */
    DATABASE_URL: z.string().url().optional(),
    /** Folder of the embedded PGlite database (ignored with DATABASE_URL). */
    DATA_DIR: z.string().default('./data'),
    /** Connection pool size for a real PostgreSQL. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** PostgreSQL read replica for the statistics (BI) queries; unset: they read DATABASE_URL (or the embedded database). */
    DATABASE_READ_URL: z.string().url().optional(),
    /** Connections the statistics (BI) queries read through, apart from the requests' pool: to DATABASE_READ_URL, else to DATABASE_URL. */
    DATABASE_STATS_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(3),
    /** How long a browser or BI client may reuse a statistics answer fetched with GET (Cache-Control: private, max-age); 0: no-store. */
    STATS_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    /** Load demo data on start when the database has no projects yet: `auto` (embedded only), `always`, `never`. */
    SEED_DEMO_DATA: z.enum(['auto', 'always', 'never']).default('auto'),
    /** HMAC secret for bearer tokens (HS256). Required in production; at least 32 characters. */
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
    /** Issuer claim written to and required of tokens. */
    JWT_ISSUER: z.string().default('cx-graphql-api'),
    /** Lifetime of tokens printed by `npm run token`. */
    TOKEN_TTL: duration.default('12h'),
    /** Longest lifetime (`exp` − `iat`) a token may have; longer or open-ended tokens are refused. */
    TOKEN_MAX_TTL: duration.default('24h'),
    /** pino log level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Allow schema introspection (and the IDE). Defaults to on outside production. */
    INTROSPECTION: z.enum(['true', 'false']).optional(),
    /** Pre-fill the IDE with a short-lived ADMIN token for browsers on this machine (never in production). */
    IDE_DEV_TOKEN: z.enum(['true', 'false']).default('false'),
    /** Maximum selection depth of an operation. */
    MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(100).default(12),
    /** What executes operations over HTTP: queries compiled once per document (graphql-jit), or graphql-js's interpreter. */
    GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
    /** Maximum estimated cost of an operation (fields × connection page sizes). */
    MAX_QUERY_COST: z.coerce.number().int().min(10).default(50_000),
    /** Longest GraphQL document, in characters. */
    MAX_QUERY_LENGTH: z.coerce.number().int().min(1_000).default(100_000),
    /** Most lexical tokens in a GraphQL document. */
    MAX_QUERY_TOKENS: z.coerce.number().int().min(500).default(10_000),
    /** Most aliased fields in a document. */
    MAX_ALIASES: z.coerce.number().int().min(0).default(50),
    /** Most root fields in one operation. */
    MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(20),
    /** Most fragment spreads in a document. */
    MAX_FRAGMENT_SPREADS: z.coerce.number().int().min(0).default(300),
    /** Exact-value lookups of personal data (searches by phone or name, duplicate checks) per token subject per minute. */
    PERSONAL_LOOKUPS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    /** PostgreSQL statement timeout in milliseconds (server databases; 0 disables). */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Time budget of one GraphQL request in milliseconds: no new SQL statement starts after it. */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /** Bearer token required by `/metrics` when set (at least 16 characters); open otherwise. */
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
    /**
     * How long an idle HTTP keep-alive connection stays open, in milliseconds. Longer than a load
     * balancer's idle timeout (AWS ALB and nginx: 60 s), so the balancer, not this server, closes
     * idle connections: otherwise a request the balancer sends as the server closes gets a 502.
     */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(65_000),
    /** Maximum request body in bytes. */
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    /** Requests allowed per token (or per client address when anonymous) per minute; 0 disables. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /** Months after the first handover that a customer leaves the 磨合期 (BREAK_IN) segment. */
    SEGMENT_BREAK_IN_MONTHS: z.coerce.number().int().min(1).default(12),
    /** Months after the first handover from which a customer is a 老业主 (VETERAN). */
    SEGMENT_VETERAN_MONTHS: z.coerce.number().int().min(1).default(36),
    /** IANA time zone of the business calendar and working hours. */
    BUSINESS_TIME_ZONE: z
      .string()
      .default('Asia/Shanghai')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Asia/Shanghai'),
    /** Working hours for working-time SLA targets, local `HH:MM-HH:MM`. */
    WORKING_HOURS: z
      .string()
      .default('09:00-18:00')
      .refine((v) => {
        const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(v);
        return !!m && Number(m[1]) * 60 + Number(m[2]) < Number(m[3]) * 60 + Number(m[4]);
      }, 'must be HH:MM-HH:MM with the start before the end, e.g. 09:00-18:00'),
    /** Run the SLA alert scheduler in this instance (`on`/`off`); any number of instances may run it. */
    SLA_SCHEDULER: z.enum(['on', 'off']).default('on'),
    /** Longest the scheduler sleeps between checks (it also wakes on changes and at the next deadline). */
    SLA_POLL_MAX_MS: z.coerce.number().int().min(100).default(15_000),
    /** An alert fired more than this after its moment is marked late. */
    SLA_LATE_AFTER_MS: z.coerce.number().int().min(0).default(5_000),
    /** Clocks handled per scheduler transaction. */
    SLA_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
    /** How often the scheduler plans time-based standard actions (warranty ends, birthdays, bulletins, anniversaries), each run a day (or two intervals) ahead. */
    TOUCHPOINT_PLAN_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
    /** Longest time an instance waits before looking at the event log without a notification. */
    EVENTS_POLL_MS: z.coerce.number().int().min(50).default(5_000),
    /** Days events are kept for resuming subscriptions; older cursors are refused. */
    EVENT_RETENTION_DAYS: z.coerce.number().min(0.001).default(30),
    /** How often each instance folds the complaint rollups' deltas into the rollups (complaintStats reads both, so this changes speed, never figures); 0: never. */
    ROLLUP_COMPACT_MS: z.coerce.number().int().min(0).default(5_000),
    /** Events one subscription may have waiting before its connection counts as stuck (closed with 4413). */
    EVENT_STREAM_BUFFER: z.coerce.number().int().min(1).default(1_000),
    /** Least milliseconds between two sends to a cohort of alike subscribers: under steady load, events arriving sooner leave together. */
    EVENT_COALESCE_MS: z.coerce.number().int().min(0).max(1_000).default(25),
    /** Subscriptions one WebSocket connection may hold. */
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(20),
    /** WebSocket connections one token subject may hold on one instance. */
    WS_MAX_CONNECTIONS_PER_SUBJECT: z.coerce.number().int().min(1).default(10),
    /** Interval of WebSocket keep-alive pings; a connection that misses a pong is closed. */
    WS_KEEPALIVE_MS: z.coerce.number().int().min(100).default(12_000),
    /** Grace period for in-flight requests on SIGTERM, in milliseconds. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  });

/**
 * Checks across variables, run on the raw values even when single fields are invalid,
 * so every problem is reported at once.
 */
function crossChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    problems.push('JWT_SECRET: required when NODE_ENV=production (a random string of at least 32 characters)');
  }
  // The development secret is in the repository: anyone could sign ADMIN tokens for a
  // server reachable from elsewhere.
  if (env.HOST && !isLoopbackHost(env.HOST) && !env.JWT_SECRET) {
    problems.push(`HOST: ${env.HOST} is not a loopback address; set JWT_SECRET (the development secret is public) or bind to 127.0.0.1`);
  }
  const ttl = /^\d+\s*[smhd]$/.test(env.TOKEN_TTL ?? '12h') ? durationSeconds(env.TOKEN_TTL ?? '12h') : NaN;
  const maxTtl = /^\d+\s*[smhd]$/.test(env.TOKEN_MAX_TTL ?? '24h') ? durationSeconds(env.TOKEN_MAX_TTL ?? '24h') : NaN;
  if (ttl > maxTtl) problems.push('TOKEN_TTL: must not be longer than TOKEN_MAX_TTL');
  const breakIn = Number(env.SEGMENT_BREAK_IN_MONTHS ?? 12);
  const veteran = Number(env.SEGMENT_VETERAN_MONTHS ?? 36);
  if (Number.isFinite(breakIn) && Number.isFinite(veteran) && veteran <= breakIn) {
    problems.push('SEGMENT_VETERAN_MONTHS: must be greater than SEGMENT_BREAK_IN_MONTHS');
  }
  return problems;
}

/** Development-only signing secret; never accepted when NODE_ENV=production. */
const DEV_JWT_SECRET = 'development-only-secret-do-not-use-in-production!';

export type Config = {
  nodeEnv: 'production' | 'development' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  databaseReadUrl: string | undefined;
  /** See DATABASE_STATS_POOL_SIZE. */
  databaseStatsPoolSize: number;
  statsCacheMaxAgeSeconds: number;
  seedDemoData: 'auto' | 'always' | 'never';
  jwtSecret: string;
  jwtIssuer: string;
  tokenTtl: string;
  /** Longest token lifetime accepted, in seconds. */
  tokenMaxTtlSeconds: number;
  logLevel: string;
  introspection: boolean;
  ideDevToken: boolean;
  maxQueryDepth: number;
  maxQueryCost: number;
  /** See GRAPHQL_EXECUTOR. */
  graphqlExecutor: 'jit' | 'graphql-js';
  documentLimits: DocumentLimits;
  personalLookupsPerMinute: number;
  databaseStatementTimeoutMs: number;
  requestTimeoutMs: number;
  metricsToken: string | null;
  maxBodyBytes: number;
  httpKeepAliveTimeoutMs: number;
  rateLimitPerMinute: number;
  segmentBreakInMonths: number;
  segmentVeteranMonths: number;
  shutdownGraceMs: number;
  eventsPollMs: number;
  eventRetentionMs: number;
  eventStreamBuffer: number;
  /** How often the complaint rollups' deltas are folded in; 0: never. */
  rollupCompactMs: number;
  /** Least time between the starts of two sends of one cohort of alike subscribers: events arriving sooner leave together. */
  eventCoalesceMs: number;
  wsMaxSubscriptionsPerConnection: number;
  wsMaxConnectionsPerSubject: number;
  wsKeepAliveMs: number;
  businessTimeZone: string;
  workingHours: { start: string; end: string };
  slaScheduler: boolean;
  /** How often the scheduler plans time-based standard actions (warranty ends, birthdays…); each run plans a day ahead, or twice the interval. */
  touchpointPlanIntervalMs: number;
  slaPollMaxMs: number;
  slaLateAfterMs: number;
  slaBatchSize: number;
};

/** Thrown when the environment is invalid; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses an environment (default `process.env`) into a {@link Config}; throws {@link ConfigError}. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Blank values count as unset (a blank PORT must not become port 0).
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...crossChecks(cleaned),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseReadUrl: e.DATABASE_READ_URL,
    databaseStatsPoolSize: e.DATABASE_STATS_POOL_SIZE,
    statsCacheMaxAgeSeconds: e.STATS_CACHE_MAX_AGE_SECONDS,
    seedDemoData: e.SEED_DEMO_DATA,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    jwtIssuer: e.JWT_ISSUER,
    tokenTtl: e.TOKEN_TTL,
    tokenMaxTtlSeconds: durationSeconds(e.TOKEN_MAX_TTL),
    logLevel: e.LOG_LEVEL,
    introspection: e.INTROSPECTION ? e.INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    ideDevToken: e.IDE_DEV_TOKEN === 'true',
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryCost: e.MAX_QUERY_COST,
    graphqlExecutor: e.GRAPHQL_EXECUTOR,
    documentLimits: {
      maxLength: e.MAX_QUERY_LENGTH,
      maxTokens: e.MAX_QUERY_TOKENS,
      maxAliases: e.MAX_ALIASES,
      maxRootFields: e.MAX_ROOT_FIELDS,
      maxFragmentSpreads: e.MAX_FRAGMENT_SPREADS,
      maxIntrospectionFields: 3,
    },
    personalLookupsPerMinute: e.PERSONAL_LOOKUPS_PER_MINUTE,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN ?? null,
    maxBodyBytes: e.MAX_BODY_BYTES,
    httpKeepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    segmentBreakInMonths: e.SEGMENT_BREAK_IN_MONTHS,
    segmentVeteranMonths: e.SEGMENT_VETERAN_MONTHS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    eventsPollMs: e.EVENTS_POLL_MS,
    eventRetentionMs: Math.round(e.EVENT_RETENTION_DAYS * 86_400_000),
    eventStreamBuffer: e.EVENT_STREAM_BUFFER,
    rollupCompactMs: e.ROLLUP_COMPACT_MS,
    eventCoalesceMs: e.EVENT_COALESCE_MS,
    wsMaxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    wsMaxConnectionsPerSubject: e.WS_MAX_CONNECTIONS_PER_SUBJECT,
    wsKeepAliveMs: e.WS_KEEPALIVE_MS,
    businessTimeZone: e.BUSINESS_TIME_ZONE,
    workingHours: { start: e.WORKING_HOURS.slice(0, 5), end: e.WORKING_HOURS.slice(6) },
    slaScheduler: e.SLA_SCHEDULER === 'on',
    slaPollMaxMs: e.SLA_POLL_MAX_MS,
    slaLateAfterMs: e.SLA_LATE_AFTER_MS,
    slaBatchSize: e.SLA_BATCH_SIZE,
    touchpointPlanIntervalMs: e.TOUCHPOINT_PLAN_INTERVAL_MS,
  };
}
