import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { GraphQLError, GraphQLInt, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_COMPILED_SELECTIONS, MAX_PREPARED_CHARACTERS, MAX_PREPARED_DOCUMENTS, MAX_PREPARED_LENGTH, expandedSelections, jitExecutor } from '../../src/http/executor.js';

/** `{ ...F0 } fragment F0 on Query { ...F1 ×spreads } … fragment Fn on Query { leaf }`. */
function bomb(levels: number, spreads: number, leaf: string): string {
  let doc = 'query { ...F0 }\n';
  for (let i = 0; i < levels; i++) doc += `fragment F${i} on Query { ${Array.from({ length: spreads }, () => `...F${i + 1}`).join(' ')} }\n`;
  return `${doc}fragment F${levels} on Query { ${leaf} }\n`;
}

describe('the selections an operation expands to (what graphql-jit would compile)', () => {
  it('counts fields, nested fields, inline fragments and every spread of a fragment', () => {
    expect(expandedSelections(parse('{ a b { c d } }'), null)).toBe(4);
    expect(expandedSelections(parse('{ a ... on Query { b } ...F ...F } fragment F on Query { c { d } }'), null)).toBe(6);
  });

  it('counts the named operation only', () => {
    const doc = parse('query A { a } query B { a b c } fragment F on Query { x }');
    expect(expandedSelections(doc, 'A')).toBe(1);
    expect(expandedSelections(doc, 'B')).toBe(3);
    expect(expandedSelections(doc, 'C')).toBe(0);
  });

  it('stops past the limit on a fragment bomb, at once', () => {
    expect(expandedSelections(parse(bomb(10, 2, 'a')), null)).toBe(1024);
    // 3^99 selections: counted linearly in the document (each fragment once), or this test would never end.
    expect(expandedSelections(parse(bomb(99, 3, '__typename')), null)).toBe(MAX_COMPILED_SELECTIONS + 1);
  });

  it('does not loop on fragment cycles (validation refuses them before execution)', () => {
    expect(expandedSelections(parse('{ ...A } fragment A on Query { x ...B } fragment B on Query { y ...A }'), null)).toBe(2);
  });
});

/** A started Apollo server on `schema` with the jit executor (its `opts`) and one more plugin, `watch` (counting what Apollo runs). */
async function startWithJit(schema: GraphQLSchema, watch: ApolloServerPlugin<BaseContext>, opts: Parameters<typeof jitExecutor>[1] = {}) {
  const jit = jitExecutor<BaseContext>(schema, opts);
  const apollo = new ApolloServer<BaseContext>({ gateway: jit.gateway, plugins: [jit.plugin, watch] });
  await apollo.start();
  return { jit, apollo };
}

describe('graphql-jit in Apollo (jitExecutor)', () => {
  /** An Apollo server on a tiny schema with the jit executor, counting resolver calls and the executions Apollo runs itself. */
  async function server() {
    const calls = { ok: 0, fail: 0, executions: 0 };
    const { apollo } = await startWithJit(makeSchema(calls), {
      async requestDidStart() {
        return {
          async executionDidStart() {
            calls.executions++;
          },
        };
      },
    });
    return { apollo, calls };
  }
  function makeSchema(calls: { ok: number; fail: number }) {
    return new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          ok: { type: GraphQLString, args: { n: { type: GraphQLInt } }, resolve: (_s, { n }) => (calls.ok++, `ok ${n ?? ''}`) },
          fail: {
            type: GraphQLString,
            resolve: () => {
              calls.fail++;
              throw new GraphQLError('no', { extensions: { code: 'NOPE' } });
            },
          },
        },
      }),
    });
  }
  const single = (r: Awaited<ReturnType<ApolloServer<BaseContext>['executeOperation']>>) => {
    if (r.body.kind !== 'single') throw new Error('expected a single result');
    return r.body.singleResult;
  };

  it('answers an operation without errors from the plugin: Apollo runs no execution of its own', async () => {
    const { apollo, calls } = await server();
    const r = single(await apollo.executeOperation({ query: 'query($n: Int) { ok(n: $n) }', variables: { n: 2 } }));
    expect(r).toEqual({ data: { ok: 'ok 2' } });
    expect(calls).toEqual({ ok: 1, fail: 0, executions: 0 });
    await apollo.stop();
  });

  it('hands an answer with errors to Apollo’s execution path, which formats it: each resolver still runs once', async () => {
    const { apollo, calls } = await server();
    const r = single(await apollo.executeOperation({ query: '{ ok fail }' }));
    expect(r.data).toEqual({ ok: 'ok ', fail: null });
    expect(r.errors).toEqual([expect.objectContaining({ message: 'no', path: ['fail'], extensions: { code: 'NOPE' } })]);
    expect(calls).toEqual({ ok: 1, fail: 1, executions: 1 });
    await apollo.stop();
  });

  it('refuses a bad variable through Apollo’s path (BAD_USER_INPUT), running nothing', async () => {
    const { apollo, calls } = await server();
    const res = await apollo.executeOperation({ query: 'query($n: Int) { ok(n: $n) }', variables: { n: 'two' } });
    expect(single(res).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.http.status).toBe(400);
    expect(calls).toEqual({ ok: 0, fail: 0, executions: 1 });
    await apollo.stop();
  });
});

describe('graphql-jit in Apollo: what execution throws', () => {
  // graphql-jit lets some exceptions out of the compiled query (a resolveType that throws): the plugin hands them
  // to the gateway, which throws them where Apollo formats them, as it did before the plugin.
  it('is answered as Apollo answers it through the gateway alone', async () => {
    const Node = new GraphQLInterfaceType({
      name: 'Node',
      fields: { id: { type: GraphQLString } },
      resolveType: () => {
        throw new Error('resolveType boom');
      },
    });
    const Thing = new GraphQLObjectType({ name: 'Thing', interfaces: [Node], fields: { id: { type: GraphQLString } } });
    const schema = new GraphQLSchema({ types: [Thing], query: new GraphQLObjectType({ name: 'Query', fields: { node: { type: Node, resolve: () => ({ id: '1' }) } } }) });
    const answer = async (withPlugin: boolean) => {
      const jit = jitExecutor<BaseContext>(schema);
      const apollo = new ApolloServer<BaseContext>({ gateway: jit.gateway, plugins: withPlugin ? [jit.plugin] : [], includeStacktraceInErrorResponses: false });
      await apollo.start();
      try {
        const r = await apollo.executeOperation({ query: '{ node { id } }' });
        return { status: r.http.status, body: r.body };
      } finally {
        await apollo.stop();
      }
    };
    const before = await answer(false);
    expect(before.status).toBe(500);
    expect(await answer(true)).toEqual(before);
  });
});

describe('queries kept ready (JitExecutor.answer)', () => {
  /** Apollo on a tiny schema with the jit executor, counting resolver runs and the requests Apollo's pipeline takes. */
  async function server() {
    const calls = { ok: 0, fail: 0, pipeline: 0, mutations: 0 };
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          ok: { type: GraphQLString, args: { n: { type: GraphQLInt } }, resolve: (_s, { n }) => (calls.ok++, `ok ${n ?? ''}`) },
          // Fails when n is 0: a query kept ready can fail the next time.
          maybe: {
            type: GraphQLInt,
            args: { n: { type: GraphQLInt } },
            resolve: (_s, { n }) => {
              if (n === 0) {
                calls.fail++;
                throw new GraphQLError('zero', { extensions: { code: 'ZERO' } });
              }
              return n;
            },
          },
        },
      }),
      mutation: new GraphQLObjectType({ name: 'Mutation', fields: { touch: { type: GraphQLInt, resolve: () => ++calls.mutations } } }),
    });
    // The media types known by Accept header, as Apollo learnt them (src/http/apollo.ts).
    const types = new Map([['application/json', 'application/json; charset=utf-8']]);
    const { jit, apollo } = await startWithJit(
      schema,
      {
        async requestDidStart() {
          calls.pipeline++;
        },
      },
      { contentTypeFor: (accept) => types.get(accept) },
    );
    const request = (body: Record<string, unknown>, method: 'GET' | 'POST' = 'POST', accept = 'application/json'): HTTPGraphQLRequest => ({
      method,
      headers: new HeaderMap([
        ['content-type', 'application/json'],
        ['accept', accept],
      ]),
      search: '',
      body,
    });
    const context = async () => ({});
    const viaApollo = (body: Record<string, unknown>) => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request(body), context });
    const allow = () => true;
    return { apollo, jit, calls, request, context, viaApollo, allow, types };
  }
  const textOf = (r: HTTPGraphQLResponse) => (r.body.kind === 'complete' ? r.body.string : '');

  it('answers a query Apollo answered without errors, as Apollo does, without Apollo’s pipeline', async () => {
    const { apollo, jit, calls, request, context, viaApollo, allow } = await server();
    const body = { query: 'query($n: Int) { ok(n: $n) }', variables: { n: 1 } };
    expect(await jit.answer(request(body), context, allow)).toBeNull();
    const first = await viaApollo(body);
    expect(calls.pipeline).toBe(1);
    const again = await jit.answer(request(body), context, allow);
    expect(again && 'body' in again && textOf(again)).toBe(textOf(first));
    expect(again && 'headers' in again && again.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const other = await jit.answer(request({ ...body, variables: { n: 2 } }), context, allow);
    expect(other && 'body' in other && textOf(other)).toBe('{"data":{"ok":"ok 2"}}\n');
    expect(calls).toMatchObject({ ok: 3, pipeline: 1 });
    await apollo.stop();
  });

  it('leaves to Apollo what it has not answered: another operation name, method, Accept, extensions, a refused cost, a mutation', async () => {
    const { apollo, jit, calls, request, context, viaApollo, allow } = await server();
    const query = 'query A { ok } query B { ok(n: 2) }';
    await viaApollo({ query, operationName: 'A' });
    expect(await jit.answer(request({ query, operationName: 'A' }), context, allow)).not.toBeNull();
    expect(await jit.answer(request({ query, operationName: 'B' }), context, allow)).toBeNull();
    expect(await jit.answer(request({ query }), context, allow)).toBeNull();
    expect(await jit.answer(request({ query, operationName: 'A' }, 'GET'), context, allow)).toBeNull();
    expect(await jit.answer(request({ query, operationName: 'A' }, 'POST', 'text/plain'), context, allow)).toBeNull();
    expect(await jit.answer(request({ query, operationName: 'A', extensions: { persistedQuery: { version: 1 } } }), context, allow)).toBeNull();
    expect(await jit.answer(request({ query, operationName: 'A', variables: [1] }), context, allow)).toBeNull();
    expect(await jit.answer(request({ query, operationName: 'A' }), context, () => false)).toBeNull();
    await viaApollo({ query: 'mutation { touch }' });
    expect(await jit.answer(request({ query: 'mutation { touch }' }), context, allow)).toBeNull();
    expect(calls.mutations).toBe(1);
    await apollo.stop();
  });

  it('hands a run with errors to Apollo’s path with its context, which answers it without running it again', async () => {
    const { apollo, jit, calls, request, viaApollo, allow } = await server();
    const query = 'query($n: Int) { maybe(n: $n) }';
    await viaApollo({ query, variables: { n: 1 } });
    const ctx = {};
    const fast = await jit.answer(request({ query, variables: { n: 0 } }), async () => ctx, allow);
    expect(fast).toEqual({ context: ctx });
    expect(calls.fail).toBe(1);
    const r = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request({ query, variables: { n: 0 } }), context: async () => ctx });
    expect(JSON.parse(textOf(r))).toEqual({ data: { maybe: null }, errors: [expect.objectContaining({ message: 'zero', extensions: { code: 'ZERO' } })] });
    expect(calls.fail).toBe(1);
    await apollo.stop();
  });

  it(`keeps at most ${MAX_PREPARED_DOCUMENTS} texts, none longer than ${MAX_PREPARED_LENGTH}: the oldest go first`, async () => {
    const { apollo, jit, request, context, viaApollo, allow } = await server();
    const isReady = async (query: string) => (await jit.answer(request({ query }), context, allow)) !== null;
    const long = `{ ok ${' '.repeat(MAX_PREPARED_LENGTH)}}`;
    await viaApollo({ query: long });
    expect(await isReady(long)).toBe(false);
    for (let i = 0; i < MAX_PREPARED_DOCUMENTS; i++) await viaApollo({ query: `{ ok(n: ${i}) }` });
    expect(await isReady('{ ok(n: 0) }')).toBe(true);
    await viaApollo({ query: '{ ok(n: -1) }' });
    // One over the count: the oldest went, the rest stay.
    expect([await isReady('{ ok(n: 0) }'), await isReady('{ ok(n: 1) }'), await isReady('{ ok(n: -1) }')]).toEqual([false, true, true]);
    await apollo.stop();
  });

  it(`keeps at most ${MAX_PREPARED_CHARACTERS} characters of text in all: the oldest go first`, async () => {
    const { apollo, jit, request, context, viaApollo, allow } = await server();
    const isReady = async (query: string) => (await jit.answer(request({ query }), context, allow)) !== null;
    const big = (i: number) => `{ ok(n: ${i}) ${' '.repeat(MAX_PREPARED_LENGTH - 20)}}`;
    const fit = Math.floor(MAX_PREPARED_CHARACTERS / big(1).length);
    for (let i = 1; i <= fit; i++) await viaApollo({ query: big(i) });
    expect([await isReady(big(1)), await isReady(big(fit))]).toEqual([true, true]);
    await viaApollo({ query: big(fit + 1) });
    expect([await isReady(big(1)), await isReady(big(2)), await isReady(big(fit + 1))]).toEqual([false, true, true]);
    await apollo.stop();
  });

  it('keeps only what a POST sent, and answers a request without Accept by the type learnt for none', async () => {
    const { apollo, jit, calls, request, context, allow, types } = await server();
    await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { ...request({}), method: 'GET', search: '?query=%7B%20ok%20%7D', body: undefined }, context });
    expect(calls.ok).toBe(1);
    expect(await jit.answer(request({ query: '{ ok }' }), context, allow)).toBeNull();
    const bare = (): HTTPGraphQLRequest => ({ method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: { query: '{ ok(n: 5) }' } });
    await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: bare(), context });
    expect(await jit.answer(bare(), context, allow)).toBeNull(); // nothing learnt for no Accept
    types.set('', 'application/json; charset=utf-8');
    const fast = await jit.answer(bare(), context, allow);
    expect(fast && 'body' in fast && textOf(fast)).toBe('{"data":{"ok":"ok 5"}}\n');
    await apollo.stop();
  });

  it('hands what a run threw to Apollo’s path, which answers it as it answers a throw', async () => {
    const Node = new GraphQLInterfaceType({
      name: 'Node',
      fields: { id: { type: GraphQLString } },
      resolveType: (value: { id: string }) => {
        if (value.id === 'boom') throw new Error('resolveType boom');
        return 'Thing';
      },
    });
    const Thing = new GraphQLObjectType({ name: 'Thing', interfaces: [Node], fields: { id: { type: GraphQLString } } });
    const schema = new GraphQLSchema({
      types: [Thing],
      query: new GraphQLObjectType({ name: 'Query', fields: { node: { type: Node, args: { id: { type: GraphQLString } }, resolve: (_s, { id }) => ({ id }) } } }),
    });
    const jit = jitExecutor<BaseContext>(schema, { contentTypeFor: () => 'application/json; charset=utf-8' });
    const apollo = new ApolloServer<BaseContext>({ gateway: jit.gateway, plugins: [jit.plugin], includeStacktraceInErrorResponses: false });
    await apollo.start();
    const request = (id: string): HTTPGraphQLRequest => ({
      method: 'POST',
      headers: new HeaderMap([
        ['content-type', 'application/json'],
        ['accept', 'application/json'],
      ]),
      search: '',
      body: { query: 'query($id: String) { node(id: $id) { id } }', variables: { id } },
    });
    const viaApollo = (id: string, ctx: object) => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request(id), context: async () => ctx });
    try {
      await viaApollo('1', {});
      const expected = await viaApollo('boom', {});
      expect(expected.status).toBe(500);
      const ctx = {};
      const fast = await jit.answer(request('boom'), async () => ctx, () => true);
      expect(fast).toEqual({ context: ctx });
      const handed = await viaApollo('boom', ctx);
      expect({ status: handed.status, body: textOf(handed) }).toEqual({ status: expected.status, body: textOf(expected) });
    } finally {
      await apollo.stop();
    }
  });
});
