import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import type { Department, Role } from '../../domain/enums.js';
import { OrderDirection } from '../../graphql/connection.js';
import { DepartmentEnum, RoleEnum } from '../../graphql/enums.js';

export enum OrgUnitOrderField {
  NAME = 'NAME',
  CODE = 'CODE',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(OrgUnitOrderField, {
  name: 'OrgUnitOrderField',
  description: 'What regions and city companies can be ordered by.',
  valuesConfig: {
    NAME: { description: '名称 — by name' },
    CODE: { description: '编码 — by code' },
    CREATED_AT: { description: '创建时间 — by creation time' },
  },
});

export enum StaffOrderField {
  NAME = 'NAME',
  LOGIN = 'LOGIN',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(StaffOrderField, {
  name: 'StaffOrderField',
  description: 'What the staff directory can be ordered by.',
  valuesConfig: {
    NAME: { description: '姓名 — by name' },
    LOGIN: { description: '登录名 — by login' },
    CREATED_AT: { description: '创建时间 — by creation time' },
  },
});

@InputType({ description: 'Ordering of a region or city company list.' })
export class OrgUnitOrder {
  @Field(() => OrgUnitOrderField, { description: 'Sort key.' })
  field!: OrgUnitOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction, ascending by default.' })
  direction!: OrderDirection;
}

@InputType({ description: 'Ordering of the staff directory.' })
export class StaffOrder {
  @Field(() => StaffOrderField, { description: 'Sort key.' })
  field!: StaffOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction, ascending by default.' })
  direction!: OrderDirection;
}

@InputType({ description: 'Filter for `regions`. All given conditions must hold.' })
export class RegionFilter {
  @Field({ nullable: true, description: 'Text contained in the name or code (case-insensitive).' })
  search?: string;
}

@InputType({ description: 'Filter for `cityCompanies`. All given conditions must hold.' })
export class CityCompanyFilter {
  @Field(() => [ID], { nullable: true, description: 'Region IDs (any of).' })
  regionIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Cities (any of), e.g. 深圳.' })
  cities?: string[];

  @Field({ nullable: true, description: 'Text contained in the name, code or city (case-insensitive).' })
  search?: string;
}

@InputType({ description: 'Filter for `staff`. All given conditions must hold.' })
export class StaffFilter {
  @Field(() => [ID], { nullable: true, description: 'City company IDs (any of); group-level staff have none and do not match.' })
  cityCompanyIds?: string[];

  @Field(() => [DepartmentEnum], { nullable: true, description: 'Departments (any of), e.g. the complaint’s department when picking a handler.' })
  departments?: Department[];

  @Field(() => [RoleEnum], { nullable: true, description: 'Roles (any of).' })
  roles?: Role[];

  @Field({ nullable: true, description: 'Only active (true) or inactive (false) members.' })
  active?: boolean;

  @Field({ nullable: true, description: 'Text contained in the name or login (case-insensitive).' })
  search?: string;
}

@InputType({ description: 'A new region (区域公司).' })
export class CreateRegionInput {
  @Field({ description: 'Unique code (letters, digits, `-` and `_`, up to 32; unique regardless of case), e.g. `SOUTH`.' })
  code!: string;

  @Field({ description: 'Name (up to 100 characters), e.g. 华南区域.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first region and creates nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to a region; omitted fields stay as they are.' })
export class UpdateRegionInput {
  @Field(() => ID, { description: 'The region to change.' })
  id!: string;

  @Field({ nullable: true, description: 'New code.' })
  code?: string;

  @Field({ nullable: true, description: 'New name.' })
  name?: string;
}

@InputType({ description: 'A new city company (城市公司).' })
export class CreateCityCompanyInput {
  @Field({ description: 'Unique code (letters, digits, `-` and `_`, up to 32; unique regardless of case), e.g. `SZ`.' })
  code!: string;

  @Field({ description: 'Name (up to 100 characters), e.g. 深圳公司.' })
  name!: string;

  @Field({ description: 'City (城市, up to 50 characters), e.g. 深圳.' })
  city!: string;

  @Field(() => ID, { description: 'The region it belongs to.' })
  regionId!: string;

  @Field(() => String, { nullable: true, description: 'Retry key: a retry with the same key returns the first city company and creates nothing.' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Changes to a city company; omitted fields stay as they are.' })
export class UpdateCityCompanyInput {
  @Field(() => ID, { description: 'The city company to change.' })
  id!: string;

  @Field({ nullable: true, description: 'New code.' })
  code?: string;

  @Field({ nullable: true, description: 'New name.' })
  name?: string;

  @Field({ nullable: true, description: 'New city.' })
  city?: string;

  @Field(() => ID, { nullable: true, description: 'Moves it to another region.' })
  regionId?: string;
}

@InputType({ description: 'A new member of the staff directory.' })
export class CreateStaffInput {
  @Field({ description: 'Login: the `sub` of the member’s bearer tokens; 1–100 letters, digits, `.`, `_`, `@` or `-`, unique regardless of case.' })
  login!: string;

  @Field({ description: 'Name (姓名, up to 50 characters).' })
  name!: string;

  @Field(() => RoleEnum, { description: 'Role; MANAGERs may not add ADMINs.' })
  role!: Role;

  @Field(() => DepartmentEnum, { nullable: true, description: 'Department; required for HANDLERs.' })
  department?: Department | null;

  @Field(() => ID, { nullable: true, description: 'City company the member works for; none for group-level staff (ADMIN only).' })
  cityCompanyId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the member is active; true by default.' })
  active?: boolean | null;
}

@InputType({ description: 'Changes to a staff member; omitted fields stay as they are, `null` clears department or city company.' })
export class UpdateStaffInput {
  @Field(() => ID, { description: 'The staff member (Staff ID).' })
  id!: string;

  @Field({ nullable: true, description: 'New name.' })
  name?: string;

  @Field(() => RoleEnum, { nullable: true, description: 'New role; MANAGERs may not grant ADMIN.' })
  role?: Role;

  @Field(() => DepartmentEnum, { nullable: true, description: 'New department; `null` clears it (not for HANDLERs).' })
  department?: Department | null;

  @Field(() => ID, { nullable: true, description: 'New city company; `null` makes the member group-level (ADMIN only).' })
  cityCompanyId?: string | null;

  @Field({ nullable: true, description: 'Activates or deactivates the member; inactive members cannot be assigned complaints.' })
  active?: boolean;
}
