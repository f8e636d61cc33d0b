import { z } from 'zod';

/**
 * Runtime configuration, parsed once from the environment.
 * Nothing else in the code base reads `process.env`.
 */
const schema = z
  .object({
    /** `production`, `development` or `test`. Production refuses a missing JWT secret. */
    NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
    /** HTTP port for GraphQL, WebSocket, health and metrics. */
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    /** Interface to bind. */
    HOST: z.string().default('0.0.0.0'),
    /** PostgreSQL connection string; when unset the embedded PGlite in DATA_DIR is used. */
    DATABASE_URL: z.string().url().optional(),
    /** Folder of the embedded PGlite database (ignored with DATABASE_URL). */
    DATA_DIR: z.string().default('./data'),
    /** Connection pool size for a real PostgreSQL. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Load demo data on start when the database has no projects yet: `auto` (embedded only), `always`, `never`. */
    SEED_DEMO_DATA: z.enum(['auto', 'always', 'never']).default('auto'),
    /** HMAC secret for bearer tokens (HS256). Required in production; at least 32 characters. */
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
    /** Issuer claim written to and required of tokens. */
    JWT_ISSUER: z.string().default('cx-graphql-api'),
    /** Lifetime of tokens printed by `npm run token`. */
    TOKEN_TTL: z.string().default('12h'),
    /** pino log level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Allow schema introspection (and the IDE). Defaults to on outside production. */
    INTROSPECTION: z.enum(['true', 'false']).optional(),
    /** Pre-fill the IDE with a short-lived ADMIN token for browsers on this machine (never in production). */
    IDE_DEV_TOKEN: z.enum(['true', 'false']).default('false'),
    /** Maximum selection depth of an operation. */
    MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(100).default(12),
    /** Maximum estimated cost of an operation (fields × connection page sizes). */
    MAX_QUERY_COST: z.coerce.number().int().min(10).default(50_000),
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
  seedDemoData: 'auto' | 'always' | 'never';
  jwtSecret: string;
  jwtIssuer: string;
  tokenTtl: string;
  logLevel: string;
  introspection: boolean;
  ideDevToken: boolean;
  maxQueryDepth: number;
  maxQueryCost: number;
  maxBodyBytes: number;
  rateLimitPerMinute: number;
  segmentBreakInMonths: number;
  segmentVeteranMonths: number;
  shutdownGraceMs: number;
  businessTimeZone: string;
  workingHours: { start: string; end: string };
  slaScheduler: boolean;
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
    seedDemoData: e.SEED_DEMO_DATA,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    jwtIssuer: e.JWT_ISSUER,
    tokenTtl: e.TOKEN_TTL,
    logLevel: e.LOG_LEVEL,
    introspection: e.INTROSPECTION ? e.INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    ideDevToken: e.IDE_DEV_TOKEN === 'true',
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryCost: e.MAX_QUERY_COST,
    maxBodyBytes: e.MAX_BODY_BYTES,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    segmentBreakInMonths: e.SEGMENT_BREAK_IN_MONTHS,
    segmentVeteranMonths: e.SEGMENT_VETERAN_MONTHS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    businessTimeZone: e.BUSINESS_TIME_ZONE,
    workingHours: { start: e.WORKING_HOURS.slice(0, 5), end: e.WORKING_HOURS.slice(6) },
    slaScheduler: e.SLA_SCHEDULER === 'on',
    slaPollMaxMs: e.SLA_POLL_MAX_MS,
    slaLateAfterMs: e.SLA_LATE_AFTER_MS,
    slaBatchSize: e.SLA_BATCH_SIZE,
  };
}
