import { describe, expect, it } from 'vitest';
import type { Audience, Settings, StatusVisibility } from '../../../src/protocol/index.js';
import { canSee, changedTiers, historyStatus, tierOf, view, viewsByTier, VIEWER_TIERS } from '../../../src/server/presence/privacy.js';
import type { PresenceState, Subject, ViewerTier } from '../../../src/server/presence/types.js';

const NOW = Date.UTC(2024, 0, 15, 14, 30);
const LAST_SEEN = NOW - 3_600_000;
const STATUS_VISIBILITIES: StatusVisibility[] = ['public', 'friends', 'close_friends', 'hidden'];
const AUDIENCES: Audience[] = ['public', 'friends', 'close_friends', 'nobody'];
const TIERS: ViewerTier[] = ['public', 'friend', 'close_friend', 'self', 'admin'];
const FIELDS = ['status', 'activity', 'custom_message', 'last_seen'] as const;

/** Who belongs to each audience, written out independently of the code under test. */
const ALLOWED: Record<Audience | StatusVisibility, ViewerTier[]> = {
  public: ['public', 'friend', 'close_friend', 'self', 'admin'],
  friends: ['friend', 'close_friend', 'self', 'admin'],
  close_friends: ['close_friend', 'self', 'admin'],
  nobody: ['self', 'admin'],
  hidden: ['self', 'admin'],
};

const online: PresenceState = {
  status: 'busy',
  activity: 'chatting',
  activityDetails: null,
  activitySince: null,
  manualStatus: 'busy',
  customMessage: 'deep work',
  customMessageExpiresAt: null,
  lastSeen: LAST_SEEN,
  lastActivity: NOW - 1_000,
};
const offline: PresenceState = { ...online, status: 'offline', activity: null, manualStatus: null, customMessage: null };
const neverSeen: PresenceState = {
  status: 'offline',
  activity: null,
  activityDetails: null,
  activitySince: null,
  manualStatus: null,
  customMessage: null,
  customMessageExpiresAt: null,
  lastSeen: null,
  lastActivity: null,
};
const openSettings: Settings = {
  status_visibility: 'public',
  activity_visibility: 'public',
  last_seen_visibility: 'public',
  custom_message_visibility: 'public',
};

function subject(presence: PresenceState, settings: Partial<Settings> = {}): Subject {
  return { id: 7, username: 'alice', displayName: 'Alice', presence, settings: { ...openSettings, ...settings } };
}

function settingsFor(field: (typeof FIELDS)[number], sv: StatusVisibility, audience: Audience): Partial<Settings> {
  switch (field) {
    case 'status':
      return { status_visibility: sv, activity_visibility: audience, last_seen_visibility: audience, custom_message_visibility: audience };
    case 'activity':
      return { status_visibility: sv, activity_visibility: audience };
    case 'custom_message':
      return { status_visibility: sv, custom_message_visibility: audience };
    case 'last_seen':
      return { status_visibility: sv, last_seen_visibility: audience };
  }
}

const TRUE_VALUES = {
  status: 'busy',
  activity: 'chatting',
  custom_message: 'deep work',
  last_seen: new Date(LAST_SEEN).toISOString(),
} as const;
const HIDDEN_VALUES = { status: 'offline', activity: null, custom_message: null, last_seen: null } as const;

describe('view: every status visibility × audience × tier × field', () => {
  const cases = STATUS_VISIBILITIES.flatMap((sv) =>
    AUDIENCES.flatMap((audience) =>
      TIERS.flatMap((tier) =>
        FIELDS.map((field) => {
          const statusVisible = ALLOWED[sv].includes(tier);
          const visible = statusVisible && (field === 'status' || ALLOWED[audience].includes(tier));
          return { sv, audience, tier, field, visible };
        }),
      ),
    ),
  );

  it.each(cases)(
    'status_visibility=$sv, audience=$audience: a $tier viewer sees $field: $visible',
    ({ sv, audience, tier, field, visible }) => {
      // last_seen only shows while offline, so that field is checked on an offline subject.
      const presence = field === 'last_seen' ? offline : online;
      const result = view(subject(presence, settingsFor(field, sv, audience)), tier, NOW);
      const expected = field === 'status' && presence === offline ? 'offline' : TRUE_VALUES[field];
      expect(result[field]).toBe(visible ? expected : HIDDEN_VALUES[field]);
    },
  );
});

describe('view: hidden looks exactly like offline and never seen', () => {
  const states: Array<[string, PresenceState]> = [
    ['busy with a message', online],
    ['in a tournament', { ...online, status: 'in_game', activity: 'in_tournament' }],
    ['offline with a last_seen', offline],
    ['away and idle', { ...online, status: 'away', activity: 'idle', manualStatus: null }],
  ];
  const cases = states.flatMap(([name, presence]) =>
    (['public', 'friend', 'close_friend'] as const).map((tier) => ({ name, presence, tier })),
  );

  it.each(cases)('a hidden user $name shows the $tier viewer a never-seen offline user', ({ presence, tier }) => {
    const hidden = view(subject(presence, { status_visibility: 'hidden' }), tier, NOW);
    const absent = view(subject(neverSeen), tier, NOW);
    expect(hidden).toEqual(absent);
    expect(JSON.stringify(hidden)).toBe(JSON.stringify(absent));
  });

  it('shows admins the true status of a hidden user', () => {
    expect(view(subject(online, { status_visibility: 'hidden' }), 'admin', NOW)).toMatchObject({
      status: 'busy',
      activity: 'chatting',
      custom_message: 'deep work',
    });
  });

  it('shows a hidden user their own true status', () => {
    expect(view(subject(online, { status_visibility: 'hidden' }), 'self', NOW).status).toBe('busy');
  });
});

describe('view: details', () => {
  it('uses snake_case fields, the identity of the subject and the time of the view', () => {
    expect(view(subject(online), 'friend', NOW)).toEqual({
      user_id: 7,
      username: 'alice',
      display_name: 'Alice',
      status: 'busy',
      activity: 'chatting',
      custom_message: 'deep work',
      last_seen: null,
      timestamp: new Date(NOW).toISOString(),
      activity_details: null,
      activity_since: null,
      last_seen_approx: null,
    });
  });

  it('never shows an activity with an offline status', () => {
    expect(view(subject({ ...offline, activity: 'chatting' }), 'self', NOW).activity).toBeNull();
  });

  it('hides last_seen while the user is online, even from self', () => {
    expect(view(subject(online), 'self', NOW).last_seen).toBeNull();
  });

  it('never decides expiry: the message shows until the engine clears it, so the clearing is a visible change', () => {
    const expiring = { ...online, customMessageExpiresAt: NOW };
    expect(view(subject(expiring), 'friend', NOW + 1).custom_message).toBe('deep work');
    expect(view(subject(expiring), 'self', NOW + 1).custom_message).toBe('deep work');
    const cleared = { ...expiring, customMessage: null, customMessageExpiresAt: null };
    expect(changedTiers(subject(expiring), subject(cleared), NOW + 1)).toEqual(expect.arrayContaining(['friend', 'self']));
  });

  it("tells only the user when their message clears (so their own screen can keep it), and a new expiry alone is a change for them", () => {
    const expiring = { ...online, customMessageExpiresAt: NOW + 1_800_000 };
    expect(view(subject(expiring), 'self', NOW).custom_message_expires_at).toBe(new Date(NOW + 1_800_000).toISOString());
    for (const tier of ['public', 'friend', 'close_friend', 'admin'] as const) expect(view(subject(expiring), tier, NOW)).not.toHaveProperty('custom_message_expires_at');
    expect(view(subject(online), 'self', NOW).custom_message_expires_at).toBeNull();
    expect(changedTiers(subject(online), subject(expiring), NOW)).toEqual(['self']);
  });

  it('tells only the user the status they chose (online = automatic), apart from the one shown, and a new choice alone is a change for them', () => {
    const automatic = { ...online, manualStatus: null };
    expect(view(subject(automatic), 'self', NOW).manual_status).toBe('online');
    const chosenBusy = { ...automatic, status: 'busy' as const, manualStatus: 'busy' as const };
    expect(view(subject(chosenBusy), 'self', NOW).manual_status).toBe('busy');
    // Busy by a schedule in automatic mode: shown busy, chosen online.
    const scheduled = { ...automatic, status: 'busy' as const };
    expect(view(subject(scheduled), 'self', NOW)).toMatchObject({ status: 'busy', manual_status: 'online' });
    for (const tier of ['public', 'friend', 'close_friend', 'admin'] as const) expect(view(subject(chosenBusy), tier, NOW)).not.toHaveProperty('manual_status');
    expect(changedTiers(subject(scheduled), subject(chosenBusy), NOW)).toEqual(['self']);
  });

  it('hides the custom message of an offline user from everyone but the user', () => {
    const away = { ...offline, customMessage: 'on holiday' };
    expect(view(subject(away), 'close_friend', NOW).custom_message).toBeNull();
    expect(view(subject(away), 'admin', NOW).custom_message).toBeNull();
    expect(view(subject(away), 'self', NOW).custom_message).toBe('on holiday');
  });

  it('gives a view for every tier', () => {
    const views = viewsByTier(subject(online, { activity_visibility: 'close_friends' }), NOW);
    expect(Object.keys(views).sort()).toEqual([...VIEWER_TIERS].sort());
    expect(views.friend.activity).toBeNull();
    expect(views.close_friend.activity).toBe('chatting');
  });
});

describe('tierOf', () => {
  const viewer = { id: 1, role: 'user' as const };

  it('knows self before anything else', () => {
    expect(tierOf({ id: 7, role: 'admin' }, 7, null)).toBe('self');
  });

  it('puts admins above any category', () => {
    expect(tierOf({ id: 1, role: 'admin' }, 7, null)).toBe('admin');
  });

  it.each([
    ['close_friend', 'close_friend'],
    ['friend', 'friend'],
    ['acquaintance', 'public'],
    [null, 'public'],
  ] as const)('maps the category %s given by the subject to tier %s', (category, tier) => {
    expect(tierOf(viewer, 7, category)).toBe(tier);
  });
});

describe('canSee', () => {
  it.each(TIERS.flatMap((tier) => [...STATUS_VISIBILITIES, 'nobody' as const].map((audience) => ({ tier, audience }))))(
    'decides whether a $tier viewer belongs to $audience',
    ({ tier, audience }) => {
      expect(canSee(audience, tier)).toBe(ALLOWED[audience].includes(tier));
    },
  );
});

describe('changedTiers', () => {
  it('reports only the tiers allowed to see an activity change', () => {
    const before = subject(online, { activity_visibility: 'friends' });
    const after = subject({ ...online, activity: 'watching_match' }, { activity_visibility: 'friends' });
    expect(changedTiers(before, after, NOW)).toEqual(['friend', 'close_friend', 'self', 'admin']);
  });

  it('reports only self and admin when a hidden user changes', () => {
    const before = subject(online, { status_visibility: 'hidden' });
    const after = subject({ ...online, status: 'online', manualStatus: null }, { status_visibility: 'hidden' });
    expect(changedTiers(before, after, NOW)).toEqual(['self', 'admin']);
  });

  it('reports nothing when nothing visible changed', () => {
    const before = subject(online);
    const after = subject({ ...online, lastActivity: NOW, lastSeen: NOW - 5 });
    expect(changedTiers(before, after, NOW)).toEqual([]);
  });

  it('reports the tiers that lose sight when a user hides', () => {
    const before = subject(online, { status_visibility: 'friends' });
    const after = subject(online, { status_visibility: 'hidden' });
    expect(changedTiers(before, after, NOW)).toEqual(['friend', 'close_friend']);
  });
});

describe('view: hidden looks like a logout at the moment of hiding', () => {
  const HID_AT = NOW - 600_000;
  const hiddenSubject = (presence: PresenceState, settings: Partial<Settings> = {}): Subject => ({
    ...subject(presence, { status_visibility: 'hidden', ...settings }),
    hiddenLastSeen: HID_AT,
    // openSettings: the status was public when they hid.
    visibilityBeforeHidden: 'public',
  });

  it.each(['public', 'friend', 'close_friend'] as const)('a %s viewer in the last_seen audience sees offline, last seen when they hid', (tier) => {
    for (const presence of [online, offline, { ...online, status: 'in_game' as const, activity: 'playing_pong' as const }]) {
      expect(view(hiddenSubject(presence), tier, NOW)).toMatchObject({
        status: 'offline',
        activity: null,
        custom_message: null,
        last_seen: new Date(HID_AT).toISOString(),
      });
    }
  });

  it('nothing done while hidden moves it: the real last_seen never shows', () => {
    const later = { ...offline, lastSeen: NOW - 1000 };
    expect(view(hiddenSubject(later), 'friend', NOW).last_seen).toBe(new Date(HID_AT).toISOString());
  });

  it('viewers outside the last_seen audience see an offline user who never shared last_seen', () => {
    const v = view(hiddenSubject(online, { last_seen_visibility: 'close_friends' }), 'friend', NOW);
    expect(v).toEqual(view(subject(neverSeen), 'friend', NOW));
  });

  it('a user hidden before ever being seen shows no last_seen', () => {
    expect(view({ ...hiddenSubject(online), hiddenLastSeen: null }, 'close_friend', NOW).last_seen).toBeNull();
  });

  it('viewers who could not see the status before hiding see nothing, as after a logout (not the moment they hid)', () => {
    // Status for friends, last seen for everyone: a stranger or an acquaintance never sees a logout.
    const friendsOnly = { ...hiddenSubject(online, { last_seen_visibility: 'public' }), visibilityBeforeHidden: 'friends' as const };
    for (const presence of [online, offline]) {
      const s = { ...friendsOnly, presence };
      expect(view(s, 'public', NOW)).toEqual(view(subject(neverSeen, { status_visibility: 'friends' }), 'public', NOW));
      expect(view(s, 'friend', NOW)).toMatchObject({ status: 'offline', last_seen: new Date(HID_AT).toISOString() });
      expect(view(s, 'close_friend', NOW).last_seen).toBe(new Date(HID_AT).toISOString());
    }
    // Nor an approximate last seen.
    const approx = { ...hiddenSubject(offline, { last_seen_visibility: 'friends', last_seen_approximate_visibility: 'public' }), visibilityBeforeHidden: 'friends' as const };
    expect(view(approx, 'public', NOW)).toMatchObject({ last_seen: null, last_seen_approx: null });
    expect(view(approx, 'friend', NOW).last_seen).toBe(new Date(HID_AT).toISOString());
    // Close friends only: a friend sees nothing either.
    expect(view({ ...friendsOnly, visibilityBeforeHidden: 'close_friends' }, 'friend', NOW).last_seen).toBeNull();
    expect(view({ ...friendsOnly, visibilityBeforeHidden: 'close_friends' }, 'close_friend', NOW).last_seen).toBe(new Date(HID_AT).toISOString());
  });

  it('hiding and unhiding send a viewer outside the old status audience nothing', () => {
    const shown = subject(offline, { status_visibility: 'friends', last_seen_visibility: 'public', last_seen_approximate_visibility: 'public' });
    const hidden: Subject = { ...shown, settings: { ...shown.settings, status_visibility: 'hidden' }, hiddenLastSeen: LAST_SEEN, visibilityBeforeHidden: 'friends' };
    expect(changedTiers(shown, hidden, NOW)).not.toContain('public');
    expect(changedTiers(hidden, shown, NOW)).not.toContain('public');
  });

  it('an unknown audience before hiding (hidden before Beacon kept it) is nobody', () => {
    const unknown = { ...hiddenSubject(online), visibilityBeforeHidden: null };
    for (const tier of ['public', 'friend', 'close_friend'] as const) expect(view(unknown, tier, NOW).last_seen).toBeNull();
    expect(view({ ...unknown, visibilityBeforeHidden: undefined }, 'close_friend', NOW).last_seen).toBeNull();
  });

  it('tells only the user what others are shown meanwhile and who may see it (their privacy page previews it); hiding is a change for them', () => {
    const friendsOnly = { ...hiddenSubject(online), visibilityBeforeHidden: 'friends' as const };
    expect(view(friendsOnly, 'self', NOW)).toMatchObject({ status: 'busy', hidden_last_seen: new Date(HID_AT).toISOString(), visibility_before_hidden: 'friends' });
    expect(view({ ...friendsOnly, hiddenLastSeen: null, visibilityBeforeHidden: null }, 'self', NOW)).toMatchObject({ hidden_last_seen: null, visibility_before_hidden: null });
    for (const tier of ['public', 'friend', 'close_friend', 'admin'] as const) {
      expect(view(friendsOnly, tier, NOW)).not.toHaveProperty('hidden_last_seen');
      expect(view(friendsOnly, tier, NOW)).not.toHaveProperty('visibility_before_hidden');
    }
    // Not hidden: not in their view either.
    expect(view(subject(online), 'self', NOW)).not.toHaveProperty('hidden_last_seen');
    const shown = subject(online, { status_visibility: 'friends' });
    expect(changedTiers(shown, friendsOnly, NOW)).toContain('self');
    expect(changedTiers(friendsOnly, shown, NOW)).toContain('self');
  });

  it('self and admins still see the truth', () => {
    expect(view(hiddenSubject(online), 'self', NOW)).toMatchObject({ status: 'busy', custom_message: 'deep work' });
    expect(view(hiddenSubject(online), 'admin', NOW)).toMatchObject({ status: 'busy', custom_message: 'deep work' });
  });
});

describe('after unhiding: nothing from while hidden shows', () => {
  const STARTED = NOW - 600_000;
  const UNHID = NOW - 120_000;
  const chatting: PresenceState = { ...online, activitySince: STARTED };

  it('others see no activity_since before the unhiding (to the minute); self and admins see when it started', () => {
    const s = subject({ ...chatting, shownSince: UNHID }, { activity_visibility: 'public' });
    for (const tier of ['public', 'friend', 'close_friend'] as const) expect(view(s, tier, NOW).activity_since).toBe(new Date(UNHID - (UNHID % 60_000)).toISOString());
    expect(view(s, 'self', NOW).activity_since).toBe(new Date(STARTED).toISOString());
    expect(view(s, 'admin', NOW).activity_since).toBe(new Date(STARTED).toISOString());
    // An activity started after the unhiding shows its own start.
    expect(view({ ...s, presence: { ...s.presence, activitySince: NOW } }, 'friend', NOW).activity_since).toBe(new Date(NOW).toISOString());
  });

  it('history records the status the status audience sees: hidden is offline', () => {
    expect(historyStatus(subject(online, { status_visibility: 'close_friends' }), NOW)).toBe('busy');
    expect(historyStatus(subject(online, { status_visibility: 'hidden' }), NOW)).toBe('offline');
    expect(historyStatus(subject(offline), NOW)).toBe('offline');
  });
});

describe('view: activity details and since follow the activity audience', () => {
  const playing: PresenceState = { ...online, status: 'in_game', activity: 'playing_pong', activityDetails: { opponent: 'bob', score: '3-2' }, activitySince: NOW - 720_000 };
  it.each(TIERS)('a %s viewer sees them exactly when it sees the activity', (tier) => {
    const v = view(subject(playing, { activity_visibility: 'close_friends' }), tier, NOW);
    const shown = ALLOWED.close_friends.includes(tier);
    expect(v.activity_details).toEqual(shown ? { opponent: 'bob', score: '3-2' } : null);
    expect(v.activity_since).toBe(shown ? new Date(NOW - 720_000).toISOString() : null);
  });

  it('a change of details alone is a change for those who see the activity only', () => {
    const later = { ...playing, activityDetails: { opponent: 'bob', score: '4-2' } };
    expect(changedTiers(subject(playing, { activity_visibility: 'close_friends' }), subject(later, { activity_visibility: 'close_friends' }), NOW)).toEqual([
      'close_friend',
      'self',
      'admin',
    ]);
  });
});

describe('view() precision of last_seen (finding: millisecond last_seen)', () => {
  const exact = LAST_SEEN + 42_123; // 42.123 s past a minute
  const seen: PresenceState = { ...offline, lastSeen: exact };

  it.each(['public', 'friend', 'close_friend'] as const)('shows %s viewers last_seen floored to the minute', (tier) => {
    expect(view(subject(seen, { status_visibility: 'public', last_seen_visibility: 'public' }), tier, NOW).last_seen).toBe(new Date(LAST_SEEN).toISOString());
  });

  it.each(['self', 'admin'] as const)('shows %s the exact last_seen', (tier) => {
    expect(view(subject(seen), tier, NOW).last_seen).toBe(new Date(exact).toISOString());
  });

  it('shows others activity_since to the minute, self and admins exactly', () => {
    const since = NOW - 720_000 + 17_250;
    const playing: PresenceState = { ...online, status: 'in_game', activity: 'playing_pong', activityDetails: null, activitySince: since };
    const s = subject(playing, { status_visibility: 'public', activity_visibility: 'public' });
    for (const tier of ['public', 'friend', 'close_friend'] as const) expect(view(s, tier, NOW).activity_since).toBe(new Date(NOW - 720_000).toISOString());
    for (const tier of ['self', 'admin'] as const) expect(view(s, tier, NOW).activity_since).toBe(new Date(since).toISOString());
  });
});

describe('view: approximate last seen', () => {
  const DAY = 86_400_000;
  // A last seen at 23:59 UTC, and views made at later moments.
  const seenAt = Date.UTC(2026, 0, 10, 23, 59);
  const gone: PresenceState = { ...offline, lastSeen: seenAt };
  const approx = (tier: ViewerTier, now: number, over: Partial<Settings> = {}) =>
    view(subject(gone, { last_seen_visibility: 'close_friends', last_seen_approximate_visibility: 'friends', ...over }), tier, now);

  it('the exact audience sees the moment; the approximate audience sees only a bucket; others nothing', () => {
    expect(approx('close_friend', seenAt + 1000)).toMatchObject({ last_seen: new Date(seenAt).toISOString(), last_seen_approx: null });
    expect(approx('friend', seenAt + 1000)).toMatchObject({ last_seen: null, last_seen_approx: 'recently' });
    expect(approx('public', seenAt + 1000)).toMatchObject({ last_seen: null, last_seen_approx: null });
  });

  it.each([
    [0, 'recently'],
    [2, 'recently'],
    [3, 'within_week'],
    [6, 'within_week'],
    [7, 'within_month'],
    [29, 'within_month'],
    [30, 'long_ago'],
    [400, 'long_ago'],
  ] as const)('%i whole UTC days later is %s, from the first to the last minute of that day', (days, bucket) => {
    const dayStart = Date.UTC(2026, 0, 11 + days - 1);
    const day = days === 0 ? seenAt : dayStart;
    expect(approx('friend', day).last_seen_approx).toBe(bucket);
    expect(approx('friend', (days === 0 ? Date.UTC(2026, 0, 11) : dayStart + DAY) - 1).last_seen_approx).toBe(bucket);
  });

  it('never lets the bucket reveal the moment: two users seen at different times of one day always show the same bucket', () => {
    const early = { ...offline, lastSeen: Date.UTC(2026, 0, 10, 0, 1) };
    for (let now = seenAt; now < seenAt + 40 * DAY; now += 3_600_000) {
      const a = view(subject(early, { last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'public' }), 'public', now).last_seen_approx;
      const b = view(subject(gone, { last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'public' }), 'public', now).last_seen_approx;
      expect(a).toBe(b);
    }
  });

  it('a hidden user shows the approximate audience the bucket of the moment they hid', () => {
    const hidden = { ...subject(online, { status_visibility: 'hidden', last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'friends' }), hiddenLastSeen: seenAt, visibilityBeforeHidden: 'friends' as const };
    expect(view(hidden, 'friend', seenAt + 4 * DAY)).toMatchObject({ status: 'offline', last_seen: null, last_seen_approx: 'within_week' });
  });
});
