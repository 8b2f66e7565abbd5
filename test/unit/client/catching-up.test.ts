/**
 * `catchingUp`: the client says `reconnecting` from a `seq` gap until its refetch applies, while
 * its socket stays open (the server counts the user online, friends see them online). UIs must
 * not word that as a lost connection, so the client says which `reconnecting` it is, and a
 * `state` event fires whenever that flips, even when the state itself stays `reconnecting`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, useFakeClock } from './fake-server.js';
import { amy, slowResync } from './held-resync.js';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

/** {@link slowResync}, recording each `state` event from now on with `catchingUp` as it was when the event fired. */
function heldResync() {
  const resync = slowResync();
  const seen: Array<[string, boolean]> = [];
  resync.h.client.on('state', (s) => seen.push([s, resync.h.client.catchingUp]));
  return { ...resync, seen };
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
