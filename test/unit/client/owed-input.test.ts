/**
 * Input the person made while nothing reached Beacon (no socket, polls failing) is owed, and is
 * delivered before Beacon decides what they are once it answers again: by the next poll's
 * report, or by the next socket's opening, which then goes without `?reconnect=1` (that flag says
 * "nobody is here", and made an absent-looking person `away` at once, friends seeing it before
 * the interaction frame after `ready` brought them back). With no such input, a reconnect still
 * says it is the client's own doing.
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

/** A client whose socket was ready once, then dropped; REST down (`network.down`) until the test says. */
function droppedClient(fallbackAfterFailures = 1) {
  const network = { down: true };
  const h = harness({ random: () => 1, connectTimeoutMs: 1_000_000, fallbackAfterFailures, pollIntervalMs: 3_000 });
  const or = (reply: { status: number; body?: unknown }) => () => (network.down ? ('network-error' as const) : reply);
  h.fetch.route('GET /api/v1/users/me', or({ status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } }));
  h.fetch.route(`${STATUS}?reconnect=1`, or({ status: 200, body: [amy] }));
  h.fetch.route('GET /api/v1/users/1/status', or({ status: 200, body: ME }));
  h.fetch.route(INTERACTION, or({ status: 204 }));
  h.client.start();
  h.connect([amy]);
  h.ws.fail();
  return { h, network };
}

const socketUrls = (h: ReturnType<typeof harness>) => h.sockets.map((s) => new URL(s.url).search);

describe('input while nothing reaches Beacon', () => {
  it('made while reconnecting: the next socket opens as the person’s (no ?reconnect=1)', async () => {
    const { h } = droppedClient(3);
    h.client.notifyInteraction();
    await vi.advanceTimersByTimeAsync(500);
    expect(socketUrls(h)).toEqual(['', '']);
  });

  it('none made: the next socket still says it is the client’s own reconnect', async () => {
    const { h } = droppedClient(3);
    await vi.advanceTimersByTimeAsync(500);
    expect(socketUrls(h)).toEqual(['', '?reconnect=1']);
  });

  it('made while polling, its report failing: the next poll reports it first, and the next socket opens as the person’s', async () => {
    const { h, network } = droppedClient();
    await vi.advanceTimersByTimeAsync(500);
    h.ws.fail(); // the reconnect fails too: polling now, and failing
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('offline');
    h.fetch.calls.length = 0;
    h.client.notifyInteraction(); // reported over REST, which fails
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(INTERACTION)).toHaveLength(1);
    network.down = false;
    h.client.reconnectNow(); // the browser's `online`: a poll and a socket at once
    await vi.advanceTimersByTimeAsync(0);
    const trail = h.fetch.calls.map((c) => `${c.method} ${new URL(c.url).pathname}${new URL(c.url).search}`).filter((k) => k === INTERACTION || k.startsWith(STATUS));
    expect(trail).toEqual([INTERACTION, INTERACTION, `${STATUS}?reconnect=1`]);
    expect(socketUrls(h).at(-1)).toBe('');
  });
});
