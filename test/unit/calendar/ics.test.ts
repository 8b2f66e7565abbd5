/** Busy intervals from an iCalendar feed: recurrence with exceptions, time zones, all-day events. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { busyIntervals } from '../../../src/server/calendar/ics.js';

const feed = readFileSync(new URL('../../fixtures/calendar.ics', import.meta.url), 'utf8');
const iso = (ms: number) => new Date(ms).toISOString();
const week = (from: string, to: string) =>
  busyIntervals(feed, Date.parse(from), Date.parse(to), 'Europe/Paris').map((b) => [iso(b.start), iso(b.end), b.title]);

describe('busyIntervals', () => {
  it('expands a weekly recurrence in the feed\u2019s own zone, skips an EXDATE and moves an overridden occurrence', () => {
    expect(week('2026-03-16T00:00:00Z', '2026-03-25T00:00:00Z')).toEqual([
      ['2026-03-16T08:30:00.000Z', '2026-03-16T09:00:00.000Z', 'Stand-up'], // 09:30 CET
      ['2026-03-17T14:00:00.000Z', '2026-03-17T15:00:00.000Z', 'Design review'], // 10:00 EDT (New York is on DST already)
      ['2026-03-18T23:00:00.000Z', '2026-03-19T23:00:00.000Z', 'Offsite'], // an all-day event, in the user's zone
      ['2026-03-20T12:00:00.000Z', '2026-03-20T12:30:00.000Z', 'Call'],
      ['2026-03-23T13:00:00.000Z', '2026-03-23T13:30:00.000Z', 'Stand-up (moved)'],
    ]);
  });

  it('follows the daylight-saving change: 09:30 in Paris is 08:30Z before it and 07:30Z after it', () => {
    const after = week('2026-03-30T00:00:00Z', '2026-03-31T00:00:00Z');
    expect(after).toEqual([['2026-03-30T07:30:00.000Z', '2026-03-30T08:00:00.000Z', 'Stand-up']]);
  });

  it('ignores cancelled and free (transparent) events', () => {
    const titles = week('2026-03-17T00:00:00Z', '2026-03-18T00:00:00Z').map((r) => r[2]);
    expect(titles).not.toContain('Cancelled call');
    expect(titles).not.toContain('Birthday');
  });

  it('makes line breaks and bidi controls in a title spaces: the title may become a message friends see', () => {
    const at = (h: number) => `2026030${h}T100000Z`;
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:a@test',
      // An escaped line break (RFC 5545 \\n) and a right-to-left override with no end.
      'SUMMARY:Lunch\\nwith Bob \u202egnp.exe',
      `DTSTART:${at(2)}`,
      `DTEND:${at(3)}`,
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const [b] = busyIntervals(ics, Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-03-05T00:00:00Z'), 'UTC');
    expect(b?.title).toBe('Lunch with Bob  gnp.exe');
  });

  it('refuses what is not a calendar', () => {
    expect(() => busyIntervals('hello', 0, 1, 'UTC')).toThrow();
  });
});
