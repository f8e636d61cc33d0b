import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { READERS } from '../../auth/access.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { decodeGlobalId, decodeStaffGlobalId } from '../../graphql/global-id.js';
import { Node } from '../../graphql/node.js';
import { CustomerService } from '../customers/customer.service.js';
import { Customer, Unit, UnitOwnership } from '../customers/customer.type.js';
import { ProjectService } from '../projects/project.service.js';
import { Project } from '../projects/project.type.js';
import { OrgService, StaffService } from '../org/org.service.js';
import { CityCompany, Region, Staff } from '../org/org.type.js';
import { AuditEntry } from '../audit/audit.type.js';
import { auditLog, slaPolicies } from '../../db/schema/index.js';
import { ComplaintService } from '../complaints/complaint.service.js';
import { Complaint, SlaAlert } from '../complaints/complaint.type.js';
import { SlaService } from '../sla/sla.service.js';
import { SlaPolicy } from '../sla/sla.type.js';
import { eq } from 'drizzle-orm';
import { TouchpointService } from '../touchpoints/touchpoint.service.js';
import { PlannedTouchpoint, StandardActionRule, Touchpoint } from '../touchpoints/touchpoint.type.js';
import { StandardActionService } from '../touchpoints/standard-action.service.js';
import { InspectionService } from '../inspections/inspection.service.js';
import { Inspection, InspectionFinding } from '../inspections/inspection.type.js';
import { SurveyService } from '../surveys/survey.service.js';
import { SurveyResponse, SurveyTemplate } from '../surveys/survey.type.js';

/** NOT_FOUND becomes null, as Relay's `node` expects. */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AppError && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

@Resolver()
export class NodeResolver {
  @Authorized(READERS)
  @Query(() => Node, { nullable: true, description: 'Any object by global ID; null when unknown or not visible to the viewer.' })
  async node(@Arg('id', () => ID, { description: 'Global ID.' }) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    const d = decodeGlobalId(id);
    if (!d) {
      // Staff are keyed by login, not a number: their IDs are a kind of their own.
      if (decodeStaffGlobalId(id) !== null) return orNull(new StaffService(ctx).get(id).then(Staff.from));
      throw AppError.badInput('id', 'is not a valid ID');
    }
    const { access, loaders } = ctx;
    switch (d.type) {
      case 'Project':
        return orNull(new ProjectService(ctx).get(id).then(Project.from));
      case 'Customer':
        return orNull(new CustomerService(ctx).get(id).then((r) => Customer.from(r, ctx.access)));
      case 'UnitOwnership':
        return orNull(new CustomerService(ctx).getOwnership(id, 'id').then(UnitOwnership.from));
      case 'Unit': {
        const row = await loaders.unit.load(d.id);
        return row && (await access.inScope(row.projectId)) ? Unit.from(row) : null;
      }
      case 'CityCompany':
        return orNull(new OrgService(ctx).getCityCompany(id).then(CityCompany.from));
      case 'Region':
        return orNull(new OrgService(ctx).getRegion(id).then(Region.from));
      case 'Complaint':
        return orNull(new ComplaintService(ctx).get(id).then(Complaint.from));
      case 'Touchpoint':
        return orNull(new TouchpointService(ctx).get(id).then(Touchpoint.from));
      case 'PlannedTouchpoint':
        return orNull(new StandardActionService(ctx).getPlanned(id).then(PlannedTouchpoint.from));
      case 'StandardActionRule': {
        const row = await loaders.rule.load(d.id);
        return row ? StandardActionRule.from(row) : null;
      }
      case 'Inspection':
        return orNull(new InspectionService(ctx).getInspection(id).then(Inspection.from));
      case 'InspectionFinding':
        return orNull(new InspectionService(ctx).getFinding(id).then(InspectionFinding.from));
      case 'SurveyTemplate': {
        const row = await loaders.surveyTemplate.load(d.id);
        return row ? SurveyTemplate.from(row) : null;
      }
      case 'SurveyResponse':
        return orNull(new SurveyService(ctx).get(id).then(SurveyResponse.from));
      case 'SlaAlert': {
        const [row] = await new SlaService(ctx).listAlertsByIds([d.id]);
        return row ? SlaAlert.from(row) : null;
      }
      case 'SlaPolicy': {
        const [row] = await ctx.db.select().from(slaPolicies).where(eq(slaPolicies.id, d.id));
        return row ? SlaPolicy.from(row) : null;
      }
      case 'AuditEntry': {
        if (!access.hasRole(['ADMIN'])) return null;
        const [row] = await ctx.db.select().from(auditLog).where(eq(auditLog.id, d.id));
        if (!row) return null;
        const s = await access.scope();
        return s.all || (row.projectId !== null && s.projectIds.includes(row.projectId)) ? AuditEntry.from(row) : null;
      }
      default:
        return null;
    }
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const nodeResolvers = [NodeResolver] as const;
