import { HeaderMap, type ApolloServerOptionsWithGateway, type ApolloServerPlugin, type BaseContext, type GraphQLRequestListener } from '@apollo/server';
import { execute, getVariableValues, Kind, type DocumentNode, type ExecutionResult, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type Result = ExecutionResult<Record<string, unknown>>;

/**
 * Most field selections an operation may expand to, fragments spread out, for graphql-jit to
 * compile it. graphql-jit generates code for every selection it reaches through fragments,
 * where graphql-js visits each fragment once per selection set: a fragment bomb that
 * graphql-js answers at once (`...F1 ...F1 ...F1` on every level of 99) would take it
 * forever. Larger operations run on graphql-js.
 */
export const MAX_COMPILED_SELECTIONS = 20_000;

/** How many field selections `operation` expands to with fragments spread out, counted up to `limit` (then `limit + 1`). */
export function expandedSelections(document: DocumentNode, operationName: string | null, limit = MAX_COMPILED_SELECTIONS): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION && (operationName === null ? !operation : d.name?.value === operationName)) operation = d;
  }
  // Each fragment's size once (memoised), capped: linear in the document, however large the expansion.
  const sizes = new Map<string, number>();
  const sizeOf = (set: SelectionSetNode | undefined, visiting: Set<string>): number => {
    let n = 0;
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) n += 1 + sizeOf(s.selectionSet, visiting);
      else if (s.kind === Kind.INLINE_FRAGMENT) n += sizeOf(s.selectionSet, visiting);
      else {
        const name = s.name.value;
        if (visiting.has(name)) continue; // a cycle: validation refuses it before execution
        let size = sizes.get(name);
        if (size === undefined) {
          visiting.add(name);
          size = sizeOf(fragments.get(name)?.selectionSet, visiting);
          visiting.delete(name);
          sizes.set(name, size);
        }
        n += size;
      }
      if (n > limit) return limit + 1;
    }
    return n;
  };
  return operation ? sizeOf(operation.selectionSet, new Set()) : 0;
}

/** Marks an operation too large to compile (see {@link MAX_COMPILED_SELECTIONS}). */
const INTERPRET = Symbol('graphql-js');

/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter, hosted in Apollo
 * Server through two documented hooks: a plugin's `responseForOperation`, which answers an
 * operation that ran without errors, and the gateway interface (Apollo's hook for a custom
 * executor), through which every other answer goes. Apollo still parses, validates and runs
 * every plugin's request hooks, the cost limit included, and writes the response.
 *
 * Why both. Apollo's execution path (the gateway's) formats errors, reports them to plugins
 * and sets their HTTP status, so an answer with errors must take it. But on Node 20 that path
 * is costly for every answer: the context Apollo makes for a gateway has a `status` getter and
 * setter in an object literal, which V8 11.3 gives a map of its own per request, and whatever
 * the accessors capture (Apollo's request context, and so the whole request: our context, its
 * loaders and rows, the answer) then survives the next minor GC and is copied to the old
 * generation; its `{ ...requestContext, useLegacyIncremental }` spread copies are a slow path
 * too, and it negotiates the `Accept` header again. An answer without errors gains nothing
 * from it, so the plugin answers those itself (BENCHMARKS.md, "What survives a scavenge"). An
 * answer with errors is computed once either way: the plugin hands it to the gateway, which
 * returns it as it is.
 *
 * Plugins' `executionDidStart` hooks do not run for the answers the plugin gives (Apollo skips
 * execution); none of ours has one. (Apollo's usage reporting, which Apollo installs itself when
 * APOLLO_KEY is set, would miss its per-field data for them; this server does not set it up.)
 *
 * graphql-jit compiles each operation of a document once into a function that walks the
 * selection with the resolvers inlined: no per-field argument objects, no `info` made unless a
 * resolver reads it, fields without a resolver read as plain properties. On the read benchmark
 * that was 0.78–0.84× the server CPU per request (bench/read-ab.mjs).
 *
 * Compiled operations are kept per parsed document (Apollo keeps parsed documents in its own
 * bounded cache, so they go when it drops them) and operation name.
 */
export function jitExecutor<TContext extends BaseContext>(
  schema: GraphQLSchema,
  opts: { contentTypeFor?: (accept: string) => string | undefined } = {},
): { gateway: Gateway; plugin: ApolloServerPlugin<TContext> } {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery<Record<string, unknown>> | typeof INTERPRET>>();
  /** The compiled operation, or INTERPRET where graphql-jit does not compile it (it answers errors, or throws): graphql-js answers as it always did. */
  const compile = (document: DocumentNode, operationName: string | null) => {
    try {
      const query = compileQuery<Record<string, unknown>>(schema, document, operationName ?? undefined);
      return isCompiledQuery(query) ? (query as CompiledQuery<Record<string, unknown>>) : INTERPRET;
    } catch {
      return INTERPRET;
    }
  };
  /** graphql-js's answer, as Apollo would run it without this executor. */
  const interpret = async (document: DocumentNode, operationName: string | null | undefined, contextValue: unknown, variableValues: Record<string, unknown> | undefined) =>
    (await execute({ schema, document, operationName, contextValue, variableValues })) as Result;
  /** The answer to `operation` of `document` (named `operationName`, as Apollo resolved it). */
  const run = async (document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null, contextValue: unknown, variables: Record<string, unknown>) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const name = operationName ?? '';
    let query = byName.get(name);
    if (!query) {
      query = expandedSelections(document, operationName) > MAX_COMPILED_SELECTIONS ? INTERPRET : compile(document, operationName);
      byName.set(name, query);
    }
    // Variables are coerced by graphql-js first, so that a bad value is refused with the very error (and so the
    // BAD_USER_INPUT code and status 400 Apollo gives it) the interpreter gives; graphql-jit then reads the same input.
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors } as Result;
    if (query === INTERPRET) return interpret(document, operationName, contextValue, variables);
    const result = await query.query(undefined, contextValue, variables);
    // No data at all: graphql-jit refused the variables before running anything, where graphql-js accepted them
    // (above). Run it as graphql-js would, rather than answer differently.
    return result.data === undefined && result.errors?.length ? interpret(document, operationName, contextValue, variables) : result;
  };
  /**
   * Answers the plugin computed with errors, or what their execution threw, by request context,
   * for the gateway to return or throw (Apollo's path formats them).
   */
  const handedOver = new WeakMap<object, { result: Result } | { thrown: unknown }>();
  let announce: ((s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | null = null;
  const gateway: Gateway = {
    onSchemaLoadOrUpdate(callback) {
      announce = callback;
      return () => {
        announce = null;
      };
    },
    async load() {
      announce?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return {
        schema,
        executor: async (rc) => {
          const context = rc.context as object;
          const answered = handedOver.get(context);
          if (answered) {
            handedOver.delete(context);
            if ('thrown' in answered) throw answered.thrown;
            return answered.result;
          }
          // No operation resolved (several without an operationName, or an unknown name): graphql-js's answer, its errors.
          if (!rc.operation) return interpret(rc.document, rc.request.operationName, rc.context, rc.request.variables);
          return run(rc.document, rc.operation, rc.operationName ?? null, rc.context, rc.request.variables ?? {});
        },
      };
    },
    async stop() {},
  };
  const listener: GraphQLRequestListener<TContext> = {
    async responseForOperation(rc) {
      if (!rc.operation) return null;
      let result: Result;
      try {
        result = await run(rc.document, rc.operation, rc.operationName, rc.contextValue, rc.request.variables ?? {});
      } catch (thrown) {
        // Thrown past graphql-jit (a resolveType that throws, say): thrown again from the gateway, as before.
        handedOver.set(rc.contextValue, { thrown });
        return null;
      }
      if (result.errors?.length) {
        handedOver.set(rc.contextValue, { result });
        return null;
      }
      const headers = new HeaderMap();
      // The media type Apollo would negotiate for this Accept (known once it has answered it): set, Apollo skips negotiating it.
      const accept = rc.request.http?.headers.get('accept');
      const type = accept ? opts.contentTypeFor?.(accept) : undefined;
      if (type) headers.set('content-type', type);
      return { http: { status: undefined, headers }, body: { kind: 'single', singleResult: result } };
    },
  };
  const plugin: ApolloServerPlugin<TContext> = {
    async requestDidStart() {
      return listener;
    },
  };
  return { gateway, plugin };
}
