import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { AppError } from '../graphql/errors.js';

/**
 * Budget of exact-value lookups of personal data per token subject and minute: every
 * search by a phone number or name and every duplicate check of a phone or ID number
 * made by a viewer who sees personal data masked. Aliases cannot multiply a probe:
 * each aliased field takes from the same budget. Counted in the database, so every
 * instance shares it; refused attempts count too.
 */
export class LookupBudget {
  constructor(
    private readonly db: Db,
    private readonly perMinute: number,
  ) {}

  /**
   * Takes `n` lookups for `subject`, or throws RATE_LIMITED with `retryAfter` (seconds)
   * when the minute's budget is spent. Runs as its own statement, outside any business
   * transaction, so a write that is refused afterwards still spends it. `db`: the handle of
   * the request taking them (its time budget applies), else the instance's.
   */
  async take(subject: string, n = 1, db: Db = this.db): Promise<void> {
    const rows = await db.execute<{ used: number; retry_after: number }>(sql`
      insert into lookup_budgets as b (subject, window_start, used)
      values (${subject}, date_trunc('minute', now()), ${n})
      on conflict (subject) do update set
        used = case when b.window_start = excluded.window_start then b.used + excluded.used else excluded.used end,
        window_start = excluded.window_start
      returning used, ceil(extract(epoch from (window_start + interval '1 minute' - now())))::int as retry_after`);
    const row = (Array.isArray(rows) ? rows[0] : (rows as { rows: unknown[] }).rows[0]) as { used: number; retry_after: number };
    if (Number(row.used) > this.perMinute) {
      const retryAfter = Math.max(1, Number(row.retry_after));
      throw new AppError(
        'RATE_LIMITED',
        `Too many lookups by personal data (phone, name, ID number): at most ${this.perMinute} a minute; retry in ${retryAfter} s`,
        { retryAfter, limit: this.perMinute },
      );
    }
  }
}

/**
 * A request's share of the {@link LookupBudget}. `take(keys)` spends one lookup per value
 * not yet looked up in this request (a value repeated under aliases, or counted by a
 * page and its `totalCount`, is one lookup). Free for viewers who see personal data
 * unmasked (ADMIN).
 */
export type PersonalLookups = { take(keys: string[]): Promise<void> };

/** The lookups of one request's viewer, counted through the request's database handle `db`. */
export function personalLookups(budget: LookupBudget, viewer: { id: string; role: string } | null, db?: Db): PersonalLookups {
  if (!viewer || viewer.role === 'ADMIN') return { take: async () => {} };
  const seen = new Set<string>();
  return {
    async take(keys) {
      const fresh = [...new Set(keys)].filter((k) => !seen.has(k));
      if (fresh.length === 0) return;
      for (const k of fresh) seen.add(k);
      await budget.take(viewer.id, fresh.length, db);
    },
  };
}
