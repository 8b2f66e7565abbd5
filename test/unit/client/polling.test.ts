import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../src/client/api.js';
import { PresenceClient } from '../../../src/client/presence-client.js';
import { BASE_URL, FakeFetch, harness, ME, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const bob = view(3, 'bob', 'away');
const STATUS = 'GET /api/v1/users/me/friends/status';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

/** A harness whose REST side answers like a live server, with a mutable friends list. */
function pollingHarness(opts: Parameters<typeof harness>[0] = {}) {
  const h = harness({ random: () => 1, connectTimeoutMs: 1_000_000, ...opts });
  const server = { friends: [amy, bob], self: ME };
  h.fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
  h.fetch.route(STATUS, () => ({ status: 200, body: server.friends }));
  h.fetch.route(`${STATUS}?reconnect=1`, () => ({ status: 200, body: server.friends }));
  h.fetch.route('GET /api/v1/users/1/status', () => ({ status: 200, body: server.self }));
  return Object.assign(h, { server });
}

/** Fails the current socket attempt and waits for the next one. */
async function failAttempts(h: ReturnType<typeof harness>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const before = h.sockets.length;
    h.ws.fail();
    while (h.sockets.length === before) await vi.advanceTimersByTimeAsync(100);
  }
}

describe('polling fallback', () => {
  it('after N failed attempts switches to polling and gets a snapshot over REST', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 3 });
    h.client.start();
    await failAttempts(h, 2);
    expect(h.client.state).toBe('connecting');
    h.ws.fail();
    // Not `polling` before the REST fallback answers (§8)…
    expect(h.client.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(0);
    // …nor when it first does: the failures may have been a blip that is over. The socket is
    // tried again at once, and its data shown meanwhile is not called live.
    expect(h.client.state).toBe('connecting');
    expect(h.sockets).toHaveLength(4);
    expect(h.client.friends()).toEqual([amy, bob]);
    // It fails while the API answers: the socket is what fails here, and polling is the fallback.
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    expect(h.client.self).toEqual(ME);
    expect(h.eventsOf('ready')).toEqual([{ self: ME, friends: [amy, bob] }]);
    expect(h.fetch.calls.every((c) => c.headers.Authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('polls every pollIntervalMs and emits friend events for the diff', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 1, pollIntervalMs: 3_000 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(STATUS)).toHaveLength(1);
    h.server.friends = [{ ...amy, status: 'in_game', activity: 'playing_pong' }];
    await vi.advanceTimersByTimeAsync(2_999);
    expect(h.fetch.callsTo(STATUS)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.fetch.callsTo(STATUS)).toHaveLength(2);
    expect(h.eventsOf('friend')).toEqual([{ view: h.client.friend(2), previous: amy }]);
    expect(h.eventsOf('friend_removed')).toEqual([{ friendId: 3 }]);
    // an unchanged poll emits nothing new but `synced`
    const changes = () => h.events.filter((e) => e.type !== 'synced').length;
    const before = changes();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(changes()).toBe(before);
    expect(h.eventsOf('synced').at(-1)).toEqual({ at: Date.now() });
  });

  it('keeps retrying the WebSocket and stops polling once it reaches ready', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 1 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail(); // the attempt made at once when the API answered
    await failAttempts(h, 2); // background retries keep failing, still polling
    expect(h.client.state).toBe('polling');
    const ws = h.connect([amy, bob]);
    expect(h.client.state).toBe('connected');
    const polls = h.fetch.callsTo(STATUS).length;
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(5_000);
      ws.receive({ type: 'heartbeat_ack' }); // a live socket answers its heartbeats
    }
    expect(h.fetch.callsTo(STATUS)).toHaveLength(polls);
    expect(h.eventsOf('state')).toEqual(['connecting', 'polling', 'connected']);
  });

  it('a 401 while polling reports unauthorized and stops', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 1 });
    h.fetch.route(STATUS, { status: 401, body: { code: 'UNAUTHORIZED', message: 'expired' } });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('offline');
    expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: 4401 }]);
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(sockets);
  });

  it('other polling errors are survived, shown as offline until the API answers again', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 1 });
    let fail = true;
    h.fetch.route(STATUS, () => (fail ? 'network-error' : { status: 200, body: [amy] }));
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.state).toBe('offline');
    fail = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.friends()).toEqual([amy]);
    h.ws.fail(); // the socket still fails while the API answers
    expect(h.client.state).toBe('polling');
  });

  it('without any WebSocket in the runtime it polls from the start', async () => {
    const fetch = new FakeFetch();
    fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
    fetch.route(STATUS, { status: 200, body: [amy] });
    fetch.route('GET /api/v1/users/1/status', { status: 200, body: ME });
    const getToken = () => TOKEN;
    const client = new PresenceClient({ baseUrl: BASE_URL, getToken, api: new ApiClient({ baseUrl: BASE_URL, getToken, fetchImpl: fetch.fn }) });
    client.start();
    expect(client.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('polling');
    expect(client.friends()).toEqual([amy]);
    client.stop();
  });

  it('stop() ends polling and background WebSocket retries', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 1 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.client.stop();
    const calls = h.fetch.calls.length;
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect([h.fetch.calls.length, h.sockets.length, h.client.state]).toEqual([calls, sockets, 'offline']);
  });

  it('never puts the token in any URL, REST or WebSocket', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 1 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(10_000);
    h.connect([amy]);
    expect(h.urls().length).toBeGreaterThan(3);
    for (const url of h.urls()) expect(url).not.toContain(TOKEN);
  });

  it('a short blip says reconnecting (offline while nothing answers), never polling: the first answer of the API tries the socket at once', async () => {
    // The app's timings: 500 ms first backoff step, 3 attempts, a poll every 3 s; the jitter at its top.
    const h = pollingHarness({ fallbackAfterFailures: 3, pollIntervalMs: 3_000 });
    let down = false;
    const answer = <T>(body: () => T) => () => (down ? ('network-error' as const) : { status: 200, body: body() });
    h.fetch.route(STATUS, answer(() => h.server.friends));
    h.fetch.route(`${STATUS}?reconnect=1`, answer(() => h.server.friends));
    h.fetch.route('GET /api/v1/users/1/status', answer(() => h.server.self));
    h.client.start();
    h.connect([amy, bob]);
    // The network goes: the socket drops, and every attempt fails at once while the REST calls fail too.
    down = true;
    await failAttempts(h, 3); // the drop, then two attempts
    expect(h.client.state).toBe('reconnecting');
    h.ws.fail(); // the third: the REST fallback starts, and cannot answer
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('offline');
    // The network is back before the next attempt (4 s away); Amy changed meanwhile.
    down = false;
    h.server.friends = [{ ...amy, status: 'busy' }, bob];
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(3_000); // the next poll answers
    expect(h.client.state).toBe('reconnecting');
    expect(h.sockets).toHaveLength(sockets + 1); // not at the backoff's next tick, 1 s later
    expect(h.client.friend(2)?.status).toBe('busy'); // shown, as of the poll (not as live)
    h.connect([{ ...amy, status: 'busy' }, bob]);
    expect(h.client.state).toBe('connected');
    expect(h.eventsOf('state')).toEqual(['connecting', 'connected', 'reconnecting', 'offline', 'reconnecting', 'connected']);
    // Live again: no more polls.
    const polls = h.fetch.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.fetch.calls).toHaveLength(polls);
    h.client.stop();
  });

  it('after 4429 (rate limited) it polls when the API answers, and does not hurry the socket the server asked to wait', async () => {
    const h = pollingHarness({ fallbackAfterFailures: 3 });
    h.client.start();
    for (let i = 0; i < 3; i++) {
      const before = h.sockets.length;
      h.ws.open();
      h.ws.serverClose(4429);
      while (h.sockets.length === before && i < 2) await vi.advanceTimersByTimeAsync(1_000);
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('polling');
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(7_000); // within the 7.5–15 s the server asked for
    expect(h.sockets).toHaveLength(sockets);
    h.client.stop();
  });

  it('after 4409 (too many sockets) it polls without trying a socket that would close another tab’s', async () => {
    const h = pollingHarness();
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(4409);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('polling');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.client.state).toBe('polling');
    h.client.stop();
  });

  it('after 4409 a page shown again, the browser back online or a "Retry now" polls at once and opens no socket (it would close another tab’s)', async () => {
    const net = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
    // A poll interval far beyond the test's waits: a poll seen is one asked for now.
    const h = pollingHarness({ network: net, visibility: doc, pollIntervalMs: 600_000 });
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(4409);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('polling');
    const polls = () => h.fetch.calls.filter((c) => c.url.includes('/friends/status')).length;
    for (const act of [() => doc.dispatchEvent(new Event('visibilitychange')), () => net.dispatchEvent(new Event('online')), () => h.client.reconnectNow()]) {
      const before = polls();
      act();
      await vi.advanceTimersByTimeAsync(0);
      expect(polls()).toBe(before + 1);
      expect(h.sockets).toHaveLength(1);
      expect(h.client.state).toBe('polling');
    }
    // The browser offline, then its backoff tick: still no socket; the next poll answering says polling.
    net.dispatchEvent(new Event('offline'));
    expect(h.client.state).toBe('offline');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.sockets).toHaveLength(1);
    net.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(1);
    expect(h.client.state).toBe('polling');
    h.client.stop();
  });
});
