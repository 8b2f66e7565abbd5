/**
 * A "world" for the property-based privacy test: a friend graph with one-sided categories,
 * settings and presence for a small pool of users (the last one an admin). A world is a
 * TARGET: WorldRunner moves the running app from whatever state it is in to that world
 * through the public API and sockets, then reads every output channel and compares it with
 * reference-model.ts. Worlds follow one another on the same app, so state left by earlier
 * worlds (last_seen, hidden moments, open sockets) is part of what is checked.
 */
import fc from 'fast-check';
import type { Category, ModelSettings } from './reference-model.js';

export const POOL = 4;
export const PAIRS: ReadonlyArray<readonly [number, number]> = Array.from({ length: POOL }, (_, a) =>
  Array.from({ length: POOL - a - 1 }, (_, k) => [a, a + k + 1] as const),
).flat();

export interface PresencePlan {
  online: boolean;
  manual: 'online' | 'away' | 'busy';
  message: string | null;
  activity: 'browsing' | 'chatting' | 'playing_pong' | 'watching_match' | null;
  details: Record<string, string> | null;
}

export interface World {
  /** Per pair (PAIRS order): null = not friends, else the category each side gives the other. */
  pairs: Array<{ ab: Category; ba: Category } | null>;
  settings: ModelSettings[];
  presence: PresencePlan[];
}

const audience = fc.constantFrom('public', 'friends', 'close_friends', 'nobody' as const);
const category = fc.constantFrom('close_friend', 'friend', 'acquaintance' as const);

export const worldArb: fc.Arbitrary<World> = fc.record({
  pairs: fc.array(fc.option(fc.record({ ab: category, ba: category }), { nil: null, freq: 3 }), { minLength: PAIRS.length, maxLength: PAIRS.length }),
  settings: fc.array(
    fc.record({
      status_visibility: fc.constantFrom('public', 'friends', 'close_friends', 'hidden' as const),
      activity_visibility: audience,
      last_seen_visibility: audience,
      custom_message_visibility: audience,
    }),
    { minLength: POOL, maxLength: POOL },
  ),
  presence: fc.array(
    fc.record({
      online: fc.boolean(),
      manual: fc.constantFrom('online', 'away', 'busy' as const),
      message: fc.option(fc.constantFrom('brb', 'gg wp', 'secret plans'), { nil: null }),
      activity: fc.option(fc.constantFrom('browsing', 'chatting', 'playing_pong', 'watching_match' as const), { nil: null }),
      details: fc.option(fc.constantFrom({ map: 'classic' }, { opponent: 'pw_1', score: '3-2' }), { nil: null }),
    }),
    { minLength: POOL, maxLength: POOL },
  ),
}) as fc.Arbitrary<World>;
