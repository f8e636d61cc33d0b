import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import type { InspectionFindingStatus } from '../../domain/enums.js';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { InspectionFindingStatusEnum } from '../../graphql/enums.js';
import { nestedLoader } from '../../graphql/nested.js';
import { SlaAlert } from '../complaints/complaint.type.js';
import { staffOf } from '../org/org.resolver.js';
import { Staff } from '../org/org.type.js';
import { Project } from '../projects/project.type.js';
import { StandardActionRule, TouchpointEvidence } from '../touchpoints/touchpoint.type.js';
import { InspectionFilter, InspectionFindingFilter, RecordInspectionInput, RectifyInspectionFindingInput } from './inspection.input.js';
import { findingStatus, InspectionService } from './inspection.service.js';
import { Inspection, InspectionConnection, InspectionFinding, InspectionFindingConnection, type FindingRow } from './inspection.type.js';

@ObjectType({ description: 'Result of `recordInspection`.' })
class RecordInspectionPayload {
  @Field(() => Inspection, { description: 'The inspection with its findings (or the first one, on an idempotent retry).' })
  inspection!: Inspection;
}

@ObjectType({ description: 'Result of `rectifyInspectionFinding`.' })
class RectifyInspectionFindingPayload {
  @Field(() => InspectionFinding, { description: 'The finding, rectified.' })
  finding!: InspectionFinding;
}

@Resolver(() => Inspection)
export class InspectionResolver {
  @Authorized(READERS)
  @Query(() => InspectionConnection, { description: '6+2 inspections of projects in the viewer’s scope, latest first.' })
  async inspections(
    @Args() page: PageArgsType,
    @Arg('filter', () => InspectionFilter, { nullable: true, description: 'Conditions on the inspections.' }) filter: InspectionFilter | null,
    @Ctx() ctx: Context,
  ) {
    return InspectionConnection.of(await new InspectionService(ctx).listInspections(filter, page), Inspection.from);
  }

  @Authorized(READERS)
  @Query(() => InspectionFindingConnection, { description: 'Findings of 6+2 inspections in the viewer’s scope, soonest deadline first.' })
  async inspectionFindings(
    @Args() page: PageArgsType,
    @Arg('filter', () => InspectionFindingFilter, { nullable: true, description: 'Conditions on the findings.' }) filter: InspectionFindingFilter | null,
    @Ctx() ctx: Context,
  ) {
    return InspectionFindingConnection.of(await new InspectionService(ctx).listFindings(filter, page), InspectionFinding.from);
  }

  @Authorized()
  @Mutation(() => RecordInspectionPayload, { description: 'Records a 6+2 inspection of a project with its findings (ADMIN); each finding must be rectified within 15 days. Audited.' })
  async recordInspection(@Arg('input', () => RecordInspectionInput, { description: 'The inspection.' }) input: RecordInspectionInput, @Ctx() ctx: Context) {
    return { inspection: Inspection.from(await new InspectionService(ctx).record(input)) };
  }

  @Authorized()
  @Mutation(() => RectifyInspectionFindingPayload, {
    description: 'Records the rectification (整改) of a finding: ADMIN, MANAGER in scope, or a HANDLER of the owning department. Once only; stops its alerts. Audited.',
  })
  async rectifyInspectionFinding(
    @Arg('input', () => RectifyInspectionFindingInput, { description: 'The rectification.' }) input: RectifyInspectionFindingInput,
    @Ctx() ctx: Context,
  ) {
    return { finding: InspectionFinding.from(await new InspectionService(ctx).rectify(input)) };
  }

  @FieldResolver(() => Project, { description: 'The project inspected.' })
  async project(@Root() i: Inspection, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(i.projectId))!);
  }

  @FieldResolver(() => [InspectionFinding], { description: 'Its findings, in the order recorded.' })
  async findings(@Root() i: Inspection, @Ctx() ctx: Context): Promise<InspectionFinding[]> {
    const service = new InspectionService(ctx);
    const rows = await nestedLoader<FindingRow[]>(ctx, 'inspection:findings', (ids) => service.findingsOf(ids), []).load(i.dbId);
    return rows.map(InspectionFinding.from);
  }

  @FieldResolver(() => Staff, { description: 'Who recorded it. Without a (visible) directory entry only `id` and `login` are set.' })
  recordedBy(@Root() i: Inspection, @Ctx() ctx: Context): Promise<Staff> {
    return staffOf(ctx, i.createdBy);
  }
}

@Resolver(() => InspectionFinding)
export class InspectionFindingResolver {
  @FieldResolver(() => InspectionFindingStatusEnum, { description: 'Status now: an open finding past its deadline is OVERDUE.' })
  status(@Root() f: InspectionFinding, @Ctx() ctx: Context): InspectionFindingStatus {
    return findingStatus(f, ctx.now());
  }

  @FieldResolver(() => [TouchpointEvidence], { description: 'Evidence of the rectification.' })
  evidence(@Root() f: InspectionFinding): TouchpointEvidence[] {
    return f.evidence.map(TouchpointEvidence.from);
  }

  @FieldResolver(() => Inspection, { description: 'The inspection that found it.' })
  async inspection(@Root() f: InspectionFinding, @Ctx() ctx: Context): Promise<Inspection> {
    const service = new InspectionService(ctx);
    const row = await nestedLoader(ctx, 'inspection:byId', (ids) => service.inspectionsById(ids), null).load(f.inspectionId);
    return Inspection.from(row!);
  }

  @FieldResolver(() => StandardActionRule, { nullable: true, description: 'The standard action it concerns, if one.' })
  async rule(@Root() f: InspectionFinding, @Ctx() ctx: Context): Promise<StandardActionRule | null> {
    if (f.ruleId === null) return null;
    const row = await ctx.loaders.rule.load(f.ruleId);
    return row ? StandardActionRule.from(row) : null;
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  async project(@Root() f: InspectionFinding, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(f.projectId))!);
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'Who recorded the rectification. Without a (visible) directory entry only `id` and `login` are set.' })
  async rectifiedBy(@Root() f: InspectionFinding, @Ctx() ctx: Context): Promise<Staff | null> {
    return f.rectifiedById ? staffOf(ctx, f.rectifiedById) : null;
  }
}

@Resolver(() => SlaAlert)
export class SlaAlertInspectionFindingResolver {
  @FieldResolver(() => InspectionFinding, { nullable: true, description: 'For an inspection finding’s WARNING or BREACHED alert: the finding.' })
  async inspectionFinding(@Root() a: SlaAlert, @Ctx() ctx: Context): Promise<InspectionFinding | null> {
    if (a.inspectionFindingId === null) return null;
    // The alert is visible, so is its project: the finding is too.
    const service = new InspectionService(ctx);
    const row = await nestedLoader(ctx, 'inspection:findingById', (ids) => service.findingsById(ids), null).load(a.inspectionFindingId);
    return row ? InspectionFinding.from(row) : null;
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const inspectionResolvers = [InspectionResolver, InspectionFindingResolver, SlaAlertInspectionFindingResolver] as const;

