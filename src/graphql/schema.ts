import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker } from 'type-graphql';
import type { Role } from '../domain/enums.js';
import { AuditResolver } from '../modules/audit/audit.resolver.js';
import { CustomerResolver, ProjectCustomersResolver, UnitOwnershipResolver, UnitResolver } from '../modules/customers/customer.resolver.js';
import { NodeResolver } from '../modules/node/node.resolver.js';
import { CityCompanyResolver, RegionResolver, StaffResolver } from '../modules/org/org.resolver.js';
import { ProjectResolver } from '../modules/projects/project.resolver.js';
import { ViewerResolver } from '../modules/viewer/viewer.resolver.js';
import {
  ComplaintEventResolver,
  ComplaintResolver,
  CustomerComplaintsResolver,
  ProjectComplaintsResolver,
  SlaAlertFieldsResolver,
  SlaClockResolver,
} from '../modules/complaints/complaint.resolver.js';
import { SlaResolver } from '../modules/sla/sla.resolver.js';
import { ComplaintSubscriptionResolver } from '../modules/complaints/complaint.subscription.js';
import type { Context } from './context.js';
import { DateTimeScalar } from './scalars.js';

/**
 * `@Authorized()` requires a viewer (UNAUTHENTICATED otherwise); `@Authorized(roles)`
 * also requires one of the roles (FORBIDDEN otherwise). Scope is checked in services.
 */
const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  context.access.requireViewer();
  if (roles.length) context.access.requireRole(roles);
  return true;
};

let cached: Promise<GraphQLSchema> | null = null;

/** Builds (once per process) the executable schema from the resolver classes. */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: [
      ViewerResolver,
      NodeResolver,
      RegionResolver,
      CityCompanyResolver,
      StaffResolver,
      ProjectResolver,
      CustomerResolver,
      ProjectCustomersResolver,
      UnitOwnershipResolver,
      UnitResolver,
      AuditResolver,
      ComplaintResolver,
      ComplaintEventResolver,
      CustomerComplaintsResolver,
      ProjectComplaintsResolver,
      SlaClockResolver,
      SlaAlertFieldsResolver,
      SlaResolver,
      ComplaintSubscriptionResolver,
    ],
    authChecker,
    authMode: 'error',
    // Subscriptions read the durable event log through their own `subscribe` functions
    // (src/events); type-graphql's topic PubSub is never used, and an in-memory bus must not be.
    pubSub: {
      publish() {
        throw new Error('publish: subscriptions read the event log (src/events), not topics');
      },
      subscribe() {
        throw new Error('subscribe: subscriptions read the event log (src/events), not topics');
      },
    },
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  }).then((schema) => {
    const query = schema.getQueryType();
    if (query) query.description = 'Reads. Every list is a Relay connection; everything is scoped to the viewer.';
    const mutation = schema.getMutationType();
    if (mutation) mutation.description = 'Writes. Each takes one `input` and returns a payload; every write is audited.';
    return schema;
  });
  return cached;
}

/** The SDL committed as `schema/schema.graphql`. */
export function printSdl(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

