/**
 * A `seq` gap whose REST resync fails: the client knows events were lost, so it must not go on
 * saying `connected` with the views from before the gap. It says `reconnecting` and tries the
 * resync again at the backoff pace, keeping its socket (closing it would show the user offline
 * to friends once a wait passed the offline grace): `connected` again once a resync answers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const FRIENDS = 'GET /api/v1/users/me/friends/status?reconnect=1';
const SELF = 'GET /api/v1/users/1/status';
const FAIL = { status: 500, body: { code: 'INTERNAL_ERROR', message: 'boom' } };

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

describe('a resync after a seq gap that fails', () => {
  it.each([
    ['the friends read answers 500', 'friends'],
    ['the own read answers 500', 'self'],
  ] as const)('is not live with the views from before the gap when %s: it keeps the socket and tries again until one answers', async (_, failing) => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    let fail = true;
    h.fetch.route(FRIENDS, () => (fail && failing === 'friends' ? FAIL : { status: 200, body: [{ ...amy, status: 'busy' }] }));
    h.fetch.route(SELF, () => (fail && failing === 'self' ? FAIL : { status: 200, body: ME }));
    h.client.start();
    const ws = h.connect([amy]);
    expect(h.client.state).toBe('connected');
    const sockets = h.sockets.length;
    // Amy went busy in the events that were lost (seq 1 to 4).
    ws.receive({ seq: 5, type: 'are_you_there' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(1);
    expect(h.client.state).toBe('reconnecting');
    expect(ws.closedByClient).toBeNull();
    fail = false;
    await vi.advanceTimersByTimeAsync(999);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // the first backoff delay (random 1: its cap)
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(2);
    expect(h.client.state).toBe('connected');
    expect(h.client.friend(2)?.status).toBe('busy');
    expect(h.sockets.length).toBe(sockets);
    expect(ws.closedByClient).toBeNull();
    h.client.stop();
  });

  it('a resync that answers keeps the socket, and the client is connected again once it applied', async () => {
    const h = harness();
    h.fetch.route(FRIENDS, { status: 200, body: [{ ...amy, status: 'busy' }] });
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    const ws = h.connect([amy]);
    const states = h.eventsOf('state').length;
    ws.receive({ seq: 5, type: 'are_you_there' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('busy');
    // Stale from the gap until the answer applied (gap-resync-honest.test.ts), never a drop.
    expect(h.eventsOf('state').slice(states)).toEqual(['reconnecting', 'connected']);
    expect(ws.closedByClient).toBeNull();
    h.client.stop();
  });

  it('a retry waiting ends with its socket: the next ready is the snapshot, and no retry runs after it', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, FAIL);
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    const ws = h.connect([amy]);
    ws.receive({ seq: 5, type: 'are_you_there' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('reconnecting');
    ws.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    h.connect([{ ...amy, status: 'busy' }]);
    expect(h.client.state).toBe('connected');
    expect(h.client.friend(2)?.status).toBe('busy');
    // Past every retry delay (the cap is 8 s), short of the heartbeat's own checks.
    await vi.advanceTimersByTimeAsync(9_000);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(1);
    expect(h.client.state).toBe('connected');
    h.client.stop();
  });
});
