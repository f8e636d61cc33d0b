import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { fieldNeeds, selectedColumns } from '../../graphql/projection.js';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import {
  CityCompanyFilter,
  CreateCityCompanyInput,
  CreateRegionInput,
  CreateStaffInput,
  OrgUnitOrder,
  RegionFilter,
  StaffFilter,
  StaffOrder,
  UpdateCityCompanyInput,
  UpdateRegionInput,
  UpdateStaffInput,
} from './org.input.js';
import { OrgService, StaffService } from './org.service.js';
import { CityCompany, CityCompanyConnection, Region, RegionConnection, Staff, StaffConnection } from './org.type.js';

@ObjectType({ description: 'Result of `createRegion`.' })
export class CreateRegionPayload {
  @Field(() => Region, { description: 'The created region (or the first one, on an idempotent retry).' })
  region!: Region;
}

@ObjectType({ description: 'Result of `updateRegion`.' })
export class UpdateRegionPayload {
  @Field(() => Region, { description: 'The region after the change.' })
  region!: Region;
}

@ObjectType({ description: 'Result of `createCityCompany`.' })
export class CreateCityCompanyPayload {
  @Field(() => CityCompany, { description: 'The created city company (or the first one, on an idempotent retry).' })
  cityCompany!: CityCompany;
}

@ObjectType({ description: 'Result of `updateCityCompany`.' })
export class UpdateCityCompanyPayload {
  @Field(() => CityCompany, { description: 'The city company after the change.' })
  cityCompany!: CityCompany;
}

@ObjectType({ description: 'Result of `createStaff`.' })
export class CreateStaffPayload {
  @Field(() => Staff, { description: 'The new staff member.' })
  staff!: Staff;
}

@ObjectType({ description: 'Result of `updateStaff`.' })
export class UpdateStaffPayload {
  @Field(() => Staff, { description: 'The staff member after the change.' })
  staff!: Staff;
}

@Resolver(() => Region)
export class RegionResolver {
  @Authorized(READERS)
  @Query(() => RegionConnection, { description: 'Regions (区域公司) the viewer may see: all with a whole-group scope, else those named in the scope or above a city company or project in it.' })
  async regions(
    @Args() page: PageArgsType,
    @Arg('filter', () => RegionFilter, { nullable: true, description: 'Conditions on the regions.' }) filter: RegionFilter | null,
    @Arg('orderBy', () => OrgUnitOrder, { nullable: true, description: 'Ordering; by name ascending by default.' }) orderBy: OrgUnitOrder | null,
    @Ctx() ctx: Context,
  ) {
    return RegionConnection.of(await new OrgService(ctx).listRegions(filter, orderBy, page), Region.from);
  }

  @Authorized()
  @Mutation(() => CreateRegionPayload, { description: 'Creates a region (ADMIN).' })
  async createRegion(@Arg('input', () => CreateRegionInput, { description: 'The new region.' }) input: CreateRegionInput, @Ctx() ctx: Context) {
    return { region: Region.from(await new OrgService(ctx).createRegion(input)) };
  }

  @Authorized()
  @Mutation(() => UpdateRegionPayload, { description: 'Changes a region’s code or name (ADMIN).' })
  async updateRegion(@Arg('input', () => UpdateRegionInput, { description: 'The changes.' }) input: UpdateRegionInput, @Ctx() ctx: Context) {
    return { region: Region.from(await new OrgService(ctx).updateRegion(input)) };
  }
}

@Resolver(() => CityCompany)
export class CityCompanyResolver {
  @Authorized(READERS)
  @Query(() => CityCompanyConnection, {
    description: 'City companies (城市公司) the viewer may see: all with a whole-group scope, else those named in the scope, under a region in it, or above a project in it.',
  })
  async cityCompanies(
    @Args() page: PageArgsType,
    @Arg('filter', () => CityCompanyFilter, { nullable: true, description: 'Conditions on the city companies.' }) filter: CityCompanyFilter | null,
    @Arg('orderBy', () => OrgUnitOrder, { nullable: true, description: 'Ordering; by name ascending by default.' }) orderBy: OrgUnitOrder | null,
    @Ctx() ctx: Context,
  ) {
    return CityCompanyConnection.of(await new OrgService(ctx).listCityCompanies(filter, orderBy, page), CityCompany.from);
  }

  @Authorized()
  @Mutation(() => CreateCityCompanyPayload, { description: 'Creates a city company under a region (ADMIN).' })
  async createCityCompany(
    @Arg('input', () => CreateCityCompanyInput, { description: 'The new city company.' }) input: CreateCityCompanyInput,
    @Ctx() ctx: Context,
  ) {
    return { cityCompany: CityCompany.from(await new OrgService(ctx).createCityCompany(input)) };
  }

  @Authorized()
  @Mutation(() => UpdateCityCompanyPayload, { description: 'Changes a city company, or moves it to another region (ADMIN).' })
  async updateCityCompany(
    @Arg('input', () => UpdateCityCompanyInput, { description: 'The changes.' }) input: UpdateCityCompanyInput,
    @Ctx() ctx: Context,
  ) {
    return { cityCompany: CityCompany.from(await new OrgService(ctx).updateCityCompany(input)) };
  }

  // A visible city company's region is visible too (see Access), so no check is needed here.
  @FieldResolver(() => Region, { description: 'The region (区域公司) of the city company.' })
  async region(@Root() c: CityCompany, @Ctx() ctx: Context): Promise<Region> {
    const row = await ctx.loaders.region.load(c.regionId);
    if (!row) throw new Error(`region ${c.regionId} missing`);
    return Region.from(row);
  }
}

@Resolver(() => Staff)
export class StaffResolver {
  @Authorized(READERS)
  @Query(() => StaffConnection, {
    description: 'The staff directory (员工): group-level staff and staff of the city companies the viewer may see, e.g. to pick a complaint’s handler.',
  })
  async staff(
    @Args() page: PageArgsType,
    @Arg('filter', () => StaffFilter, { nullable: true, description: 'Conditions on the members.' }) filter: StaffFilter | null,
    @Arg('orderBy', () => StaffOrder, { nullable: true, description: 'Ordering; by name ascending by default.' }) orderBy: StaffOrder | null,
    @Ctx() ctx: Context,
  ) {
    return StaffConnection.of(await new StaffService(ctx).list(filter, orderBy, page), Staff.from);
  }

  @Authorized()
  @Mutation(() => CreateStaffPayload, {
    description: 'Adds a member to the staff directory: ADMIN for anyone; MANAGER for non-ADMIN staff of city companies fully in its scope.',
  })
  async createStaff(@Arg('input', () => CreateStaffInput, { description: 'The new member.' }) input: CreateStaffInput, @Ctx() ctx: Context) {
    return { staff: Staff.from(await new StaffService(ctx).create(input)) };
  }

  @Authorized()
  @Mutation(() => UpdateStaffPayload, {
    description: 'Changes a staff member (name, role, department, city company, active): ADMIN for anyone; MANAGER for non-ADMIN staff of city companies fully in its scope.',
  })
  async updateStaff(@Arg('input', () => UpdateStaffInput, { description: 'The changes.' }) input: UpdateStaffInput, @Ctx() ctx: Context) {
    return { staff: Staff.from(await new StaffService(ctx).update(input)) };
  }

  @FieldResolver(() => CityCompany, { nullable: true, description: 'The city company the member works for; null for group-level staff and subjects without a directory entry.' })
  async cityCompany(@Root() s: Staff, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<CityCompany | null> {
    if (s.cityCompanyId === null) return null;
    // The columns shown, as Project.cityCompany reads them: one statement for both when a response shows both.
    const row = await ctx.loaders.cityCompaniesWith(selectedColumns(info, CityCompany, false)).load(s.cityCompanyId);
    return row ? CityCompany.from(row) : null;
  }
}

/** The Staff for a token subject: its visible directory entry, or the bare login (batched through the staff loader). */
export async function staffOf(ctx: Context, subject: string): Promise<Staff> {
  const row = await new StaffService(ctx).forSubject(subject);
  return row ? Staff.from(row) : Staff.bare(subject);
}

// What a city company's fields read of its row besides their own columns (see graphql/projection.ts).
fieldNeeds(CityCompany, { always: ['id'], fields: { id: [], region: ['regionId'] } });

/** This module's resolvers, for the composition root (src/schema.ts). */
export const orgResolvers = [RegionResolver, CityCompanyResolver, StaffResolver] as const;
