import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { durationSeconds, type Config } from '../config.js';
import { DEPARTMENTS, ROLES, type Department, type Role } from '../domain/enums.js';
import { AppError } from '../graphql/errors.js';
import { hasBadText } from '../graphql/hygiene.js';

/** The authenticated caller, from a verified bearer token. */
export type Viewer = {
  /** Token subject: the staff member or service account. */
  id: string;
  role: Role;
  /** Global IDs of regions, city companies or projects; `null` is the whole group. */
  scope: string[] | null;
  /** For HANDLER tokens: the department whose complaints they work. */
  department: Department | null;
  /** Display name, when the token carries one. */
  name: string | null;
  /** When the token expires (every accepted token has an `exp`). */
  expiresAt: Date;
};

/** No control characters in claims that become identifiers and log fields. */
const clean = (max: number) => z.string().min(1).max(max).refine((v) => !hasBadText(v), 'must not contain control characters');

const claimsSchema = z.object({
  sub: clean(200),
  role: z.enum(ROLES),
  scope: z.union([z.array(clean(64)).max(1000), z.literal('*')]).optional(),
  department: z.enum(DEPARTMENTS).optional(),
  name: clean(100).optional(),
});

const keys = new Map<string, KeyObject>();
/**
 * The HMAC key of the configured secret, made once: jose imports a raw secret into a
 * CryptoKey on every call (2 % of an intake's CPU), a KeyObject it uses as it is.
 */
const key = (config: Config): KeyObject => {
  let k = keys.get(config.jwtSecret);
  if (!k) {
    if (keys.size >= 16) keys.clear();
    keys.set(config.jwtSecret, (k = createSecretKey(new TextEncoder().encode(config.jwtSecret))));
  }
  return k;
};

/** Signs a bearer token for a viewer. */
export async function signToken(
  config: Config,
  claims: { sub: string; role: Role; scope?: string[] | null; department?: Department | null; name?: string | null },
  ttl: string = config.tokenTtl,
): Promise<string> {
  if (/^\d+\s*[smhd]$/.test(ttl) && durationSeconds(ttl) > config.tokenMaxTtlSeconds) {
    throw new Error(`A token lifetime of ${ttl} exceeds TOKEN_MAX_TTL (${config.tokenMaxTtlSeconds} s); the server would refuse it`);
  }
  const payload: Record<string, unknown> = { role: claims.role };
  if (claims.scope) payload.scope = claims.scope;
  if (claims.department) payload.department = claims.department;
  if (claims.name) payload.name = claims.name;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.jwtIssuer)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(key(config));
}

/** Tokens verified lately, per configuration, with the moment until which each is accepted. */
const verified = new WeakMap<Config, Map<string, { viewer: Viewer; until: number }>>();
/** Verified tokens remembered per configuration before the oldest are dropped. */
const VERIFIED_ENTRIES = 10_000;
/** Seconds a token is still accepted after its `exp` (clock skew between issuer and server). */
const CLOCK_TOLERANCE_S = 60;

/**
 * Verifies a token and returns its viewer; UNAUTHENTICATED with the reason when it is not
 * acceptable. A client sends the same token with every request: its verification (an HMAC,
 * claim checks and parsing, about a fifth of the CPU of a small query) is remembered under the
 * exact token text until the token expires, so only a byte-identical token, already verified
 * with the same secret, skips it; a token past `exp` (plus the tolerance) is verified again,
 * and refused.
 */
export async function verifyToken(config: Config, token: string): Promise<Viewer> {
  let known = verified.get(config);
  const hit = known?.get(token);
  if (hit && Date.now() <= hit.until) return hit.viewer;
  const viewer = await verifyTokenNow(config, token);
  if (!known) verified.set(config, (known = new Map()));
  if (known.size >= VERIFIED_ENTRIES) known.delete(known.keys().next().value!);
  known.set(token, { viewer, until: viewer.expiresAt.getTime() + CLOCK_TOLERANCE_S * 1000 });
  return viewer;
}

async function verifyTokenNow(config: Config, token: string): Promise<Viewer> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key(config), {
      issuer: config.jwtIssuer,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw AppError.unauthenticated('The bearer token has expired; request a new one');
    if (e instanceof joseErrors.JWTClaimValidationFailed && (e.claim === 'exp' || e.claim === 'iat') && e.reason === 'missing') {
      throw AppError.unauthenticated(`The bearer token has no \`${e.claim}\` claim; tokens must expire (at most ${config.tokenMaxTtlSeconds} s after they are issued)`);
    }
    throw AppError.unauthenticated('The bearer token is invalid (bad signature, issuer, timestamps or format)');
  }
  // Both are numbers here: jose checked them.
  const exp = payload.exp as number;
  const iat = payload.iat as number;
  if (exp - iat > config.tokenMaxTtlSeconds) {
    throw AppError.unauthenticated(`The bearer token lives ${exp - iat} s, longer than the maximum of ${config.tokenMaxTtlSeconds} s (TOKEN_MAX_TTL); request a shorter-lived one`);
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    throw AppError.unauthenticated(
      `The bearer token has invalid claims: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  }
  const c = parsed.data;
  // Frozen: one viewer serves every request of its token (see verifyToken).
  return Object.freeze({
    id: c.sub,
    role: c.role,
    scope: c.scope === undefined || c.scope === '*' ? null : Object.freeze(c.scope) as string[],
    department: c.department ?? null,
    name: c.name ?? null,
    expiresAt: new Date(exp * 1000),
  });
}

/** Extracts the token from an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw AppError.unauthenticated('Authorization header must be "Bearer <token>"');
  return m[1]!;
}
