import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../config.js';
import { isCacheableForBi } from '../graphql/cache-hints.js';
import type { Context } from '../graphql/context.js';
import { AppError, formatError } from '../graphql/errors.js';
import { depthLimit, operationCostOf } from '../graphql/limits.js';
import type { Metrics } from '../metrics.js';
import { jitExecutor, type JitExecutor } from './executor.js';

/** The cost of `operation` with `variables`, counted up to just past MAX_QUERY_COST. */
const costOf = (config: Config, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) =>
  operationCostOf(schema, document, operation, variables, { stopAbove: config.maxQueryCost });

/** Logs internal errors (never sent to clients), counts errors by code, adds the request id to internal ones. */
function errorPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const original = unwrapResolverError(e);
            if (original instanceof GraphQLError && !(original instanceof AppError) && e.extensions?.code) continue;
            // Apollo's request errors without a code (HTTP 4xx) are the client's, not ours.
            const status = original instanceof GraphQLError ? (original.extensions?.http as { status?: number } | undefined)?.status : undefined;
            if (typeof status === 'number' && status < 500) continue;
            if (original instanceof AppError) continue;
            contextValue.logger.error({ err: original, path: e.path }, 'internal error');
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => {
            const code = String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
            metrics.graphqlErrors.inc({ code });
            return code === 'INTERNAL_SERVER_ERROR' ? { ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } } : e;
          });
        },
      };
    },
  };
}

/** Refuses subscriptions over HTTP, and operations over MAX_QUERY_COST before they run (QUERY_TOO_COMPLEX): client errors. */
function costPlugin(config: Config): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions run over WebSocket: connect to ws(s)://<host>/graphql with the graphql-transport-ws protocol', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          const cost = costOf(config, schema, document, operation, request.variables ?? {});
          if (cost > config.maxQueryCost) {
            throw new AppError(
              'QUERY_TOO_COMPLEX',
              `Estimated query cost exceeds the maximum of ${config.maxQueryCost}; ask for smaller pages or fewer nested connections`,
              // Counting stops past the maximum: `cost` is a lower bound. A client error: 400.
              { cost, maxCost: config.maxQueryCost, http: { status: 400 } },
            );
          }
        },
      };
    },
  };
}

/**
 * GET requests whose every root field is marked {@link CACHEABLE_FOR_BI} and that answer
 * without errors get `Cache-Control: private, max-age=STATS_CACHE_MAX_AGE_SECONDS` (the answer
 * depends on the token: never a shared cache) and `Vary: Authorization`; everything else stays
 * `no-store` (set by the handler).
 */
function biCachePlugin(config: Config): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.method !== 'GET' || config.statsCacheMaxAgeSeconds === 0) return;
      return {
        async willSendResponse({ operation, schema, response }) {
          if (!operation || operation.operation !== 'query') return;
          if (response.body.kind !== 'single' || response.body.singleResult.errors?.length) return;
          const fields = schema.getQueryType()?.getFields() ?? {};
          const cacheable = operation.selectionSet.selections.every(
            (s) => s.kind === 'Field' && (s.name.value === '__typename' || isCacheableForBi(fields[s.name.value]?.extensions)),
          );
          if (!cacheable) return;
          response.http.headers.set('cache-control', `private, max-age=${config.statsCacheMaxAgeSeconds}`);
          response.http.headers.set('vary', 'Authorization');
        },
      };
    },
  };
}

/**
 * The media type of an answer by the request's Accept header, as Apollo negotiated it for an
 * earlier answer with the same header (a header Apollo refused, 406, is never learnt). Apollo
 * negotiates it for every answer with a Negotiator (1.7 % of a short read's CPU); an answer
 * from the jit plugin that carries it skips that. Clients send a handful of Accept values:
 * bounded, and forgotten when full.
 */
class AnswerTypes {
  private readonly byAccept = new Map<string, string>();
  get(accept: string): string | undefined {
    return this.byAccept.get(accept);
  }
  /** `accept` '' stands for a request without the header. */
  learn(accept: string, type: string | undefined): void {
    if (!type || accept.length > 500 || this.byAccept.has(accept)) return;
    if (this.byAccept.size >= 100) this.byAccept.clear();
    this.byAccept.set(accept, type);
  }
}

/**
 * Apollo Server that learns, from its own successful answers, the media type it negotiates for
 * each Accept header (see {@link AnswerTypes}), and that lets the jit executor answer the
 * queries Apollo has already answered without errors before its own pipeline runs (see
 * {@link JitExecutor.answer}): for those, Apollo's pipeline only repeated what it did the first
 * time (the document's hash and cache, operation lookup, plugin hooks that do nothing for a
 * POST): 0.94× the server CPU per request of reads B and C (bench/read-ab.mjs). The cost limit
 * still applies to every request: an operation over it takes Apollo's path, which refuses it.
 */
class LearningApolloServer extends ApolloServer<Context> {
  private stopping = false;

  constructor(
    options: ConstructorParameters<typeof ApolloServer<Context>>[0],
    private readonly answerTypes: AnswerTypes,
    private readonly jit: JitExecutor<Context> | null,
    /** Whether an operation may run with these variables (within the cost limit). */
    private readonly allow: (document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) => boolean,
    private readonly readyAnswers: { inc(): void },
  ) {
    super(options);
  }

  override async executeHTTPGraphQLRequest(args: Parameters<ApolloServer<Context>['executeHTTPGraphQLRequest']>[0]) {
    if (this.jit && !this.stopping) {
      const fast = await this.jit.answer(args.httpGraphQLRequest, args.context, this.allow);
      if (fast && 'body' in fast) {
        this.readyAnswers.inc();
        return fast;
      }
      // Ran with errors: Apollo's path answers with this context, and the jit plugin hands it what already ran.
      if (fast) return super.executeHTTPGraphQLRequest({ ...args, context: async () => fast.context });
    }
    const response = await super.executeHTTPGraphQLRequest(args);
    if ((response.status ?? 200) === 200 && response.body.kind === 'complete') {
      this.answerTypes.learn(args.httpGraphQLRequest.headers.get('accept') ?? '', response.headers.get('content-type'));
    }
    return response;
  }

  /** Once stopping, every request takes Apollo's path (which answers while it drains, and refuses once stopped). */
  override async stop() {
    this.stopping = true;
    return super.stop();
  }
}

/** The started Apollo server that executes GraphQL over HTTP. */
export async function createApollo(schema: GraphQLSchema, config: Config, metrics: Metrics): Promise<ApolloServer<Context>> {
  const answerTypes = new AnswerTypes();
  const jit = config.graphqlExecutor === 'jit' ? jitExecutor<Context>(schema, { contentTypeFor: (accept) => answerTypes.get(accept) }) : null;
  const apollo = new LearningApolloServer(
    {
      ...(jit ? { gateway: jit.gateway } : { schema }),
      formatError,
      introspection: config.introspection,
      includeStacktraceInErrorResponses: false,
      // main.ts owns SIGTERM/SIGINT: it drains HTTP first, then stops Apollo, then closes the database.
      stopOnTerminationSignals: false,
      // Bearer tokens (not cookies) authenticate, so cross-site requests carry no credentials:
      // CSRF prevention would only block cacheable GET requests from BI tools.
      csrfPrevention: false,
      validationRules: [depthLimit(config.maxQueryDepth)],
      parseOptions: { maxTokens: config.documentLimits.maxTokens },
      // No cache hints are used: the cache-control plugin would only wrap every field resolver
      // (about 1 µs per field, 5 % of the complaint desk) to compute `no-store`, which the
      // handler sets itself (src/http/graphql-handler.ts).
      plugins: [
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginCacheControlDisabled(),
        // Apollo would report usage to GraphOS by itself when APOLLO_KEY and APOLLO_GRAPH_REF are set; this
        // server does not take part in it (answers given ready would be missing from its reports).
        ApolloServerPluginUsageReportingDisabled(),
        errorPlugin(metrics),
        costPlugin(config),
        biCachePlugin(config),
        // Answers operations that run without errors itself (see jitExecutor).
        ...(jit ? [jit.plugin] : []),
      ],
    },
    answerTypes,
    jit,
    (document, operation, variables) => costOf(config, schema, document, operation, variables) <= config.maxQueryCost,
    metrics.graphqlReadyAnswers,
  );
  await apollo.start();
  return apollo;
}
