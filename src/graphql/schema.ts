import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker, type NonEmptyArray } from 'type-graphql';
import type { Role } from '../domain/enums.js';
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

/**
 * Builds the executable schema from resolver classes (the composition root, src/schema.ts,
 * names them): authorization, the DateTime scalar, root descriptions.
 */
export async function buildAppSchema(resolvers: NonEmptyArray<Function>): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
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
  });
  const query = schema.getQueryType();
  if (query) query.description = 'Reads. Every list is a Relay connection; everything is scoped to the viewer.';
  const mutation = schema.getMutationType();
  if (mutation) mutation.description = 'Writes. Each takes one `input` and returns a payload; every write is audited.';
  const subscription = schema.getSubscriptionType();
  if (subscription) {
    subscription.description =
      'Live feeds over WebSocket (graphql-transport-ws) on /graphql, token in connection_init. Every event carries a cursor to resume from with `after`.';
  }
  return schema;
}

/** The SDL committed as `schema/schema.graphql`. */
export function printSdl(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
