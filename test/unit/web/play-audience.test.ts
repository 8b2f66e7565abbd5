/**
 * What the Play page says about who sees "Playing Pong": what the server's view() gives each
 * kind of viewer under the user's settings, never a blanket "friends see you playing".
 */
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/protocol/index.js';
import { whoSeesYouPlay } from '../../../src/web/lib/own-presence.js';

const defaults: Settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'friends',
  custom_message_visibility: 'friends',
};
const say = (patch: Partial<Settings>): string => whoSeesYouPlay({ ...defaults, ...patch });

describe('whoSeesYouPlay', () => {
  it('claims nothing before the settings are known', () => {
    expect(whoSeesYouPlay(null)).toBe('Whether friends see you as “Playing Pong” depends on your privacy settings.');
  });

  it('says friends see "Playing Pong" with the default settings, acquaintances offline', () => {
    expect(say({})).toBe('Your friends (except those you marked as acquaintances) see you as “Playing Pong”. Acquaintances and everyone else see you offline.');
  });

  it('says nobody sees the match while the status is hidden, whatever the activity audience', () => {
    for (const activity_visibility of ['public', 'friends', 'close_friends', 'nobody'] as const) {
      expect(say({ status_visibility: 'hidden', activity_visibility })).toBe('Nobody sees that you are playing: you appear offline to everyone.');
    }
  });

  it('says plain friends see only "In game" when the activity is for close friends', () => {
    expect(say({ activity_visibility: 'close_friends' })).toBe(
      'Your close friends see you as “Playing Pong”. Other friends see only “In game”, not what you play. Acquaintances and everyone else see you offline.',
    );
  });

  it('says nobody sees the game itself when the activity is for nobody', () => {
    expect(say({ activity_visibility: 'nobody' })).toBe(
      'Your friends (except those you marked as acquaintances) see only “In game”, not what you play. Acquaintances and everyone else see you offline.',
    );
    expect(say({ activity_visibility: 'nobody' })).not.toContain('“Playing Pong”');
  });

  it('names close friends only when the status itself is for close friends', () => {
    expect(say({ status_visibility: 'close_friends' })).toBe('Your close friends see you as “Playing Pong”. Other friends see you offline.');
    expect(say({ status_visibility: 'close_friends', activity_visibility: 'nobody' })).toBe(
      'Your close friends see only “In game”, not what you play. Other friends see you offline.',
    );
  });

  it('says everyone sees it when both are public, and "everyone else" sees "In game" past the activity audience', () => {
    expect(say({ status_visibility: 'public', activity_visibility: 'public' })).toBe('Everyone, including people who are not your friends, sees you as “Playing Pong”.');
    expect(say({ status_visibility: 'public', activity_visibility: 'friends' })).toBe(
      'Your friends (except those you marked as acquaintances) see you as “Playing Pong”. Everyone else sees only “In game”, not what you play.',
    );
  });
});
