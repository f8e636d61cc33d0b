import { sql } from 'drizzle-orm';
import { bigint, date, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Channel, Confidentiality, CustomerClass, Gender } from '../../domain/enums.js';
import { createdAt, id, projects, updatedAt } from './org.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** 客户: a (prospective) home buyer. */
export const customers = pgTable(
  'customers',
  {
    id: id(),
    name: text('name').notNull(),
    /** Normalised phone: 11-digit mobile, or landline as `0AA-NNNNNNNN`. Unique. */
    phone: text('phone').notNull(),
    idNumber: text('id_number'),
    email: text('email'),
    birthday: date('birthday', { mode: 'string' }),
    gender: text('gender').$type<Gender>().notNull().default('UNKNOWN'),
    preferredChannel: text('preferred_channel').$type<Channel>(),
    memberNo: text('member_no'),
    customerClass: text('customer_class').$type<CustomerClass>().notNull().default('C'),
    confidentiality: text('confidentiality').$type<Confidentiality>().notNull().default('NORMAL'),
    /** The project where the customer first came in; places the customer in that project's scope. */
    originProjectId: bigint('origin_project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('customers_phone_uq').on(t.phone),
    uniqueIndex('customers_id_number_uq').on(t.idNumber).where(sql`${t.idNumber} is not null`),
    index('customers_origin_project_idx').on(t.originProjectId),
    index('customers_name_id_idx').on(t.name, t.id),
    index('customers_created_id_idx').on(t.createdAt, t.id),
  ],
);

/** 房屋: a unit (building / unit / room) of a project. */
export const units = pgTable(
  'units',
  {
    id: id(),
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    building: text('building').notNull(),
    unitNo: text('unit_no').notNull(),
    room: text('room').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('units_address_uq').on(t.projectId, t.building, t.unitNo, t.room)],
);

/** A customer's ownership of a unit with its milestone dates (认购, 签约, 交付, 入住). */
export const unitOwnerships = pgTable(
  'unit_ownerships',
  {
    id: id(),
    customerId: bigint('customer_id', { mode: 'number' })
      .notNull()
      .references(() => customers.id),
    unitId: bigint('unit_id', { mode: 'number' })
      .notNull()
      .references(() => units.id),
    /** Denormalised from the unit so scope checks need no join. */
    projectId: bigint('project_id', { mode: 'number' })
      .notNull()
      .references(() => projects.id),
    subscribedAt: ts('subscribed_at'),
    signedAt: ts('signed_at'),
    deliveredAt: ts('delivered_at'),
    movedInAt: ts('moved_in_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('unit_ownerships_customer_unit_uq').on(t.customerId, t.unitId),
    index('unit_ownerships_unit_idx').on(t.unitId),
    index('unit_ownerships_project_customer_idx').on(t.projectId, t.customerId),
    index('unit_ownerships_delivered_idx').on(t.deliveredAt),
  ],
);
