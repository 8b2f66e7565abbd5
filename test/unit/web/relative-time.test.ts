import { beforeEach, describe, expect, it, vi } from 'vitest';
import { formatExact, formatRelative, formatTimeOfDay, nextChangeIn, precisionOf } from '../../../src/web/lib/relative-time.js';

const now = new Date('2024-06-15T14:30:00.000Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

// Calendar days are the viewer's: each test reads them in a known zone (UTC unless it says).
beforeEach(() => {
  vi.stubEnv('TZ', 'UTC');
});

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
    // Hours are rounded: "2 hours ago" turns into "3 hours ago" at 2.5 h.
    expect(nextChangeIn(ago(2 * 3_600_000), now)).toBe(30 * 60_000 + 250);
    expect(nextChangeIn(ago(3 * 86_400_000), now)).toBe(3_600_000);
  });
});

/**
 * The ladder near its boundaries, read at fixed dates: minutes while the rounded count is under
 * 60, hours while it is under 24, then the viewer's calendar days ("yesterday", "N days ago"),
 * then a date. Found by the accessibility audit (time-strings.mjs): "60 minutes ago" at 59.5 min,
 * "24 hours ago" at 23.6 h, and "yesterday" for a time two calendar days back (47 h).
 */
describe('formatRelative at the boundaries of its ladder', () => {
  const at = (iso: string): Date => new Date(iso);
  const read = (then: string, when: string): string => formatRelative(at(then), at(when));

  it('turns "59 minutes ago" into "1 hour ago" when the rounded minutes reach 60, never "60 minutes ago"', () => {
    expect(read('2026-12-05T09:37:00Z', '2026-12-05T10:36:29Z')).toBe('59 minutes ago');
    expect(read('2026-12-05T09:37:00Z', '2026-12-05T10:36:30Z')).toBe('1 hour ago');
    expect(read('2026-12-05T09:37:00Z', '2026-12-05T10:37:00Z')).toBe('1 hour ago');
    expect(read('2026-12-05T09:37:00Z', '2026-12-05T11:06:59Z')).toBe('1 hour ago');
    expect(read('2026-12-05T09:37:00Z', '2026-12-05T11:07:00Z')).toBe('2 hours ago');
  });

  it('turns "23 hours ago" into days when the rounded hours reach 24, never "24 hours ago"', () => {
    expect(read('2026-12-05T09:37:00Z', '2026-12-06T09:06:59Z')).toBe('23 hours ago');
    expect(read('2026-12-05T09:37:00Z', '2026-12-06T09:07:00Z')).toBe('yesterday');
    expect(read('2026-12-05T09:37:00Z', '2026-12-06T09:13:00Z')).toBe('yesterday'); // the audit's 23.6 h
    expect(read('2026-12-05T09:37:00Z', '2026-12-06T11:37:00Z')).toBe('yesterday'); // 26 h
  });

  it('stays in hours on the same calendar day, even from 23.5 h on (just after midnight to just before the next)', () => {
    expect(read('2026-12-05T00:10:00Z', '2026-12-05T23:39:59Z')).toBe('23 hours ago');
    expect(read('2026-12-05T00:10:00Z', '2026-12-05T23:40:00Z')).toBe('23 hours ago');
    expect(read('2026-12-05T00:10:00Z', '2026-12-05T23:59:59Z')).toBe('23 hours ago');
    expect(read('2026-12-05T00:10:00Z', '2026-12-06T00:00:00Z')).toBe('yesterday');
  });

  it('counts calendar days, not periods of 24 h: 47 h later across two midnights is "2 days ago"', () => {
    expect(read('2026-12-05T09:37:00Z', '2026-12-07T08:37:00Z')).toBe('2 days ago'); // the audit's 47 h
    expect(read('2026-12-05T09:37:00Z', '2026-12-06T23:59:59Z')).toBe('yesterday');
    expect(read('2026-12-05T09:37:00Z', '2026-12-07T00:00:00Z')).toBe('2 days ago');
    expect(read('2026-12-05T23:50:00Z', '2026-12-07T00:10:00Z')).toBe('2 days ago'); // 24 h 20 min
    expect(read('2026-12-05T23:50:00Z', '2026-12-11T23:59:59Z')).toBe('6 days ago');
    expect(read('2026-12-05T23:50:00Z', '2026-12-12T00:00:00Z')).toBe('on Dec 5');
    // Under 23.5 h it is hours, across midnight too.
    expect(read('2026-12-05T23:50:00Z', '2026-12-06T00:10:00Z')).toBe('20 minutes ago');
    expect(read('2026-12-05T22:00:00Z', '2026-12-06T09:00:00Z')).toBe('11 hours ago');
  });

  it('reads the calendar in the viewer\u2019s time zone', () => {
    // 25 h: two UTC midnights apart, but one in New York (19:30 on the 14th, 20:30 on the 15th).
    expect(read('2024-06-14T23:30:00Z', '2024-06-16T00:30:00Z')).toBe('2 days ago');
    vi.stubEnv('TZ', 'America/New_York');
    expect(read('2024-06-14T23:30:00Z', '2024-06-16T00:30:00Z')).toBe('yesterday');
    // Across a change to summer time a calendar day is 23 h: 6 days back is still "6 days ago".
    vi.stubEnv('TZ', 'Europe/Berlin');
    expect(read('2024-03-25T09:00:00+01:00', '2024-03-31T08:30:00+02:00')).toBe('6 days ago');
    expect(read('2024-03-30T12:00:00+01:00', '2024-03-31T12:10:00+02:00')).toBe('23 hours ago');
  });

  it('wakes the shared timer at each of those boundaries', () => {
    const wakes = (then: string, when: string): string => {
      const wait = nextChangeIn(at(then), at(when));
      return `${read(then, when)} → ${formatRelative(at(then), new Date(at(when).getTime() + wait))}`;
    };
    expect(wakes('2026-12-05T09:37:00Z', '2026-12-05T10:36:20Z')).toBe('59 minutes ago → 1 hour ago');
    expect(nextChangeIn(at('2026-12-05T09:37:00Z'), at('2026-12-05T10:36:20Z'))).toBe(10_250);
    expect(wakes('2026-12-05T09:37:00Z', '2026-12-06T08:50:00Z')).toBe('23 hours ago → yesterday');
    expect(nextChangeIn(at('2026-12-05T09:37:00Z'), at('2026-12-06T08:50:00Z'))).toBe(17 * 60_000 + 250);
    // "yesterday" turns into "2 days ago" at the viewer's midnight, not up to an hour later.
    expect(wakes('2026-12-05T09:37:00Z', '2026-12-06T23:40:00Z')).toBe('yesterday → 2 days ago');
    expect(nextChangeIn(at('2026-12-05T09:37:00Z'), at('2026-12-06T23:40:00Z'))).toBe(20 * 60_000 + 250);
    // On the same calendar day after 23.5 h: the next whole hour or midnight.
    expect(wakes('2026-12-05T00:10:00Z', '2026-12-05T23:40:00Z')).toBe('23 hours ago → yesterday');
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
