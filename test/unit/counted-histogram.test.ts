import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CountedHistogram } from '../../src/metrics.js';

describe('CountedHistogram', () => {
  const buckets = [0.01, 0.1, 1];
  const pair = () => {
    const ours = new client.Registry();
    const theirs = new client.Registry();
    return {
      ours,
      theirs,
      counted: new CountedHistogram({ name: 'lag_seconds', help: 'Lag', buckets, registers: [ours] }),
      plain: new client.Histogram({ name: 'lag_seconds', help: 'Lag', buckets, registers: [theirs] }),
    };
  };

  it('exposes n observations of one value as prom-client does n observe() calls', async () => {
    const { ours, theirs, counted, plain } = pair();
    counted.observeMany(0.05, 3);
    counted.observe(2);
    counted.observeMany(0.005, 1000);
    counted.observeMany(0.1, 2); // on a bound: counted in it (le)
    for (let i = 0; i < 3; i++) plain.observe(0.05);
    plain.observe(2);
    for (let i = 0; i < 1000; i++) plain.observe(0.005);
    plain.observe(0.1);
    plain.observe(0.1);
    const text = await ours.metrics();
    const other = await theirs.metrics();
    // The same lines; the sum only up to rounding (one product against a thousand additions).
    const sumOf = (t: string) => Number(/^lag_seconds_sum (\S+)$/m.exec(t)?.[1]);
    const withoutSum = (t: string) => t.replace(/^lag_seconds_sum .*$/m, '');
    expect(withoutSum(text)).toBe(withoutSum(other));
    expect(sumOf(text)).toBeCloseTo(sumOf(other), 9);
    expect(sumOf(text)).toBeCloseTo(7.35, 9);
    expect(text).toMatch(/^lag_seconds_bucket\{le="0.1"\} 1005$/m);
    expect(text).toMatch(/^lag_seconds_count 1006$/m);
  });

  it('counts nothing for n = 0, refuses what prom-client refuses and counts that are not whole; reset empties it', async () => {
    const { ours, theirs, counted, plain } = pair();
    counted.observeMany(0.05, 0);
    expect(() => counted.observeMany(0.05, -2)).toThrow(TypeError);
    expect(() => counted.observeMany(0.05, 1.5)).toThrow(TypeError);
    expect(() => counted.observeMany(Number.NaN, 4)).toThrow(TypeError);
    expect(() => plain.observe(Number.NaN)).toThrow(TypeError);
    expect(() => counted.observe(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    counted.observeMany(0.5, 7);
    expect(await ours.metrics()).toMatch(/^lag_seconds_count 7$/m);
    counted.reset();
    expect(await ours.metrics()).toMatch(/^lag_seconds_count 0$/m);
  });

  it('carries the registry’s default labels, as prom-client’s own histograms do', async () => {
    const { ours, theirs, counted, plain } = pair();
    ours.setDefaultLabels({ instance: 'a' });
    theirs.setDefaultLabels({ instance: 'a' });
    counted.observeMany(0.5, 2);
    plain.observe(0.5);
    plain.observe(0.5);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toMatch(/^lag_seconds_bucket\{le="1",instance="a"\} 2$/m);
  });

  it('refuses buckets that are not distinct finite numbers', () => {
    const registry = new client.Registry();
    expect(() => new CountedHistogram({ name: 'x', help: 'x', buckets: [0.1, 0.1], registers: [registry] })).toThrow(/buckets/);
    expect(() => new CountedHistogram({ name: 'y', help: 'y', buckets: [0.1, Number.NaN], registers: [registry] })).toThrow(/buckets/);
  });
});
