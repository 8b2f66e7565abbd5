import { describe, expect, it } from 'vitest';
import { RecentRevocations } from '../../../src/server/realtime/recent-revocations.js';

describe('RecentRevocations', () => {
  it('holds a revocation until it is keepMs old, and then covers only checks begun after it', () => {
    const r = new RecentRevocations(1000, 10);
    r.add('s1', 100);
    r.add('s2', 600);
    expect(r.covers(0)).toBe(true);
    r.prune(1099);
    expect([r.has('s1'), r.has('s2')]).toEqual([true, true]);
    r.prune(1100);
    expect([r.has('s1'), r.has('s2')]).toEqual([false, true]);
    // A socket checked at or before s1's revocation may have missed it: it must read its session again.
    expect(r.covers(100)).toBe(false);
    expect(r.covers(101)).toBe(true);
  });

  it('forgets the oldest beyond its bound, and says so through covers', () => {
    const r = new RecentRevocations(60_000, 2);
    r.add('s1', 10);
    r.add('s2', 20);
    r.add('s3', 30);
    expect([r.has('s1'), r.has('s2'), r.has('s3'), r.size]).toEqual([false, true, true, 2]);
    expect(r.covers(10)).toBe(false);
    expect(r.covers(11)).toBe(true);
  });

  it('keeps a session heard twice by its latest time', () => {
    const r = new RecentRevocations(1000, 10);
    r.add('s1', 0);
    r.add('s2', 500);
    r.add('s1', 900);
    r.prune(1200);
    expect([r.has('s1'), r.has('s2')]).toEqual([true, true]);
    r.prune(1500);
    expect([r.has('s1'), r.has('s2')]).toEqual([true, false]);
  });
});
