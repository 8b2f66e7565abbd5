/**
 * The client state machine at its edges: repeated starts, work done while stopped, late
 * REST answers from an earlier mode, and which failures push it to polling.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../src/client/api.js';
import { PresenceClient } from '../../../src/client/presence-client.js';
import type { View } from '../../../src/protocol/index.js';
import { BASE_URL, FakeFetch, harness, ME, T0, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const STATUS = 'GET /api/v1/users/me/friends/status';
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** REST answers like a live server; `gate` holds the friends-status answer until released. */
function restHarness(opts: Parameters<typeof harness>[0] = {}) {
  const h = harness({ random: () => 1, connectTimeoutMs: 1_000_000, ...opts });
  const server = { friends: [amy], self: ME };
  h.fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
  h.fetch.route(STATUS, () => ({ status: 200, body: server.friends }));
  h.fetch.route(`${STATUS}?reconnect=1`, () => ({ status: 200, body: server.friends }));
  h.fetch.route('GET /api/v1/users/1/status', () => ({ status: 200, body: server.self }));
  return Object.assign(h, { server });
}

/** A harness whose friends-status answers wait for the test while `hold` is set; the own status answers `self` at once. */
function heldHarness(opts: Parameters<typeof harness>[0] = {}) {
  const fetch = new FakeFetch();
  const state = { hold: false, held: [] as Array<(body: unknown) => void>, self: ME as View | null };
  fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
  fetch.route('GET /api/v1/users/1/status', () => (state.self ? { status: 200, body: state.self } : { status: 500, body: { code: 'INTERNAL_ERROR', message: 'x' } }));
  fetch.route(STATUS, { status: 200, body: [amy] });
  fetch.route(`${STATUS}?reconnect=1`, { status: 200, body: [amy] });
  const fetchImpl: typeof fetch.fn = async (input, init) => {
    if (state.hold && new URL(String(input)).pathname.endsWith('/friends/status')) {
      const body = await new Promise<unknown>((r) => state.held.push(r));
      return { ok: true, status: 200, text: async () => JSON.stringify(body) } as Response;
    }
    return fetch.fn(input, init);
  };
  const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl });
  const h = harness({ random: () => 1, connectTimeoutMs: 1_000_000, api, ...opts });
  return Object.assign(h, { control: state, routes: fetch });
}

/**
 * A connected client whose socket skipped a seq (a gap): its resync's friends answer waits for
 * the test; its own-status answer is `self` (the server's own view when the request arrived).
 */
async function resyncHeld(self: View | null = ME) {
  const h = heldHarness();
  h.client.start();
  const ws = h.connect([amy]);
  h.control.self = self;
  h.control.hold = true;
  ws.receive({ seq: 5, type: 'are_you_there' });
  await vi.advanceTimersByTimeAsync(0);
  return { h, ws };
}

/** A harness whose PUT answers (setStatus) wait until the test gives each one its body. */
function heldPutHarness() {
  const fetch = new FakeFetch();
  const held: Array<(body: unknown) => void> = [];
  const fetchImpl: typeof fetch.fn = async (input, init) => {
    if (init?.method !== 'PUT') return fetch.fn(input, init);
    const body = await new Promise<unknown>((r) => held.push(r));
    return { ok: true, status: 200, text: async () => JSON.stringify(body) } as Response;
  };
  return { h: harness({ api: new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl }) }), held };
}

/** A client with no WebSocket at all (REST only), whose friends-status calls the test answers by hand. */
function restOnly() {
  const answers: Array<(body: unknown) => void> = [];
  const fetch = new FakeFetch();
  fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
  fetch.route('GET /api/v1/users/1/status', { status: 200, body: ME });
  const slow: typeof fetch.fn = async (input, init) => {
    const url = String(input);
    if (new URL(url).pathname.endsWith('/friends/status')) {
      const body = await new Promise<unknown>((r) => answers.push(r));
      return { ok: true, status: 200, text: async () => JSON.stringify(body) } as Response;
    }
    return fetch.fn(input, init);
  };
  const getToken = () => TOKEN;
  const client = new PresenceClient({ baseUrl: BASE_URL, getToken, api: new ApiClient({ baseUrl: BASE_URL, getToken, fetchImpl: slow }), pollIntervalMs: 3_000 });
  const selfEvents: unknown[] = [];
  client.on('self', (v) => selfEvents.push(v));
  return { client, fetch, answers, selfEvents };
}

describe('PresenceClient lifecycle', () => {
  it('start() while running does nothing: one socket, one connecting', () => {
    const h = harness();
    h.client.start();
    h.client.start();
    expect(h.sockets).toHaveLength(1);
    h.connect([amy]);
    h.client.start();
    expect(h.sockets).toHaveLength(1);
    expect(h.client.state).toBe('connected');
    expect(h.eventsOf('state')).toEqual(['connecting', 'connected']);
  });

  it('interactions and still-here while stopped are not remembered for the next start', () => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.ws.fail();
    h.client.notifyInteraction();
    h.client.stop();
    h.client.notifyInteraction();
    h.client.stillHere();
    h.client.start();
    const ws = h.connect([amy]);
    expect(ws.sent.map((f) => f.type)).toEqual(['auth']);
  });

  it('says it reconnects by itself (?reconnect=1) only once a socket of this start reached ready', () => {
    const h = harness();
    h.client.start();
    expect(h.ws.url).toBe(`${BASE_URL.replace(/^http/, 'ws')}/ws/status`);
    h.ws.fail(); // the first attempt failed: the next is still the user's own start
    vi.advanceTimersByTime(500);
    expect(h.ws.url).not.toContain('reconnect');
    h.connect([amy]);
    h.ws.fail();
    vi.advanceTimersByTime(500);
    expect(h.ws.url).toBe(`${BASE_URL.replace(/^http/, 'ws')}/ws/status?reconnect=1`);
    h.client.reconnectNow();
    expect(h.ws.url).toContain('?reconnect=1');
    // A new start (a new login) is the user again.
    h.client.stop();
    h.client.start();
    expect(h.ws.url).not.toContain('reconnect');
  });

  it('an interaction remembered while reconnecting is sent after that ready only, not again after the next', () => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.ws.fail();
    h.client.notifyInteraction();
    vi.advanceTimersByTime(500);
    expect(h.connect([amy]).sentOfType('interaction')).toHaveLength(1);
    h.ws.fail();
    vi.advanceTimersByTime(500);
    expect(h.connect([amy]).sentOfType('interaction')).toHaveLength(0);
  });

  it('still-here while reconnecting is remembered and answers after ready', () => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.ws.fail();
    h.client.stillHere();
    vi.advanceTimersByTime(500);
    expect(h.connect([amy]).sent.map((f) => f.type)).toEqual(['auth', 'interaction']);
  });

  it('a REST answer arriving after stop() changes nothing the app can see', async () => {
    const h = harness();
    h.fetch.route('PUT /api/v1/users/me/status', { status: 200, body: { ...ME, status: 'busy' } });
    h.client.start();
    h.connect([amy]);
    const pending = h.client.setStatus('busy');
    h.client.stop();
    const selfEvents = h.eventsOf('self').length;
    expect((await pending).status).toBe('busy');
    expect(h.client.self?.status).toBe('online');
    expect(h.eventsOf('self')).toHaveLength(selfEvents);
  });

  it('a REST answer older than a frame already applied does not put back the older own view', async () => {
    // The PUT's answer is held until the test gives it.
    const { h, held } = heldPutHarness();
    h.client.start();
    const ws = h.connect([amy]);
    const pending = h.client.setStatus('busy');
    // The PUT's answer was made at +1 s; another tab set "away" at +2 s, and its frame comes first.
    ws.receive({ type: 'status_update', user_id: 1, status: 'away', activity: null, custom_message: 'from the other tab', timestamp: later(2000) });
    expect(h.client.self?.status).toBe('away');
    await vi.waitFor(() => expect(held).toHaveLength(1));
    held[0]!({ ...ME, status: 'busy', timestamp: later(1000) });
    expect((await pending).status).toBe('busy');
    expect(h.client.self).toMatchObject({ status: 'away', custom_message: 'from the other tab' });
    // A newer answer still applies.
    const next = h.client.setStatus('online');
    await vi.waitFor(() => expect(held).toHaveLength(2));
    held[1]!({ ...ME, status: 'online', timestamp: later(3000) });
    await next;
    expect(h.client.self?.status).toBe('online');
  });

  it('a REST answer about the own status from before stop()+start() is not applied to the new run', async () => {
    const { h, held } = heldPutHarness();
    h.client.start();
    h.connect([amy]);
    const pending = h.client.setStatus('busy');
    // Signed out, and the next account signs in; its ready has not come yet.
    h.client.stop();
    h.client.start();
    await vi.waitFor(() => expect(held).toHaveLength(1));
    const selfEvents = h.eventsOf('self').length;
    held[0]!({ ...ME, status: 'busy', timestamp: later(1000) });
    await pending;
    expect(h.client.self).toBeNull();
    expect(h.eventsOf('self')).toHaveLength(selfEvents);
  });

  it('uses the global document for idle detection when none is given', () => {
    const doc = new (class extends EventTarget {
      visibilityState: DocumentVisibilityState = 'visible';
    })();
    vi.stubGlobal('document', doc);
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const detach = h.client.attachIdleDetection();
    doc.dispatchEvent(new Event('keydown'));
    expect(ws.sentOfType('interaction')).toHaveLength(1);
    detach();
  });
});

describe('PresenceClient failures and polling', () => {
  it('only attempts that never reached ready count towards the polling fallback', async () => {
    const h = restHarness({ fallbackAfterFailures: 3 });
    h.client.start();
    h.connect([amy]);
    // A working connection drops: not a failure.
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(15_000);
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(15_000);
    h.ws.fail();
    expect(h.client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(15_000);
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('reconnecting'); // the API answers: the socket is tried at once
    h.ws.fail();
    expect(h.client.state).toBe('polling');
  });

  it('says polling only once the REST fallback answers: a server that hangs leaves it connecting', async () => {
    const { client, answers } = restOnly();
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    client.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(answers.length).toBeGreaterThan(0); // a poll is out, unanswered
    expect(client.state).toBe('connecting');
    expect(states).not.toContain('polling');
    answers[0]!([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('polling');
    client.stop();
  });

  it('polls as the client’s own doing (?reconnect=1) once a socket of this start was ready, as the person arriving before', async () => {
    const h = restHarness({ fallbackAfterFailures: 1 });
    h.client.start();
    h.ws.fail(); // never ready: polling now is the page just opened
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    expect(h.fetch.callsTo(STATUS).length).toBeGreaterThan(0);
    expect(h.fetch.callsTo(`${STATUS}?reconnect=1`)).toHaveLength(0);
    h.client.stop();

    const again = restHarness({ fallbackAfterFailures: 1 });
    again.client.start();
    again.connect([amy]);
    again.ws.fail(); // a working socket dropped; the next attempt fails: polling by itself
    await vi.advanceTimersByTimeAsync(15_000);
    again.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    again.ws.fail();
    expect(again.client.state).toBe('polling');
    expect(again.fetch.callsTo(`${STATUS}?reconnect=1`).length).toBeGreaterThan(0);
    expect(again.fetch.callsTo(STATUS)).toHaveLength(0);
  });

  it('still-here while polling without any WebSocket is reported over REST at once instead of throwing', async () => {
    const { client, answers, fetch } = restOnly();
    fetch.route('POST /api/v1/users/me/interaction', { status: 204 });
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    answers.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('polling');
    // The page load reported its person's arrival before its first poll (polling-arrival.test.ts).
    expect(fetch.callsTo('POST /api/v1/users/me/interaction')).toHaveLength(1);
    expect(() => client.stillHere()).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.callsTo('POST /api/v1/users/me/interaction')).toHaveLength(2);
    client.stop();
  });

  it('a poll answer arriving after the socket took over is dropped', async () => {
    const h = heldHarness({ fallbackAfterFailures: 1, pollIntervalMs: 3_000 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    const sockets = h.sockets.length;
    h.control.hold = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.control.held).toHaveLength(1);
    // Meanwhile the WebSocket retried in the background gets through.
    while (h.sockets.length === sockets) await vi.advanceTimersByTimeAsync(100);
    h.connect([amy]);
    const friendEvents = h.eventsOf('friend').length;
    h.control.held.shift()?.([{ ...amy, status: 'offline', activity: null }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('connected');
    expect(h.client.friend(2)?.status).toBe('online');
    expect(h.eventsOf('friend')).toHaveLength(friendEvents);
  });

  it('a resync answer arriving after the connection dropped is dropped too', async () => {
    const { h, ws } = await resyncHeld();
    expect(h.control.held).toHaveLength(1);
    ws.fail();
    h.control.held.shift()?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('online');
  });

  it('a resync after a gap applies the friends it fetched while still connected', async () => {
    const { h } = await resyncHeld();
    h.control.held.shift()?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('busy');
    expect(h.client.self).toEqual(ME);
  });

  it('frames that arrive while a resync is in flight win over its older answer', async () => {
    const { h, ws } = await resyncHeld();
    expect(h.control.held).toHaveLength(1);
    // While the REST answer (made before) is on its way: Amy goes busy, and Bo is added.
    const bo = view(3, 'bo', 'online');
    ws.receive({ seq: 6, type: 'friend_status_change', friend_id: 2, status: 'busy', activity: 'browsing', custom_message: 'later', last_seen: null, timestamp: T0 });
    ws.receive({ seq: 7, type: 'friend_added', friend: bo });
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)).toMatchObject({ status: 'busy', custom_message: 'later' });
    expect(h.client.friend(3)).toMatchObject({ username: 'bo' });
  });

  it('a resync after a gap refetches the own view too (a missed status_update)', async () => {
    // Another tab set busy; its status_update was in the gap.
    const { h } = await resyncHeld({ ...ME, status: 'busy', custom_message: 'other tab', timestamp: later(1000) });
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.self).toMatchObject({ status: 'busy', custom_message: 'other tab' });
    expect(h.eventsOf('self').at(-1)).toMatchObject({ status: 'busy' });
  });

  it('an own frame that arrives while a resync is in flight wins over its older own answer', async () => {
    // The REST answer was made when the request arrived (busy); a later change comes as a frame meanwhile.
    const { h, ws } = await resyncHeld({ ...ME, status: 'busy', timestamp: later(1000) });
    ws.receive({ seq: 6, type: 'status_update', user_id: 1, status: 'away', activity: 'browsing', custom_message: 'later', timestamp: later(1000) });
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.self).toMatchObject({ status: 'away', custom_message: 'later' });
  });

  it('a resync own answer older than the own view kept is not applied', async () => {
    // The resync's own answer was made at +1 s (busy); a PUT answered meanwhile with a view made at +2 s.
    const { h } = await resyncHeld({ ...ME, status: 'busy', timestamp: later(1000) });
    h.routes.route('PUT /api/v1/users/me/status', { status: 200, body: { ...ME, status: 'away', timestamp: later(2000) } });
    await h.client.setStatus('away');
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.self?.status).toBe('away');
  });

  it('a resync whose own refetch fails still applies the friends it fetched', async () => {
    const { h } = await resyncHeld(null); // the own refetch fails with a 500
    h.control.held.shift()?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('busy');
    expect(h.client.self).toEqual(ME);
  });

  it('a resync answer of an earlier socket is not applied over the snapshot of the next one', async () => {
    const { h, ws } = await resyncHeld();
    ws.fail();
    await vi.advanceTimersByTimeAsync(500);
    // The new socket's ready is newer than the held answer: Amy went away meanwhile.
    h.connect([{ ...amy, status: 'away', activity: 'idle' }]);
    h.control.held.shift()?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('connected');
    expect(h.client.friend(2)?.status).toBe('away');
  });

  it('frames after the first of two overlapping resyncs ends still win over the second one', async () => {
    const { h, ws } = await resyncHeld();
    ws.receive({ seq: 7, type: 'are_you_there' }); // a second gap: a second resync
    await vi.advanceTimersByTimeAsync(0);
    expect(h.control.held).toHaveLength(2);
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    // After the first answer, Amy goes busy; the second answer was made before that.
    ws.receive({ seq: 8, type: 'friend_status_change', friend_id: 2, status: 'busy', activity: 'browsing', custom_message: null, last_seen: null, timestamp: T0 });
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('busy');
  });

  it('an earlier resync answering after a later one is not applied over it', async () => {
    const { h, ws } = await resyncHeld();
    ws.receive({ seq: 7, type: 'are_you_there' }); // a second gap: a second resync
    await vi.advanceTimersByTimeAsync(0);
    const [first, second] = h.control.held;
    // The second answer was made later and holds Amy's change lost in the second gap.
    second?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    first?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.friend(2)?.status).toBe('busy');
  });

  it('a poll answer older than the own view kept does not put back the older own view', async () => {
    const h = heldHarness({ fallbackAfterFailures: 1, pollIntervalMs: 3_000 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    // The next poll's own answer is made at +1 s; its friends answer waits.
    h.control.self = { ...ME, timestamp: later(1000) };
    h.control.hold = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.control.held).toHaveLength(1);
    // Meanwhile the user sets busy: the PUT answers with a view made at +2 s.
    h.routes.route('PUT /api/v1/users/me/status', { status: 200, body: { ...ME, status: 'busy', timestamp: later(2000) } });
    await h.client.setStatus('busy');
    h.control.held.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.self?.status).toBe('busy');
    h.client.stop();
  });

  it('a poll that fails with another API error shows offline (not unauthorized) and recovers on the next poll', async () => {
    const h = restHarness({ fallbackAfterFailures: 1, pollIntervalMs: 3_000 });
    let status = 500;
    h.fetch.route(STATUS, () => (status === 200 ? { status: 200, body: [amy] } : { status, body: { code: 'INTERNAL_ERROR', message: 'x' } }));
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('offline');
    status = 403;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.state).toBe('offline');
    status = 200;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.friends()).toEqual([amy]);
    h.ws.fail(); // the socket still fails while the API answers
    expect(h.client.state).toBe('polling');
    expect(h.eventsOf('unauthorized')).toEqual([]);
  });

  it('says why it stopped: null while it keeps retrying offline, unauthorized once the token is refused, stopped after stop()', async () => {
    const h = restHarness({ fallbackAfterFailures: 1, pollIntervalMs: 3_000 });
    expect(h.client.stopReason).toBe('stopped'); // never started
    let status = 500;
    h.fetch.route(STATUS, () => ({ status, body: { code: status === 401 ? 'UNAUTHORIZED' : 'INTERNAL_ERROR', message: 'x' } }));
    const seen: Array<[string, unknown]> = [];
    h.client.on('state', (s) => seen.push(['state', `${s}/${h.client.stopReason}`]));
    h.client.on('stopped', (e) => seen.push(['stopped', e.reason]));
    h.client.start();
    expect(h.client.stopReason).toBeNull();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect([h.client.state, h.client.stopReason]).toEqual(['offline', null]); // unreachable: it keeps trying
    // "Retry now" while offline: it says it is trying, then offline again when that fails.
    seen.length = 0;
    h.client.reconnectNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([['state', 'connecting/null'], ['state', 'offline/null']]);
    // The token is refused while already offline: no state change, but it stopped, and says why first.
    seen.length = 0;
    status = 401;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(seen).toEqual([['stopped', 'unauthorized']]);
    expect(h.client.stopReason).toBe('unauthorized');
    h.client.stop(); // the page's own stop afterwards keeps the reason
    expect(h.client.stopReason).toBe('unauthorized');
    expect(seen).toEqual([['stopped', 'unauthorized']]);
    h.client.start();
    expect(h.client.stopReason).toBeNull();
    h.client.stop();
    expect(h.client.stopReason).toBe('stopped');
    expect(seen.at(-1)).toEqual(['stopped', 'stopped']);
  });

  it('a poll answer from before stop()+start() is dropped; the new run polls afresh', async () => {
    const { client, answers } = restOnly();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toHaveLength(1);
    client.stop();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toHaveLength(2);
    answers.shift()?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.friends()).toEqual([]);
    answers.shift()?.([amy]);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.friends()).toEqual([amy]);
    client.stop();
  });

});
