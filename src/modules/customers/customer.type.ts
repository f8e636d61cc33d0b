import { getTableColumns } from 'drizzle-orm';
import { Field, ObjectType } from 'type-graphql';
import { customers } from '../../db/schema/index.js';
import type { Channel, Confidentiality, CustomerClass, Gender } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { ChannelEnum, ConfidentialityEnum, CustomerClassEnum, GenderEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import type { CustomerRow, OwnershipRow, UnitRow } from '../../graphql/loaders.js';
import { columnOf, Node, readsRow, rowNode } from '../../graphql/node.js';
import { LocalDateScalar } from '../../graphql/scalars.js';
import { maskEmail, maskIdNumber, maskName, maskPhone } from '../../auth/masking.js';

const PERSONAL_COLUMNS = ['name', 'phone', 'idNumber', 'email', 'birthday'];

/**
 * 客户. Personal fields (`name`, `phone`, `idNumber`, `email`, `birthday`) are getters that
 * mask the row's values unless the viewer the object was made for sees personal data: a
 * customer cannot be made without that viewer's access ({@link Customer.from}), and the raw
 * values never reach a client directly. (As getters rather than field resolvers, graphql-jit
 * reads them as properties: no resolve info and no callbacks per field.)
 */
@ObjectType({
  implements: Node,
  description:
    '客户 — a (prospective) home buyer. Personal data (个人信息: name beyond the surname, phone, ID number, email, birthday) is shown unmasked to ADMIN only; ' +
    'MANAGER, AGENT, HANDLER, ANALYST and SUBSCRIBER see it masked as each field describes, and a MANAGER may call `revealCustomerContact` (audited). ' +
    'CONFIDENTIAL (机密) and SECRET (绝密) customers exist only for ADMIN and MANAGER. The other fields are the same for every role that may see the customer.',
})
export class Customer extends Node {
  dbId!: number;
  originProjectId!: number;
  /** Whether the viewer this object was made for sees personal data in full (ADMIN). */
  private unmasked!: boolean;

  @Field(() => String, {
    description: 'Name (姓名). ADMIN: in full. Every other role: the surname and one * per hidden character (张**, compound surnames kept: 欧阳*).',
  })
  get name(): string {
    const v = this.personal('name');
    return this.unmasked ? v : maskName(v);
  }

  @Field(() => String, {
    description: 'Phone (电话). ADMIN: in full. Every other role: the first 3 and last 4 digits of a mobile (138****5678), the area code and last 4 of a landline (010-****5678).',
  })
  get phone(): string {
    const v = this.personal('phone');
    return this.unmasked ? v : maskPhone(v);
  }

  @Field(() => String, {
    nullable: true,
    description: 'Resident ID number (身份证号). ADMIN: in full. Every other role: the first 3 and last 4 characters (110***********1234). Null when not recorded.',
  })
  get idNumber(): string | null {
    const v = this.personal('idNumber');
    return !v ? null : this.unmasked ? v : maskIdNumber(v);
  }

  @Field(() => String, {
    nullable: true,
    description: 'Email. ADMIN: in full. Every other role: the first character and the domain (z***@example.com). Null when not recorded.',
  })
  get email(): string | null {
    const v = this.personal('email');
    return !v ? null : this.unmasked ? v : maskEmail(v);
  }

  @Field(() => LocalDateScalar, {
    nullable: true,
    description:
      'Birthday (生日). ADMIN: the date. Every other role: null, since with the masked ID number a birthday narrows the hidden digits to a few candidates (`contactMasked` tells a masked value from an unknown one). Null when not recorded.',
  })
  get birthday(): string | null {
    const v = this.personal('birthday');
    return this.unmasked ? v : null;
  }

  @Field(() => GenderEnum, { description: 'Gender.' })
  gender!: Gender;

  @Field(() => ChannelEnum, { nullable: true, description: 'Preferred contact channel.' })
  preferredChannel!: Channel | null;

  @Field(() => String, { nullable: true, description: 'Member-club number (业主俱乐部/万客会).' })
  memberNo!: string | null;

  @Field(() => CustomerClassEnum, { description: 'Customer class A–D.' })
  customerClass!: CustomerClass;

  @Field(() => ConfidentialityEnum, { description: 'Confidentiality level (保密级别).' })
  confidentiality!: Confidentiality;

  @Field({ description: 'When the customer was created.' })
  createdAt!: Date;

  @Field({ description: 'When the customer was last changed.' })
  updatedAt!: Date;

  /** The row the columns are read from (see {@link readsRow}). */
  row!: CustomerRow;

  /** A personal column of the row; one the row lacks throws, as `readsRow`'s getters do (`columnOf`). */
  private personal<K extends 'name' | 'phone' | 'idNumber' | 'email' | 'birthday'>(key: K): CustomerRow[K] {
    return columnOf(this.row, 'Customer', key);
  }

  /** The customer of `row` as the viewer of `access` sees it. */
  static from(row: CustomerRow, access: { seesPersonalData(): boolean }): Customer {
    const c = rowNode(Customer, 'Customer', row);
    c.unmasked = access.seesPersonalData();
    return c;
  }
}
// Personal columns get no plain getter: the masking getters above read them.
readsRow(Customer, Object.keys(getTableColumns(customers)), ['id', ...PERSONAL_COLUMNS]);

@ObjectType({ implements: Node, description: '房屋 — a unit of a project (building / unit / room).' })
export class Unit extends Node {
  dbId!: number;
  projectId!: number;

  @Field({ description: 'Building (楼栋), e.g. 3栋.' })
  building!: string;

  @Field({ description: 'Unit/entrance (单元), e.g. 2单元.' })
  unitNo!: string;

  @Field({ description: 'Room (房号), e.g. 1201.' })
  room!: string;

  @Field({ description: 'Display label: building-unit-room.' })
  label!: string;

  static from(row: UnitRow): Unit {
    return Object.assign(new Unit(), { ...row, dbId: row.id, id: toGlobalId('Unit', row.id), label: `${row.building}-${row.unitNo}-${row.room}` });
  }
}

@ObjectType({ implements: Node, description: 'A customer’s ownership of a unit, with its milestone dates.' })
export class UnitOwnership extends Node {
  dbId!: number;
  customerId!: number;
  unitId!: number;
  projectId!: number;

  @Field(() => Date, { nullable: true, description: 'Subscription (认购) time.' })
  subscribedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Signing (签约) time.' })
  signedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Delivery/handover (交付) time.' })
  deliveredAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Move-in (入住) time.' })
  movedInAt!: Date | null;

  static from(row: OwnershipRow): UnitOwnership {
    return Object.assign(new UnitOwnership(), { ...row, dbId: row.id, id: toGlobalId('UnitOwnership', row.id) });
  }
}

export const CustomerConnection = Connection(Customer, 'Customer');
