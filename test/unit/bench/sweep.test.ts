/**
 * The bench's rate sweep (bench/sweep.ts): up while steps pass; when the steady phase already
 * missed p99 ≤ 100 ms, down until one passes, so the throughput ratio is judged in a slow hour
 * too (before, both targets failing the steady phase left it unjudged).
 */
import { describe, expect, it } from 'vitest';
import { sweep } from '../../../bench/sweep.js';

/** A server whose p99 stays at 50 ms up to `limit` changes/s and is 200 ms beyond; 50 deliveries per change. */
const server = (limit: number) => {
  const tried: number[] = [];
  const step = async (rate: number) => {
    tried.push(rate);
    return { latencyMs: { p99: rate <= limit ? 50 : 200 }, lost: 0, deliveriesPerSec: rate * 50 };
  };
  return { tried, step };
};

describe('bench rate sweep', () => {
  it('goes up from a passing steady phase and stops at the first failing step', async () => {
    const s = server(2500);
    const r = await sweep(true, [1500, 2000, 3000, 4000], [750, 500], s.step);
    expect(s.tried).toEqual([1500, 2000, 3000]);
    expect(r.best).toEqual({ rate: 2000, deliveriesPerSec: 100_000 });
  });

  it('goes down from a failing steady phase and stops at the first passing step', async () => {
    const s = server(600);
    const r = await sweep(false, [1500, 2000], [750, 500, 350, 250], s.step);
    expect(s.tried).toEqual([750, 500]);
    expect(r.best).toEqual({ rate: 500, deliveriesPerSec: 25_000 });
  });

  it('finds nothing when no step down passes, and a lost delivery fails a step', async () => {
    const s = server(100);
    expect((await sweep(false, [], [750, 500], s.step)).best).toBeNull();
    const lossy = await sweep(false, [], [750], async () => ({ latencyMs: { p99: 10 }, lost: 1, deliveriesPerSec: 1 }));
    expect(lossy.best).toBeNull();
  });
});
