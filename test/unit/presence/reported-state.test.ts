/** What counts as a change worth reporting, and the per-tier views a change is sent as. */
import { describe, expect, it } from 'vitest';
import { sameReportedState } from '../../../src/server/presence/presence-rules.js';
import { view, viewsByTier, VIEWER_TIERS } from '../../../src/server/presence/privacy.js';
import type { PresenceState } from '../../../src/server/presence/types.js';

const NOW = Date.UTC(2024, 0, 15, 14, 30);
const base: PresenceState = {
  status: 'busy',
  activity: 'chatting',
  activityDetails: null,
  activitySince: NOW - 60_000,
  manualStatus: 'busy',
  customMessage: 'focus',
  customMessageExpiresAt: NOW + 60_000,
  lastSeen: NOW - 3_600_000,
  lastActivity: NOW - 1_000,
};

describe('sameReportedState', () => {
  it('reports a difference in any field a viewer or the store cares about', () => {
    const changed: Array<Partial<PresenceState>> = [
      { status: 'online' },
      { activity: 'browsing' },
      { activityDetails: { opponent: 'bob' } },
      { activitySince: NOW },
      { manualStatus: 'away' },
      { customMessage: 'other' },
      { customMessageExpiresAt: null },
      { lastSeen: NOW },
    ];
    for (const diff of changed) expect(sameReportedState(base, { ...base, ...diff }), JSON.stringify(diff)).toBe(false);
  });

  it('ignores lastActivity alone, which moves with every input', () => {
    expect(sameReportedState(base, { ...base, lastActivity: NOW })).toBe(true);
    expect(sameReportedState(base, { ...base })).toBe(true);
  });
});

describe('viewsByTier', () => {
  it("is exactly view() for each tier, on settings where every tier sees something different", () => {
    const subject = {
      id: 7,
      username: 'alice',
      displayName: 'Alice',
      presence: base,
      settings: { status_visibility: 'friends', activity_visibility: 'close_friends', last_seen_visibility: 'nobody', custom_message_visibility: 'nobody' },
    } as const;
    const views = viewsByTier(subject, NOW);
    for (const tier of VIEWER_TIERS) expect(views[tier], tier).toEqual(view(subject, tier, NOW));
    expect(views.public.status).toBe('offline');
    expect(views.friend).toMatchObject({ status: 'busy', activity: null });
    expect(views.close_friend).toMatchObject({ status: 'busy', activity: 'chatting', custom_message: null });
    expect(views.self.custom_message).toBe('focus');
    expect(views.admin.custom_message).toBe('focus');
  });
});
