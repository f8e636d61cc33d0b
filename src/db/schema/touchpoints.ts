import { sql } from 'drizzle-orm';
import { bigint, boolean, index, jsonb, pgTable, real, integer, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Channel, EvidenceKind, PlannedTouchpointStatus, ProjectStage, RuleTrigger, TouchpointOutcome } from '../../domain/enums.js';
import { customers, unitOwnerships, units } from './customers.js';
import { createdAt, id, projects, updatedAt } from './org.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** A piece of evidence kept with a touchpoint (seed 003 §6.1 archive rule: screenshots, photos, documents). */
export type Evidence = { url: string; kind: EvidenceKind; caption: string | null };

/** 客户触点: a recorded contact with a customer. */
export const touchpoints = pgTable(
  'touchpoints',
  {
    id: id(),
    customerId: bigint('customer_id', { mode: 'number' })
      .notNull()
      .references(() => customers.id),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    unitId: bigint('unit_id', { mode: 'number' }).references(() => units.id),
    stage: text('stage').$type<ProjectStage>().notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    kind: text('kind').notNull(),
    staffId: text('staff_id'),
    occurredAt: ts('occurred_at').notNull(),
    notes: text('notes'),
    /** `notes` with contact data (phones, ID numbers, emails, the customer's name) masked, computed once when written: what masked viewers read and search. */
    notesMasked: text('notes_masked'),
    outcome: text('outcome').$type<TouchpointOutcome>(),
    evidence: jsonb('evidence').$type<Evidence[]>().notNull().default(sql`'[]'::jsonb`),
    /** Login of who recorded it. */
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('touchpoints_customer_idx').on(t.customerId, t.occurredAt),
    index('touchpoints_project_idx').on(t.projectId, t.occurredAt, t.id),
  ],
);

/** 标准动作 (6+2 步法) rule: creates planned touchpoints when its trigger happens. */
export const standardActionRules = pgTable('standard_action_rules', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  trigger: text('trigger').$type<RuleTrigger>().notNull(),
  startAfter: text('start_after').notNull().default('PT0S'),
  dueWithin: text('due_within').notNull(),
  channel: text('channel').$type<Channel>().notNull(),
  stage: text('stage').$type<ProjectStage>().notNull(),
  /** For PERIODIC_AWAITING_DELIVERY: the period between occurrences (e.g. P2M). */
  repeatEvery: text('repeat_every'),
  sampleShare: real('sample_share'),
  sampleCap: integer('sample_cap'),
  active: boolean('active').notNull().default(true),
  /** Time-based triggers: the scheduler has planned every occurrence that opens up to here (null: none yet; it starts from the rule's creation). */
  plannedUntil: timestamp('planned_until', { withTimezone: true, mode: 'date', precision: 3 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A touchpoint a rule says must happen by `dueAt`. */
export const plannedTouchpoints = pgTable(
  'planned_touchpoints',
  {
    id: id(),
    ruleId: bigint('rule_id', { mode: 'number' })
      .notNull()
      .references(() => standardActionRules.id),
    customerId: bigint('customer_id', { mode: 'number' })
      .notNull()
      .references(() => customers.id),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    unitId: bigint('unit_id', { mode: 'number' }).references(() => units.id),
    ownershipId: bigint('ownership_id', { mode: 'number' }).references(() => unitOwnerships.id),
    /** What triggered it (e.g. ownership id + trigger), so a trigger plans once. */
    triggerKey: text('trigger_key').notNull(),
    /** The trigger's moment (signing, delivery, a warranty's end, a birthday…). */
    triggerAt: ts('trigger_at').notNull(),
    /** From when the action may be done: the trigger plus the rule's `startAfter`. */
    opensAt: ts('opens_at').notNull(),
    dueAt: ts('due_at').notNull(),
    /** The rule's channel and stage when it was planned (a later edit of the rule does not change planned actions). */
    channel: text('channel').$type<Channel>().notNull(),
    stage: text('stage').$type<ProjectStage>().notNull(),
    status: text('status').$type<PlannedTouchpointStatus>().notNull().default('PLANNED'),
    touchpointId: bigint('touchpoint_id', { mode: 'number' }).references(() => touchpoints.id),
    /** When the touchpoint that carried it out happened (its `occurred_at`; touchpoints never change): compliance reads it without a join. */
    doneAt: ts('done_at'),
    completedAt: ts('completed_at'),
    skipReason: text('skip_reason'),
    /** Login of who completed or skipped it. */
    closedBy: text('closed_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('planned_touchpoints_rule_trigger_uq').on(t.ruleId, t.triggerKey),
    index('planned_touchpoints_due_idx').on(t.status, t.dueAt),
    index('planned_touchpoints_project_idx').on(t.projectId, t.ruleId),
    index('planned_touchpoints_customer_idx').on(t.customerId),
  ],
);
