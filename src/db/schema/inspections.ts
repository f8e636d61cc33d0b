import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Department, InspectionKind } from '../../domain/enums.js';
import { createdAt, id, projects, updatedAt } from './org.js';
import { standardActionRules, type Evidence } from './touchpoints.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** 6+2 检查 (seed 003 §7): the group's yearly inspection of a project's standard actions, visible (明访) or mystery (暗访). */
export const inspections = pgTable(
  'inspections',
  {
    id: id(),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    kind: text('kind').$type<InspectionKind>().notNull(),
    inspectedAt: ts('inspected_at').notNull(),
    /** Who inspected: staff or a third party, as named by the inspector. */
    inspector: text('inspector'),
    summary: text('summary'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('inspections_project_idx').on(t.projectId, t.inspectedAt)],
);

/**
 * A deficiency an inspection found in one standard action, owned by a department, to be
 * rectified (整改) within 15 days: a deadline with WARNING and BREACHED alerts in the SLA
 * alert store, fired by the scheduler (`next_check_at`, as SLA clocks).
 */
export const inspectionFindings = pgTable(
  'inspection_findings',
  {
    id: id(),
    inspectionId: bigint('inspection_id', { mode: 'number' })
      .notNull()
      .references(() => inspections.id),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    ruleId: bigint('rule_id', { mode: 'number' }).references(() => standardActionRules.id),
    deficiency: text('deficiency').notNull(),
    department: text('department').$type<Department>().notNull(),
    warnAt: ts('warn_at').notNull(),
    dueAt: ts('due_at').notNull(),
    /** The next moment the scheduler must look at it (warning, then breach); null once rectified or both fired. */
    nextCheckAt: ts('next_check_at'),
    warnedAt: ts('warned_at'),
    breachedAt: ts('breached_at'),
    rectifiedAt: ts('rectified_at'),
    rectification: text('rectification'),
    rectifiedBy: text('rectified_by'),
    evidence: jsonb('evidence').$type<Evidence[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('inspection_findings_inspection_idx').on(t.inspectionId),
    index('inspection_findings_project_idx').on(t.projectId, t.dueAt),
    index('inspection_findings_next_check_idx').on(t.nextCheckAt).where(sql`${t.nextCheckAt} is not null`),
  ],
);
