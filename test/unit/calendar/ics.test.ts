/** Busy intervals from an iCalendar feed: recurrence with exceptions, time zones, all-day events. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { busyIntervals, MAX_FEED_OCCURRENCES } from '../../../src/server/calendar/ics.js';

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

  it('cuts a long title at 100 UTF-16 units without splitting an emoji (no half a character reaches friends as U+FFFD)', () => {
    const at = (h: number) => `2026030${h}T100000Z`;
    const title = `${'a'.repeat(99)}\u{1F600} and more`;
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:e@test', `SUMMARY:${title}`, `DTSTART:${at(2)}`, `DTEND:${at(3)}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
    const [b] = busyIntervals(ics, Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-03-05T00:00:00Z'), 'UTC');
    expect(b?.title).toBe('a'.repeat(99));
  });

  it('refuses what is not a calendar', () => {
    expect(() => busyIntervals('hello', 0, 1, 'UTC')).toThrow();
  });
});

// Found by the features audit: every occurrence since DTSTART was expanded and counted, so a
// daily meeting that began 2,001+ days ago made nobody busy (2,000 per event) and 11 begun
// 1,900 days ago got the feed refused (20,000 per feed). Simple rules now start near the window.
describe('busyIntervals of series that began long ago', () => {
  const DAY = 86_400_000;
  const now = Date.parse('2026-03-18T10:17:00Z');
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const cal = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR'].join('\r\n');
  /** A 30-minute event every day, the first `days` days ago (each started a minute before now, as the audit's). */
  const daily = (uid: string, days: number, extra: string[] = []) => {
    const s0 = now - 60_000 - days * DAY;
    return ['BEGIN:VEVENT', `UID:${uid}`, `DTSTART:${stamp(s0)}`, `DTEND:${stamp(s0 + 30 * 60_000)}`, 'RRULE:FREQ=DAILY', ...extra, 'END:VEVENT'];
  };
  const read = (ics: string, zone = 'UTC') => busyIntervals(ics, now, now + 2 * DAY, zone).map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString()]);

  it('makes now busy with a daily meeting that began 3,650 days ago', () => {
    expect(read(cal(...daily('d', 3650)))).toEqual([
      ['2026-03-18T10:16:00.000Z', '2026-03-18T10:46:00.000Z'],
      ['2026-03-19T10:16:00.000Z', '2026-03-19T10:46:00.000Z'],
      ['2026-03-20T10:16:00.000Z', '2026-03-20T10:46:00.000Z'],
    ]);
  });

  it('reads 11 such series (each began 3,650 days ago) without refusing the feed', () => {
    const ics = cal(...Array.from({ length: 11 }, (_, i) => daily(`d${i}`, 3650)).flat());
    expect(read(ics)).toHaveLength(33);
  });

  it('keeps a weekday series in its zone across daylight saving, and its exceptions old and new', () => {
    // Mon-Fri at 09:30 Paris since 2016; 2026-03-30 is after the change to summer time.
    const ics = cal(
      'BEGIN:VEVENT', 'UID:w', 'DTSTART;TZID=Europe/Paris:20160104T093000', 'DTEND;TZID=Europe/Paris:20160104T100000',
      'RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'EXDATE;TZID=Europe/Paris:20260327T093000', 'END:VEVENT',
      // The occurrence of 2017-01-02 was moved into the window (to Saturday 28 at 12:00 UTC).
      'BEGIN:VEVENT', 'UID:w', 'RECURRENCE-ID;TZID=Europe/Paris:20170102T093000', 'DTSTART:20260328T120000Z', 'DTEND:20260328T123000Z', 'END:VEVENT',
    );
    const days = busyIntervals(ics, Date.parse('2026-03-26T00:00:00Z'), Date.parse('2026-03-31T00:00:00Z'), 'UTC').map((b) => new Date(b.start).toISOString());
    expect(days).toEqual(['2026-03-26T08:30:00.000Z', '2026-03-28T12:00:00.000Z', '2026-03-30T07:30:00.000Z']);
  });

  it('still refuses a feed of per-second series, however long ago they began', () => {
    const s0 = now - 3650 * DAY;
    const perSecond = (i: number) => ['BEGIN:VEVENT', `UID:s${i}`, `DTSTART:${stamp(s0 + i * 1000)}`, `DTEND:${stamp(s0 + i * 1000 + 500)}`, 'RRULE:FREQ=SECONDLY', 'END:VEVENT'];
    // Each expands 2,000 occurrences at most (the days before the window reach that alone): 11 pass the feed's cap.
    // On a machine busy enough that the 1 s budget runs out first, the time limit refuses it ("too long").
    const events = MAX_FEED_OCCURRENCES / 2000 + 1;
    expect(() => busyIntervals(cal(...Array.from({ length: events }, (_, i) => perSecond(i)).flat()), now, now + 2 * DAY, 'UTC')).toThrow(/too many|too long/);
  });
});
