import { describe, expect, it } from 'vitest';
import type { Audience, Settings, StatusVisibility } from '../../../src/protocol/index.js';
import { canSeePattern } from '../../../src/server/presence/privacy.js';
import type { ViewerTier } from '../../../src/server/presence/types.js';

const TIERS: ViewerTier[] = ['public', 'friend', 'close_friend', 'self', 'admin'];
const base: Settings = { status_visibility: 'public', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' };
const who = (s: Settings) => TIERS.filter((t) => canSeePattern(s, t));

describe('pattern visibility', () => {
  it('is nobody (but the user and admins) by default', () => {
    expect(who(base)).toEqual(['self', 'admin']);
  });

  it.each<[Audience, ViewerTier[]]>([
    ['public', TIERS],
    ['friends', ['friend', 'close_friend', 'self', 'admin']],
    ['close_friends', ['close_friend', 'self', 'admin']],
    ['nobody', ['self', 'admin']],
  ])('follows its audience %s like every other field', (audience, tiers) => {
    expect(who({ ...base, pattern_visibility: audience })).toEqual(tiers);
  });

  it.each<[StatusVisibility, ViewerTier[]]>([
    ['friends', ['friend', 'close_friend', 'self', 'admin']],
    ['close_friends', ['close_friend', 'self', 'admin']],
    ['hidden', ['self', 'admin']],
  ])('is never shown where the status is not (status %s, pattern public)', (status, tiers) => {
    expect(who({ ...base, status_visibility: status, pattern_visibility: 'public' })).toEqual(tiers);
  });

  it.each<[StatusVisibility | null, ViewerTier[]]>([
    ['public', TIERS],
    ['friends', ['friend', 'close_friend', 'self', 'admin']],
    ['close_friends', ['close_friend', 'self', 'admin']],
    [null, ['self', 'admin']],
  ])('while hidden, keeps the status audience of the moment the user hid (%s), as after a logout', (before, tiers) => {
    const hidden: Settings = { ...base, status_visibility: 'hidden', pattern_visibility: 'public' };
    expect(TIERS.filter((t) => canSeePattern(hidden, t, before))).toEqual(tiers);
    // Not hidden: the remembered audience plays no part.
    expect(TIERS.filter((t) => canSeePattern({ ...hidden, status_visibility: 'close_friends' }, t, before))).toEqual(['close_friend', 'self', 'admin']);
  });
});
