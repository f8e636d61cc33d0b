import { sql } from 'drizzle-orm';
import { bigint, index, integer, uniqueIndex, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt } from './org.js';

/**
 * Append-only domain event log, written in the same transaction as the change. `id`
 * is the insertion order, which is not the commit order of concurrent transactions;
 * `seq` is: a sequencer stamps committed events one batch at a time (src/events/log.ts),
 * and subscriptions read and resume by `seq`.
 */
export const domainEvents = pgTable(
  'domain_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Commit-order sequence, contiguous from 1; null until the sequencer has seen the event. */
    seq: bigint('seq', { mode: 'number' }),
    type: text('type').notNull(),
    aggregateType: text('aggregate_type').notNull(),
    aggregateId: bigint('aggregate_id', { mode: 'number' }).notNull(),
    projectId: bigint('project_id', { mode: 'number' }),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('domain_events_type_id_idx').on(t.type, t.id),
    uniqueIndex('domain_events_seq_uq').on(t.seq),
    index('domain_events_unsequenced_idx').on(t.id).where(sql`${t.seq} is null`),
    index('domain_events_at_idx').on(t.at),
  ],
);

/**
 * The sequencer's state (one row): the last `seq` given out, and the highest `seq`
 * pruned by retention (cursors at or below it can no longer be resumed).
 */
export const eventSequence = pgTable('event_sequence', {
  id: integer('id').primaryKey(),
  last: bigint('last', { mode: 'number' }).notNull(),
  prunedThrough: bigint('pruned_through', { mode: 'number' }).notNull(),
});

/** Audit trail: who did what to which subject, when and why. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    actorId: text('actor_id').notNull(),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    /** Global ID of the subject. */
    subjectId: text('subject_id').notNull(),
    projectId: bigint('project_id', { mode: 'number' }),
    reason: text('reason'),
    changes: jsonb('changes').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at, t.id),
    index('audit_log_subject_idx').on(t.subjectId, t.at),
    index('audit_log_actor_idx').on(t.actorId, t.at),
  ],
);

/** Results of creating mutations by idempotency key, per actor and operation. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    actorId: text('actor_id').notNull(),
    operation: text('operation').notNull(),
    key: text('key').notNull(),
    resultId: bigint('result_id', { mode: 'number' }).notNull(),
    /** SHA-256 of the canonical input: a reused key with another input is a CONFLICT. */
    fingerprint: text('fingerprint'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.operation, t.key] })],
);

/**
 * Exact-value lookups of personal data (searches by phone or name, duplicate checks)
 * per token subject in the current minute, shared by every instance.
 */
export const lookupBudgets = pgTable('lookup_budgets', {
  subject: text('subject').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
  used: integer('used').notNull(),
});
