import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { READERS, REVEALERS } from '../../auth/access.js';
import type { Segment } from '../../domain/enums.js';
import { PageArgsType } from '../../graphql/connection.js';
import { nestedConnection } from '../../graphql/nested.js';
import type { Context } from '../../graphql/context.js';
import { whenReady, type Maybe } from '../../graphql/maybe.js';
import { SegmentEnum } from '../../graphql/enums.js';
import { LocalDateScalar } from '../../graphql/scalars.js';
import { fieldNeeds, selectedColumns } from '../../graphql/projection.js';
import { Project } from '../projects/project.type.js';
import {
  AddUnitOwnershipInput,
  CreateCustomerInput,
  CustomerFilter,
  CustomerOrder,
  RecordDeliveryInput,
  RecordMoveInInput,
  RecordSigningInput,
  RevealCustomerContactInput,
  UpdateCustomerInput,
} from './customer.input.js';
import { CustomerService, segmentAt } from './customer.service.js';
import { Customer, CustomerConnection, Unit, UnitOwnership } from './customer.type.js';

@ObjectType({ description: 'Result of `createCustomer`.' })
class CreateCustomerPayload {
  @Field(() => Customer, { description: 'The created customer (or the first one, on an idempotent retry).' })
  customer!: Customer;
}

@ObjectType({ description: 'Result of `updateCustomer`.' })
class UpdateCustomerPayload {
  @Field(() => Customer, { description: 'The customer after the change.' })
  customer!: Customer;
}

@ObjectType({ description: 'Result of `addUnitOwnership`.' })
class AddUnitOwnershipPayload {
  @Field(() => UnitOwnership, { description: 'The new ownership, with its unit.' })
  ownership!: UnitOwnership;
}

@ObjectType({ description: 'Result of `recordSigning`.' })
class RecordSigningPayload {
  @Field(() => UnitOwnership, { description: 'The ownership with its signing time.' })
  ownership!: UnitOwnership;
}

@ObjectType({ description: 'Result of `recordDelivery`.' })
class RecordDeliveryPayload {
  @Field(() => UnitOwnership, { description: 'The ownership with its delivery time.' })
  ownership!: UnitOwnership;
}

@ObjectType({ description: 'Result of `recordMoveIn`.' })
class RecordMoveInPayload {
  @Field(() => UnitOwnership, { description: 'The ownership with its move-in time.' })
  ownership!: UnitOwnership;
}

@ObjectType({ description: 'Unmasked contact data, returned once and audited.' })
class RevealCustomerContactPayload {
  @Field(() => Customer, { description: 'The customer (its own fields stay masked).' })
  customer!: Customer;

  @Field({ description: 'Full name.' })
  name!: string;

  @Field({ description: 'Unmasked phone number.' })
  phone!: string;

  @Field(() => String, { nullable: true, description: 'Unmasked ID number.' })
  idNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'Unmasked email.' })
  email!: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Birthday (生日).' })
  birthday!: string | null;
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(READERS)
  @Query(() => CustomerConnection, { description: 'Customers the viewer may see: in scope, and not confidential unless ADMIN/MANAGER.' })
  async customers(
    @Args() page: PageArgsType,
    @Arg('filter', () => CustomerFilter, { nullable: true, description: 'Conditions on the customers.' }) filter: CustomerFilter | null,
    @Arg('orderBy', () => CustomerOrder, { nullable: true, description: 'Ordering; by name ascending by default.' }) orderBy: CustomerOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    return CustomerConnection.of(await new CustomerService(ctx).list(filter, orderBy, page, selectedColumns(info, Customer, true)), (r) => Customer.from(r, ctx.access));
  }

  @Authorized(READERS)
  @Query(() => Customer, { description: 'One customer by ID; NOT_FOUND when unknown or not visible.' })
  async customer(@Arg('id', () => ID, { description: 'Customer ID.' }) id: string, @Ctx() ctx: Context): Promise<Customer> {
    return Customer.from(await new CustomerService(ctx).get(id), ctx.access);
  }

  @Authorized()
  @Mutation(() => CreateCustomerPayload, { description: 'Creates a customer in a project’s scope (ADMIN, MANAGER, AGENT). Same phone twice is CONFLICT.' })
  async createCustomer(@Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput, @Ctx() ctx: Context) {
    return { customer: Customer.from(await new CustomerService(ctx).create(input), ctx.access) };
  }

  @Authorized()
  @Mutation(() => UpdateCustomerPayload, { description: 'Changes a customer (ADMIN, MANAGER, AGENT).' })
  async updateCustomer(@Arg('input', () => UpdateCustomerInput, { description: 'The changes.' }) input: UpdateCustomerInput, @Ctx() ctx: Context) {
    return { customer: Customer.from(await new CustomerService(ctx).update(input), ctx.access) };
  }

  @Authorized()
  @Mutation(() => AddUnitOwnershipPayload, { description: 'Records that a customer holds a unit, creating the unit if needed.' })
  async addUnitOwnership(@Arg('input', () => AddUnitOwnershipInput, { description: 'The ownership.' }) input: AddUnitOwnershipInput, @Ctx() ctx: Context) {
    return { ownership: UnitOwnership.from(await new CustomerService(ctx).addUnitOwnership(input)) };
  }

  @Authorized()
  @Mutation(() => RecordSigningPayload, { description: 'Records the signing (签约) of an ownership; once only. Plans the standard actions signing triggers.' })
  async recordSigning(@Arg('input', () => RecordSigningInput, { description: 'The signing.' }) input: RecordSigningInput, @Ctx() ctx: Context) {
    return { ownership: UnitOwnership.from(await new CustomerService(ctx).recordSigning(input)) };
  }

  @Authorized()
  @Mutation(() => RecordDeliveryPayload, { description: 'Records the handover (交付) of a signed ownership; once only. Plans the standard actions delivery triggers.' })
  async recordDelivery(@Arg('input', () => RecordDeliveryInput, { description: 'The delivery.' }) input: RecordDeliveryInput, @Ctx() ctx: Context) {
    return { ownership: UnitOwnership.from(await new CustomerService(ctx).recordDelivery(input)) };
  }

  @Authorized()
  @Mutation(() => RecordMoveInPayload, { description: 'Records the move-in (入住) of a delivered ownership; once only. Plans the standard actions move-in triggers.' })
  async recordMoveIn(@Arg('input', () => RecordMoveInInput, { description: 'The move-in.' }) input: RecordMoveInInput, @Ctx() ctx: Context) {
    return { ownership: UnitOwnership.from(await new CustomerService(ctx).recordMoveIn(input)) };
  }

  @Authorized()
  @Mutation(() => RevealCustomerContactPayload, { description: 'Returns a customer’s unmasked contact data (ADMIN, MANAGER in scope); the reason is audited.' })
  async revealCustomerContact(
    @Arg('input', () => RevealCustomerContactInput, { description: 'Customer and reason.' }) input: RevealCustomerContactInput,
    @Ctx() ctx: Context,
  ) {
    const c = await new CustomerService(ctx).reveal(input);
    return { customer: Customer.from(c, ctx.access), name: c.name, phone: c.phone, idNumber: c.idNumber, email: c.email, birthday: c.birthday };
  }

  @FieldResolver(() => Boolean, { description: 'Whether personal fields (name, phone, ID number, email, birthday) are masked for this viewer: true for every role but ADMIN.' })
  contactMasked(@Ctx() ctx: Context): boolean {
    return !ctx.access.seesPersonalData();
  }

  @FieldResolver(() => Boolean, { description: 'Whether the viewer may call `revealCustomerContact` for this customer.' })
  viewerCanReveal(@Ctx() ctx: Context): boolean {
    return ctx.access.hasRole(REVEALERS);
  }

  @FieldResolver(() => SegmentEnum, { description: 'Derived segment from signing and handover dates (seed 004).' })
  async segment(@Root() c: Customer, @Ctx() ctx: Context): Promise<Segment> {
    const owned = await ctx.loaders.ownershipsByCustomer.load(c.dbId);
    return segmentAt(ctx, owned, ctx.now());
  }

  @FieldResolver(() => [UnitOwnership], { description: 'Units the customer holds (in projects the viewer may see), with milestone dates.' })
  async units(@Root() c: Customer, @Ctx() ctx: Context): Promise<UnitOwnership[]> {
    return (await new CustomerService(ctx).visibleOwnerships(c.dbId)).map(UnitOwnership.from);
  }

  @FieldResolver(() => [Project], { description: 'Projects the customer is linked to: where they came in and where they hold units (in scope).' })
  async projects(@Root() c: Customer, @Ctx() ctx: Context): Promise<Project[]> {
    const owned = await new CustomerService(ctx).visibleOwnerships(c.dbId);
    const ids = [...new Set([c.originProjectId, ...owned.map((o) => o.projectId)])];
    const visible = (await Promise.all(ids.map(async (id) => ((await ctx.access.inScope(id)) ? id : null)))).filter((id): id is number => id !== null);
    const rows = await ctx.loaders.project.loadMany(visible);
    return rows.flatMap((r) => (r && !(r instanceof Error) ? [Project.from(r)] : []));
  }

  @FieldResolver(() => Project, { nullable: true, description: 'The project where the customer first came in (null when out of scope).' })
  async originProject(@Root() c: Customer, @Ctx() ctx: Context): Promise<Project | null> {
    if (!(await ctx.access.inScope(c.originProjectId))) return null;
    const row = await ctx.loaders.project.load(c.originProjectId);
    return row ? Project.from(row) : null;
  }
}

@Resolver(() => UnitOwnership)
export class UnitOwnershipResolver {
  @FieldResolver(() => Unit, { description: 'The unit held.' })
  async unit(@Root() o: UnitOwnership, @Ctx() ctx: Context): Promise<Unit> {
    const row = await ctx.loaders.unit.load(o.unitId);
    if (!row) throw new Error(`unit ${o.unitId} missing`);
    return Unit.from(row);
  }

  @FieldResolver(() => Project, { description: 'The project of the unit.' })
  async project(@Root() o: UnitOwnership, @Ctx() ctx: Context): Promise<Project> {
    const row = await ctx.loaders.project.load(o.projectId);
    if (!row) throw new Error(`project ${o.projectId} missing`);
    return Project.from(row);
  }

  @FieldResolver(() => Customer, { description: 'The customer holding the unit.' })
  async customer(@Root() o: UnitOwnership, @Ctx() ctx: Context): Promise<Customer> {
    const row = await ctx.loaders.customer.load(o.customerId);
    if (!row) throw new Error(`customer ${o.customerId} missing`);
    return Customer.from(row, ctx.access);
  }
}

@Resolver(() => Unit)
export class UnitResolver {
  @FieldResolver(() => Project, { description: 'The project of the unit.' })
  async project(@Root() u: Unit, @Ctx() ctx: Context): Promise<Project> {
    const row = await ctx.loaders.project.load(u.projectId);
    if (!row) throw new Error(`project ${u.projectId} missing`);
    return Project.from(row);
  }

  @FieldResolver(() => [UnitOwnership], { description: 'Ownerships of this unit by customers the viewer may see.' })
  async ownerships(@Root() u: Unit, @Ctx() ctx: Context): Promise<UnitOwnership[]> {
    const rows = await ctx.loaders.ownershipsByUnit.load(u.dbId);
    const service = new CustomerService(ctx);
    const visible = await Promise.all(
      rows.map(async (o) => {
        const c = await ctx.loaders.customer.load(o.customerId);
        return c && (await service.isVisible(c)) ? o : null;
      }),
    );
    return visible.filter((o) => o !== null).map(UnitOwnership.from);
  }
}

@Resolver(() => Project)
export class ProjectCustomersResolver {
  @FieldResolver(() => CustomerConnection, { description: 'Customers of this project the viewer may see.' })
  async customers(
    @Root() p: Project,
    @Args() page: PageArgsType,
    @Arg('filter', () => CustomerFilter, { nullable: true, description: 'Further conditions.' }) filter: CustomerFilter | null,
    @Arg('orderBy', () => CustomerOrder, { nullable: true, description: 'Ordering.' }) orderBy: CustomerOrder | null,
    @Ctx() ctx: Context,
  ) {
    // Batched over every project in the response: one statement for the pages, one for the counts.
    const key = `customers:project:${JSON.stringify({ page, filter, orderBy })}`;
    const service = new CustomerService(ctx);
    const result = await nestedConnection(ctx, key, p.dbId, (ids) => service.pagesForProjects(ids, filter, orderBy, page), (ids) => service.countsForProjects(ids, filter));
    return CustomerConnection.of(result, (r) => Customer.from(r, ctx.access));
  }
}

// What each field of a customer reads of its row besides its own column (see graphql/projection.ts):
// every customer reads `id` when it is made (Customer.from), and its visibility reads
// `confidentiality` and `originProjectId` (Access.canSeeCustomer). The personal fields are the
// masking getters over their columns.
fieldNeeds(Customer, {
  always: ['id', 'confidentiality', 'originProjectId'],
  fields: {
    id: [],
    name: ['name'],
    phone: ['phone'],
    idNumber: ['idNumber'],
    email: ['email'],
    birthday: ['birthday'],
    contactMasked: [],
    viewerCanReveal: [],
    segment: [],
    units: [],
    projects: [],
    originProject: [],
  },
});
// A project's customers read its id.
fieldNeeds(Project, { fields: { customers: [] } });

/**
 * The customer a record (complaint, touchpoint, planned action, survey response) is about, for
 * the field resolved with `info`, or null when the viewer may not see them: the customer's row
 * holds only the columns the field's selection reads (see graphql/projection.ts).
 */
export function customerOf(ctx: Context, customerId: number, info: GraphQLResolveInfo): Maybe<Customer | null> {
  return whenReady(ctx.loaders.customersWith(selectedColumns(info, Customer, false)).get(customerId), (row) => (row ? whenReady(new CustomerService(ctx).isVisible(row), (ok) => (ok ? Customer.from(row, ctx.access) : null)) : null));
}

/** The unit a record concerns, if any. */
export async function unitOf(ctx: Context, unitId: number | null): Promise<Unit | null> {
  if (unitId === null) return null;
  const row = await ctx.loaders.unit.load(unitId);
  return row ? Unit.from(row) : null;
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const customerResolvers = [CustomerResolver, ProjectCustomersResolver, UnitOwnershipResolver, UnitResolver] as const;
