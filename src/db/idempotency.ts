import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
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

/** A row a statement inserts besides its main one, as the CTE `name`. */
export type RowInsert = { name: string; table: PgTable; row: Record<string, unknown> };

type Once = {
  actorId: string;
  operation: string;
  key: string | null | undefined;
  input: Record<string, unknown>;
  /** Runs before the write when the request is not a replay (work that must not hold locks until commit). */
  first?: () => Promise<unknown>;
};

/**
 * Runs a creating write once per (actor, operation, key): a retry with the same
 * key and the same input returns the id created first and writes nothing; the same key
 * with a different input is a CONFLICT (as payment APIs do), since the client has mixed
 * up two requests. `create` runs inside a transaction together with the key, so a failed
 * create leaves no key behind.
 */
export async function idempotent(db: Db, opts: Once, create: (tx: Tx) => Promise<number>): Promise<{ id: number; replayed: boolean }> {
  return once(db, opts, (key) =>
    db.transaction(async (tx) => {
      const created = await create(tx);
      if (key) await tx.insert(idempotencyKeys).values({ ...key, resultId: created });
      return created;
    }),
  );
}

/**
 * {@link idempotent} for a write made of one statement, which commits whole without a
 * transaction: `create` gets the key's row (to insert as a CTE of its statement, with the id
 * it creates, known before the statement) or null when the request has no key.
 */
export async function idempotentStatement(
  db: Db,
  opts: Once,
  create: (keyRow: ((resultId: number) => RowInsert) | null) => Promise<number>,
): Promise<{ id: number; replayed: boolean }> {
  return once(db, opts, (key) => create(key && ((resultId) => ({ name: 'idempotency_key', table: idempotencyKeys, row: { ...key, resultId } }))));
}

type KeyRow = { actorId: string; operation: string; key: string; fingerprint: string };

/** The replay lookup and the race of two retries, around `write`, which stores the key it is given with what it creates. */
async function once(db: Db, opts: Once, write: (key: KeyRow | null) => Promise<number>): Promise<{ id: number; replayed: boolean }> {
  const { actorId, operation, key } = opts;
  if (!key) {
    await opts.first?.();
    return { id: await write(null), replayed: false };
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
    return { id: await write({ actorId, operation, key, fingerprint }), replayed: false };
  } catch (e) {
    // A concurrent retry with the same key won the race: return its result.
    if (pgErrorOf(e).code === '23505' && pgErrorOf(e).constraint === 'idempotency_keys_actor_id_operation_key_pk') {
      const winner = await lookup();
      if (winner !== null) return { id: winner, replayed: true };
    }
    throw e;
  }
}
