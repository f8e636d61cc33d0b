import { describe, expect, it } from 'vitest';
import { Batched } from '../../src/graphql/loaders.js';
import { whenReady } from '../../src/graphql/maybe.js';

// The loader that answers synchronously once a value is at hand (src/graphql/loaders.ts): what
// list resolvers rely on to make their rows' relation fields synchronous.

/** A loader of `key * 10` (null for negative keys) that records its batches; `fail` makes the next batch throw. */
function tens() {
  const batches: number[][] = [];
  let fail = false;
  const loader = new Batched<number, number | null>(async (keys) => {
    batches.push([...keys]);
    if (fail) {
      fail = false;
      throw new Error('statement failed');
    }
    return keys.map((k) => (k < 0 ? null : k * 10));
  });
  return { loader, batches, failNext: () => (fail = true) };
}

describe('Batched', () => {
  it('answers with a promise until a batch has brought the value, then with the value itself', async () => {
    const { loader, batches } = tens();
    const first = loader.get(2);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(20);
    expect(loader.get(2)).toBe(20);
    // A key found missing is at hand too: null, not a promise.
    await loader.load(-1);
    expect(loader.get(-1)).toBeNull();
    // `load` of a value at hand sends nothing.
    expect(await loader.load(2)).toBe(20);
    expect(batches).toEqual([[2], [-1]]);
  });

  it('peeks at a value at hand without asking for one', async () => {
    const { loader, batches } = tens();
    expect(loader.peek(3)).toBeUndefined();
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(batches).toEqual([]);
    await loader.load(3);
    await loader.load(-3);
    expect(loader.peek(3)).toBe(30);
    expect(loader.peek(-3)).toBeNull();
    loader.prime(4, 40);
    expect(loader.peek(4)).toBe(40);
    expect(batches).toEqual([[3], [-3]]);
  });

  it('preloads the keys not at hand in one batch, each once', async () => {
    const { loader, batches } = tens();
    await loader.load(1);
    await loader.preload([1, 2, 3, 2, -4]);
    expect(batches).toEqual([[1], [2, 3, -4]]);
    expect([1, 2, 3, -4].map((k) => loader.get(k))).toEqual([10, 20, 30, null]);
    await loader.preload([3, 2]);
    expect(batches).toHaveLength(2);
  });

  it('shares one batch among the loads and preloads of one turn, as nested lists of many parents make them', async () => {
    const { loader, batches } = tens();
    await Promise.all([loader.preload([1, 2]), loader.load(2), loader.preload([2, 3]), Promise.resolve().then(() => loader.preload([4]))]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    // A key in a batch on its way is not asked for again.
    const inFlight = loader.load(5);
    await Promise.resolve();
    await Promise.all([inFlight, loader.preload([5, 6])]);
    expect(batches).toEqual([[1, 2, 3, 4], [5, 6]]);
    expect(loader.get(4)).toBe(40);
  });

  it('remembers a failed batch for its keys: each get meets the one failure, nothing is sent again', async () => {
    const { loader, batches, failNext } = tens();
    failNext();
    await expect(loader.preload([5, 6])).resolves.toBeUndefined();
    const five = loader.get(5);
    expect(five).toBeInstanceOf(Promise);
    await expect(five).rejects.toThrow('statement failed');
    await expect(loader.load(6)).rejects.toThrow('statement failed');
    expect((await loader.loadMany([6, 7]))[0]).toBeInstanceOf(Error);
    expect(batches).toEqual([[5, 6], [7]]);
    // Cleared, a key is asked for afresh.
    expect(await loader.clear(5).load(5)).toBe(50);
  });

  it('keeps prime and clear to DataLoader’s rules, also while a batch is on its way', async () => {
    const { loader, batches } = tens();
    loader.prime(8, 81);
    expect(loader.get(8)).toBe(81);
    // Priming a key already at hand changes nothing.
    loader.prime(8, 82);
    expect(loader.get(8)).toBe(81);
    loader.clear(8);
    expect(loader.get(8)).toBeInstanceOf(Promise);
    expect(await loader.load(8)).toBe(80);
    // A key cleared and primed while its batch is on its way keeps the primed value.
    const pending = loader.load(9);
    loader.prime(9, 91);
    loader.clear(9).prime(9, 92);
    expect(await pending).toBe(92);
    expect(loader.get(9)).toBe(92);
    // Cleared while on its way without a new value: asked for afresh.
    const again = loader.load(10);
    loader.clear(10);
    expect(await again).toBe(100);
    loader.clearAll();
    expect(loader.get(8)).toBeInstanceOf(Promise);
    await loader.load(8);
    // A primed error is not a value at hand: loads meet it.
    loader.prime(11, new Error('x'));
    const eleven = loader.get(11);
    expect(eleven).toBeInstanceOf(Promise);
    await expect(eleven).rejects.toThrow('x');
    expect(batches).toEqual([[8], [9], [10], [10], [8]]);
  });
});

describe('whenReady', () => {
  it('applies the function at once to a value, and after it arrives to a promise', async () => {
    const double = (n: number) => n * 2;
    expect(whenReady(3, double)).toBe(6);
    const later = whenReady(Promise.resolve(4), double);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(8);
    // A function answering a promise from a value gives that promise.
    expect(await whenReady(5, (n) => Promise.resolve(n + 1))).toBe(6);
  });
});
