import 'reflect-metadata';
import { GraphQLObjectType, lexicographicSortSchema, printSchema, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type AuthChecker, type NonEmptyArray } from 'type-graphql';
import type { Role } from '../domain/enums.js';
import type { Context } from './context.js';
import { createLoaders } from './loaders.js';
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
  directResolvers(schema);
  freshLoadersPerMutation(schema);
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

/**
 * Each root mutation field starts with the request's loaders made anew. The fields of a
 * mutation run one after another, and what an earlier one read through a loader (a project's
 * name, a customer's confidentiality, an owner's units, primed by its payload) must not answer a
 * later one after a field between them changed it.
 */
function freshLoadersPerMutation(schema: GraphQLSchema): void {
  const mutation = schema.getMutationType();
  if (!mutation) return;
  for (const field of Object.values(mutation.getFields())) {
    const original = field.resolve;
    if (!original) continue;
    field.resolve = (source, args, ctx: Context, info) => {
      ctx.loaders = createLoaders(ctx.db);
      return original(source, args, ctx, info);
    };
  }
}

/** The resolvers {@link directResolvers} made (for tests: which fields it took over). */
const directOnes = new WeakSet<Function>();
const direct = (f: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> => (directOnes.add(f), f);
export const isDirectResolver = (f: unknown): boolean => typeof f === 'function' && directOnes.has(f);

/** type-graphql's metadata after `buildSchema`, as far as {@link directResolvers} reads it. */
type ParamMeta = { kind: string; index: number; propertyName?: string; getType?: () => unknown };
type FieldMeta = { target: Function; name: string; schemaName: string; middlewares?: unknown[]; roles?: unknown[] };
type FieldResolverMeta = { kind: 'internal' | 'external'; target: Function; methodName: string; middlewares?: unknown[]; roles?: unknown[]; params?: ParamMeta[]; getObjectType?: () => Function };
type TypeMeta = { name: string; target: Function; fields?: FieldMeta[]; interfaceClasses?: Function[] };
/** Reads one parameter of a field resolver method from graphql-js's (root, context, info). */
type ParamPick = (root: Record<string, unknown>, ctx: unknown, info: GraphQLResolveInfo) => unknown;

/**
 * Field resolvers without type-graphql's per-call wrapping where it adds nothing. type-graphql
 * wraps every field: a plain property gets a resolver that builds a `{ root, args, context,
 * info }` object to read `root[name]`, and a `@FieldResolver` method sorts its parameter list
 * again and maps it on every call. On the complaint desk that was a fifth of the bytes a
 * request allocated, and 8–14 % of its CPU (BENCHMARKS.md). Here:
 * - a plain property field without middleware or roles, whose GraphQL name is its property
 *   name, gets graphql-js's default resolver (`source[name]`), as type-graphql's
 *   `simpleResolvers` would; so does a getter on the type's class (type-graphql counts it a
 *   field resolver), which graphql-jit then reads as a property: no resolve info, arguments
 *   or callbacks per field (Customer's masked personal fields, SlaClock.breached). A root
 *   that is not an instance of the class answers its own property of that name, where
 *   type-graphql would have copied it into an instance and run the getter: the API's types
 *   with getters are made only by their classes, whose private members keep a plain object
 *   from passing for them in TypeScript;
 * - a field resolver method (on a resolver class or on the type itself) without middleware,
 *   roles or arguments, whose parameters are only `@Root`, `@Ctx` and `@Info`, is called
 *   directly with them in order, on the one instance per resolver class that type-graphql's
 *   default container would also make. Where the root is not an instance of the class that
 *   type-graphql would convert it to, type-graphql's own resolver runs instead, so
 *   conversions stay type-graphql's.
 * Everything else keeps type-graphql's resolver. Valid while `buildAppSchema` configures no
 * global middleware and no container (it would have to run for every field).
 */
function directResolvers(schema: GraphQLSchema): void {
  const storage = getMetadataStorage() as unknown as { objectTypes: TypeMeta[]; interfaceTypes: TypeMeta[]; fieldResolvers: FieldResolverMeta[] };
  const instances = new Map<Function, object>();
  const instanceOf = (target: Function): object => {
    let inst = instances.get(target);
    if (!inst) instances.set(target, (inst = new (target as new () => object)()));
    return inst;
  };
  for (const type of storage.objectTypes) {
    const gql = schema.getType(type.name);
    if (!(gql instanceof GraphQLObjectType)) continue;
    const fields = gql.getFields();
    const metas = [...storage.interfaceTypes.filter((i) => type.interfaceClasses?.includes(i.target)).flatMap((i) => i.fields ?? []), ...(type.fields ?? [])];
    for (const meta of metas) {
      const field = fields[meta.schemaName];
      if (!field?.resolve || field.args.length) continue;
      const resolver = storage.fieldResolvers.find((r) => r.getObjectType?.() === meta.target && r.methodName === meta.name);
      const plain = !meta.middlewares?.length && !meta.roles && meta.name === meta.schemaName;
      if (!resolver) {
        if (plain) field.resolve = undefined;
        continue;
      }
      if (plain && resolver.kind === 'internal' && !resolver.middlewares?.length && !resolver.roles && isGetter(meta.target, meta.name)) {
        field.resolve = undefined;
        continue;
      }
      const params = resolver.params && [...resolver.params].sort((a, b) => a.index - b.index);
      if (!params || params.length > 3 || resolver.middlewares?.length || resolver.roles) continue;
      if (!params.every((p) => p.kind === 'root' || (p.kind === 'context' && !p.propertyName) || p.kind === 'info')) continue;
      // The classes type-graphql would convert the root to: the type's own (a method on it) and a typed @Root.
      const classes = [resolver.kind === 'internal' ? resolver.getObjectType?.() : undefined, ...params.map((p) => (p.kind === 'root' ? p.getType?.() : undefined))].filter(
        (c): c is Function => typeof c === 'function',
      );
      const picks: ParamPick[] = params.map((p) => {
        const property = p.propertyName;
        return p.kind === 'root' ? (property ? (r) => r[property] : (r) => r) : p.kind === 'context' ? (_r, c) => c : (_r, _c, i) => i;
      });
      const [p0, p1] = picks;
      const original = field.resolve;
      const name = resolver.methodName;
      const onType = resolver.kind === 'internal';
      const target = resolver.target;
      field.resolve = direct((source, args, ctx, info) => {
        for (const c of classes) if (source != null && !(source instanceof c)) return original(source, args, ctx, info);
        const root = source as Record<string, unknown>;
        const self = (onType ? root : instanceOf(target)) as Record<string, unknown>;
        const fn = self[name];
        if (typeof fn !== 'function') return fn;
        switch (picks.length) {
          case 0:
            return fn.call(self);
          case 1:
            return fn.call(self, p0!(root, ctx, info));
          case 2:
            return fn.call(self, p0!(root, ctx, info), p1!(root, ctx, info));
          default:
            return fn.apply(
              self,
              picks.map((p) => p(root, ctx, info)),
            );
        }
      });
    }
  }
}

/** Whether `name` is a getter on `target`'s prototype chain. */
function isGetter(target: Function, name: string): boolean {
  for (let p = target.prototype as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d) return typeof d.get === 'function';
  }
  return false;
}

/** The SDL committed as `schema/schema.graphql`. */
export function printSdl(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
