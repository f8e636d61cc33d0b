import { Arg, Args, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { SlaAlert, SlaAlertConnection } from '../complaints/complaint.type.js';
import { SlaService } from './sla.service.js';
import { BusinessCalendarYear, SlaAlertFilter, SlaPolicy, UpsertBusinessCalendarYearInput, UpsertSlaPolicyInput } from './sla.type.js';

@ObjectType({ description: 'Result of `upsertSlaPolicy`.' })
class UpsertSlaPolicyPayload {
  @Field(() => SlaPolicy, { description: 'The saved policy.' })
  policy!: SlaPolicy;
}

@InputType({ description: 'Acknowledges an alert (someone is on it).' })
class AcknowledgeSlaAlertInput {
  @Field(() => ID, { description: 'The alert.' })
  alertId!: string;
}

@ObjectType({ description: 'Result of `acknowledgeSlaAlert`.' })
class AcknowledgeSlaAlertPayload {
  @Field(() => SlaAlert, { description: 'The acknowledged alert.' })
  alert!: SlaAlert;
}

@ObjectType({ description: 'Result of `upsertBusinessCalendarYear`.' })
class UpsertBusinessCalendarYearPayload {
  @Field(() => BusinessCalendarYear, { description: 'The year as now stored.' })
  calendar!: BusinessCalendarYear;
}

@Resolver()
export class SlaResolver {
  @Authorized(READERS)
  @Query(() => [SlaPolicy], { description: 'SLA policies, active first.' })
  async slaPolicies(@Ctx() ctx: Context): Promise<SlaPolicy[]> {
    return (await new SlaService(ctx).listPolicies()).map(SlaPolicy.from);
  }

  @Authorized()
  @Mutation(() => UpsertSlaPolicyPayload, { description: 'Creates or replaces an SLA policy by name (ADMIN); applies to complaints received afterwards.' })
  async upsertSlaPolicy(@Arg('input', () => UpsertSlaPolicyInput, { description: 'The policy.' }) input: UpsertSlaPolicyInput, @Ctx() ctx: Context) {
    return { policy: SlaPolicy.from(await new SlaService(ctx).upsertPolicy(input)) };
  }

  @Authorized(READERS)
  @Query(() => SlaAlertConnection, { description: 'SLA alerts the viewer may see, newest first.' })
  async slaAlerts(
    @Args() page: PageArgsType,
    @Arg('filter', () => SlaAlertFilter, { nullable: true, description: 'Conditions on the alerts.' }) filter: SlaAlertFilter | null,
    @Ctx() ctx: Context,
  ) {
    return SlaAlertConnection.of(await new SlaService(ctx).listAlerts(filter, page), SlaAlert.from);
  }

  @Authorized()
  @Mutation(() => AcknowledgeSlaAlertPayload, { description: 'Acknowledges an alert once (ADMIN, MANAGER, AGENT, HANDLER); a second acknowledgement is CONFLICT.' })
  async acknowledgeSlaAlert(@Arg('input', () => AcknowledgeSlaAlertInput, { description: 'The alert.' }) input: AcknowledgeSlaAlertInput, @Ctx() ctx: Context) {
    return { alert: SlaAlert.from(await new SlaService(ctx).acknowledge(input.alertId)) };
  }

  @Authorized(READERS)
  @Query(() => BusinessCalendarYear, { description: 'The business calendar of a year (holidays, make-up working days), with a warning when its schedule is missing.' })
  businessCalendar(@Arg('year', () => Int, { description: 'Year.' }) year: number, @Ctx() ctx: Context) {
    return new SlaService(ctx).calendarYear(year);
  }

  @Authorized()
  @Mutation(() => UpsertBusinessCalendarYearPayload, { description: 'Replaces a year of the business calendar (ADMIN). Running clocks keep their deadlines.' })
  async upsertBusinessCalendarYear(
    @Arg('input', () => UpsertBusinessCalendarYearInput, { description: 'The year.' }) input: UpsertBusinessCalendarYearInput,
    @Ctx() ctx: Context,
  ) {
    return { calendar: await new SlaService(ctx).upsertCalendarYear(input) };
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const slaResolvers = [SlaResolver] as const;
