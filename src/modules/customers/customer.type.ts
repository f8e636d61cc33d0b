import { getTableColumns } from 'drizzle-orm';
import { Field, ObjectType } from 'type-graphql';
import { customers } from '../../db/schema/index.js';
import type { Channel, Confidentiality, CustomerClass, Gender } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { ChannelEnum, ConfidentialityEnum, CustomerClassEnum, GenderEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import type { CustomerRow, OwnershipRow, UnitRow } from '../../graphql/loaders.js';
import { Node, readsRow } from '../../graphql/node.js';

const PERSONAL_COLUMNS = ['name', 'phone', 'idNumber', 'email', 'birthday'];

/**
 * 客户. Personal fields (`name`, `phone`, `idNumber`, `email`, `birthday`) are resolved
 * through masking in the resolver; the raw values below never reach a client directly.
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
  rawName!: string;
  rawPhone!: string;
  rawIdNumber!: string | null;
  rawEmail!: string | null;
  rawBirthday!: string | null;

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

  /** The row the non-personal columns are read from (see {@link readsRow}). */
  row!: CustomerRow;

  static from(row: CustomerRow): Customer {
    const c = new Customer();
    c.row = row;
    c.dbId = row.id;
    c.id = toGlobalId('Customer', row.id);
    c.rawName = row.name;
    c.rawPhone = row.phone;
    c.rawIdNumber = row.idNumber;
    c.rawEmail = row.email;
    c.rawBirthday = row.birthday;
    return c;
  }
}
// Personal columns get no getter: only their masking resolvers read them, from the raw* fields.
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
