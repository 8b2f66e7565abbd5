/**
 * `catchingUp`: the client says `reconnecting` from a `seq` gap until its refetch applies, while
 * its socket stays open (the server counts the user online, friends see them online). UIs must
 * not word that as a lost connection, so the client says which `reconnecting` it is, and a
 * `state` event fires whenever that flips, even when the state itself stays `reconnecting`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, useFakeClock, view } from './fake-server.js';
import type { View } from '../../../src/protocol/index.js';

const amy = view(2, 'amy', 'online');
const FRIENDS = 'GET /api/v1/users/me/friends/status?reconnect=1';
const SELF = 'GET /api/v1/users/1/status';
const FAIL = { status: 500, body: { code: 'INTERNAL_ERROR', message: 'boom' } };

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

/** A connected client whose friends refetches wait until the test answers them (null: a 500). */
function heldResync() {
  const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
  const held: Array<(friends: View[] | null) => void> = [];
  h.fetch.route(FRIENDS, () => new Promise((resolve) => held.push((friends) => resolve(friends ? { status: 200, body: friends } : FAIL))));
  h.fetch.route(SELF, { status: 200, body: ME });
  h.client.start();
  const ws = h.connect([amy]);
  const answer = async (friends: View[] | null): Promise<void> => {
    const next = held.shift();
    if (!next) throw new Error('no refetch waiting');
    next(friends);
    await vi.advanceTimersByTimeAsync(0);
  };
  /** Each `state` event from now on, with `catchingUp` as it was when the event fired. */
  const seen: Array<[string, boolean]> = [];
  h.client.on('state', (s) => seen.push([s, h.client.catchingUp]));
  return { h, ws, held, answer, seen };
}

describe('PresenceClient.catchingUp', () => {
  it('is false while connected and before start', () => {
    const h = harness();
    expect(h.client.catchingUp).toBe(false);
    h.client.start();
    expect(h.client.catchingUp).toBe(false);
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
    expect(h.client.catchingUp).toBe(false);
    h.client.stop();
  });

  it('is true from a seq gap until its refetch applies, the socket open; state events say each flip', async () => {
    const { h, ws, held, answer, seen } = heldResync();
    ws.receive({ seq: 5, type: 'are_you_there' }); // seq 1 to 4 were lost
    expect(h.client.state).toBe('reconnecting');
    expect(h.client.catchingUp).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(held).toHaveLength(1);
    expect(h.client.catchingUp).toBe(true);
    await answer([amy]);
    expect(h.client.state).toBe('connected');
    expect(h.client.catchingUp).toBe(false);
    expect(seen).toEqual([['reconnecting', true], ['connected', false]]);
    h.client.stop();
  });

  it('stays true while a failed refetch is retried on the same socket', async () => {
    const { h, ws, held, answer, seen } = heldResync();
    ws.receive({ seq: 5, type: 'are_you_there' });
    await answer(null); // a 500: retried after its backoff
    expect(h.client.state).toBe('reconnecting');
    expect(h.client.catchingUp).toBe(true);
    expect(ws.closedByClient).toBeNull();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(held).toHaveLength(1);
    expect(h.client.catchingUp).toBe(true);
    await answer([amy]);
    expect(h.client.catchingUp).toBe(false);
    expect(seen).toEqual([['reconnecting', true], ['connected', false]]);
    h.client.stop();
  });

  it('turns false, with a state event, when the socket is lost while catching up (still reconnecting)', () => {
    const { h, ws, seen } = heldResync();
    ws.receive({ seq: 5, type: 'are_you_there' });
    expect(h.client.catchingUp).toBe(true);
    ws.serverClose(1006);
    expect(h.client.state).toBe('reconnecting');
    expect(h.client.catchingUp).toBe(false);
    expect(seen).toEqual([['reconnecting', true], ['reconnecting', false]]);
    h.client.stop();
    expect(h.client.catchingUp).toBe(false);
  });
});
