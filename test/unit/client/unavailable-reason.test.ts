/**
 * Finding: Beacon reached but refusing the socket because the embedding site's friend list could
 * not be read (close 1011 `friend list unavailable`) looked to the SDK like any failure, and the
 * drop-in friend list said "Could not reach Beacon". The close reason reaches the browser (a
 * WebSocket's close event carries it): the client now keeps the documented 1011 reasons as
 * `unavailableReason`, set before the `state` event of that failure (one fires even when the
 * state stays the same), cleared by `ready` or a failure that says nothing, and keeps retrying.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, useFakeClock, view } from './fake-server.js';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

describe('why Beacon refused the socket (PresenceClient.unavailableReason)', () => {
  it('keeps the 1011 reason of a socket refused before ready, says it with a state event, retries, and forgets it on ready', async () => {
    const h = harness();
    /** Moves the clock until the client opens its next socket by itself (its backoff), one at a time. */
    const nextAttempt = async () => {
      const n = h.sockets.length;
      for (let i = 0; i < 200 && h.sockets.length === n; i++) await vi.advanceTimersByTimeAsync(50);
      expect(h.sockets.length).toBe(n + 1);
    };
    /** The reason as each `state` event found it. */
    const said: Array<[string, string | null]> = [];
    h.client.on('state', (s) => said.push([s, h.client.unavailableReason]));
    h.client.start();
    expect(h.client.unavailableReason).toBeNull();

    h.ws.open();
    h.ws.serverClose(1011, 'friend list unavailable');
    expect(h.client.unavailableReason).toBe('friend list unavailable');
    expect(said.at(-1)).toEqual(['connecting', 'friend list unavailable']);
    expect(h.client.stopReason).toBeNull(); // still trying

    // The next attempt (backoff) fails without a word: not known any more, said as such.
    await nextAttempt();
    const count = said.length;
    h.ws.fail();
    expect(h.client.unavailableReason).toBeNull();
    expect(said.length).toBeGreaterThan(count);
    expect(said.at(-1)?.[1]).toBeNull();

    // Another documented reason, then one that is not: only the documented ones are kept.
    await nextAttempt();
    h.ws.open();
    h.ws.serverClose(1011, 'database unreachable');
    expect(h.client.unavailableReason).toBe('database unreachable');
    await nextAttempt();
    h.ws.open();
    h.ws.serverClose(1011, 'internal error');
    expect(h.client.unavailableReason).toBeNull();
    await nextAttempt();
    h.ws.open();
    h.ws.serverClose(1011, 'friend list unavailable');
    expect(h.client.unavailableReason).toBe('friend list unavailable');

    // The site's list is back: ready clears it.
    await nextAttempt();
    h.connect([view(2, 'amy', 'online')]);
    expect(h.client.state).toBe('connected');
    expect(h.client.unavailableReason).toBeNull();
    expect(said.at(-1)).toEqual(['connected', null]);

    // A live socket closed 1011 with that reason later is a lost connection, not a refusal.
    h.ws.serverClose(1011, 'friend list unavailable');
    expect(h.client.unavailableReason).toBeNull();
    h.client.stop();
  });
});
