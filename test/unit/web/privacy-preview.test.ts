import { describe, expect, it } from 'vitest';
import type { Settings, View } from '../../../src/protocol/index.js';
import { view } from '../../../src/server/presence/privacy.js';
import type { Subject, ViewerTier as ServerTier } from '../../../src/server/presence/types.js';
import { asOffline, explainSettings, previewView, type ViewerTier } from '../../../src/web/lib/privacy-preview.js';

const me: View = {
  user_id: 1,
  username: 'alice',
  display_name: 'Alice',
  status: 'busy',
  activity: 'chatting',
  custom_message: 'deep in a tournament',
  last_seen: '2024-06-15T14:00:00.000Z',
  timestamp: '2024-06-15T14:30:00.000Z',
  activity_details: null,
  activity_since: null,
  last_seen_approx: null,
};
const defaults: Settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'friends',
  custom_message_visibility: 'friends',
};

describe('previewView', () => {
  it('shows friends everything under the default settings (last seen only describes offline users)', () => {
    expect(previewView(me, defaults, 'friend')).toEqual({ ...me, last_seen: null });
  });

  it("keeps a calendar event's end, so your own card says it in your zone as friends' cards do", () => {
    const meeting = { ...me, custom_message: 'In a meeting until 15:00 UTC+1', busy_until: '2024-06-15T14:00:00.000Z', busy_label: 'In a meeting' };
    expect(previewView(meeting, defaults, 'friend')).toMatchObject({ busy_until: meeting.busy_until, busy_label: 'In a meeting' });
    // Only with the message: a viewer who may not see the message gets neither.
    const hidden = previewView(meeting, { ...defaults, custom_message_visibility: 'close_friends' }, 'friend');
    expect(hidden.custom_message).toBeNull();
    expect(hidden).not.toHaveProperty('busy_until');
  });

  it('shows last seen, but no stale message, once the user is offline', () => {
    const offline = asOffline(me, new Date('2024-06-15T15:00:00.000Z'));
    expect(previewView(offline, defaults, 'friend')).toMatchObject({
      status: 'offline',
      activity: null,
      custom_message: null,
      last_seen: me.last_seen,
    });
    expect(previewView(offline, { ...defaults, last_seen_visibility: 'close_friends' }, 'friend').last_seen).toBeNull();
    expect(previewView(offline, defaults, 'self').custom_message).toBe(me.custom_message);
  });

  it('shows a stranger (and an acquaintance) nothing but "offline" when the status is for friends', () => {
    const hidden = { ...me, status: 'offline', activity: null, custom_message: null, last_seen: null };
    expect(previewView(me, defaults, 'stranger')).toEqual(hidden);
    expect(previewView(me, defaults, 'acquaintance')).toEqual(hidden);
  });

  it('hides everything from everyone but yourself when the status is hidden', () => {
    const s: Settings = { ...defaults, status_visibility: 'hidden', activity_visibility: 'public' };
    expect(previewView(me, s, 'close_friend').status).toBe('offline');
    expect(previewView(me, s, 'close_friend').activity).toBeNull();
    // Your own view also says what others are shown meanwhile (here: a card that carries none of it).
    expect(previewView(me, s, 'self')).toEqual({ ...me, last_seen: null, custom_message_expires_at: null, manual_status: 'online', hidden_last_seen: null, visibility_before_hidden: null });
    // Your own view keeps when your message clears; nobody else's view has the field.
    const expiring = { ...me, custom_message_expires_at: '2024-06-15T15:00:00.000Z' };
    expect(previewView(expiring, s, 'self').custom_message_expires_at).toBe('2024-06-15T15:00:00.000Z');
    expect(previewView(expiring, defaults, 'close_friend')).not.toHaveProperty('custom_message_expires_at');
  });

  describe('while hidden, shows each viewer what the server sends them', () => {
    const NOW = Date.parse(me.timestamp);
    const HID_AT = NOW - 20 * 60_000 + 12_345;
    const TIERS: Array<[ViewerTier, ServerTier]> = [
      ['stranger', 'public'],
      ['acquaintance', 'public'],
      ['friend', 'friend'],
      ['close_friend', 'close_friend'],
    ];
    /** Alice hid at HID_AT with her status for friends, her last seen for everyone; `over` changes that. */
    const hiddenAlice = (over: Partial<Subject> = {}, settings: Partial<Settings> = {}): Subject => ({
      id: me.user_id,
      username: me.username,
      displayName: me.display_name,
      settings: { ...defaults, status_visibility: 'hidden', last_seen_visibility: 'public', ...settings },
      presence: { status: 'busy', activity: 'chatting', activityDetails: null, activitySince: null, manualStatus: 'busy', customMessage: 'deep in a tournament', customMessageExpiresAt: null, lastSeen: null, lastActivity: NOW },
      hiddenLastSeen: HID_AT,
      visibilityBeforeHidden: 'friends',
      ...over,
    });
    /** Her card as the privacy page has it: her own view, as the server sends it to her. */
    const ownCard = (s: Subject) => view(s, 'self', NOW);
    const without = ({ timestamp: _t, ...v }: View) => v;

    it.each([
      ['her status for friends: strangers and acquaintances see nothing, friends the moment she hid', {}, {}],
      ['her status for close friends: only they see it', { visibilityBeforeHidden: 'close_friends' as const }, {}],
      ['her status public: everyone sees it', { visibilityBeforeHidden: 'public' as const }, {}],
      ['no audience known: nobody sees it', { visibilityBeforeHidden: null }, {}],
      ['an approximate last seen for everyone: still only friends see anything', {}, { last_seen_visibility: 'friends' as const, last_seen_approximate_visibility: 'public' as const }],
      ['hidden before ever being seen: nobody sees a last seen', { hiddenLastSeen: null }, {}],
    ])('%s', (_name, over: Partial<Subject>, settings: Partial<Settings>) => {
      const alice = hiddenAlice(over, settings);
      for (const [tier, serverTier] of TIERS) {
        expect(without(previewView(ownCard(alice), alice.settings, tier))).toEqual(without(view(alice, serverTier, NOW)));
        // The "after you go offline" card alike: hidden, going offline changes nothing others see.
        expect(without(previewView(asOffline(ownCard(alice), new Date(NOW)), alice.settings, tier))).toEqual(without(view(alice, serverTier, NOW)));
      }
    });

    it('the audit case: a stranger sees no last seen, a friend sees the moment she hid (to the minute)', () => {
      const alice = hiddenAlice();
      expect(previewView(ownCard(alice), alice.settings, 'stranger')).toMatchObject({ status: 'offline', last_seen: null, last_seen_approx: null });
      expect(previewView(ownCard(alice), alice.settings, 'acquaintance')).toMatchObject({ status: 'offline', last_seen: null, last_seen_approx: null });
      expect(previewView(ownCard(alice), alice.settings, 'friend')).toMatchObject({ status: 'offline', last_seen: new Date(HID_AT - (HID_AT % 60_000)).toISOString() });
    });
  });

  it('hides single fields by audience while the status stays visible', () => {
    const s: Settings = { ...defaults, activity_visibility: 'close_friends', custom_message_visibility: 'nobody' };
    const friend = previewView(me, s, 'friend');
    expect(friend.status).toBe('busy');
    expect(friend.activity).toBeNull();
    expect(friend.custom_message).toBeNull();
    const close = previewView(me, s, 'close_friend');
    expect(close.activity).toBe('chatting');
    expect(close.custom_message).toBeNull();
  });

  it('lets strangers see public fields only when the status itself is public', () => {
    const s: Settings = { ...defaults, status_visibility: 'public', activity_visibility: 'public' };
    expect(previewView(me, s, 'stranger')).toMatchObject({ status: 'busy', activity: 'chatting', custom_message: null });
  });

  it('never shows an activity for an offline user', () => {
    expect(previewView({ ...me, status: 'offline' }, defaults, 'friend').activity).toBeNull();
  });
});

describe('explainSettings', () => {
  it('explains hidden in one sentence', () => {
    expect(explainSettings({ ...defaults, status_visibility: 'hidden' })).toHaveLength(1);
  });

  it('while hidden, names as seeing the moment you hid only those who could see your status then', () => {
    const hidden: Settings = { ...defaults, status_visibility: 'hidden', last_seen_visibility: 'public' };
    expect(explainSettings(hidden, 'friends')[0]).toMatch(/Your friends \(except those you marked as acquaintances\) see the moment you hid/);
    expect(explainSettings(hidden, 'public')[0]).toMatch(/Everyone, including people who are not your friends, see the moment you hid/);
    expect(explainSettings({ ...hidden, last_seen_visibility: 'close_friends' }, 'public')[0]).toMatch(/Only the friends you marked as close friends see the moment you hid/);
    // Not known: nobody.
    expect(explainSettings(hidden, null)[0]).not.toMatch(/moment you hid/);
  });

  it('names fields that share an audience together, one sentence per audience', () => {
    const lines = explainSettings({ ...defaults, last_seen_visibility: 'nobody' });
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/can see what you are doing \(like “Playing Pong”\) and your custom message \(if they/);
    expect(lines[2]).toBe('Nobody can see when you were last online.');
  });
});
