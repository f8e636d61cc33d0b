import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
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
 * Executes operations with graphql-jit instead of graphql-js's interpreter, hosted through
 * Apollo Server's gateway interface (its documented hook for a custom executor: Apollo still
 * parses, validates, runs every plugin, including the cost limit, and formats errors and the
 * response; only execution changes).
 *
 * graphql-jit compiles each operation of a document once into a function that walks the
 * selection with the resolvers inlined: no per-field argument objects, no `info` made unless a
 * resolver reads it, fields without a resolver read as plain properties. On the read benchmark
 * that was 0.78–0.84× the server CPU per request (bench/read-ab.mjs).
 *
 * Compiled operations are kept per parsed document (Apollo keeps parsed documents in its own
 * bounded cache, so they go when it drops them) and operation name.
 */
export function jitGateway(schema: GraphQLSchema): Gateway {
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
  let announce: ((s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | null = null;
  return {
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
          /** graphql-js's answer, as Apollo would run it without this executor. */
          const interpret = async (operationName: string | null | undefined, variableValues: Record<string, unknown> | undefined) =>
            (await execute({ schema, document: rc.document, operationName, contextValue: rc.context, variableValues })) as Result;
          // No operation resolved (several without an operationName, or an unknown name): graphql-js's answer, its errors.
          if (!rc.operation) return interpret(rc.request.operationName, rc.request.variables);
          let byName = compiled.get(rc.document);
          if (!byName) compiled.set(rc.document, (byName = new Map()));
          const name = rc.operationName ?? '';
          let query = byName.get(name);
          if (!query) {
            query = expandedSelections(rc.document, rc.operationName) > MAX_COMPILED_SELECTIONS ? INTERPRET : compile(rc.document, rc.operationName);
            byName.set(name, query);
          }
          // Variables are coerced by graphql-js first, so that a bad value is refused with the very error (and so the
          // BAD_USER_INPUT code and status 400 Apollo gives it) the interpreter gives; graphql-jit then reads the same input.
          const variables = rc.request.variables ?? {};
          const coerced = getVariableValues(schema, rc.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
          if (coerced.errors) return { errors: coerced.errors };
          if (query === INTERPRET) return interpret(rc.operationName, variables);
          const result = await query.query(undefined, rc.context, variables);
          // No data at all: graphql-jit refused the variables before running anything, where graphql-js accepted them
          // (above). Run it as graphql-js would, rather than answer differently.
          return result.data === undefined && result.errors?.length ? interpret(rc.operationName, variables) : result;
        },
      };
    },
    async stop() {},
  };
}
