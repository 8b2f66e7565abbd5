/**
 * An asynchronous getToken racing the client's other paths (found by review of 13b88f0): a
 * token read that a newer connect, a ready socket or the browser going offline overtook opens
 * no second socket (stop() then leaves none open, and a replaced socket feeds nothing in); a
 * refresh that fails after a newer connect succeeded changes nothing; a read that never settles
 * is bounded; a poll refused while a socket is ready (token rotation) leaves `connected` alone.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const FRESH = 'tok.FRESH-async-value';
const NEWER = 'tok.NEWER-async-value';

beforeEach(useFakeClock);
afterEach(() => void vi.useRealTimers());

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

class FakeWindow extends EventTarget {}

/** First call answers TOKEN at once, later calls return promises settled by hand. */
function tokensAfterFirst() {
  let calls = 0;
  const pending: Array<{ resolve: (t: string | null) => void; reject: (e: Error) => void }> = [];
  const getToken = (): string | Promise<string | null> =>
    ++calls === 1 ? TOKEN : new Promise((resolve, reject) => pending.push({ resolve, reject }));
  return { getToken, pending };
}

describe('async getToken races (review)', () => {
  it('a 4401 refresh that resolves after reconnectNow() already reconnected opens no second socket', async () => {
    const t = tokensAfterFirst();
    const h = harness({ getToken: t.getToken });
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(4401); // refresh read #0 pending
    h.client.reconnectNow(); // e.g. the page is shown again: read #1
    expect(t.pending).toHaveLength(2);
    t.pending[1]!.resolve(NEWER);
    await flush();
    const live = h.connect([amy]);
    expect(h.client.state).toBe('connected');
    t.pending[0]!.resolve(FRESH); // the refresh answers last
    await flush();
    const stateAfterRefresh = h.client.state;
    const socketsAfterRefresh = h.sockets.length;
    h.client.stop();
    const openAfterStop = h.sockets.filter((s) => s.readyState === 1 && s.closedByClient === null).length;
    // The orphan still feeds the stopped client: a friend's change arrives and is applied.
    const before = h.events.length;
    live.receive({ type: 'friend_status_change', seq: 1, friend_id: 2, status: 'busy', activity: 'browsing', custom_message: null, last_seen: null, timestamp: '2024-01-15T15:00:00.000Z' });
    const eventsAfterStop = h.events.slice(before).map((r) => r.type);
    // Expected: the refresh read was overtaken by the newer connect; nothing more happens, and
    // stop() leaves no socket open.
    expect({ stateAfterRefresh, socketsAfterRefresh, liveClosed: live.closedByClient, openAfterStop, eventsAfterStop }).toEqual({
      eventsAfterStop: [],
      stateAfterRefresh: 'connected',
      socketsAfterRefresh: 2,
      liveClosed: 1000, // closed by stop()
      openAfterStop: 0,
    });
  });

  it('a 4401 refresh that rejects after a newer connect succeeded does not say offline nor replace the live socket', async () => {
    const t = tokensAfterFirst();
    const h = harness({ getToken: t.getToken });
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(4401);
    h.client.reconnectNow();
    t.pending[1]!.resolve(NEWER);
    await flush();
    const live = h.connect([amy]);
    t.pending[0]!.reject(new Error('refresh failed'));
    await flush();
    const stateAfterReject = h.client.state;
    vi.advanceTimersByTime(1_000); // the backoff retry #tokenUnavailable scheduled (under the heartbeat's 15 s)
    if (t.pending.length > 2) t.pending.at(-1)!.resolve(NEWER);
    await flush();
    const sockets = h.sockets.length;
    const liveOpen = live.closedByClient === null;
    h.client.stop();
    const openAfterStop = h.sockets.filter((s) => s.readyState === 1 && s.closedByClient === null).length;
    expect({ stateAfterReject, sockets, liveOpen, openAfterStop }).toEqual({
      stateAfterReject: 'connected',
      sockets: 2,
      liveOpen: true,
      openAfterStop: 0,
    });
  });

  it('a connect read pending when the browser goes offline does not leave two sockets', async () => {
    const t = tokensAfterFirst();
    const net = new FakeWindow();
    const h = harness({ getToken: t.getToken, network: net });
    /** The server accepts every socket the client opens. */
    const acceptNew = () => h.sockets.filter((ws) => ws.readyState === 0 && ws.closedByClient === null).forEach((ws) => (ws.open(), ws.receive({ type: 'ready', session_id: 's', heartbeat_interval_ms: 20_000, self: ME, friends: [amy] })));
    h.client.start();
    h.connect([amy]);
    h.ws.fail(); // dropped: reconnect timer
    vi.advanceTimersByTime(1_000); // #connect: read #0 pending
    expect(t.pending).toHaveLength(1);
    net.dispatchEvent(new Event('offline')); // schedules another #connect; the read is still pending
    t.pending[0]!.resolve(FRESH); // the read answers
    await flush();
    acceptNew();
    vi.advanceTimersByTime(1_000); // the offline handler's timer (under the heartbeat's 15 s)
    for (const p of t.pending.slice(1)) p.resolve(FRESH);
    await flush();
    acceptNew();
    const live = () => h.sockets.filter((s) => s.readyState === 1 && s.closedByClient === null).length;
    const openBeforeStop = live();
    h.client.stop();
    expect({ openBeforeStop, openAfterStop: live() }).toEqual({ openBeforeStop: 1, openAfterStop: 0 });
  });

  it('a getToken that never settles does not leave the client saying connecting forever: the wait is bounded and retried', async () => {
    let reads = 0;
    const h = harness({
      getToken: () => {
        reads++;
        return new Promise<string>(() => undefined);
      },
    });
    h.fetch.route('GET /api/v1/users/me', () => ({ status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down' } }));
    h.client.start();
    for (let i = 0; i < 12; i++) {
      vi.advanceTimersByTime(10_000);
      await flush();
    }
    // Two minutes later: no socket (no token), the state says so, and the token was asked for again
    // at the backoff pace (each wait bounded by the connect timeout, 10 s), never stopping.
    expect({ sockets: h.sockets.length, state: h.client.state, stopReason: h.client.stopReason }).toEqual({ sockets: 0, state: 'offline', stopReason: null });
    expect(reads).toBeGreaterThanOrEqual(4);
  });

  it('a poll answered 401 after the socket became ready does not turn a connected client into reconnecting', async () => {
    const pending: Array<(t: string | null) => void> = [];
    const h = harness({ getToken: () => new Promise<string | null>((resolve) => pending.push(resolve)) });
    h.fetch.route('GET /api/v1/users/me', () => ({ status: 401, body: { code: 'UNAUTHORIZED', message: 'expired' } }));
    h.fetch.route('GET /api/v1/users/me/friends/status', () => ({ status: 401, body: { code: 'UNAUTHORIZED', message: 'expired' } }));
    h.fetch.route('GET /api/v1/users/1/status', () => ({ status: 401, body: { code: 'UNAUTHORIZED', message: 'expired' } }));
    h.client.start(); // read #0: the connect
    vi.advanceTimersByTime(2_000); // the first-load probe starts polling: read #1, the poll's
    expect(pending).toHaveLength(2);
    pending[0]!(TOKEN);
    await flush();
    h.connect([amy]); // ready: polling stops
    expect(h.client.state).toBe('connected');
    pending[1]!(TOKEN); // the poll goes on with its (old) token and is refused
    await flush();
    const whileRefreshing = h.client.state;
    if (pending.length > 2) pending[2]!(FRESH);
    await flush();
    expect({ whileRefreshing, after: h.client.state }).toEqual({ whileRefreshing: 'connected', after: 'connected' });
  });
});
