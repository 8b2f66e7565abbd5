/**
 * A `seq` gap whose REST resync fails: the client knows events were lost, so it must not go on
 * saying `connected` with the views from before the gap. It gives the socket up and reconnects
 * (state `reconnecting`, at the backoff pace): the next socket's `ready` is a full snapshot.
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
    ['the friends read answers 500', { friends: FAIL, self: { status: 200, body: ME } }],
    ['the own read answers 500', { friends: { status: 200, body: [{ ...amy, status: 'busy' }] }, self: FAIL }],
  ])('is not live with the views from before the gap when %s: it reconnects, and the next ready brings them', async (_, replies) => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, replies.friends);
    h.fetch.route(SELF, replies.self);
    h.client.start();
    const ws = h.connect([amy]);
    expect(h.client.state).toBe('connected');
    // Amy went busy in the events that were lost (seq 1 to 4).
    ws.receive({ seq: 5, type: 'are_you_there' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(1);
    expect(h.client.state).toBe('reconnecting');
    expect(ws.closedByClient).not.toBeNull();
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(1_000); // the first backoff delay (random 1: its cap)
    expect(h.sockets.length).toBe(sockets + 1);
    h.connect([{ ...amy, status: 'busy' }]);
    expect(h.client.state).toBe('connected');
    expect(h.client.friend(2)?.status).toBe('busy');
    h.client.stop();
  });

  it('a resync that answers keeps the socket and the state', async () => {
    const h = harness();
    h.fetch.route(FRIENDS, { status: 200, body: [{ ...amy, status: 'busy' }] });
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    const ws = h.connect([amy]);
    const states = h.eventsOf('state').length;
    ws.receive({ seq: 5, type: 'are_you_there' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('busy');
    expect(h.eventsOf('state')).toHaveLength(states);
    expect(ws.closedByClient).toBeNull();
    h.client.stop();
  });
});
