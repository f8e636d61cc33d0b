import { getTableColumns } from 'drizzle-orm';
import { Field, ObjectType } from 'type-graphql';
import { cityCompanies, regions } from '../../db/schema/index.js';
import type { Department, Role } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { DepartmentEnum, RoleEnum } from '../../graphql/enums.js';
import { toStaffGlobalId } from '../../graphql/global-id.js';
import type { CityCompanyRow, RegionRow, StaffRow } from '../../graphql/loaders.js';
import { Node, readsRow, rowNode } from '../../graphql/node.js';

@ObjectType({ implements: Node, description: '区域公司 — a region of the group.' })
export class Region extends Node {
  dbId!: number;

  @Field({ description: 'Short code, e.g. `SOUTH`.' })
  code!: string;

  @Field({ description: 'Name, e.g. 华南区域.' })
  name!: string;

  /** The row the columns are read from (see {@link readsRow}). */
  row!: RegionRow;

  static from(row: RegionRow): Region {
    return rowNode(Region, 'Region', row);
  }
}
readsRow(Region, Object.keys(getTableColumns(regions)), ['id']);

export const RegionConnection = Connection(Region, 'Region');

@ObjectType({ implements: Node, description: '城市公司 — a city company; every project belongs to one.' })
export class CityCompany extends Node {
  dbId!: number;
  regionId!: number;

  @Field({ description: 'Short code, e.g. `SZ`.' })
  code!: string;

  @Field({ description: 'Name, e.g. 深圳公司.' })
  name!: string;

  @Field({ description: 'City (城市), e.g. 深圳.' })
  city!: string;

  /** The row the columns are read from (see {@link readsRow}). */
  row!: CityCompanyRow;

  static from(row: CityCompanyRow): CityCompany {
    return rowNode(CityCompany, 'CityCompany', row);
  }
}
readsRow(CityCompany, Object.keys(getTableColumns(cityCompanies)), ['id']);

export const CityCompanyConnection = Connection(CityCompany, 'CityCompany');

@ObjectType({
  implements: Node,
  description:
    '员工 — a staff member of the staff directory, keyed by login: the `sub` of their bearer tokens. ' +
    'Wherever a token subject is shown (first responder, handler, actor) it is a Staff; a subject without a ' +
    'directory entry (a service account, an old token) still has `id` and `login`, and its directory fields are null.',
})
export class Staff extends Node {
  cityCompanyId!: number | null;

  @Field({ description: 'Login (登录名): the token subject (`sub`) of this member’s bearer tokens.' })
  login!: string;

  @Field(() => String, { nullable: true, description: 'Name (姓名); null without a directory entry.' })
  name!: string | null;

  @Field(() => RoleEnum, { nullable: true, description: 'Role in the directory; null without a directory entry.' })
  role!: Role | null;

  @Field(() => DepartmentEnum, { nullable: true, description: 'Department (部门), required for HANDLERs; null when none or without a directory entry.' })
  department!: Department | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the member is active (may be assigned complaints); null without a directory entry.' })
  active!: boolean | null;

  @Field(() => Date, { nullable: true, description: 'When the directory entry was created; null without one.' })
  createdAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the directory entry was last changed; null without one.' })
  updatedAt!: Date | null;

  static from(row: StaffRow): Staff {
    return Object.assign(new Staff(), {
      id: toStaffGlobalId(row.id),
      login: row.id,
      name: row.name,
      role: row.role as Role,
      department: row.department as Department | null,
      cityCompanyId: row.cityCompanyId,
      active: row.active,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }

  /** A token subject without a (visible) directory entry: its login and nothing else. */
  static bare(login: string): Staff {
    return Object.assign(new Staff(), {
      id: toStaffGlobalId(login),
      login,
      name: null,
      role: null,
      department: null,
      cityCompanyId: null,
      active: null,
      createdAt: null,
      updatedAt: null,
    });
  }
}

export const StaffConnection = Connection(Staff, 'Staff');
