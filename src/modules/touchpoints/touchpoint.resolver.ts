import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { maskContactText } from '../../auth/masking.js';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { emptyPage, nestedLoader } from '../../graphql/nested.js';
import { CustomerService } from '../customers/customer.service.js';
import { Customer, Unit } from '../customers/customer.type.js';
import { staffOf } from '../org/org.resolver.js';
import { Staff } from '../org/org.type.js';
import { Project } from '../projects/project.type.js';
import { RecordTouchpointInput, TouchpointFilter, TouchpointOrder } from './touchpoint.input.js';
import { TouchpointService } from './touchpoint.service.js';
import { Touchpoint, TouchpointConnection, TouchpointEvidence } from './touchpoint.type.js';

@ObjectType({ description: 'Result of `recordTouchpoint`.' })
class RecordTouchpointPayload {
  @Field(() => Touchpoint, { description: 'The recorded touchpoint (or the first one, on an idempotent retry).' })
  touchpoint!: Touchpoint;
}

const MASKED_TEXT =
  'ADMIN reads it as written. Every other role reads it with the contact data it quotes masked as the customer fields are: phone numbers (138****5678), ID numbers, emails, other runs of 7+ digits, and the customer’s name.';

@Resolver(() => Touchpoint)
export class TouchpointResolver {
  @Authorized(READERS)
  @Query(() => TouchpointConnection, { description: 'Touchpoints the viewer may see, newest first by default.' })
  async touchpoints(
    @Args() page: PageArgsType,
    @Arg('filter', () => TouchpointFilter, { nullable: true, description: 'Conditions on the touchpoints.' }) filter: TouchpointFilter | null,
    @Arg('orderBy', () => TouchpointOrder, { nullable: true, description: 'Ordering; by occurrence time, newest first, by default.' }) orderBy: TouchpointOrder | null,
    @Ctx() ctx: Context,
  ) {
    return TouchpointConnection.of(await new TouchpointService(ctx).list(filter, orderBy, page), Touchpoint.from);
  }

  @Authorized()
  @Mutation(() => RecordTouchpointPayload, { description: 'Records a contact with a customer (ADMIN, MANAGER, AGENT), in a project the customer is linked to; audited.' })
  async recordTouchpoint(@Arg('input', () => RecordTouchpointInput, { description: 'The contact.' }) input: RecordTouchpointInput, @Ctx() ctx: Context) {
    return { touchpoint: Touchpoint.from(await new TouchpointService(ctx).record(input)) };
  }

  @FieldResolver(() => String, { description: `What was said or done. ${MASKED_TEXT}` })
  notes(@Root() t: Touchpoint, @Ctx() ctx: Context): string {
    const raw = t.notes ?? '';
    return ctx.access.seesPersonalData() ? raw : (t.notesMasked ?? maskContactText(raw));
  }

  @FieldResolver(() => [TouchpointEvidence], { description: 'Evidence archived with it (seed 003 §6.1), in the order given.' })
  evidence(@Root() t: Touchpoint): TouchpointEvidence[] {
    return t.evidence.map(TouchpointEvidence.from);
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer (null if the viewer may not see them).' })
  async customer(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Customer | null> {
    const row = await ctx.loaders.customer.load(t.customerId);
    return row && (await new CustomerService(ctx).isVisible(row)) ? Customer.from(row) : null;
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  async project(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(t.projectId))!);
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'The unit concerned, if any.' })
  async unit(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Unit | null> {
    if (t.unitId === null) return null;
    const row = await ctx.loaders.unit.load(t.unitId);
    return row ? Unit.from(row) : null;
  }

  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Who made the contact. Without a (visible) directory entry only `id` and `login` are set.',
  })
  async staff(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Staff | null> {
    return t.staffId ? staffOf(ctx, t.staffId) : null;
  }

  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Who recorded it. Without a (visible) directory entry only `id` and `login` are set.',
  })
  async recordedBy(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Staff | null> {
    return t.createdBy ? staffOf(ctx, t.createdBy) : null;
  }
}

@Resolver(() => TouchpointEvidence)
export class TouchpointEvidenceResolver {
  @FieldResolver(() => String, { nullable: true, description: `Caption. ${MASKED_TEXT}` })
  caption(@Root() e: TouchpointEvidence, @Ctx() ctx: Context): string | null {
    if (e.rawCaption === null) return null;
    return ctx.access.seesPersonalData() ? e.rawCaption : maskContactText(e.rawCaption);
  }
}

/**
 * A nested `touchpoints` connection under a list of customers or projects: every parent's
 * page comes from one batched statement (and the counts from one more), not one per parent.
 */
async function nestedTouchpoints(
  ctx: Context,
  parent: 'customerId' | 'projectId',
  parentId: number,
  args: { page: PageArgsType; filter: TouchpointFilter | null; orderBy: TouchpointOrder | null },
) {
  const key = `touchpoints:${parent}:${JSON.stringify(args)}`;
  const service = new TouchpointService(ctx);
  const pages = nestedLoader(ctx, key, (ids) => service.pagesFor(parent, ids, args.filter, args.orderBy, args.page), emptyPage());
  const counts = nestedLoader(ctx, `${key}:count`, (ids) => service.countsFor(parent, ids, args.filter), 0);
  const page = await pages.load(parentId);
  return TouchpointConnection.of({ ...page, count: () => counts.load(parentId) }, Touchpoint.from);
}

@Resolver(() => Customer)
export class CustomerTouchpointsResolver {
  @FieldResolver(() => TouchpointConnection, { description: 'The customer’s touchpoints the viewer may see, newest first.' })
  touchpoints(
    @Root() c: Customer,
    @Args() page: PageArgsType,
    @Arg('filter', () => TouchpointFilter, { nullable: true, description: 'Further conditions.' }) filter: TouchpointFilter | null,
    @Arg('orderBy', () => TouchpointOrder, { nullable: true, description: 'Ordering.' }) orderBy: TouchpointOrder | null,
    @Ctx() ctx: Context,
  ) {
    return nestedTouchpoints(ctx, 'customerId', c.dbId, { page, filter, orderBy });
  }
}

@Resolver(() => Project)
export class ProjectTouchpointsResolver {
  @FieldResolver(() => TouchpointConnection, { description: 'The project’s touchpoints the viewer may see, newest first.' })
  touchpoints(
    @Root() p: Project,
    @Args() page: PageArgsType,
    @Arg('filter', () => TouchpointFilter, { nullable: true, description: 'Further conditions.' }) filter: TouchpointFilter | null,
    @Arg('orderBy', () => TouchpointOrder, { nullable: true, description: 'Ordering.' }) orderBy: TouchpointOrder | null,
    @Ctx() ctx: Context,
  ) {
    return nestedTouchpoints(ctx, 'projectId', p.dbId, { page, filter, orderBy });
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const touchpointResolvers = [TouchpointResolver, TouchpointEvidenceResolver, CustomerTouchpointsResolver, ProjectTouchpointsResolver] as const;
