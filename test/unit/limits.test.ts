import { describe, expect, it } from 'vitest';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { depthLimit, RateLimiter } from '../../src/graphql/limits.js';

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
    ['introspection counts like any field', '{ __schema { types { fields { type { name } } } } }', 5],
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
