/**
 * What `@beacon-presence/client` (and `beacon-client.js`, built from the same entry) exports at
 * run time: the public API the docs name. A name missing here is a documented helper a host
 * cannot import; a new one is a public API to document.
 */
import { describe, expect, it } from 'vitest';
import * as sdk from '../../../src/client/index.js';
import { view } from './fake-server.js';

describe('the SDK entry point', () => {
  it('exports the documented values, and only those', () => {
    expect(Object.keys(sdk).sort()).toEqual([
      'ApiClient',
      'ApiError',
      'DEFAULT_BACKOFF',
      'INPUT_EVENTS',
      'PreconditionFailedError',
      'PresenceClient',
      'ServerClock',
      'busyEnd',
      'compareViews',
      'customMessageText',
      'goingAwayDelay',
      'normalizeBaseUrl',
      'rateLimitedDelay',
      'reconnectDelay',
      'richPresence',
      'sortViews',
      'statusSocketUrl',
    ]);
  });

  it('richPresence (docs/protocol.md §8 "Rich presence in the SDK") reads a game view for display', () => {
    const game = view(2, 'amy', 'in_game', {
      activity: 'playing_pong',
      activity_details: { opponent: 'bob', score: '3-2', mode: 'Ranked' },
      activity_since: '2024-01-15T14:18:00.000Z',
    });
    expect(sdk.richPresence(game)).toEqual({ opponent: 'bob', score: '3-2', mode: 'Ranked', since: new Date('2024-01-15T14:18:00.000Z') });
  });
});
