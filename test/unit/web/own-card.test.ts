/**
 * "You, as friends see you": the own card shows exactly what a plain friend receives (the
 * server's view() for tier `friend`), and says when it may be out of date.
 */
import { describe, expect, it } from 'vitest';
import type { Settings, View } from '../../../src/protocol/index.js';
import { asFriendsSeeYou, ownStaleNote } from '../../../src/web/lib/own-presence.js';

const me: View = {
  user_id: 1,
  username: 'alice',
  display_name: 'Alice',
  status: 'busy',
  activity: 'browsing',
  custom_message: 'secret msg',
  last_seen: null,
  timestamp: '2024-06-15T14:30:00.000Z',
  activity_details: null,
  activity_since: '2024-06-15T14:20:07.123Z',
  last_seen_approx: null,
  manual_status: 'busy',
  custom_message_expires_at: null,
};
const defaults: Settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'friends',
  custom_message_visibility: 'friends',
};

describe('asFriendsSeeYou', () => {
  it('shows no message and no activity when they are for nobody (friends see only "Busy")', () => {
    const v = asFriendsSeeYou(me, { ...defaults, activity_visibility: 'nobody', custom_message_visibility: 'nobody' });
    expect(v.status).toBe('busy');
    expect(v.activity).toBeNull();
    expect(v.custom_message).toBeNull();
    expect(v.activity_since ?? null).toBeNull();
  });

  it('shows Offline with nothing else while you appear offline', () => {
    const v = asFriendsSeeYou(me, { ...defaults, status_visibility: 'hidden' });
    expect(v).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: null });
  });

  it('shows a plain friend offline when only close friends see the status', () => {
    expect(asFriendsSeeYou(me, { ...defaults, status_visibility: 'close_friends' })).toMatchObject({ status: 'offline', activity: null, custom_message: null });
  });

  it('shows everything friends may see under the defaults, times to the minute', () => {
    const v = asFriendsSeeYou(me, defaults);
    expect(v).toMatchObject({ status: 'busy', activity: 'browsing', custom_message: 'secret msg', activity_since: '2024-06-15T14:20:00.000Z' });
  });

  it('never shows more than the status while the settings are not known yet', () => {
    expect(asFriendsSeeYou(me, null)).toMatchObject({ status: 'busy', activity: null, custom_message: null });
  });
});

describe('ownStaleNote', () => {
  const at = Date.parse('2024-06-15T14:30:05Z');
  it('says nothing while live or polling', () => {
    expect(ownStaleNote('connected', at)).toBeNull();
    expect(ownStaleNote('polling', at)).toBeNull();
  });
  it('says friends may already see you offline while reconnecting or unreachable, with the time of the last update', () => {
    const time = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    expect(ownStaleNote('reconnecting', at, at + 60_000)).toBe(`Not live: reconnecting. Friends may already see you as offline. As of ${time}.`);
    expect(ownStaleNote('offline', at, at + 60_000)).toContain('Beacon is unreachable');
  });
  it('gives the date of the last update too once it was an earlier day, not its time alone', () => {
    const time = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const day = new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short' });
    const note = ownStaleNote('offline', at, at + 25 * 3_600_000);
    expect(note).toContain(day);
    expect(note).toContain(time);
  });
});
