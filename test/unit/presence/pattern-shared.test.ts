/**
 * `pattern_shared` in a view: whether its viewer may read the user's usual hours, decided by
 * canSeePattern in the one view path, so that a change of it (pattern_visibility, the category
 * given, hiding) reaches viewers as any change of their view does. Before, nothing told a
 * viewer, and an open friend menu kept showing usual hours no longer shared.
 */
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/protocol/index.js';
import { changedTiers, view, VIEWER_TIERS } from '../../../src/server/presence/privacy.js';
import type { PresenceState, Subject } from '../../../src/server/presence/types.js';

const NOW = Date.UTC(2026, 0, 12, 12);
const present: PresenceState = {
  status: 'online', activity: 'browsing', activityDetails: null, activitySince: NOW - 60_000, manualStatus: null,
  customMessage: null, customMessageExpiresAt: null, lastSeen: NOW - 86_400_000, lastActivity: NOW,
};
const loggedOut: PresenceState = { ...present, status: 'offline', activity: null, activitySince: null, lastSeen: NOW - 60_000 };
const base: Settings = { status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends', pattern_visibility: 'friends' };
const subject = (presence: PresenceState, settings: Partial<Settings> = {}, extra: Partial<Subject> = {}): Subject => ({
  id: 7, username: 'lea', displayName: 'Lea', presence, settings: { ...base, ...settings }, ...extra,
});
const sharedWith = (s: Subject) => VIEWER_TIERS.filter((t) => view(s, t, NOW).pattern_shared === true);

describe('pattern_shared', () => {
  it('is set for exactly the viewers who may read the usual hours (never in the user\'s own view)', () => {
    expect(sharedWith(subject(present))).toEqual(['friend', 'close_friend', 'admin']);
    expect(sharedWith(subject(present, { pattern_visibility: 'close_friends' }))).toEqual(['close_friend', 'admin']);
    expect(sharedWith(subject(present, { pattern_visibility: 'nobody' }))).toEqual(['admin']);
    expect(view(subject(present, { pattern_visibility: 'nobody' }), 'friend', NOW)).not.toHaveProperty('pattern_shared');
  });

  it('a change of pattern_visibility alone is a change of the view for the tiers it concerns, and only for them', () => {
    expect(changedTiers(subject(present), subject(present, { pattern_visibility: 'close_friends' }), NOW)).toEqual(['friend']);
    expect(changedTiers(subject(present, { pattern_visibility: 'nobody' }), subject(present, { pattern_visibility: 'public' }), NOW)).toEqual(['friend', 'close_friend']);
  });

  it('hiding changes it for nobody: a hidden user looks like one who logged out', () => {
    const hidden = subject(present, { status_visibility: 'hidden' }, { hiddenLastSeen: NOW - 60_000, visibilityBeforeHidden: 'friends' });
    for (const tier of ['public', 'friend', 'close_friend'] as const) {
      expect(view(hidden, tier, NOW)).toEqual(view(subject(loggedOut), tier, NOW));
    }
    expect(sharedWith(hidden)).toEqual(['friend', 'close_friend', 'admin']);
  });
});
