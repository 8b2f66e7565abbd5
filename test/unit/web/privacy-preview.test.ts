import { describe, expect, it } from 'vitest';
import type { Settings, View } from '../../../src/protocol/index.js';
import { asOffline, explainSettings, previewView } from '../../../src/web/lib/privacy-preview.js';

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
    expect(previewView(me, s, 'self')).toEqual({ ...me, last_seen: null, custom_message_expires_at: null, manual_status: 'online' });
    // Your own view keeps when your message clears; nobody else's view has the field.
    const expiring = { ...me, custom_message_expires_at: '2024-06-15T15:00:00.000Z' };
    expect(previewView(expiring, s, 'self').custom_message_expires_at).toBe('2024-06-15T15:00:00.000Z');
    expect(previewView(expiring, defaults, 'close_friend')).not.toHaveProperty('custom_message_expires_at');
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

  it('names fields that share an audience together, one sentence per audience', () => {
    const lines = explainSettings({ ...defaults, last_seen_visibility: 'nobody' });
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/can see what you are doing \(like “Playing Pong”\) and your custom message \(if they/);
    expect(lines[2]).toBe('Nobody can see when you were last online.');
  });
});
