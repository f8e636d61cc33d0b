import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildAppSchema } from './graphql/schema.js';
import { auditResolvers } from './modules/audit/audit.resolver.js';
import { complaintResolvers } from './modules/complaints/complaint.resolver.js';
import { complaintSubscriptionResolvers } from './modules/complaints/complaint.subscription.js';
import { customerResolvers } from './modules/customers/customer.resolver.js';
import { nodeResolvers } from './modules/node/node.resolver.js';
import { orgResolvers } from './modules/org/org.resolver.js';
import { projectResolvers } from './modules/projects/project.resolver.js';
import { slaResolvers } from './modules/sla/sla.resolver.js';
import { touchpointResolvers } from './modules/touchpoints/touchpoint.resolver.js';
import { journeyResolvers } from './modules/journey/journey.js';
import { inspectionResolvers } from './modules/inspections/inspection.resolver.js';
import { surveyResolvers } from './modules/surveys/survey.resolver.js';
import { viewerResolvers } from './modules/viewer/viewer.resolver.js';

/**
 * The composition root of the schema: every domain module's resolvers. Shared machinery
 * (src/graphql) builds it without knowing the domains.
 */
export const RESOLVERS = [
  ...viewerResolvers,
  ...nodeResolvers,
  ...orgResolvers,
  ...projectResolvers,
  ...customerResolvers,
  ...auditResolvers,
  ...touchpointResolvers,
  ...journeyResolvers,
  ...inspectionResolvers,
  ...surveyResolvers,
  ...complaintResolvers,
  ...complaintSubscriptionResolvers,
  ...slaResolvers,
] as const;

let cached: Promise<GraphQLSchema> | null = null;

/** The executable schema, built once per process. */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildAppSchema([...RESOLVERS] as [Function, ...Function[]]);
  return cached;
}
