/** The per-socket rate limit: a burst at once, then the average rate, on a hand-moved clock. */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/server/realtime/token-bucket.js';

function bucket(perSecond: number, burst: number) {
  let t = 1_000_000;
  const b = new TokenBucket(perSecond, burst, () => t);
  const takeAll = () => {
    let n = 0;
    while (b.take()) n++;
    return n;
  };
  return { b, takeAll, advance: (ms: number) => void (t += ms) };
}

describe('TokenBucket', () => {
  it('allows a full burst at once, then refuses', () => {
    const { b, takeAll } = bucket(20, 40);
    expect(takeAll()).toBe(40);
    expect(b.take()).toBe(false);
  });

  it('refills at the average rate: 20/s gives one token per 50 ms', () => {
    const { b, takeAll, advance } = bucket(20, 40);
    takeAll();
    advance(49);
    expect(b.take()).toBe(false);
    advance(1);
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    advance(500);
    expect(takeAll()).toBe(10);
  });

  it('never holds more than the burst, however long it rested', () => {
    const { takeAll, advance } = bucket(20, 40);
    takeAll();
    advance(3_600_000);
    expect(takeAll()).toBe(40);
  });

  it('a refused take costs nothing: the partial token keeps accruing', () => {
    const { b, takeAll, advance } = bucket(10, 5);
    takeAll();
    // 10/s: a token per 100 ms, accrued in quarters (exact in binary floating point).
    for (let i = 0; i < 3; i++) {
      advance(25);
      expect(b.take()).toBe(false);
    }
    advance(25);
    expect(b.take()).toBe(true);
  });

  it('takes several tokens at once (a large frame), or none when fewer are left', () => {
    const { b, takeAll, advance } = bucket(20, 40);
    expect(b.take(8)).toBe(true);
    expect(b.take(33)).toBe(false);
    expect(b.take(32)).toBe(true);
    advance(350); // 7 tokens
    expect(b.take(8)).toBe(false);
    expect(takeAll()).toBe(7);
  });

  // An NTP step or a restored VM moves Date.now() back: no time was spent, so nothing is owed.
  it('takes a clock stepped back as no time spent: the bucket keeps what it held, then refills as before', () => {
    const { b, takeAll, advance } = bucket(20, 40);
    expect(b.take(10)).toBe(true);
    advance(-3_600_000);
    expect(takeAll()).toBe(30);
    advance(50);
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
  });
});
