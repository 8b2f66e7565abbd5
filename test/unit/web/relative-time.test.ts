import { describe, expect, it } from 'vitest';
import { formatExact, formatRelative, formatTimeOfDay, nextChangeIn, precisionOf } from '../../../src/web/lib/relative-time.js';

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

describe('a time to the minute (what friends get: last seen floored to the minute)', () => {
  // Left at 14:28:58, shown to friends as 14:28:00; 10 s later it is 14:29:08.
  const floored = new Date('2024-06-15T14:28:00.000Z');
  const at = (iso: string): Date => new Date(iso);

  it('is told apart from an exact time by its zero seconds', () => {
    expect(precisionOf(floored)).toBe('minute');
    expect(precisionOf(new Date('2024-06-15T14:28:58.000Z'))).toBe('exact');
    expect(precisionOf(new Date('2024-06-15T14:28:00.250Z'))).toBe('exact');
  });

  it('says "just now" while the truth could be under 45 s ago, never "1 minute ago" 10 s after leaving', () => {
    expect(formatRelative(floored, at('2024-06-15T14:29:08.000Z'), 'en', 'minute')).toBe('just now');
    expect(formatRelative(floored, at('2024-06-15T14:29:44.000Z'), 'en', 'minute')).toBe('just now');
    // From 14:29:45 the truth is at least 45 s ago: counted from the middle of the minute.
    expect(formatRelative(floored, at('2024-06-15T14:29:45.000Z'), 'en', 'minute')).toBe('1 minute ago');
    expect(formatRelative(floored, at('2024-06-15T14:33:30.000Z'), 'en', 'minute')).toBe('5 minutes ago');
    // An exact time keeps its own reading.
    expect(formatRelative(floored, at('2024-06-15T14:29:08.000Z'))).toBe('1 minute ago');
  });

  it('wakes the shared timer when its text changes', () => {
    expect(nextChangeIn(floored, at('2024-06-15T14:29:08.000Z'), 'minute')).toBe(37_000);
    const next = at('2024-06-15T14:29:45.000Z');
    expect(formatRelative(floored, new Date(next.getTime() - 1), 'en', 'minute')).toBe('just now');
  });

  it('has a tooltip without seconds; an exact time keeps them', () => {
    const withSeconds = new Date('2024-06-15T14:28:58.000Z');
    expect(formatExact(floored, 'en-GB', 'minute')).not.toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(formatExact(floored, 'en-GB', 'minute')).toMatch(/\d{2}:\d{2}/);
    expect(formatExact(withSeconds, 'en-GB')).toMatch(/\d{2}:\d{2}:58/);
  });
});

describe('formatTimeOfDay (the "since" tooltip of an activity)', () => {
  it('has no seconds for a time floored to the minute (what friends get), and keeps them for an exact one', () => {
    expect(formatTimeOfDay(new Date('2024-06-15T14:28:00.000Z'), 'en-GB')).not.toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(formatTimeOfDay(new Date('2024-06-15T14:28:07.000Z'), 'en-GB')).toMatch(/\d{2}:\d{2}:07/);
  });
});
