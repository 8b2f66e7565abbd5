/**
 * A calendar-derived message names its end for every reader: the text names the owner's zone
 * ("In a meeting until 15:00 UTC+1"), and the view carries the end as an instant (`busy_until`)
 * with the text without its time (`busy_label`), so each viewer reads it in their own zone
 * ("In a meeting until 9:00 AM" in New York). Before, the text was "In a meeting until 15:00"
 * in the owner's zone, no zone named, and nothing else: a friend elsewhere read the wrong time.
 */
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/protocol/index.js';
import { feedBusy } from '../../../src/server/calendar/feed-busy.js';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import { view } from '../../../src/server/presence/privacy.js';
import type { Subject } from '../../../src/server/presence/types.js';
import { busyEnd, customMessageText } from '../../../src/client/message-text.js';
import { ALICE, timings } from '../presence/engine-fixture.js';

const MIN = 60_000;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const cal = (start: number, end: number, title = 'Budget review') =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:m@test', `SUMMARY:${title}`, `DTSTART:${stamp(start)}`, `DTEND:${stamp(end)}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
// Monday 2026-01-12 13:30 in Paris (12:30Z); the meeting ends at 15:00 Paris = 14:00Z = 09:00 New York.
const NOW = Date.parse('2026-01-12T12:30:00Z');
const END = Date.parse('2026-01-12T14:00:00Z');
const settings: Settings = { status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'close_friends' };

describe('feedBusy messages', () => {
  it('names the owner zone\'s offset in the text and keeps the text without its time beside it', () => {
    expect(feedBusy({ ics: cal(NOW - 30 * MIN, END), now: NOW, zone: 'Europe/Paris', shareTitles: false })).toEqual([
      { start: NOW - 30 * MIN, end: END, message: 'In a meeting until 15:00 UTC+1', label: 'In a meeting' },
    ]);
    expect(feedBusy({ ics: cal(NOW - 30 * MIN, END), now: NOW, zone: 'Asia/Kolkata', shareTitles: true })[0]).toMatchObject({ message: 'Budget review until 19:30 UTC+5:30', label: 'Budget review' });
    expect(feedBusy({ ics: cal(NOW - 30 * MIN, END), now: NOW, zone: 'UTC', shareTitles: false })[0]).toMatchObject({ message: 'In a meeting until 14:00 UTC' });
    // Ends another day in the owner's zone: the weekday too, with the offset of that moment.
    const late = Date.parse('2026-01-12T23:30:00Z');
    expect(feedBusy({ ics: cal(NOW - 30 * MIN, late), now: NOW, zone: 'Europe/Paris', shareTitles: false })[0]).toMatchObject({ message: 'In a meeting until Tue 00:30 UTC+1' });
  });
});

describe('the view of a user busy by their calendar', () => {
  function busyAlice(own: string | null = null, labelled = true) {
    const engine = new PresenceEngine({ now: () => NOW }, timings);
    engine.openSession(ALICE, 's', 'socket');
    const [busy] = feedBusy({ ics: cal(NOW - 30 * MIN, END), now: NOW, zone: 'Europe/Paris', shareTitles: false });
    const { label: _label, ...unlabelled } = busy!;
    engine.setCalendar(ALICE, [labelled ? busy! : unlabelled]);
    if (own !== null) engine.setCustomMessage(ALICE, own, null);
    const subject: Subject = { id: ALICE, username: 'alice', displayName: 'Alice', presence: engine.get(ALICE), settings };
    return subject;
  }

  it('carries the end as an instant and the label to those who see the message, and to nobody else', () => {
    const alice = busyAlice();
    expect(view(alice, 'close_friend', NOW)).toMatchObject({ status: 'busy', custom_message: 'In a meeting until 15:00 UTC+1', busy_until: '2026-01-12T14:00:00.000Z', busy_label: 'In a meeting' });
    expect(view(alice, 'self', NOW)).toMatchObject({ busy_until: '2026-01-12T14:00:00.000Z', busy_label: 'In a meeting' });
    // A friend may see the status but not the message: neither the text nor its end.
    const friend = view(alice, 'friend', NOW);
    expect(friend).toMatchObject({ status: 'busy', custom_message: null });
    expect(friend).not.toHaveProperty('busy_until');
    expect(friend).not.toHaveProperty('busy_label');
  });

  it('has no end when the message shown is the user\'s own, or the interval was stored before labels were kept', () => {
    const own = view(busyAlice('Back soon'), 'close_friend', NOW);
    expect(own).toMatchObject({ status: 'busy', custom_message: 'Back soon' });
    expect(own).not.toHaveProperty('busy_until');
    const old = view(busyAlice(null, false), 'close_friend', NOW);
    expect(old).toMatchObject({ custom_message: 'In a meeting until 15:00 UTC+1' });
    expect(old).not.toHaveProperty('busy_until');
  });
});

describe('customMessageText (SDK)', () => {
  const v = { custom_message: 'In a meeting until 15:00 UTC+1', busy_until: '2026-01-12T14:00:00.000Z', busy_label: 'In a meeting' };
  const now = new Date(NOW);

  it('says the end in the viewer\'s zone and locale', () => {
    expect(customMessageText(v, { locale: 'en-US', timeZone: 'America/New_York', now })).toBe('In a meeting until 9:00 AM');
    expect(customMessageText(v, { locale: 'en-GB', timeZone: 'Europe/Paris', now })).toBe('In a meeting until 15:00');
    expect(busyEnd(v, { locale: 'en-US', timeZone: 'America/New_York', now })).toEqual({ label: 'In a meeting', time: '9:00 AM', until: new Date(END) });
  });

  it('names the weekday when the end is another day where the viewer is', () => {
    // 14:00Z is already Tuesday 01:00 in Auckland (UTC+13) while "now" is Tuesday there too: the same day.
    expect(customMessageText(v, { locale: 'en-US', timeZone: 'Pacific/Auckland', now })).toBe('In a meeting until 3:00 AM');
    // Seen from New York the evening before: another day.
    expect(customMessageText(v, { locale: 'en-US', timeZone: 'America/New_York', now: new Date(Date.parse('2026-01-12T04:00:00Z')) })).toBe('In a meeting until Mon 9:00 AM');
  });

  it('shows any other message as sent, and nothing without one', () => {
    expect(customMessageText({ custom_message: 'brb', busy_until: null, busy_label: null })).toBe('brb');
    expect(customMessageText({ custom_message: 'In a meeting until 15:00' })).toBe('In a meeting until 15:00');
    expect(customMessageText({ custom_message: null, busy_until: v.busy_until, busy_label: v.busy_label })).toBeNull();
  });
});
