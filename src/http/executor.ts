import {
  HeaderMap,
  type ApolloServerOptionsWithGateway,
  type ApolloServerPlugin,
  type BaseContext,
  type GraphQLRequestListener,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
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

/** Most document texts {@link JitExecutor.answer} keeps ready to run; past it, the oldest go first. */
export const MAX_PREPARED_DOCUMENTS = 500;
/** Longest document text kept ready (longer ones always take Apollo's path). */
export const MAX_PREPARED_LENGTH = 10_000;
/**
 * Most characters of document text kept ready in all; past it, the oldest go first. A parsed
 * document and its compiled operation take up to about 90 bytes per character of text (a list
 * of short literals, a token every two characters): at most about 45 MB, and far less for the
 * documents clients send (a few hundred bytes per character of a token is rare).
 */
export const MAX_PREPARED_CHARACTERS = 500_000;

/** A query that Apollo parsed, validated and answered without errors: what {@link JitExecutor.answer} runs again for the same text. */
interface Prepared {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The operation's name as Apollo resolved it (null for an anonymous one). */
  operationName: string | null;
}

/**
 * The outcome of a run already made, carried on the context to the step that answers it
 * instead of running it again: from {@link JitExecutor.answer} to the plugin (Apollo runs each
 * operation on a shallow copy of the context, which copies the property), and from the plugin
 * to the gateway (the same copy), which returns or throws it.
 */
const OUTCOME = Symbol('outcome');
type Outcome = { result: Result } | { thrown: unknown };
type Carrier = { [OUTCOME]?: Outcome };

/** Marks an operation too large to compile (see {@link MAX_COMPILED_SELECTIONS}). */
const INTERPRET = Symbol('graphql-js');

/** What {@link jitExecutor} gives Apollo (its gateway and plugin) and the request handler (its answers to known queries). */
export interface JitExecutor<TContext extends BaseContext> {
  gateway: Gateway;
  plugin: ApolloServerPlugin<TContext>;
  /**
   * Answers a POST of a query that Apollo has already parsed, validated and answered without
   * errors (the same text and operation name), without going through Apollo's request
   * pipeline again: the compiled operation runs on a context made by `context`, and the answer
   * is the JSON Apollo would write for it. Gives:
   * - the HTTP response, when it ran without errors;
   * - `{ context }` when it ran with errors (or threw): Apollo's path must answer it, with that
   *   context, and the plugin hands Apollo the answer already computed (it never runs twice);
   * - null when it does not answer: another method or body shape, a document not seen yet, an
   *   `Accept` header (or none, '') whose media type `contentTypeFor` does not know, an operation `allow` refuses
   *   (over the cost limit), or a context that fails to be made: Apollo's path answers, as before.
   */
  answer(
    request: HTTPGraphQLRequest,
    context: () => Promise<TContext>,
    allow: (document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) => boolean,
  ): Promise<HTTPGraphQLResponse | { context: TContext } | null>;
}

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
 * A query that Apollo answered without errors is kept ready by its text (see
 * {@link JitExecutor.answer}): the next POST of the same text runs without Apollo's pipeline.
 *
 * graphql-jit compiles each operation of a document once into a function that walks the
 * selection with the resolvers inlined: no per-field argument objects, no `info` made unless a
 * resolver reads it, fields without a resolver read as plain properties. On the read benchmark
 * that was 0.78–0.84× the server CPU per request (bench/read-ab.mjs).
 *
 * Compiled operations are kept per parsed document (Apollo keeps parsed documents in its own
 * bounded cache, so they go when it drops them, unless kept ready) and operation name.
 */
export function jitExecutor<TContext extends BaseContext>(schema: GraphQLSchema, opts: { contentTypeFor?: (accept: string) => string | undefined } = {}): JitExecutor<TContext> {
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
  /** Queries answered without errors, by document text, then by the operation name asked for (null: none). */
  const ready = new Map<string, Map<string | null, Prepared>>();
  let readyCharacters = 0;
  const keep = (text: string, asked: string | null, prepared: Prepared) => {
    let byName = ready.get(text);
    if (!byName) {
      // The oldest texts go first (a Map iterates in insertion order).
      for (const old of ready.keys()) {
        if (ready.size < MAX_PREPARED_DOCUMENTS && readyCharacters + text.length <= MAX_PREPARED_CHARACTERS) break;
        ready.delete(old);
        readyCharacters -= old.length;
      }
      ready.set(text, (byName = new Map()));
      readyCharacters += text.length;
    }
    if (!byName.has(asked)) byName.set(asked, prepared);
  };
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
          // Answers the plugin computed with errors, or what their execution threw: returned or thrown, Apollo's path formats them.
          const carrier = rc.context as Carrier;
          const answered = carrier[OUTCOME];
          if (answered) {
            delete carrier[OUTCOME];
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
      const carrier = rc.contextValue as Carrier;
      // Ran ahead by answer(): taken off the context, not run again.
      let outcome = carrier[OUTCOME];
      if (outcome) delete carrier[OUTCOME];
      else {
        try {
          outcome = { result: await run(rc.document, rc.operation, rc.operationName, rc.contextValue, rc.request.variables ?? {}) };
        } catch (thrown) {
          // Thrown past graphql-jit (a resolveType that throws, say): thrown again from the gateway, as before.
          outcome = { thrown };
        }
      }
      if ('thrown' in outcome || outcome.result.errors?.length) {
        carrier[OUTCOME] = outcome; // for the gateway
        return null;
      }
      // Parsed, validated and answered without errors: the same text may skip Apollo's pipeline next time.
      // Only what a POST sent: the only requests answered ready.
      if (rc.operation.operation === 'query' && rc.request.http?.method === 'POST' && typeof rc.source === 'string' && rc.source.length <= MAX_PREPARED_LENGTH) {
        keep(rc.source, rc.request.operationName ?? null, { document: rc.document, operation: rc.operation, operationName: rc.operationName });
      }
      const headers = new HeaderMap();
      // The media type Apollo would negotiate for this Accept (known once it has answered it): set, Apollo skips negotiating it.
      const type = rc.request.http ? opts.contentTypeFor?.(rc.request.http.headers.get('accept') ?? '') : undefined;
      if (type) headers.set('content-type', type);
      return { http: { status: undefined, headers }, body: { kind: 'single', singleResult: outcome.result } };
    },
  };
  const plugin: ApolloServerPlugin<TContext> = {
    async requestDidStart() {
      return listener;
    },
  };
  const answer: JitExecutor<TContext>['answer'] = async (request, context, allow) => {
    if (request.method !== 'POST') return null;
    const body = request.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.query !== 'string') return null;
    // Persisted queries and other extensions, and malformed fields, are Apollo's to answer.
    if (body.extensions !== undefined && body.extensions !== null) return null;
    const asked = body.operationName ?? null;
    if (asked !== null && typeof asked !== 'string') return null;
    const variables = body.variables ?? {};
    if (typeof variables !== 'object' || Array.isArray(variables)) return null;
    const prepared = ready.get(body.query)?.get(asked);
    if (!prepared) return null;
    const type = opts.contentTypeFor?.(request.headers.get('accept') ?? '');
    if (!type) return null;
    let contextValue: TContext;
    try {
      if (!allow(prepared.document, prepared.operation, variables as Record<string, unknown>)) return null;
      contextValue = await context();
    } catch {
      // Apollo's path meets the same failure and answers it as it does.
      return null;
    }
    let outcome: Outcome;
    try {
      outcome = { result: await run(prepared.document, prepared.operation, prepared.operationName, contextValue, variables as Record<string, unknown>) };
    } catch (thrown) {
      outcome = { thrown };
    }
    if (!('thrown' in outcome) && !outcome.result.errors?.length) {
      const { result } = outcome;
      try {
        // As Apollo writes a single result (runHttpQuery's orderExecutionResultFields and prettyJSONStringify).
        const text = JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions }) + '\n';
        return { status: undefined, headers: new HeaderMap([['content-type', type]]), body: { kind: 'complete', string: text } };
      } catch {
        // Not serialisable: Apollo's path fails the same way on the same answer, and answers as it does.
      }
    }
    (contextValue as Carrier)[OUTCOME] = outcome;
    return { context: contextValue };
  };
  return { gateway, plugin, answer };
}
