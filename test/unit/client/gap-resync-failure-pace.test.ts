/**
 * The retries of a failed `seq`-gap resync are paced: a REST that answered 429 asked this client
 * to wait, and one that keeps failing (an overloaded server, still losing events) is asked again
 * less and less often, never at a blip's pace. The socket stays open throughout (no reconnects,
 * so no full snapshots asked of a struggling server, and no offline flap for friends).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const FRIENDS = 'GET /api/v1/users/me/friends/status?reconnect=1';
const SELF = 'GET /api/v1/users/1/status';
const OVERLOADED = { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } };
const LIMITED = { status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' }, headers: { 'Retry-After': '4' } };

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

/** A gap on the socket `ws` (seq jumps past what it saw). */
async function gap(ws: { receive(frame: Record<string, unknown>): void }, seq = 5): Promise<void> {
  ws.receive({ seq, type: 'are_you_there' });
  await vi.advanceTimersByTimeAsync(0);
}

describe('the retries of a failed gap resync', () => {
  it('wait at least what a 429 answer asked for, on the same socket', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, LIMITED);
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    await gap(h.connect([amy]));
    expect(h.client.state).toBe('reconnecting');
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(3_900); // well past the backoff's own first delay (1 s)
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_100); // Retry-After stretched by up to half of it
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(2);
    expect(h.sockets.length).toBe(sockets);
    h.client.stop();
  });

  it('back off further while they keep failing, and a gap meanwhile starts none of its own', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, OVERLOADED);
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    const ws = h.connect([amy]);
    await gap(ws);
    await vi.advanceTimersByTimeAsync(1_000); // first retry: the base delay
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(2);
    await gap(ws, 9); // lost again while the next retry waits
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(2); // not the first retry's pace again
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(3); // twice the base
    expect(ws.closedByClient).toBeNull();
    expect(h.client.state).toBe('reconnecting');
    h.client.stop();
  });

  it('start from the base delay again once a resync succeeded', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    let fail = true;
    h.fetch.route(FRIENDS, () => (fail ? OVERLOADED : { status: 200, body: [amy] }));
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    const ws = h.connect([amy]);
    await gap(ws);
    await vi.advanceTimersByTimeAsync(1_000);
    fail = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.client.state).toBe('connected');
    const calls = h.fetch.callsTo(FRIENDS).length;
    fail = true;
    await gap(ws, 20);
    expect(h.client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(calls + 2);
    h.client.stop();
  });

  it('end when the client stops: no read after it', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, OVERLOADED);
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    await gap(h.connect([amy]));
    h.client.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(1);
  });
});
