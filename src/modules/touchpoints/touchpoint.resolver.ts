import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { fieldNeeds, selectedColumns } from '../../graphql/projection.js';
import type { PlannedTouchpointStatus } from '../../domain/enums.js';
import { PlannedTouchpointStatusEnum } from '../../graphql/enums.js';
import { READERS } from '../../auth/access.js';
import { maskContactText } from '../../auth/masking.js';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { nestedConnection } from '../../graphql/nested.js';
import { customerOf, unitOf } from '../customers/customer.resolver.js';
import { Customer, Unit } from '../customers/customer.type.js';
import { staffOf } from '../org/org.resolver.js';
import { Staff } from '../org/org.type.js';
import { Project } from '../projects/project.type.js';
import { SlaAlert } from '../complaints/complaint.type.js';
import {
  CompletePlannedTouchpointInput,
  PlannedTouchpointFilter,
  RecordTouchpointInput,
  SkipPlannedTouchpointInput,
  TouchpointFilter,
  TouchpointOrder,
  UpsertStandardActionRuleInput,
} from './touchpoint.input.js';
import { StandardActionService, statusOf } from './standard-action.service.js';
import { TouchpointComplianceResolver } from './compliance.js';
import { TouchpointService } from './touchpoint.service.js';
import { PlannedTouchpoint, PlannedTouchpointConnection, StandardActionRule, Touchpoint, TouchpointConnection, TouchpointEvidence } from './touchpoint.type.js';

@ObjectType({ description: 'Result of `recordTouchpoint`.' })
class RecordTouchpointPayload {
  @Field(() => Touchpoint, { description: 'The recorded touchpoint (or the first one, on an idempotent retry).' })
  touchpoint!: Touchpoint;
}

/** Free text as the viewer may read it: as written for ADMIN, with quoted contact data masked for every other role. */
function visibleText(ctx: Context, raw: string | null): string | null {
  return raw === null || ctx.access.seesPersonalData() ? raw : maskContactText(raw);
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
    @Info() info: GraphQLResolveInfo,
  ) {
    return TouchpointConnection.of(await new TouchpointService(ctx).list(filter, orderBy, page, selectedColumns(info, Touchpoint, true)), Touchpoint.from);
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
  async customer(@Root() t: Touchpoint, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Customer | null> {
    return customerOf(ctx, t.customerId, info);
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  async project(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(t.projectId))!);
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'The unit concerned, if any.' })
  async unit(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Unit | null> {
    return unitOf(ctx, t.unitId);
  }

  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Who made the contact. Without a (visible) directory entry only `id` and `login` are set.',
  })
  async staff(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Staff | null> {
    return t.staffId ? staffOf(ctx, t.staffId) : null;
  }

  @FieldResolver(() => PlannedTouchpoint, { nullable: true, description: 'The planned standard action this touchpoint carried out, if any.' })
  async plannedTouchpoint(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<PlannedTouchpoint | null> {
    const [row] = await ctx.loaders.plannedByTouchpoint.load(t.dbId);
    return row ? PlannedTouchpoint.from(row) : null;
  }

  @FieldResolver(() => Staff, {
    nullable: true,
    description: 'Who recorded it. Without a (visible) directory entry only `id` and `login` are set.',
  })
  async recordedBy(@Root() t: Touchpoint, @Ctx() ctx: Context): Promise<Staff | null> {
    return t.createdBy ? staffOf(ctx, t.createdBy) : null;
  }
}

@ObjectType({ description: 'Result of `upsertStandardActionRule`.' })
class UpsertStandardActionRulePayload {
  @Field(() => StandardActionRule, { description: 'The rule after the change.' })
  rule!: StandardActionRule;
}

@ObjectType({ description: 'Result of `completePlannedTouchpoint`.' })
class CompletePlannedTouchpointPayload {
  @Field(() => PlannedTouchpoint, { description: 'The planned touchpoint, DONE, with its `touchpoint`.' })
  plannedTouchpoint!: PlannedTouchpoint;
}

@ObjectType({ description: 'Result of `skipPlannedTouchpoint`.' })
class SkipPlannedTouchpointPayload {
  @Field(() => PlannedTouchpoint, { description: 'The planned touchpoint, SKIPPED.' })
  plannedTouchpoint!: PlannedTouchpoint;
}

@Resolver(() => StandardActionRule)
export class StandardActionRuleResolver {
  @Authorized(READERS)
  @Query(() => [StandardActionRule], { description: 'Standard action rules (标准动作, 6+2 步法), by code: group-wide configuration every reader may read.' })
  standardActionRules(
    @Arg('active', () => Boolean, { nullable: true, description: 'Only active (true) or inactive (false) rules; all by default.' }) active: boolean | null,
    @Ctx() ctx: Context,
  ) {
    return new StandardActionService(ctx).rules(active).then((rows) => rows.map(StandardActionRule.from));
  }

  @Authorized()
  @Mutation(() => UpsertStandardActionRulePayload, {
    description: 'Creates a standard action rule, or changes the rule with the code (ADMIN); audited. The change applies to later triggers only.',
  })
  async upsertStandardActionRule(
    @Arg('input', () => UpsertStandardActionRuleInput, { description: 'The rule.' }) input: UpsertStandardActionRuleInput,
    @Ctx() ctx: Context,
  ) {
    return { rule: StandardActionRule.from(await new StandardActionService(ctx).upsertRule(input)) };
  }
}

@Resolver(() => PlannedTouchpoint)
export class PlannedTouchpointResolver {
  @Authorized(READERS)
  @Query(() => PlannedTouchpointConnection, { description: 'Planned standard actions the viewer may see, soonest due first.' })
  async plannedTouchpoints(
    @Args() page: PageArgsType,
    @Arg('filter', () => PlannedTouchpointFilter, { nullable: true, description: 'Conditions on the planned actions.' }) filter: PlannedTouchpointFilter | null,
    @Ctx() ctx: Context,
  ) {
    return PlannedTouchpointConnection.of(await new StandardActionService(ctx).listPlanned(filter, page), PlannedTouchpoint.from);
  }

  @Authorized()
  @Mutation(() => CompletePlannedTouchpointPayload, {
    description: 'Carries out a planned standard action (ADMIN, MANAGER, AGENT): records the touchpoint and links it, on time or late; audited.',
  })
  async completePlannedTouchpoint(
    @Arg('input', () => CompletePlannedTouchpointInput, { description: 'The contact that carried it out.' }) input: CompletePlannedTouchpointInput,
    @Ctx() ctx: Context,
  ) {
    return { plannedTouchpoint: PlannedTouchpoint.from(await new StandardActionService(ctx).complete(input)) };
  }

  @Authorized()
  @Mutation(() => SkipPlannedTouchpointPayload, { description: 'Skips a planned standard action with the reason (ADMIN, MANAGER); audited.' })
  async skipPlannedTouchpoint(
    @Arg('input', () => SkipPlannedTouchpointInput, { description: 'The action and why.' }) input: SkipPlannedTouchpointInput,
    @Ctx() ctx: Context,
  ) {
    return { plannedTouchpoint: PlannedTouchpoint.from(await new StandardActionService(ctx).skip(input)) };
  }

  @FieldResolver(() => PlannedTouchpointStatusEnum, { description: 'Status now: a planned action past its due time and not done is OVERDUE.' })
  status(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): PlannedTouchpointStatus {
    return statusOf({ status: p.storedStatus, dueAt: p.dueAt }, ctx.now());
  }

  @FieldResolver(() => Boolean, { nullable: true, description: 'For a DONE action: whether its touchpoint happened by the due time (及时). Null otherwise.' })
  async doneOnTime(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): Promise<boolean | null> {
    if (p.storedStatus !== 'DONE' || p.touchpointId === null) return null;
    const t = await ctx.loaders.touchpoint.load(p.touchpointId);
    return t ? t.occurredAt <= p.dueAt : null;
  }

  @FieldResolver(() => StandardActionRule, { description: 'The rule that planned it.' })
  async rule(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): Promise<StandardActionRule> {
    return StandardActionRule.from((await ctx.loaders.rule.load(p.ruleId))!);
  }

  @FieldResolver(() => Touchpoint, { nullable: true, description: 'The touchpoint that carried it out, once DONE.' })
  async touchpoint(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): Promise<Touchpoint | null> {
    if (p.touchpointId === null) return null;
    const row = await ctx.loaders.touchpoint.load(p.touchpointId);
    return row ? Touchpoint.from(row) : null;
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer (null if the viewer may not see them).' })
  async customer(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Customer | null> {
    return customerOf(ctx, p.customerId, info);
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  async project(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(p.projectId))!);
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'The unit concerned, if any.' })
  async unit(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): Promise<Unit | null> {
    return unitOf(ctx, p.unitId);
  }

  @FieldResolver(() => String, { nullable: true, description: `Why it was skipped; null unless SKIPPED. ${MASKED_TEXT}` })
  skipReason(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): string | null {
    return visibleText(ctx, p.rawSkipReason);
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'Who completed or skipped it. Without a (visible) directory entry only `id` and `login` are set.' })
  async closedBy(@Root() p: PlannedTouchpoint, @Ctx() ctx: Context): Promise<Staff | null> {
    return p.closedBy ? staffOf(ctx, p.closedBy) : null;
  }
}

@Resolver(() => SlaAlert)
export class SlaAlertPlannedTouchpointResolver {
  @FieldResolver(() => PlannedTouchpoint, { nullable: true, description: 'For TOUCHPOINT_OVERDUE: the planned standard action that fell overdue, if the viewer may see it.' })
  async plannedTouchpoint(@Root() a: SlaAlert, @Ctx() ctx: Context): Promise<PlannedTouchpoint | null> {
    if (a.plannedTouchpointId === null) return null;
    const row = await ctx.loaders.plannedTouchpoint.load(a.plannedTouchpointId);
    return row && (await new TouchpointService(ctx).canSee(row)) ? PlannedTouchpoint.from(row) : null;
  }
}

@Resolver(() => TouchpointEvidence)
export class TouchpointEvidenceResolver {
  @FieldResolver(() => String, { nullable: true, description: `Caption. ${MASKED_TEXT}` })
  caption(@Root() e: TouchpointEvidence, @Ctx() ctx: Context): string | null {
    return visibleText(ctx, e.rawCaption);
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
  info: GraphQLResolveInfo,
) {
  const columns = selectedColumns(info, Touchpoint, true);
  // Parents share a batch only with the same arguments and the same columns.
  const key = `touchpoints:${parent}:${JSON.stringify(args)}:${columns?.join(',') ?? '*'}`;
  const service = new TouchpointService(ctx);
  const page = await nestedConnection(
    ctx,
    key,
    parentId,
    (ids) => service.pagesFor(parent, ids, args.filter, args.orderBy, args.page, columns),
    (ids) => service.countsFor(parent, ids, args.filter),
  );
  return TouchpointConnection.of(page, Touchpoint.from);
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
    @Info() info: GraphQLResolveInfo,
  ) {
    return nestedTouchpoints(ctx, 'customerId', c.dbId, { page, filter, orderBy }, info);
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
    @Info() info: GraphQLResolveInfo,
  ) {
    return nestedTouchpoints(ctx, 'projectId', p.dbId, { page, filter, orderBy }, info);
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const touchpointResolvers = [
  TouchpointResolver,
  TouchpointEvidenceResolver,
  CustomerTouchpointsResolver,
  ProjectTouchpointsResolver,
  StandardActionRuleResolver,
  PlannedTouchpointResolver,
  SlaAlertPlannedTouchpointResolver,
  TouchpointComplianceResolver,
] as const;

// A customer's nested touchpoints read its id (see the customer's own fields in customer.resolver.ts).
fieldNeeds(Customer, { fields: { touchpoints: [] } });
// A project's touchpoints read its id.
fieldNeeds(Project, { fields: { touchpoints: [] } });
// What each field of a touchpoint reads of its row besides its own column (see graphql/projection.ts):
// every touchpoint reads `id` when it is made (Touchpoint.from); `notes` is masked from its stored masked text.
fieldNeeds(Touchpoint, {
  always: ['id'],
  fields: {
    id: [],
    notes: ['notes', 'notesMasked'],
    evidence: ['evidence'],
    customer: ['customerId'],
    project: ['projectId'],
    unit: ['unitId'],
    staff: ['staffId'],
    plannedTouchpoint: [],
    recordedBy: ['createdBy'],
  },
});
