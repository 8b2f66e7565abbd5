/** The hot-path histogram reads on /metrics exactly as prom-client's own histogram would. */
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LocalHistogram } from '../../../src/server/metrics/local-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

describe('LocalHistogram', () => {
  it('exports the same text as a prom-client Histogram fed the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const local = new LocalHistogram('x_seconds', 'help text', BUCKETS, ours);
    const reference = new Histogram({ name: 'x_seconds', help: 'help text', buckets: BUCKETS, registers: [theirs] });
    // Values on, between, below and above the bounds.
    for (const v of [0, 0.0005, 0.0007, 0.001, 0.003, 0.05, 0.051, 0.9, 1, 2.5, 3, 100, 0.01]) {
      local.observe(v);
      reference.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('starts empty and resets to empty', async () => {
    const registry = new Registry();
    const local = new LocalHistogram('y', 'h', [1, 2], registry);
    const empty = await registry.metrics();
    expect(empty).toContain('y_bucket{le="+Inf"} 0');
    local.observe(1.5);
    expect(await registry.metrics()).toContain('y_bucket{le="2"} 1');
    local.reset();
    expect(await registry.metrics()).toBe(empty);
  });
});
