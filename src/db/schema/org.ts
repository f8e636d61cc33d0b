import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ProjectStage } from '../../domain/enums.js';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow();

/** 区域公司: a region of the group. */
export const regions = pgTable(
  'regions',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  // Codes are unique regardless of case, also under concurrent creates.
  (t) => [uniqueIndex('regions_code_uq').on(sql`lower(${t.code})`)],
);

/** 城市公司: a city company; every project belongs to one. */
export const cityCompanies = pgTable(
  'city_companies',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    city: text('city').notNull(),
    regionId: bigint('region_id', { mode: 'number' })
      .notNull()
      .references(() => regions.id),
    createdAt: createdAt(),
  },
  (t) => [index('city_companies_region_idx').on(t.regionId), uniqueIndex('city_companies_code_uq').on(sql`lower(${t.code})`)],
);

/** A warranty term for one building component, e.g. waterproofing 5 years. */
export type WarrantyTerm = { component: string; years: number };

/** 项目: a real-estate development. */
export const projects = pgTable(
  'projects',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    city: text('city').notNull(),
    cityCompanyId: bigint('city_company_id', { mode: 'number' })
      .notNull()
      .references(() => cityCompanies.id),
    phase: text('phase'),
    totalUnits: integer('total_units'),
    stage: text('stage').$type<ProjectStage>().notNull(),
    salesOpenedOn: date('sales_opened_on', { mode: 'string' }),
    plannedDeliveryOn: date('planned_delivery_on', { mode: 'string' }),
    actualDeliveryOn: date('actual_delivery_on', { mode: 'string' }),
    warrantyTerms: jsonb('warranty_terms').$type<WarrantyTerm[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('projects_code_uq').on(sql`lower(${t.code})`),
    index('projects_city_company_idx').on(t.cityCompanyId),
    index('projects_name_id_idx').on(t.name, t.id),
    index('projects_stage_idx').on(t.stage),
  ],
);

/**
 * 员工: the staff directory. `id` is the login, the `sub` of the member's bearer tokens,
 * so actors, handlers and first responders recorded by token subject resolve to it.
 */
export const staff = pgTable(
  'staff',
  {
    /** The login: the token `sub`. */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    department: text('department'),
    /** The city company the member works for; null for group-level staff. */
    cityCompanyId: bigint('city_company_id', { mode: 'number' }).references(() => cityCompanies.id),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('staff_city_company_idx').on(t.cityCompanyId),
    index('staff_name_id_idx').on(t.name, t.id),
    // Logins are unique regardless of case (the login check compares lower-case).
    uniqueIndex('staff_login_lower_uq').on(sql`lower(${t.id})`),
  ],
);

export { id, createdAt, updatedAt };
