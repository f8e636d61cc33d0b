import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { AppError, pgErrorOf } from '../graphql/errors.js';
import type { Db, Tx } from './client.js';
import { idempotencyKeys } from './schema/index.js';

/** JSON with object keys sorted, so equal inputs give equal text whatever their key order. */
function canonical(v: unknown): string {
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && x !== null);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** SHA-256 of an input without its idempotency key; absent and null fields count alike. */
export function inputFingerprint(input: Record<string, unknown>): string {
  const { idempotencyKey: _k, ...rest } = input;
  return createHash('sha256').update(canonical(rest)).digest('base64url');
}

/**
 * Runs a creating write once per (actor, operation, key): a retry with the same
 * key and the same input returns the id created first and writes nothing; the same key
 * with a different input is a CONFLICT (as payment APIs do), since the client has mixed
 * up two requests. `create` runs inside a transaction together with the key, so a failed
 * create leaves no key behind.
 */
export async function idempotent(
  db: Db,
  opts: {
    actorId: string;
    operation: string;
    key: string | null | undefined;
    input: Record<string, unknown>;
    /** Runs before the transaction when the request is not a replay (work that must not hold locks until commit). */
    first?: () => Promise<unknown>;
  },
  create: (tx: Tx) => Promise<number>,
): Promise<{ id: number; replayed: boolean }> {
  const { actorId, operation, key } = opts;
  if (!key) {
    await opts.first?.();
    return { id: await db.transaction(create), replayed: false };
  }
  const fingerprint = inputFingerprint(opts.input);
  const lookup = async () => {
    const [hit] = await db
      .select({ id: idempotencyKeys.resultId, fingerprint: idempotencyKeys.fingerprint })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.operation, operation), eq(idempotencyKeys.key, key)));
    if (!hit) return null;
    // Keys stored before fingerprints existed match any input.
    if (hit.fingerprint !== null && hit.fingerprint !== fingerprint) {
      throw AppError.conflict(`idempotencyKey "${key}" was already used for ${operation} with a different input; use a new key for a new request`, {
        field: 'input.idempotencyKey',
      });
    }
    return hit.id;
  };
  const prior = await lookup();
  if (prior !== null) return { id: prior, replayed: true };
  await opts.first?.();
  try {
    const id = await db.transaction(async (tx) => {
      const created = await create(tx);
      await tx.insert(idempotencyKeys).values({ actorId, operation, key, resultId: created, fingerprint });
      return created;
    });
    return { id, replayed: false };
  } catch (e) {
    // A concurrent retry with the same key won the race: return its result.
    if (pgErrorOf(e).code === '23505' && pgErrorOf(e).constraint === 'idempotency_keys_actor_id_operation_key_pk') {
      const winner = await lookup();
      if (winner !== null) return { id: winner, replayed: true };
    }
    throw e;
  }
}
