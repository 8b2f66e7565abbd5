/**
 * How long a friend's activity has run. Friends get `activity_since` floored to the minute: the
 * line never says more than has surely passed, so a friend's "Chatting" 9 s in reads
 * "just started", as in the user's own (exact) view, and never "1 min".
 */
import { describe, expect, it, vi } from 'vitest';
import { activityLine, elapsedChangeIn, elapsedSince, exactTimeParts, exactTimeText, formatElapsed, sinceTime, sinceTitle } from '../../../src/web/lib/rich-presence.js';
import type { View } from '../../../src/protocol/index.js';

const MIN = 60_000;
/** The true start: 14:29:51.250. A friend is told 14:29:00 (floored); the user, the exact time. */
const start = new Date('2024-01-15T14:29:51.250Z');
const floored = new Date('2024-01-15T14:29:00.000Z');
const after = (ms: number): Date => new Date(start.getTime() + ms);

describe('elapsedSince', () => {
  it('reads an exact start as it is', () => {
    expect(elapsedSince(start, after(9_000))).toBe('just started');
    expect(elapsedSince(start, after(MIN))).toBe('1 min');
    expect(elapsedSince(start, after(65 * MIN))).toBe('1 h 05 min');
  });

  it('reads a start floored to the minute as the earliest it can be, never longer than has passed', () => {
    expect(elapsedSince(floored, after(9_000))).toBe('just started');
    expect(elapsedSince(floored, after(59_000))).toBe('just started');
    expect(elapsedSince(floored, after(MIN))).toBe('just started');
    // 60 s after 14:30:00, the latest the start can have been: a minute has surely passed.
    expect(elapsedSince(floored, new Date('2024-01-15T14:31:00.000Z'))).toBe('1 min');
    expect(elapsedSince(floored, after(12 * MIN + 30_000))).toBe('12 min');
    for (let ms = 0; ms < 3 * 60 * MIN; ms += 7_001) {
      const said = elapsedSince(floored, after(ms));
      const truth = elapsedSince(start, after(ms));
      expect(minutes(said)).toBeLessThanOrEqual(minutes(truth));
      expect(minutes(truth) - minutes(said)).toBeLessThanOrEqual(1);
    }
  });

  it('is what a friend’s activity line says', () => {
    const view = {
      user_id: 2, username: 'amy', display_name: 'Amy', status: 'online', activity: 'chatting', custom_message: null,
      last_seen: null, timestamp: after(9_000).toISOString(), activity_since: floored.toISOString(),
    } as View;
    expect(activityLine(view, after(9_000))?.elapsed).toBe('just started');
  });
});

describe('formatElapsed, at each unit boundary', () => {
  const H = 60 * MIN;
  it('counts minutes, then hours and minutes below a day', () => {
    expect(formatElapsed(59 * MIN)).toBe('59 min');
    expect(formatElapsed(59 * MIN + 59_999)).toBe('59 min');
    expect(formatElapsed(H)).toBe('1 h');
    expect(formatElapsed(23 * H + 59 * MIN)).toBe('23 h 59 min');
    expect(formatElapsed(24 * H - 1)).toBe('23 h 59 min');
  });

  it('counts days and hours from a day on, never "24 h" or "27 h" (a marathon match, a chat left open)', () => {
    expect(formatElapsed(24 * H)).toBe('1 d');
    expect(formatElapsed(24 * H + 59 * MIN)).toBe('1 d');
    expect(formatElapsed(25 * H)).toBe('1 d 1 h');
    expect(formatElapsed(27 * H)).toBe('1 d 3 h');
    expect(formatElapsed(27 * H + 42 * MIN)).toBe('1 d 3 h');
    expect(formatElapsed(48 * H - 1)).toBe('1 d 23 h');
    expect(formatElapsed(49 * H)).toBe('2 d 1 h');
    expect(formatElapsed(10 * 24 * H + 5 * H)).toBe('10 d 5 h');
  });

  it('reads a friend’s start (to the minute) a day on as no more than has surely passed', () => {
    expect(elapsedSince(floored, new Date(floored.getTime() + 24 * H))).toBe('23 h 59 min');
    expect(elapsedSince(floored, new Date(floored.getTime() + 24 * H + MIN))).toBe('1 d');
    expect(elapsedSince(floored, new Date(floored.getTime() + 27 * H + MIN))).toBe('1 d 3 h');
  });
});

describe('sinceTime (when an activity began: the elapsed time\u2019s tooltip, your own card\u2019s text)', () => {
  const H = 60 * MIN;
  // "Today" is the viewer's calendar day: read in a known zone.
  const inZone = (tz: string) => vi.stubEnv('TZ', tz);
  /** 18:13:07 (exact, the user's own) and 18:13 (floored, a friend's) on Friday 4 December 2026, UTC. */
  const exact = new Date('2026-12-04T18:13:07.000Z');
  const friends = new Date('2026-12-04T18:13:00.000Z');

  it('is the time alone for a start earlier the same day', () => {
    inZone('UTC');
    expect(sinceTime(exact, new Date('2026-12-04T23:59:59.999Z'), 'en-GB')).toBe('18:13:07');
    expect(sinceTime(exact, new Date(exact.getTime() + 5 * MIN), 'en-GB')).toBe('18:13:07');
    // A friend's start is known to the minute: no seconds.
    expect(sinceTime(friends, new Date('2026-12-04T20:00:00.000Z'), 'en-GB')).toBe('18:13');
  });

  it('has the date too for a start on an earlier day: yesterday, 3 days ago, just past midnight', () => {
    inZone('UTC');
    expect(sinceTime(exact, new Date('2026-12-05T00:00:00.000Z'), 'en-GB')).toBe('Fri, 4 Dec 2026, 18:13:07');
    expect(sinceTime(exact, new Date(exact.getTime() + 20 * H), 'en-GB')).toBe('Fri, 4 Dec 2026, 18:13:07');
    expect(sinceTime(exact, new Date(exact.getTime() + 3 * 24 * H), 'en-GB')).toBe('Fri, 4 Dec 2026, 18:13:07');
    expect(sinceTime(friends, new Date(friends.getTime() + 3 * 24 * H), 'en-GB')).toBe('Fri, 4 Dec 2026, 18:13');
  });

  it('counts days in the viewer\u2019s time zone, in the viewer\u2019s locale', () => {
    // 18:13 UTC is 03:13 on Saturday in Tokyo: the same day as Saturday 10:00 there.
    inZone('Asia/Tokyo');
    expect(sinceTime(exact, new Date('2026-12-05T01:00:00.000Z'), 'en-GB')).toBe('03:13:07');
    // 13:13 on Friday in New York, and 19:00 there is still Friday; 01:00 on Saturday is not.
    inZone('America/New_York');
    expect(sinceTime(exact, new Date('2026-12-05T00:00:00.000Z'), 'en-GB')).toBe('13:13:07');
    expect(sinceTime(exact, new Date('2026-12-05T06:00:00.000Z'), 'en-US')).toBe('Fri, Dec 4, 2026, 01:13:07 PM');
  });

  it('is isolated for bidi in the tooltip, inside its English words (FSI … PDI: a title holds no <bdi>)', () => {
    inZone('UTC');
    expect(sinceTitle(exact, new Date('2026-12-04T23:59:59.999Z'), 'en-GB')).toBe('since \u206818:13:07\u2069');
    expect(sinceTitle(exact, new Date('2026-12-05T00:00:00.000Z'), 'ar-EG')).toBe(`since \u2068${sinceTime(exact, new Date('2026-12-05T00:00:00.000Z'), 'ar-EG')}\u2069`);
  });
});

/** Minutes in "just started", "12 min", "1 h 05 min", "2 h". */
function minutes(text: string): number {
  if (text === 'just started') return 0;
  const m = /^(?:(\d+) h)? ?(?:(\d+) min)?$/.exec(text);
  if (!m) throw new Error(`not an elapsed time: ${text}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

describe('elapsedChangeIn (when the shared timer wakes for a running time)', () => {
  it('wakes just after the counted time reaches its next minute', () => {
    vi.stubEnv('TZ', 'UTC');
    // A friend's start, floored to 14:29:00: counted from 14:30:00, so at 14:30:30 the next minute is 30 s away.
    expect(elapsedChangeIn(floored, new Date('2024-01-15T14:30:30.000Z'))).toBe(30_250);
    // The exact start, 9 s in: 51 s to "1 min".
    expect(elapsedChangeIn(start, after(9_000))).toBe(51_250);
    // A start ahead of the clock (skew): when it reaches a minute.
    expect(elapsedChangeIn(start, after(-5_000))).toBe(65_250);
  });

  it('never sleeps past a change of the text or of its tooltip (the date at midnight)', () => {
    vi.stubEnv('TZ', 'UTC');
    for (const since of [start, floored]) {
      for (let ms = -90_000; ms < 26 * 60 * MIN; ms += 37_813) {
        const now = after(ms);
        const quiet = new Date(now.getTime() + elapsedChangeIn(since, now) - 251);
        expect(elapsedSince(since, quiet)).toBe(elapsedSince(since, now));
        expect(sinceTitle(since, quiet, 'en-GB')).toBe(sinceTitle(since, now, 'en-GB'));
      }
    }
    // Just before midnight: wakes at it, for the date the tooltip then needs.
    expect(elapsedChangeIn(new Date('2024-01-15T23:50:10.500Z'), new Date('2024-01-15T23:59:59.000Z'))).toBe(1_250);
  });
});

describe('exactTimeText (the exact moment in the friend menu)', () => {
  const base: View = { user_id: 9, username: 'wes', display_name: 'Wes', status: 'online', activity: null, custom_message: null, last_seen: null, timestamp: '2026-12-07T15:00:00.000Z' };

  it('gives the last seen of a friend offline, and the start of a timed activity, to the minute for a friend', () => {
    vi.stubEnv('TZ', 'UTC');
    expect(exactTimeText({ ...base, status: 'offline', last_seen: '2026-12-07T14:02:00.000Z' }, 'en-GB')).toBe('Last seen Mon, 7 Dec 2026, 14:02');
    expect(exactTimeText({ ...base, activity: 'chatting', activity_since: '2026-12-07T14:02:00.000Z' }, 'en-GB')).toBe('Chatting since Mon, 7 Dec 2026, 14:02');
  });

  it('says nothing where the card shows no time: no timed activity, only an approximate last seen', () => {
    expect(exactTimeText({ ...base, activity: 'browsing', activity_since: '2026-12-07T14:02:00.000Z' })).toBeNull();
    expect(exactTimeText({ ...base, activity: 'chatting' })).toBeNull();
    expect(exactTimeText({ ...base, status: 'offline', last_seen_approx: 'recently' })).toBeNull();
  });

  it('gives the words and the moment apart, so a page can isolate a right-to-left locale\'s date', () => {
    vi.stubEnv('TZ', 'UTC');
    const parts = exactTimeParts({ ...base, status: 'offline', last_seen: '2026-12-07T14:02:00.000Z' }, 'ar-EG');
    expect(parts?.lead).toBe('Last seen ');
    expect(parts?.time).toMatch(/[\u0600-\u06FF]/);
    expect(exactTimeText({ ...base, status: 'offline', last_seen: '2026-12-07T14:02:00.000Z' }, 'ar-EG')).toBe(`Last seen ${parts?.time}`);
  });
});
