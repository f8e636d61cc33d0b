import { and, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import type { Context } from '../../graphql/context.js';
import { keyset, pageOf, pageRequest, type PageArgs } from '../../graphql/pagination.js';

export type AuditRow = typeof auditLog.$inferSelect;

export type AuditEntry = { action: string; subjectId: string; projectId?: number | null; reason?: string | null; changes?: Record<string, unknown> | SQL | null };

/** Writes one audit entry in the caller's transaction, so the write and its record commit together. */
export async function recordAudit(tx: DbOrTx, ctx: Context, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values(auditRow(ctx, entry));
}

/**
 * The row of an audit entry, for a caller that writes it inside a larger statement (`changes`
 * may then be SQL computed there).
 */
export function auditRow(ctx: Context, entry: AuditEntry): typeof auditLog.$inferInsert {
  const viewer = ctx.access.requireViewer();
  return {
    actorId: viewer.id,
    actorRole: viewer.role,
    action: entry.action,
    subjectId: entry.subjectId,
    projectId: entry.projectId ?? null,
    reason: entry.reason ?? null,
    changes: (entry.changes ?? null) as Record<string, unknown> | null,
    requestId: ctx.requestId,
  };
}

/** Field-by-field difference between a row before and after an update, for the audit trail. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, v] of Object.entries(after)) {
    const old = before[k];
    if (JSON.stringify(old) !== JSON.stringify(v)) out[k] = { from: old ?? null, to: v ?? null };
  }
  return out;
}

export type AuditFilterData = {
  subjectIds?: string[] | null;
  actorIds?: string[] | null;
  actions?: string[] | null;
  from?: Date | null;
  to?: Date | null;
};

/** Newest-first page of the audit trail. */
export async function listAudit(ctx: Context, filter: AuditFilterData | null | undefined, args: PageArgs) {
  const req = pageRequest(ctx.cursors, args, 'AT');
  const conds: (SQL | undefined)[] = [
    // A scoped token sees the entries of its projects only (entries without a project,
    // such as organisation changes, need the whole group).
    await ctx.access.projectCondition(auditLog.projectId),
    filter?.subjectIds?.length ? inArray(auditLog.subjectId, filter.subjectIds) : undefined,
    filter?.actorIds?.length ? inArray(auditLog.actorId, filter.actorIds) : undefined,
    filter?.actions?.length ? inArray(auditLog.action, filter.actions) : undefined,
    filter?.from ? gte(auditLog.at, filter.from) : undefined,
    filter?.to ? lt(auditLog.at, filter.to) : undefined,
  ];
  const base = and(...conds);
  const ks = keyset(req, { key: 'AT', column: auditLog.id, cast: 'bigint' }, auditLog.id, true);
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(and(base, ks.where))
    .orderBy(...ks.orderBy)
    .limit(ks.limit);
  return {
    ...pageOf(rows, req, (r) => ctx.cursors.encode('AT', r.id, r.id)),
    count: async () => (await ctx.db.$count(auditLog, base)),
  };
}

