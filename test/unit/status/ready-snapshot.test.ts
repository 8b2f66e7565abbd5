/**
 * The ready snapshot's kept JSON: the same bytes as serialising view() afresh, and never a
 * stale view: a new presence state, settings, hidden last_seen, profile or UTC day makes
 * the part again, and each tier has its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Settings, View } from '../../../src/protocol/index.js';
import { sortViews } from '../../../src/protocol/index.js';
import { VIEWER_TIERS, view } from '../../../src/server/presence/privacy.js';
import type { PresenceState, Subject, ViewerTier } from '../../../src/server/presence/types.js';
import { FriendJsonCache, ReadySnapshot } from '../../../src/server/status/ready-snapshot.js';

const NOW = Date.UTC(2026, 11, 2, 10, 0, 0, 123);
const DAY = 86_400_000;

const state = (over: Partial<PresenceState> = {}): PresenceState =>
  Object.freeze({
    status: 'online',
    activity: 'browsing',
    activityDetails: null,
    activitySince: NOW - 61_500,
    manualStatus: null,
    customMessage: 'for friends only',
    customMessageExpiresAt: null,
    lastSeen: null,
    lastActivity: null,
    ...over,
  }) as PresenceState;

const settings = (over: Partial<Settings> = {}): Settings =>
  ({ status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends', ...over }) as Settings;

const subject = (id: number, presence: PresenceState, s: Settings = settings(), hiddenLastSeen: number | null = null): Subject => ({
  id,
  username: `user_${id}`,
  displayName: `User ${id}`,
  presence,
  settings: s,
  hiddenLastSeen,
});

/** The kept part of a subject: the cache takes her profile's fields and her presence state apart. */
const part = (cache: FriendJsonCache, s: Subject, tier: ViewerTier, now = NOW) => cache.part(s, s.presence, tier, now);

/** The friends' views as the snapshot writes them, for one viewer tier per subject. */
function snapshot(cache: FriendJsonCache, subjects: Array<[Subject, ViewerTier]>, now = NOW): ReadySnapshot {
  const self = view(subjects[0]![0], 'self', now);
  return new ReadySnapshot(self, subjects.map(([s, tier]) => part(cache, s, tier, now)), new Date(now).toISOString());
}

describe('ReadySnapshot and FriendJsonCache', () => {
  it('writes the frame JSON.stringify would write, friends in contract order, every view stamped now', () => {
    const cache = new FriendJsonCache();
    const subjects: Array<[Subject, ViewerTier]> = [
      [subject(3, state({ status: 'offline', activity: null, activitySince: null, lastSeen: NOW - 3_600_000 })), 'friend'],
      [subject(1, state()), 'close_friend'],
      [subject(2, state({ status: 'busy', manualStatus: 'busy', customMessage: 'deep "work" \\ ,"timestamp":"x"' })), 'public'],
    ];
    // The first snapshot makes the parts; the second, a minute later, reuses them with its own timestamp.
    snapshot(cache, subjects);
    const later = NOW + 60_000;
    const ready = snapshot(cache, subjects, later);
    const expected = sortViews(subjects.map(([s, tier]) => view(s, tier, later)));
    const frame = ready.frame('session-1', 25_000);
    expect(frame).toBe(JSON.stringify({ type: 'ready', session_id: 'session-1', heartbeat_interval_ms: 25_000, self: view(subjects[0]![0], 'self', later), friends: expected }));
    expect(ready.friends).toEqual(expected);
    expect(ready.friendCount).toBe(3);
    expect(ready.friends.every((v: View) => v.timestamp === new Date(later).toISOString())).toBe(true);
  });

  it('makes the part again when the presence state is replaced', () => {
    const cache = new FriendJsonCache();
    const before = subject(1, state());
    expect(snapshot(cache, [[before, 'friend']]).friends[0]).toMatchObject({ status: 'online', custom_message: 'for friends only' });
    const after = { ...before, presence: state({ status: 'away', manualStatus: 'away', customMessage: null }) };
    expect(snapshot(cache, [[after, 'friend']]).friends[0]).toMatchObject({ status: 'away', custom_message: null });
  });

  it('makes it again when settings narrow the audience: a friend no longer sees the message', () => {
    const cache = new FriendJsonCache();
    const presence = state();
    expect(snapshot(cache, [[subject(1, presence), 'friend']]).friends[0]!.custom_message).toBe('for friends only');
    const narrowed = subject(1, presence, settings({ custom_message_visibility: 'close_friends' }));
    expect(snapshot(cache, [[narrowed, 'friend']]).friends[0]!.custom_message).toBeNull();
    expect(snapshot(cache, [[narrowed, 'close_friend']]).friends[0]!.custom_message).toBe('for friends only');
  });

  it('makes it again when the user hides, and keeps one part per tier', () => {
    const cache = new FriendJsonCache();
    const presence = state();
    const shown = subject(1, presence);
    expect(snapshot(cache, [[shown, 'friend']]).friends[0]!.status).toBe('online');
    const hidden = subject(1, presence, settings({ status_visibility: 'hidden' }), NOW - 1000);
    expect(snapshot(cache, [[hidden, 'friend']]).friends[0]).toMatchObject({ status: 'offline', activity: null, custom_message: null });
    expect(snapshot(cache, [[hidden, 'admin']]).friends[0]!.status).toBe('online');
  });

  it('makes it again on a new UTC day (the approximate last-seen bucket moves only then)', () => {
    const cache = new FriendJsonCache();
    const seen = NOW - 2 * DAY;
    const s = subject(1, state({ status: 'offline', activity: null, activitySince: null, customMessage: null, lastSeen: seen }), settings({ last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'friends' }));
    expect(snapshot(cache, [[s, 'friend']]).friends[0]!.last_seen_approx).toBe('recently');
    expect(snapshot(cache, [[s, 'friend']], NOW + DAY).friends[0]!.last_seen_approx).toBe('within_week');
  });

  it('never hands one user the part of another who shares the same state object', () => {
    const cache = new FriendJsonCache();
    const shared = state();
    expect(snapshot(cache, [[subject(1, shared), 'friend']]).friends[0]!.user_id).toBe(1);
    expect(snapshot(cache, [[subject(2, shared), 'friend']]).friends[0]!.user_id).toBe(2);
    const renamed = { ...subject(2, shared), displayName: 'Renamed' };
    expect(snapshot(cache, [[renamed, 'friend']]).friends[0]!.display_name).toBe('Renamed');
  });

  it('keeps a second tier apart from the first, each made once and both voided together', () => {
    const cache = new FriendJsonCache();
    const s = subject(1, state());
    const friend = part(cache, s, 'friend', NOW);
    const close = part(cache, s, 'close_friend', NOW);
    expect(close).not.toBe(friend);
    expect(part(cache, s, 'friend', NOW)).toBe(friend);
    expect(part(cache, s, 'close_friend', NOW)).toBe(close);
    expect(snapshot(cache, [[s, 'public']]).friends[0]!.custom_message).toBeNull();
    // A new day voids the slot with every tier's part in it.
    const tomorrow = NOW + DAY;
    expect(part(cache, s, 'close_friend', tomorrow)).not.toBe(close);
    expect(part(cache, s, 'friend', tomorrow)).not.toBe(friend);
  });

  it('makes it again when any one of its inputs changes, and only then', () => {
    const cache = new FriendJsonCache();
    const presence = state({ status: 'offline', activity: null, activitySince: null, lastSeen: NOW - 3_600_000 });
    const base = subject(1, presence, settings({ status_visibility: 'hidden' }), NOW - 7_200_000);
    base.visibilityBeforeHidden = 'friends';
    const kept = part(cache, base, 'friend', NOW);
    expect(part(cache, { ...base }, 'friend', NOW + 60_000)).toBe(kept);
    const changed: Subject[] = [
      { ...base, id: 2 },
      { ...base, username: 'other_name' },
      { ...base, displayName: 'Other Name' },
      { ...base, settings: { ...base.settings } },
      { ...base, hiddenLastSeen: NOW - 9_000_000 },
      { ...base, visibilityBeforeHidden: 'close_friends' },
      { ...base, presence: state({ status: 'offline', activity: null, activitySince: null, lastSeen: NOW - 3_600_000 }) },
    ];
    for (const c of changed) {
      const again = part(cache, c, 'friend', NOW);
      expect(again).not.toBe(kept);
      expect(JSON.parse(again.json)).toEqual({ ...view(c, 'friend', NOW), timestamp: '' });
      // Back to the original inputs: made again, not a view of the changed ones.
      expect(JSON.parse(part(cache, base, 'friend', NOW).json)).toEqual({ ...view(base, 'friend', NOW), timestamp: '' });
    }
  });

  it('always writes what view() writes now, whatever inputs, tiers and days come in whatever order (model: view() afresh)', () => {
    const at = (d: number) => NOW + d * (DAY / 3);
    const presences = [state(), state({ status: 'offline', activity: null, activitySince: null, customMessage: null, lastSeen: NOW - 2 * DAY }), state({ status: 'busy', manualStatus: 'busy' })];
    const settingsList = [settings(), settings({ status_visibility: 'hidden' }), settings({ last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'public' }), settings({ custom_message_visibility: 'close_friends' })];
    const step = fc.record({
      id: fc.constantFrom(1, 2),
      presence: fc.constantFrom(0, 1, 2),
      settings: fc.constantFrom(0, 1, 2, 3),
      name: fc.constantFrom('a_b', 'Renamed'),
      hidden: fc.constantFrom(null, NOW - DAY, NOW - 3 * DAY),
      before: fc.constantFrom(null, 'friends', 'public'),
      tier: fc.constantFrom(...VIEWER_TIERS),
      third: fc.integer({ min: 0, max: 12 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25, size: 'max' }), (steps) => {
        const cache = new FriendJsonCache();
        for (const k of steps) {
          const s: Subject = {
            id: k.id,
            username: k.name,
            displayName: k.name.toUpperCase(),
            presence: presences[k.presence]!,
            settings: settingsList[k.settings]!,
            hiddenLastSeen: k.hidden,
            visibilityBeforeHidden: k.before as Subject['visibilityBeforeHidden'],
          };
          const now = at(k.third);
          const p = part(cache, s, k.tier, now);
          expect(p.json.slice(0, p.at) + new Date(now).toISOString() + p.json.slice(p.at)).toBe(JSON.stringify(view(s, k.tier, now)));
          expect([p.user_id, p.username]).toEqual([s.id, s.username]);
        }
      }),
      { numRuns: 500 },
    );
  });
});
