import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, goingAwayDelay, rateLimitedDelay, reconnectDelay } from '../../../src/client/backoff.js';

const opts = { baseMs: 500, maxMs: 15_000 };

describe('reconnectDelay (full jitter)', () => {
  it.each([
    [0, 500],
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 15_000],
    [6, 15_000],
    [50, 15_000],
    [1_000, 15_000],
  ])('try %i is capped at %i ms', (tries, cap) => {
    expect(reconnectDelay(tries, opts, () => 0.999999)).toBeCloseTo(cap * 0.999999, 3);
    expect(reconnectDelay(tries, opts, () => 0.5)).toBe(cap / 2);
    expect(reconnectDelay(tries, opts, () => 0)).toBe(0);
  });

  it('stays within [0, cap] for any random value', () => {
    for (let tries = 0; tries < 10; tries++) {
      const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** tries);
      for (let i = 0; i <= 20; i++) {
        const d = reconnectDelay(tries, opts, () => i / 20);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('grows with tries for the same random draw', () => {
    const delays = [0, 1, 2, 3, 4, 5].map((t) => reconnectDelay(t, opts, () => 0.7));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(new Set(delays).size).toBe(delays.length);
  });

  it('first retry after a drop comes within about a second by default', () => {
    expect(reconnectDelay(0, DEFAULT_BACKOFF, () => 0.99)).toBeLessThanOrEqual(1_000);
  });

  it('survives a broken random source and negative tries', () => {
    expect(reconnectDelay(2, opts, () => Number.NaN)).toBe(0);
    expect(reconnectDelay(2, opts, () => 7)).toBe(2_000);
    expect(reconnectDelay(-3, opts, () => 1)).toBe(500);
  });
});

describe('special close codes', () => {
  it('rate limited (4429) waits between half and all of the maximum', () => {
    expect(rateLimitedDelay(opts, () => 0)).toBe(7_500);
    expect(rateLimitedDelay(opts, () => 1)).toBe(15_000);
  });

  it('going away (1001) reconnects within the base delay', () => {
    expect(goingAwayDelay(opts, () => 0.99)).toBeLessThan(500);
    expect(goingAwayDelay(opts, () => 0.2)).toBe(100);
  });
});
