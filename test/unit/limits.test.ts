import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import {
  checkDocument,
  CONNECTION_BASE_COST,
  depthLimit,
  INTROSPECTION_MAX_DEPTH,
  operationCost,
  operationCostOf,
  RateLimiter,
  TOTAL_COUNT_COST,
  type DocumentLimits,
} from '../../src/graphql/limits.js';
import { findBadTextInVariables } from '../../src/graphql/hygiene.js';

describe('RateLimiter', () => {
  /** A limiter over a hand-driven clock. */
  function limiter(perMinute: number, start = 1_000_000) {
    let now = start;
    const rl = new RateLimiter(perMinute, () => now);
    return {
      take: (key = 'alice') => rl.take(key),
      at: (ms: number) => {
        now = start + ms;
      },
    };
  }

  it('allows perMinute requests, then asks to wait for the rest of the window', () => {
    const rl = limiter(3);
    expect([rl.take(), rl.take(), rl.take()]).toEqual([0, 0, 0]);
    expect(rl.take()).toBe(60);
    rl.at(10_000);
    expect(rl.take()).toBe(50);
  });

  it.each<[string, number, number]>([
    ['just after the window opened', 1, 60],
    ['half way', 30_000, 30],
    ['rounds up to whole seconds', 30_500, 30],
    ['rounds up a fraction of a second', 59_001, 1],
    ['1 ms before the window closes', 59_999, 1],
  ])('over the limit %s (t+%i ms) → wait %i s', (_what, ms, wait) => {
    const rl = limiter(1);
    rl.take();
    rl.at(ms);
    expect(rl.take()).toBe(wait);
  });

  it('a new window starts exactly 60 s later', () => {
    const rl = limiter(2);
    rl.take();
    rl.take();
    expect(rl.take()).toBeGreaterThan(0);
    rl.at(60_000);
    expect([rl.take(), rl.take()]).toEqual([0, 0]);
    expect(rl.take()).toBe(60);
  });

  it('keys are counted separately', () => {
    const rl = limiter(1);
    expect(rl.take('alice')).toBe(0);
    expect(rl.take('bob')).toBe(0);
    expect(rl.take('alice')).toBeGreaterThan(0);
    expect(rl.take('bob')).toBeGreaterThan(0);
    expect(rl.take('carol')).toBe(0);
  });

  it('keeps refusing while the client keeps sending in the same window', () => {
    const rl = limiter(2);
    const waits = Array.from({ length: 10 }, () => rl.take());
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    expect(waits.slice(2).every((w) => w === 60)).toBe(true);
  });

  it.each([0, -1])('perMinute %i disables the limit', (perMinute) => {
    const rl = limiter(perMinute);
    for (let i = 0; i < 1000; i++) expect(rl.take()).toBe(0);
  });

  it('uses Date.now when no clock is given', () => {
    const rl = new RateLimiter(1);
    expect(rl.take('k')).toBe(0);
    const wait = rl.take('k');
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
  });
});

describe('depthLimit', () => {
  const schema = buildSchema(/* GraphQL */ `
    type Query {
      a: A
      name: String
    }
    type A {
      name: String
      a: A
      b: B
    }
    type B {
      name: String
      a: A
    }
  `);

  /** Errors of the depth rule alone. */
  const depthErrors = (query: string, max: number) => validate(schema, parse(query), [depthLimit(max)]);

  it.each<[string, string, number]>([
    ['scalar at the root', '{ name }', 1],
    ['one level of nesting', '{ a { name } }', 2],
    ['three levels', '{ a { a { name } } }', 3],
    ['deepest branch counts', '{ name a { name } a2: a { b { a { name } } } }', 4],
    ['inline fragments add no depth', '{ a { ... on A { a { name } } } }', 3],
    ['named fragments are followed', 'query { a { ...F } } fragment F on A { a { a { name } } }', 4],
    ['fragments inside fragments', 'query { ...Q } fragment Q on Query { a { ...F } } fragment F on A { b { name } }', 3],
    ['__typename counts as a field', '{ a { __typename } }', 2],
  ])('%s: depth %i', (_what, query, depth) => {
    expect(depthErrors(query, depth)).toEqual([]);
    const errors = depthErrors(query, depth - 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', maxDepth: depth - 1 });
  });

  it('checks each operation of a document separately', () => {
    const doc = 'query Shallow { a { name } } query Deep { a { a { a { name } } } }';
    const errors = depthErrors(doc, 3);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.nodes?.[0]?.loc?.start).toBe(doc.indexOf('query Deep'));
  });

  it('fragments defined but unused do not count', () => {
    expect(depthErrors('{ name } fragment F on A { a { a { a { name } } } }', 1)).toEqual([]);
  });

  it('terminates on fragment cycles (which the standard rules report separately)', () => {
    const doc = 'query { a { ...F } } fragment F on A { a { ...G } } fragment G on A { a { ...F } }';
    expect(() => depthErrors(doc, 100)).not.toThrow();
    const all = validate(schema, parse(doc), [...specifiedRules, depthLimit(100)]);
    expect(all.length).toBeGreaterThan(0);
  });

  it('a spread of an unknown fragment adds no depth', () => {
    expect(depthErrors('{ a { ...Missing } }', 1)).toEqual([]);
  });

  it('works alongside the standard rules', () => {
    const ok = validate(schema, parse('{ a { a { name } } }'), [...specifiedRules, depthLimit(3)]);
    expect(ok).toEqual([]);
    const deep = validate(schema, parse('{ a { a { a { name } } } }'), [...specifiedRules, depthLimit(3)]);
    expect(deep.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  // Regression (fixed): depthOf re-walks a fragment at every spread without
  // memoising, so a chain of fragments that each spread the next one twice costs 2^n
  // walks. The document below is ~0.8 kB (far under MAX_BODY_BYTES) and has depth 2,
  // yet takes about a second to validate here; each extra fragment doubles that (30
  // fragments ≈ minutes of a blocked event loop). graphql's own rules take ~10 ms.
  it('validates a doubling fragment chain in linear time', () => {
    // 40 doubling fragments: without memoised fragment depths this never finishes.
    const n = 40;
    let doc = 'query { ...F0 }\n';
    for (let i = 0; i < n; i++) doc += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    doc += `fragment F${n} on Query { a { name } }\n`;
    expect(depthErrors(doc, 12)).toEqual([]);
  }, 60_000);
});

describe('depthLimit: introspection on its own terms', () => {
  const schema = buildSchema('type Query { a: A } type A { a: A name: String }');
  const depthErrors = (query: string, max: number) => validate(schema, parse(query), [depthLimit(max)]);

  it.each([
    ['graphql 16 defaults', {}],
    ['GraphiQL 3 options', { inputValueDeprecation: true, schemaDescription: true }],
    ['every option', { inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true, oneOf: true }],
  ])('the standard introspection query (%s) passes a data depth limit of 12', (_what, options) => {
    const all = validate(schema, parse(getIntrospectionQuery(options)), [...specifiedRules, depthLimit(12)]);
    expect(all).toEqual([]);
  });

  it('the standard query needs exactly the introspection maximum: one level more is refused', () => {
    const q = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    expect(depthErrors(q, 2)).toEqual([]);
    expect(validate(schema, parse(q), [depthLimit(12, INTROSPECTION_MAX_DEPTH - 1)]).map((e) => e.extensions.maxDepth)).toEqual([INTROSPECTION_MAX_DEPTH - 1]);
  });

  it('introspection deeper than the standard query is refused', () => {
    let ofType = 'name';
    for (let i = 0; i < INTROSPECTION_MAX_DEPTH; i++) ofType = `ofType { ${ofType} }`;
    const errors = depthErrors(`{ __type(name: "A") { fields { type { ${ofType} } } } }`, 12);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', maxDepth: INTROSPECTION_MAX_DEPTH });
  });

  it('introspection does not lift the data limit: __type under data fields counts both ways', () => {
    expect(depthErrors('{ a { a { a { name } } } __schema { queryType { name } } }', 3)).toHaveLength(1);
    expect(depthErrors('{ a { a { name } } __schema { types { fields { type { name } } } } }', 3)).toEqual([]);
  });
});

describe('operationCost', () => {
  const schema = buildSchema(`
    type Query { viewer: V items(first: Int, last: Int): ItemConnection q: Query }
    type V { id: ID }
    type ItemConnection { edges: [ItemEdge] totalCount: Int }
    type ItemEdge { node: Item }
    type Item { id: ID children(first: Int): ItemConnection }
  `);
  const cost = (query: string, variables: Record<string, unknown> = {}, stopAbove?: number) => {
    const doc = parse(query);
    const op = doc.definitions.find((d) => d.kind === 'OperationDefinition');
    if (!op || op.kind !== 'OperationDefinition') throw new Error('no operation');
    return operationCost(schema, doc, op, variables, { stopAbove });
  };

  it.each<[string, string, Record<string, unknown>, number]>([
    ['a scalar', '{ viewer { id } }', {}, 2],
    ['a connection of 0 still costs its base', '{ items(first: 0) { edges { node { id } } } }', {}, CONNECTION_BASE_COST],
    ['totalCount costs a statement', '{ items(first: 0) { totalCount } }', {}, CONNECTION_BASE_COST + TOTAL_COUNT_COST],
    ['a page multiplies its subtree', '{ items(first: 10) { edges { node { id } } } }', {}, CONNECTION_BASE_COST + 10 * 3],
    ['the default page is 20', '{ items { edges { node { id } } } }', {}, CONNECTION_BASE_COST + 20 * 3],
    ['page sizes from variables', 'query($n: Int) { items(first: $n) { edges { node { id } } } }', { n: 5 }, CONNECTION_BASE_COST + 5 * 3],
    ['a variable not sent takes its default', 'query($n: Int = 200) { items(first: $n) { edges { node { id } } } }', {}, CONNECTION_BASE_COST + 200 * 3],
    ['a variable sent overrides its default', 'query($n: Int = 200) { items(first: $n) { edges { node { id } } } }', { n: 5 }, CONNECTION_BASE_COST + 5 * 3],
    ['a variable sent as null is the default page, not its default', 'query($n: Int = 200) { items(first: $n) { edges { node { id } } } }', { n: null }, CONNECTION_BASE_COST + 20 * 3],
    ['aliases each cost', '{ a: items(first: 0) { totalCount } b: items(first: 0) { totalCount } }', {}, 2 * (CONNECTION_BASE_COST + TOTAL_COUNT_COST)],
  ])('%s', (_what, query, variables, expected) => {
    expect(cost(query, variables)).toBe(expected);
  });

  it('remembered per operation, answers what a fresh count answers for each page size and limit', () => {
    const doc = parse('query($n: Int = 40, $m: Int, $other: String) { items(first: $n) { edges { node { id children(last: $m) { totalCount } ...F } } } } fragment F on Item { c: children(first: $m) { edges { node { id } } } }');
    const op = doc.definitions.find((d) => d.kind === 'OperationDefinition');
    if (!op || op.kind !== 'OperationDefinition') throw new Error('no operation');
    for (const stopAbove of [1_000_000, 50]) {
      for (const vars of [{ n: 5, m: 2 }, { n: 5, m: 3 }, { n: 7, m: 2 }, { n: 5, m: 2, other: 'x' }, {}, { n: null, m: null }, { n: 5, m: 2 }, {}]) {
        expect(operationCostOf(schema, doc, op, vars, { stopAbove }), JSON.stringify({ vars, stopAbove })).toBe(operationCost(schema, doc, op, vars, { stopAbove }));
      }
    }
    // Different page sizes cost differently (the cache does not answer one for another).
    expect(operationCostOf(schema, doc, op, { n: 5, m: 2 }, { stopAbove: 1_000_000 })).not.toBe(operationCostOf(schema, doc, op, { n: 5, m: 3 }, { stopAbove: 1_000_000 }));
  });

  it('costs a doubling fragment chain of 60 as it executes: each fragment once per level', () => {
    const n = 60;
    let doc = 'query { ...F0 }\n';
    for (let i = 0; i < n; i++) doc += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    doc += `fragment F${n} on Query { viewer { id } }\n`;
    // graphql-js runs `viewer { id }` once for 2^60 spreads; so does the cost.
    expect(cost(doc)).toBe(2);
  });

  it('multiplies a fragment spread under a connection by the page, and under two fields twice', () => {
    const q = 'query { items(first: 10) { edges { node { ...I } } } a: viewer { ...W } b: viewer { ...W } } fragment I on Item { id } fragment W on V { id }';
    expect(cost(q)).toBe(CONNECTION_BASE_COST + 10 * 3 + 2 * 2);
  });

  it('stops counting past the maximum, reporting a lower bound just above it', () => {
    const q = '{ items(first: 200) { edges { node { children(first: 200) { edges { node { id } } } } } } }';
    expect(cost(q)).toBe(CONNECTION_BASE_COST + 200 * (2 + CONNECTION_BASE_COST + 200 * 3));
    expect(cost(q, {}, 1_000)).toBe(1_001);
  });
});

describe('checkDocument', () => {
  const limits: DocumentLimits = { maxLength: 2_000, maxTokens: 200, maxAliases: 3, maxRootFields: 4, maxFragmentSpreads: 5, maxIntrospectionFields: 2 };
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;

  it.each<[string, string, keyof DocumentLimits | null]>([
    ['a plain query', '{ viewer { id } }', null],
    ['the standard introspection query under default limits', '', null],
    ['as many aliases as allowed', aliases(3), null],
    ['one alias too many', `{ x: viewer { id } ${aliases(3).slice(1)}`, 'maxAliases'],
    ['too long', `{ viewer { id } } # ${'x'.repeat(2_000)}`, 'maxLength'],
    ['too many tokens', `{ ${'viewer { id } '.repeat(60)} }`, 'maxTokens'],
    ['too many root fields', '{ a b c d e }', 'maxRootFields'],
    ['root fields through a fragment count', '{ a ...R } fragment R on Query { b c d e }', 'maxRootFields'],
    ['root fields in each operation separately', 'query A { a b c d } query B { a b c d }', null],
    ['too many spreads', `{ viewer { ${'...F '.repeat(6)} } } fragment F on V { id }`, 'maxFragmentSpreads'],
    ['too many introspection fields', '{ __schema { queryType { name } } a: __type(name: "A") { name } b: __type(name: "B") { name } }', 'maxIntrospectionFields'],
    ['a syntax error is left to the parser', '{ viewer { ', null],
  ])('%s', (_what, query, limit) => {
    const doc = query || getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    const v = checkDocument(doc, query ? limits : { maxLength: 100_000, maxTokens: 10_000, maxAliases: 50, maxRootFields: 20, maxFragmentSpreads: 300, maxIntrospectionFields: 3 });
    if (limit === null) expect(v).toBeNull();
    else expect(v).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
  });

  it.each([
    ['NUL in an argument', '{ customers(filter: { search: "a\\u0000b" }) { totalCount } }', 'filter.search'],
    ['a control character in a block string', '{ f(x: """a\u0007b""") }', 'x'],
  ])('refuses %s as BAD_USER_INPUT naming the argument', (_what, query, field) => {
    expect(checkDocument(query, limits)).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('leaves an unpaired surrogate in the document to the parser (a syntax error)', () => {
    expect(checkDocument('{ f(x: "\ud800") }', limits)).toBeNull();
    expect(() => parse('{ f(x: "\ud800") }')).toThrow();
  });

  it('allows tabs, newlines and paired surrogates (emoji) in text', () => {
    expect(checkDocument('{ f(x: "line\\nnext\\ttab 😀") }', limits)).toBeNull();
  });
});

describe('findBadTextInVariables', () => {
  it.each<[string, unknown, string | null]>([
    ['clean text', { input: { name: '张三', notes: 'line\nnext\ttab 😀' } }, null],
    ['NUL in a nested field', { input: { name: 'a\u0000' } }, 'input.name'],
    ['DEL', { q: 'x\u007f' }, 'q'],
    ['a C1 control', { q: 'x\u0085' }, 'q'],
    ['an unpaired high surrogate', { q: 'x\ud800' }, 'q'],
    ['an unpaired low surrogate', { q: '\udc00x' }, 'q'],
    ['in a list', { ids: ['ok', 'b\u0001'] }, 'ids.1'],
    ['in an object key', { input: { 'na\u0000me': 'x' } }, 'input'],
    ['numbers and booleans pass', { n: 1, b: true, z: null }, null],
    ['a list of 1,000 passes', { ids: Array.from({ length: 1000 }, (_, i) => String(i)) }, null],
    ['a list of 1,001 is refused', { input: { ids: Array.from({ length: 1001 }, (_, i) => String(i)) } }, 'input.ids'],
  ])('%s', (_what, variables, field) => {
    const hit = findBadTextInVariables(variables);
    if (field === null) expect(hit).toBeNull();
    else expect(hit?.field).toBe(field);
  });
});
