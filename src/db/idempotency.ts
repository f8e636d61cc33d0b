import { and, eq } from 'drizzle-orm';
import { pgErrorOf } from '../graphql/errors.js';
import type { Db, Tx } from './client.js';
import { idempotencyKeys } from './schema/index.js';

/**
 * Runs a creating write once per (actor, operation, key): a retry with the same
 * key returns the id created first and writes nothing. `create` runs inside a
 * transaction together with the key, so a failed create leaves no key behind.
 */
export async function idempotent(
  db: Db,
  opts: { actorId: string; operation: string; key: string | null | undefined },
  create: (tx: Tx) => Promise<number>,
): Promise<{ id: number; replayed: boolean }> {
  const { actorId, operation, key } = opts;
  if (!key) return { id: await db.transaction(create), replayed: false };
  const lookup = async () => {
    const [hit] = await db
      .select({ id: idempotencyKeys.resultId })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.operation, operation), eq(idempotencyKeys.key, key)));
    return hit?.id ?? null;
  };
  const prior = await lookup();
  if (prior !== null) return { id: prior, replayed: true };
  try {
    const id = await db.transaction(async (tx) => {
      const created = await create(tx);
      await tx.insert(idempotencyKeys).values({ actorId, operation, key, resultId: created });
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
