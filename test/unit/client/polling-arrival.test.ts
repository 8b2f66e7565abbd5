/**
 * A poll is a read, and the server never counts it as interaction (CONTRACT "Presence rules"):
 * a page that polls reports its person's arrival, and input remembered meanwhile, with
 * POST /users/me/interaction before the poll that opens its polling session, so friends see
 * them `online` at once, never `away` first. The client's own fallback after a socket of the
 * same start() was ready reports nothing (nobody arrived).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const STATUS = 'GET /api/v1/users/me/friends/status';
const INTERACTION = 'POST /api/v1/users/me/interaction';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

function restHarness(opts: Parameters<typeof harness>[0] = {}) {
  const h = harness({ random: () => 1, connectTimeoutMs: 1_000_000, fallbackAfterFailures: 1, pollIntervalMs: 3_000, ...opts });
  h.fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
  h.fetch.route(STATUS, { status: 200, body: [amy] });
  h.fetch.route(`${STATUS}?reconnect=1`, { status: 200, body: [amy] });
  h.fetch.route('GET /api/v1/users/1/status', { status: 200, body: ME });
  h.fetch.route(INTERACTION, { status: 204 });
  return h;
}

/** Which of the reports and polls were made, in order. */
const trail = (h: ReturnType<typeof harness>) =>
  h.fetch.calls.map((c) => `${c.method} ${new URL(c.url).pathname}`).filter((k) => k === INTERACTION || k === STATUS);

describe('polling: the person arriving', () => {
  it('a page load that polls reports the arrival once, before its first poll', async () => {
    const h = restHarness();
    h.client.start();
    h.ws.fail(); // never ready: the page just opened polls
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(trail(h)).toEqual([INTERACTION, STATUS, STATUS, STATUS, STATUS]);
    h.client.stop();
  });

  it('a page load that polls from the start (no WebSocket) reports the arrival first too', async () => {
    const h = restHarness({ WebSocketImpl: undefined });
    h.client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(trail(h).slice(0, 2)).toEqual([INTERACTION, STATUS]);
    h.client.stop();
  });

  it('an arrival report that failed is tried again before the next poll', async () => {
    const h = restHarness();
    let fail = true;
    h.fetch.route(INTERACTION, () => (fail ? { status: 503, body: { code: 'UNAVAILABLE', message: 'later' } } : { status: 204 }));
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    fail = false;
    await vi.advanceTimersByTimeAsync(6_000);
    expect(trail(h)).toEqual([INTERACTION, STATUS, INTERACTION, STATUS, STATUS]);
    h.client.stop();
  });

  it('the fallback after a socket of this start was ready reports no arrival, only input remembered meanwhile', async () => {
    const h = restHarness();
    h.client.start();
    h.connect([amy]);
    h.ws.fail(); // a working socket dropped: polling now is the client's own doing
    await vi.advanceTimersByTimeAsync(15_000);
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    await vi.advanceTimersByTimeAsync(6_000);
    expect(h.fetch.callsTo(INTERACTION)).toHaveLength(0);

    const again = restHarness();
    again.client.start();
    again.connect([amy]);
    again.ws.fail();
    again.client.notifyInteraction(); // input while reconnecting: remembered
    await vi.advanceTimersByTimeAsync(15_000);
    again.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    again.ws.fail();
    expect(again.client.state).toBe('polling');
    const calls = again.fetch.calls.map((c) => `${c.method} ${new URL(c.url).pathname}${new URL(c.url).search}`);
    expect(calls.filter((k) => k === INTERACTION || k.startsWith(STATUS)).slice(0, 2)).toEqual([INTERACTION, `${STATUS}?reconnect=1`]);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(again.fetch.callsTo(INTERACTION)).toHaveLength(1);
  });
});
