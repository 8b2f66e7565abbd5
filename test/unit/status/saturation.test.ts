/** Saturation: a window at or above the threshold counts, and is remembered for `memory` windows. */
import type { EventLoopUtilization } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { Saturation } from '../../../src/server/status/saturation.js';

/** A fake ELU whose next window has the utilisation the test sets. */
function fakeElu() {
  let idle = 0;
  let active = 0;
  const elu = (a?: EventLoopUtilization, b?: EventLoopUtilization): EventLoopUtilization => {
    if (a && b) {
      const i = a.idle - b.idle;
      const act = a.active - b.active;
      return { idle: i, active: act, utilization: act / (i + act) };
    }
    return { idle, active, utilization: active / (idle + active || 1) };
  };
  const window = (utilization: number) => {
    active += 1000 * utilization;
    idle += 1000 * (1 - utilization);
  };
  return { elu, window };
}

describe('Saturation', () => {
  let s: Saturation | null = null;
  afterEach(() => s?.stop());

  it('is saturated from a busy window on, for `memory` windows', () => {
    const f = fakeElu();
    s = new Saturation({ threshold: 0.8, memory: 3, windowMs: 60_000, elu: f.elu });
    expect(s.saturated).toBe(false);
    f.window(1); // start-up: not counted
    s.sample();
    expect(s.saturated).toBe(false);
    f.window(0.5);
    s.sample();
    expect(s.saturated).toBe(false);
    f.window(0.85);
    s.sample();
    expect(s.saturated).toBe(true);
    for (const expected of [true, true, false]) {
      f.window(0.2);
      s.sample();
      expect(s.saturated).toBe(expected);
    }
  });

  it('measures each window on its own (a busy past does not leak into an idle window)', () => {
    const f = fakeElu();
    s = new Saturation({ threshold: 0.8, memory: 1, windowMs: 60_000, elu: f.elu });
    f.window(0);
    s.sample();
    f.window(1);
    s.sample();
    expect(s.saturated).toBe(true);
    f.window(0.1);
    s.sample();
    expect(s.saturated).toBe(false);
  });
});
