/**
 * What the "Still there?" dialog says about who sees the user: what the server's view() gives
 * each kind of viewer under the user's settings (never "your friends" when only close friends
 * see it, never "away" while the user appears offline), and nothing about what friends see while
 * the connection is down (the header's rule: statusUnavailable).
 */
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/protocol/index.js';
import { stillThereText, type StillTherePhase } from '../../../src/web/lib/still-there-words.js';
import type { ConnectionFacts } from '../../../src/web/lib/status-unavailable.js';

const defaults: Settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'friends',
  custom_message_visibility: 'friends',
};
const live: ConnectionFacts = { state: 'connected', stopReason: null };
const say = (phase: StillTherePhase, patch: Partial<Settings> | null, connection: ConnectionFacts | null = live): string =>
  stillThereText(phase, patch === null ? null : { ...defaults, ...patch }, connection);
const FRIENDS = 'Your friends (except those you marked as acquaintances)';

describe('stillThereText', () => {
  it('names friends (not acquaintances) with the default settings, in each phase', () => {
    expect(say('soon', {})).toBe(`You have been inactive for a while. ${FRIENDS} will soon see you as away.`);
    expect(say('away', {})).toBe(`You have been inactive for a while. ${FRIENDS} now see you as away.`);
    expect(say('back', {})).toBe(`Welcome back. ${FRIENDS} see you online again.`);
    expect(say('still', {})).toBe(`Welcome back. ${FRIENDS} still see you online.`);
  });

  it('never says anyone sees a hidden user away or online: everyone keeps seeing them offline', () => {
    const hidden = 'You appear offline, so everyone keeps seeing you as offline.';
    expect(say('soon', { status_visibility: 'hidden' })).toBe(`You have been inactive for a while. You will soon be away. ${hidden}`);
    expect(say('away', { status_visibility: 'hidden' })).toBe(`You have been inactive for a while. You are now away. ${hidden}`);
    expect(say('back', { status_visibility: 'hidden' })).toBe(`Welcome back. You are online again. ${hidden}`);
    expect(say('still', { status_visibility: 'hidden' })).toBe(`Welcome back. You are still online. ${hidden}`);
    for (const phase of ['soon', 'away', 'back', 'still'] as const) {
      expect(say(phase, { status_visibility: 'hidden' })).not.toMatch(/friends|see(s)? you (as away|online)/i);
    }
  });

  it('names close friends only, and says other friends see offline, when the status is for close friends', () => {
    expect(say('soon', { status_visibility: 'close_friends' })).toBe(
      'You have been inactive for a while. Your close friends will soon see you as away. Other friends see you offline.',
    );
    expect(say('still', { status_visibility: 'close_friends' })).toBe('Welcome back. Your close friends still see you online. Other friends see you offline.');
  });

  it('says everyone (one subject, "sees") when the status is public', () => {
    expect(say('away', { status_visibility: 'public' })).toBe('You have been inactive for a while. Everyone, including people who are not your friends, now sees you as away.');
    expect(say('back', { status_visibility: 'public' })).toBe('Welcome back. Everyone, including people who are not your friends, sees you online again.');
  });

  it('claims nothing about others before the settings are known', () => {
    expect(say('soon', null)).toBe('You have been inactive for a while. You will soon be away.');
    expect(say('back', null)).toBe('Welcome back. You are online again.');
  });

  it('while not connected, says why in the header menu\'s words and that friends may already see offline', () => {
    const offline: ConnectionFacts = { state: 'offline', stopReason: null };
    expect(say('back', {}, offline)).toBe('Welcome back. Status unavailable (offline). Friends may already see you as offline.');
    expect(say('soon', {}, { state: 'reconnecting', stopReason: null })).toBe(
      'You have been inactive for a while. Reconnecting… Friends may already see you as offline.',
    );
    expect(say('still', {}, null)).toBe('Welcome back. Status unavailable (not connected). Friends may already see you as offline.');
    // Hidden: offline either way, and certainly so.
    expect(say('back', { status_visibility: 'hidden' }, offline)).toBe(
      'Welcome back. Status unavailable (offline). You appear offline, so everyone keeps seeing you as offline.',
    );
    for (const phase of ['soon', 'away', 'back', 'still'] as const) {
      expect(say(phase, {}, offline)).not.toMatch(/see(s)? you (as away|online)/);
    }
  });

  it('polling is connected enough: what friends see holds', () => {
    expect(say('still', {}, { state: 'polling', stopReason: null })).toBe(`Welcome back. ${FRIENDS} still see you online.`);
  });
});
