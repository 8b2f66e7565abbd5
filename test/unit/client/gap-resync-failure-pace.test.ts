/**
 * The reconnect after a failed `seq`-gap resync is paced, not a blip's: a REST that answered
 * 429 asked this client to wait, and a resync that fails again on the next socket (an
 * overloaded server, still losing events) backs off further instead of reconnecting at the
 * first retry's pace forever (each `ready` resets the drop backoff). Otherwise every client of
 * an overloaded server would come back at once, again and again, each with a full snapshot.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const FRIENDS = 'GET /api/v1/users/me/friends/status?reconnect=1';
const SELF = 'GET /api/v1/users/1/status';
const OVERLOADED = { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } };
const LIMITED = { status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' }, headers: { 'Retry-After': '20' } };

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

/** A gap on the socket `ws` (seq jumps to 5 from the ready's 0). */
async function gap(ws: { receive(frame: Record<string, unknown>): void }): Promise<void> {
  ws.receive({ seq: 5, type: 'are_you_there' });
  await vi.advanceTimersByTimeAsync(0);
}

describe('the reconnect after a failed gap resync', () => {
  it('waits at least what a 429 answer asked for', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, LIMITED);
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    await gap(h.connect([amy]));
    expect(h.client.state).toBe('reconnecting');
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(19_000);
    expect(h.sockets.length).toBe(sockets);
    await vi.advanceTimersByTimeAsync(11_000); // Retry-After stretched by up to half of it
    expect(h.sockets.length).toBe(sockets + 1);
    h.client.stop();
  });

  it('backs off further when the next socket\'s resync fails again, though that socket reached ready', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.fetch.route(FRIENDS, OVERLOADED);
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    await gap(h.connect([amy]));
    let sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(1_000); // first: the base delay
    expect(h.sockets.length).toBe(sockets + 1);
    await gap(h.connect([amy]));
    sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.sockets.length).toBe(sockets); // not the first retry's pace again
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.sockets.length).toBe(sockets + 1); // twice the base
    h.client.stop();
  });

  it('starts from the base delay again once a resync succeeded', async () => {
    const h = harness({ backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    let fail = true;
    h.fetch.route(FRIENDS, () => (fail ? OVERLOADED : { status: 200, body: [amy] }));
    h.fetch.route(SELF, { status: 200, body: ME });
    h.client.start();
    await gap(h.connect([amy]));
    await vi.advanceTimersByTimeAsync(1_000);
    fail = false;
    await gap(h.connect([amy]));
    expect(h.client.state).toBe('connected');
    fail = true;
    const ws = h.ws;
    ws.receive({ seq: 9, type: 'are_you_there' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('reconnecting');
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.sockets.length).toBe(sockets + 1);
    h.client.stop();
  });
});
