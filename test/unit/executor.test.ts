import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_COMPILED_SELECTIONS, expandedSelections } from '../../src/http/executor.js';

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
