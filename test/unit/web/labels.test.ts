import { describe, expect, it } from 'vitest';
import type { View } from '../../../src/protocol/index.js';
import { ACTIVITIES, STATUSES } from '../../../src/protocol/enums.js';
import { ACTIVITY_LABEL, STATUS_LABEL, STATUS_SHORT, describeActivity } from '../../../src/web/lib/labels.js';
import { announceChange, onlineCount, visibleFriends } from '../../../src/web/lib/status-order.js';
import { errorMessage, validateSignup } from '../../../src/web/lib/error-messages.js';
import { expiresAt } from '../../../src/web/lib/expiry.js';

const view = (id: number, status: View['status']): View => ({
  user_id: id,
  username: `u${id}`,
  display_name: `User ${id}`,
  status,
  activity: null,
  custom_message: null,
  last_seen: null,
  timestamp: '2024-06-15T14:30:00.000Z',
});

describe('labels', () => {
  it('has words for every status and activity of the protocol', () => {
    for (const s of STATUSES) expect(STATUS_LABEL[s]).toBeTruthy();
    for (const a of ACTIVITIES) expect(ACTIVITY_LABEL[a]).toBeTruthy();
  });

  it('uses the seed wording for activities and Do Not Disturb', () => {
    expect(ACTIVITY_LABEL.playing_pong).toBe('Playing Pong');
    expect(ACTIVITY_LABEL.in_tournament).toBe('In Tournament');
    expect(STATUS_LABEL.busy).toBe('Busy — Do Not Disturb');
  });

  it('describes offline friends as offline whatever activity leaks through', () => {
    expect(describeActivity('offline', 'chatting')).toBe('Offline');
    expect(describeActivity('in_game', 'in_tournament')).toBe('In Tournament');
    expect(describeActivity('away', null)).toBe('Away');
  });
});

describe('friend list helpers', () => {
  const list = [view(1, 'online'), view(2, 'busy'), view(3, 'offline')];

  it('keeps the SDK order and drops offline friends only when asked', () => {
    expect(visibleFriends(list, false).map((v) => v.user_id)).toEqual([1, 2, 3]);
    expect(visibleFriends(list, true).map((v) => v.user_id)).toEqual([1, 2]);
    expect(onlineCount(list)).toBe(2);
  });

  it('announces status changes, not timestamp-only updates', () => {
    expect(announceChange(view(1, 'away'), view(1, 'online'), STATUS_SHORT)).toBe('User 1 (@u1) is now away');
    expect(announceChange(view(1, 'online'), view(1, 'online'), STATUS_SHORT)).toBeNull();
  });

  it('says nothing when only the activity changed: "is now online" of a friend who already was would be false', () => {
    const browsing = { ...view(1, 'online'), activity: 'browsing' as const };
    for (const activity of ['chatting', 'managing_profile', 'watching_match', null] as const) {
      expect(announceChange({ ...browsing, activity }, browsing, STATUS_SHORT)).toBeNull();
    }
    expect(announceChange({ ...view(1, 'in_game'), activity: 'in_tournament' }, { ...view(1, 'in_game'), activity: 'playing_pong' }, STATUS_SHORT)).toBeNull();
    // A status change with it is said, as before.
    expect(announceChange({ ...view(1, 'in_game'), activity: 'playing_pong' }, browsing, STATUS_SHORT)).toBe('User 1 (@u1) is now in game');
  });

  it('tells apart two friends with the same display name by their @username', () => {
    const bo = { ...view(1, 'away'), display_name: 'Bo' };
    const lookalike = { ...view(2, 'away'), display_name: 'Bo' };
    expect(announceChange(bo, undefined, STATUS_SHORT)).toBe('Bo (@u1) is now away');
    expect(announceChange(lookalike, undefined, STATUS_SHORT)).toBe('Bo (@u2) is now away');
  });

  it('says the name once when the username is the display name (host modes), not "Bob B. (@Bob B.)"', () => {
    const hosted = { ...view(3, 'busy'), username: 'Bob B.', display_name: 'Bob B.' };
    expect(announceChange(hosted, view(3, 'online'), STATUS_SHORT)).toBe('Bob B. is now busy');
  });
});

describe('error messages', () => {
  const coded = (code: string): Error => Object.assign(new Error('x'), { code, status: 400 });

  it('speaks plainly about known codes and lets screens override wording', () => {
    expect(errorMessage(coded('INVALID_CREDENTIALS'))).toBe('Wrong username or password.');
    expect(errorMessage(coded('CONFLICT'), { CONFLICT: 'That username is taken.' })).toBe('That username is taken.');
    expect(errorMessage(new Error('boom'))).toMatch(/went wrong/);
  });

  it('checks sign-up fields like the contract does', () => {
    expect(validateSignup('ab', 'password1')).toMatch(/3 to 20/);
    expect(validateSignup('alice_1', 'short')).toMatch(/8 to 128/);
    expect(validateSignup('alice_1', 'long enough')).toBeNull();
  });
});

describe('clear-after presets', () => {
  const now = new Date(2024, 5, 15, 14, 30);

  it('maps presets to expiry times', () => {
    expect(expiresAt('never', now)).toBeNull();
    expect(expiresAt('30m', now)).toBe(new Date(2024, 5, 15, 15, 0).toISOString());
    expect(expiresAt('4h', now)).toBe(new Date(2024, 5, 15, 18, 30).toISOString());
    expect(expiresAt('today', now)).toBe(new Date(2024, 5, 15, 23, 59, 59, 999).toISOString());
  });
});
