import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { fieldNeeds } from '../../graphql/projection.js';
import { READERS } from '../../auth/access.js';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import type { Maybe } from '../../graphql/maybe.js';
import { nestedConnection } from '../../graphql/nested.js';
import { Complaint, SlaAlert } from '../complaints/complaint.type.js';
import { complaintOf } from '../complaints/complaint.resolver.js';
import { customerOf } from '../customers/customer.resolver.js';
import { Customer } from '../customers/customer.type.js';
import { staffOf } from '../org/org.resolver.js';
import { Staff } from '../org/org.type.js';
import { Project } from '../projects/project.type.js';
import { TouchpointService } from '../touchpoints/touchpoint.service.js';
import { PlannedTouchpoint, Touchpoint } from '../touchpoints/touchpoint.type.js';
import { SubmitSurveyResponseInput, SurveyResponseFilter, UpsertSurveyTemplateInput } from './survey.input.js';
import { SurveyService } from './survey.service.js';
import { SatisfactionStatsResolver } from './satisfaction.js';
import { SatisfactionDriversResolver } from './drivers.js';
import { SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyResponseConnection, SurveyTemplate } from './survey.type.js';

@ObjectType({ description: 'Result of `upsertSurveyTemplate`.' })
class UpsertSurveyTemplatePayload {
  @Field(() => SurveyTemplate, { description: 'The current version after the change (a new version when the questions changed).' })
  template!: SurveyTemplate;
}

@ObjectType({ description: 'Result of `submitSurveyResponse`.' })
class SubmitSurveyResponsePayload {
  @Field(() => SurveyResponse, { description: 'The recorded response (or the first one, on an idempotent retry).' })
  response!: SurveyResponse;
}

@Resolver(() => SurveyTemplate)
export class SurveyTemplateResolver {
  @Authorized(READERS)
  @Query(() => [SurveyTemplate], { description: 'Survey templates (满意度调查问卷), by code, newest version first: group-wide configuration every reader may read.' })
  surveyTemplates(
    @Arg('code', () => String, { nullable: true, description: 'Only this code.' }) code: string | null,
    @Arg('active', () => Boolean, { nullable: true, description: 'Only active (true) or inactive (false) templates; all by default.' }) active: boolean | null,
    @Arg('allVersions', () => Boolean, { nullable: true, defaultValue: false, description: 'Every version, not only the current one.' }) allVersions: boolean | null,
    @Ctx() ctx: Context,
  ) {
    return new SurveyService(ctx).templates({ code, active, allVersions }).then((rows) => rows.map(SurveyTemplate.from));
  }

  @Authorized()
  @Mutation(() => UpsertSurveyTemplatePayload, {
    description:
      'Creates a survey template, or edits the one with the code (ADMIN); audited. Changed questions make a new version (responses keep the version they answered); a change of name, description, kind, stage or `active` alone edits the current version.',
  })
  async upsertSurveyTemplate(@Arg('input', () => UpsertSurveyTemplateInput, { description: 'The template.' }) input: UpsertSurveyTemplateInput, @Ctx() ctx: Context) {
    return { template: SurveyTemplate.from(await new SurveyService(ctx).upsertTemplate(input)) };
  }

  @FieldResolver(() => [SurveyQuestion], { description: 'The questions of this version, in order.' })
  async questions(@Root() t: SurveyTemplate, @Ctx() ctx: Context): Promise<SurveyQuestion[]> {
    return (await ctx.loaders.surveyQuestionsByTemplate.load(t.dbId)).map(SurveyQuestion.from);
  }
}

@Resolver(() => SurveyResponse)
export class SurveyResponseResolver {
  @Authorized(READERS)
  @Query(() => SurveyResponseConnection, { description: 'Survey responses the viewer may see, newest first.' })
  async surveyResponses(
    @Args() page: PageArgsType,
    @Arg('filter', () => SurveyResponseFilter, { nullable: true, description: 'Conditions on the responses.' }) filter: SurveyResponseFilter | null,
    @Ctx() ctx: Context,
  ) {
    return SurveyResponseConnection.of(await new SurveyService(ctx).list(filter, page), SurveyResponse.from);
  }

  @Authorized()
  @Mutation(() => SubmitSurveyResponsePayload, {
    description:
      'Records a customer’s survey answers (ADMIN, MANAGER, AGENT); audited. Scores are checked against their questions (1–5, NPS 0–10), required questions must be answered, and the customer must be linked to the project. ' +
      'An overall score of 2 or less raises a LOW_SATISFACTION alert and plans a recovery follow-up (挽回服务, rule trigger LOW_SATISFACTION), in the same transaction.',
  })
  async submitSurveyResponse(@Arg('input', () => SubmitSurveyResponseInput, { description: 'The answers.' }) input: SubmitSurveyResponseInput, @Ctx() ctx: Context) {
    return { response: SurveyResponse.from(await new SurveyService(ctx).submit(input)) };
  }

  @FieldResolver(() => SurveyTemplate, { description: 'The template version answered.' })
  async template(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<SurveyTemplate> {
    return SurveyTemplate.from((await ctx.loaders.surveyTemplate.load(r.templateId))!);
  }

  @FieldResolver(() => [SurveyAnswer], { description: 'The answers, in the order given.' })
  async answers(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<SurveyAnswer[]> {
    return (await ctx.loaders.surveyAnswersByResponse.load(r.dbId)).map(SurveyAnswer.from);
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer (null if the viewer may not see them).' })
  customer(@Root() r: SurveyResponse, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Maybe<Customer | null> {
    return customerOf(ctx, r.customerId, info);
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  async project(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<Project> {
    return Project.from((await ctx.loaders.project.load(r.projectId))!);
  }

  @FieldResolver(() => Touchpoint, { nullable: true, description: 'The touchpoint it follows, if any.' })
  async touchpoint(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<Touchpoint | null> {
    if (r.touchpointId === null) return null;
    const row = await ctx.loaders.touchpoint.load(r.touchpointId);
    return row ? Touchpoint.from(row) : null;
  }

  @FieldResolver(() => PlannedTouchpoint, { nullable: true, description: 'The planned standard action it was taken in, if any.' })
  async plannedTouchpoint(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<PlannedTouchpoint | null> {
    if (r.plannedTouchpointId === null) return null;
    const row = await ctx.loaders.plannedTouchpoint.load(r.plannedTouchpointId);
    return row ? PlannedTouchpoint.from(row) : null;
  }

  @FieldResolver(() => Complaint, { nullable: true, description: 'The complaint it follows (a return visit), if the viewer may see it.' })
  complaint(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<Complaint | null> {
    return complaintOf(ctx, r.complaintId);
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'Who recorded it. Without a (visible) directory entry only `id` and `login` are set.' })
  async recordedBy(@Root() r: SurveyResponse, @Ctx() ctx: Context): Promise<Staff | null> {
    return r.createdBy ? staffOf(ctx, r.createdBy) : null;
  }
}

@Resolver(() => SurveyAnswer)
export class SurveyAnswerResolver {
  @FieldResolver(() => SurveyQuestion, { description: 'The question answered (of the response’s template version).' })
  async question(@Root() a: SurveyAnswer, @Ctx() ctx: Context): Promise<SurveyQuestion> {
    return SurveyQuestion.from((await ctx.loaders.surveyQuestion.load(a.questionId))!);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'The text of a TEXT answer; null for a score. ADMIN reads it as written; every other role (ANALYST included) reads it with the contact data it quotes masked: phone numbers, ID numbers, emails, other runs of 7+ digits, and the customer’s name.',
  })
  text(@Root() a: SurveyAnswer, @Ctx() ctx: Context): string | null {
    return ctx.access.seesPersonalData() ? a.rawText : a.textMasked;
  }
}

@Resolver(() => SlaAlert)
export class SlaAlertSurveyResponseResolver {
  @FieldResolver(() => SurveyResponse, { nullable: true, description: 'For LOW_SATISFACTION: the survey response that scored 2 or less, if the viewer may see it.' })
  async surveyResponse(@Root() a: SlaAlert, @Ctx() ctx: Context): Promise<SurveyResponse | null> {
    if (a.surveyResponseId === null) return null;
    const row = await ctx.loaders.surveyResponse.load(a.surveyResponseId);
    return row && (await new TouchpointService(ctx).canSee(row)) ? SurveyResponse.from(row) : null;
  }
}

@Resolver(() => Customer)
export class CustomerSurveyResponsesResolver {
  @FieldResolver(() => SurveyResponseConnection, { description: 'The customer’s survey responses the viewer may see, newest first.' })
  async surveyResponses(
    @Root() c: Customer,
    @Args() page: PageArgsType,
    @Arg('filter', () => SurveyResponseFilter, { nullable: true, description: 'Further conditions.' }) filter: SurveyResponseFilter | null,
    @Ctx() ctx: Context,
  ) {
    const service = new SurveyService(ctx);
    const result = await nestedConnection(
      ctx,
      `surveyResponses:${JSON.stringify({ page, filter })}`,
      c.dbId,
      (ids) => service.pagesFor(ids, filter, page),
      (ids) => service.countsFor(ids, filter),
    );
    return SurveyResponseConnection.of(result, SurveyResponse.from);
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const surveyResolvers = [
  SurveyTemplateResolver,
  SurveyResponseResolver,
  SurveyAnswerResolver,
  SlaAlertSurveyResponseResolver,
  CustomerSurveyResponsesResolver,
  SatisfactionStatsResolver,
  SatisfactionDriversResolver,
] as const;

// A customer's nested survey responses read its id (see the customer's own fields in customer.resolver.ts).
fieldNeeds(Customer, { fields: { surveyResponses: [] } });
