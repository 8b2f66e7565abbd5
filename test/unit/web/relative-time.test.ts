import { describe, expect, it } from 'vitest';
import { formatRelative, nextChangeIn } from '../../../src/web/lib/relative-time.js';

const now = new Date('2024-06-15T14:30:00.000Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

describe('formatRelative', () => {
  it('says "just now" for the last 45 seconds, and for small clock skew into the future', () => {
    expect(formatRelative(ago(0), now)).toBe('just now');
    expect(formatRelative(ago(44_000), now)).toBe('just now');
    expect(formatRelative(ago(-3_000), now)).toBe('just now');
  });

  it('counts minutes, then hours, with singular and plural', () => {
    expect(formatRelative(ago(60_000), now)).toBe('1 minute ago');
    expect(formatRelative(ago(5 * 60_000), now)).toBe('5 minutes ago');
    expect(formatRelative(ago(60 * 60_000), now)).toBe('1 hour ago');
    expect(formatRelative(ago(3 * 3_600_000), now)).toBe('3 hours ago');
  });

  it('says "yesterday", then days, then a date', () => {
    expect(formatRelative(ago(30 * 3_600_000), now)).toBe('yesterday');
    expect(formatRelative(ago(4 * 86_400_000), now)).toBe('4 days ago');
    expect(formatRelative(ago(20 * 86_400_000), now)).toMatch(/^on /);
  });

  it('never throws on an invalid date', () => {
    expect(formatRelative(new Date('nope'), now)).toBe('unknown');
  });
});

describe('nextChangeIn', () => {
  it('wakes up when "just now" turns into "1 minute ago"', () => {
    expect(nextChangeIn(ago(40_000), now)).toBe(5_000);
  });

  it('wakes up at the next half-minute boundary while counting minutes', () => {
    const wait = nextChangeIn(ago(5 * 60_000), now);
    expect(wait).toBeGreaterThan(29_000);
    expect(wait).toBeLessThanOrEqual(31_000);
    expect(formatRelative(ago(5 * 60_000 + wait), now)).toBe('6 minutes ago');
  });

  it('sleeps longer for old times', () => {
    expect(nextChangeIn(ago(2 * 3_600_000), now)).toBe(300_000);
    expect(nextChangeIn(ago(3 * 86_400_000), now)).toBe(3_600_000);
  });
});
