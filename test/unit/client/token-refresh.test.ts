/**
 * A host that refreshes its short-lived tokens: `getToken` already returns the fresh one when
 * Beacon refuses the old one (the socket closes 4401 at its expiry, a poll in flight gets 401).
 * The client tries the fresh token at once instead of stopping, each distinct token once at
 * most; it stops (`unauthorized`) only when the token it would try was refused already.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const STATUS = 'GET /api/v1/users/me/friends/status';
const FRESH = 'tok.FRESH-jwt-value';

beforeEach(useFakeClock);
afterEach(() => void vi.useRealTimers());

/** Tokens the auth frames of each socket carried, in order. */
const authTokens = (h: ReturnType<typeof harness>): unknown[] => h.sockets.map((s) => s.sentOfType('auth')[0]?.token);

/** A client connected with TOKEN whose socket is then closed 4401, the host having refreshed its token to FRESH meanwhile. */
function refusedAfterReady(): ReturnType<typeof harness> {
  const h = harness();
  h.client.start();
  h.connect([amy]);
  h.setToken(FRESH);
  h.ws.serverClose(4401);
  return h;
}

describe('a refreshed token after 4401', () => {
  it('reconnects at once with the fresh token (no backoff), says reconnecting meanwhile, and never stops', () => {
    const h = harness();
    const stopped: unknown[] = [];
    h.client.on('stopped', (e) => stopped.push(e));
    h.client.start();
    h.connect([amy]);
    h.setToken(FRESH); // the host refreshed before the old one expired
    h.ws.serverClose(4401); // the old one expired
    expect(h.sockets).toHaveLength(2);
    expect(h.ws.url).toBe('ws://beacon.test/ws/status?reconnect=1'); // the client's own doing
    expect(h.client.state).toBe('reconnecting');
    expect(h.client.stopReason).toBeNull();
    h.connect([amy]);
    expect(authTokens(h)).toEqual([TOKEN, FRESH]);
    expect(h.client.state).toBe('connected');
    expect(h.eventsOf('state')).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect([h.eventsOf('unauthorized'), stopped]).toEqual([[], []]);
  });

  it('stops (unauthorized) when the fresh token is refused too, without trying it again', () => {
    const h = refusedAfterReady();
    h.ws.open();
    h.ws.serverClose(4401); // the fresh one is refused as well
    expect([h.client.state, h.client.stopReason]).toEqual(['offline', 'unauthorized']);
    expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: 4401 }]);
    vi.advanceTimersByTime(60_000);
    expect(authTokens(h)).toEqual([TOKEN, FRESH]);
  });

  it('tries each distinct token once at most: a token already refused is not tried again, whatever getToken returns', () => {
    const h = refusedAfterReady();
    h.ws.open();
    h.setToken(TOKEN); // a host handing back the token refused before
    h.ws.serverClose(4401);
    expect(h.client.stopReason).toBe('unauthorized');
    vi.advanceTimersByTime(60_000);
    expect(authTokens(h)).toEqual([TOKEN, FRESH]);
  });

  it('a refusal before any ready (an expired token at start) is retried with a fresh one too: connecting, then connected', () => {
    const h = harness();
    h.client.start();
    h.ws.open();
    h.setToken(FRESH);
    h.ws.serverClose(4401);
    expect([h.client.state, h.sockets.length]).toEqual(['connecting', 2]);
    expect(h.ws.url).toBe('ws://beacon.test/ws/status'); // no socket of this start was ready: still the user's arrival
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
    expect(h.eventsOf('unauthorized')).toEqual([]);
  });

  it('4000 (signed out) still stops for good, even with another token at hand', () => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.setToken(FRESH);
    h.ws.serverClose(4000);
    expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: 4000 }]);
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});

describe('a refreshed token after a 401 while polling', () => {
  /** Polling (the socket failed once, fallback after 1), REST accepting only the tokens in `accepted`. */
  function pollingOn(accepted: Set<string>, onRefused: () => void = () => undefined) {
    const h = harness({ random: () => 1, connectTimeoutMs: 1_000_000, fallbackAfterFailures: 1, pollIntervalMs: 3_000 });
    const auth = (headers: Record<string, string>) => accepted.has(headers.Authorization?.replace(/^Bearer /, '') ?? '');
    const refuse = { status: 401, body: { code: 'UNAUTHORIZED', message: 'expired' } };
    h.fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
    for (const route of [STATUS, `${STATUS}?reconnect=1`]) {
      h.fetch.route(route, (c) => (auth(c.headers) ? { status: 200, body: [amy] } : (onRefused(), refuse)));
    }
    h.fetch.route('GET /api/v1/users/1/status', (c) => (auth(c.headers) ? { status: 200, body: ME } : refuse));
    return h;
  }

  it('polls again at once with the token the host refreshed while the refused poll was in flight', async () => {
    const accepted = new Set([TOKEN]);
    const h = pollingOn(accepted, () => h.setToken(FRESH));
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail(); // the socket fails while the API answers: polling
    expect(h.client.state).toBe('polling');
    accepted.clear(); // the old token expires; the host refreshes it meanwhile
    accepted.add(FRESH);
    const polls = h.fetch.callsTo(STATUS).length;
    await vi.advanceTimersByTimeAsync(3_000);
    const tokens = h.fetch.callsTo(STATUS).slice(polls).map((c) => c.headers.Authorization);
    expect(tokens).toEqual([`Bearer ${TOKEN}`, `Bearer ${FRESH}`]); // the second without waiting a poll interval
    expect([h.client.state, h.client.stopReason]).toEqual(['polling', null]);
    expect(h.eventsOf('unauthorized')).toEqual([]);
  });

  it('stops when getToken has nothing newer than the refused token', async () => {
    const accepted = new Set([TOKEN]);
    const h = pollingOn(accepted);
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail();
    accepted.clear();
    const polls = h.fetch.callsTo(STATUS).length;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.fetch.callsTo(STATUS)).toHaveLength(polls + 1);
    expect([h.client.state, h.client.stopReason]).toEqual(['offline', 'unauthorized']);
    expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: 4401 }]);
  });
});
