/**
 * A connected client whose REST refetch after a `seq` gap waits until the test answers it: for
 * the tests of what the client says from the gap until that refetch applies.
 */
import { vi } from 'vitest';
import { harness, ME, view } from './fake-server.js';
import type { View } from '../../../src/protocol/index.js';

export const amy = view(2, 'amy', 'online');
export const FRIENDS = 'GET /api/v1/users/me/friends/status?reconnect=1';
export const SELF = 'GET /api/v1/users/1/status';
export const FAIL = { status: 500, body: { code: 'INTERNAL_ERROR', message: 'boom' } };

/** A connected client whose friends refetches each wait until the test answers them (`answer()`, oldest first). */
export function slowResync() {
  const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
  const held: Array<(friends: View[] | null) => void> = [];
  h.fetch.route(FRIENDS, () => new Promise((resolve) => held.push((friends) => resolve(friends ? { status: 200, body: friends } : FAIL))));
  h.fetch.route(SELF, { status: 200, body: ME });
  h.client.start();
  const ws = h.connect([amy]);
  return {
    h,
    ws,
    held,
    /** Answers the oldest refetch waiting (null: a 500), and lets the client apply it. */
    async answer(friends: View[] | null): Promise<void> {
      const next = held.shift();
      if (!next) throw new Error('no refetch waiting');
      next(friends);
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}
