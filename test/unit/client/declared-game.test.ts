/**
 * A game the client declares belongs to its socket (the server ends one no live session holds,
 * protocol.md §5): each declaration names the socket, and a game still running is declared
 * again over the next socket after a reconnect. A declaration from `pagehide` outlives the page.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../src/client/api.js';
import { harness, ME, readyFrame, slowNetwork, useFakeClock } from './fake-server.js';

const ACTIVITY = 'POST /api/v1/users/me/activity';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

function playing() {
  const h = harness();
  h.fetch.route(ACTIVITY, (call) => ({ status: 200, body: { ...ME, status: 'in_game', activity: (call.body as { activity: string }).activity } }));
  h.client.start();
  h.connect([], { self: ME });
  return h;
}

describe('PresenceClient: a declared game and its socket', () => {
  it('names the socket (its ready session_id) in each declaration', async () => {
    const h = playing();
    await h.client.setActivity('playing_pong');
    expect(h.fetch.callsTo(ACTIVITY).map((c) => c.body)).toEqual([{ activity: 'playing_pong', session_id: 's1' }]);
  });

  it('declares a game still running again over the next socket, and not one that ended', async () => {
    const h = playing();
    await h.client.setActivity('playing_pong');
    h.ws.fail();
    vi.advanceTimersByTime(500);
    h.ws.open();
    h.ws.receive({ ...(readyFrame([]) as unknown as Record<string, unknown>), session_id: 's2' });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(ACTIVITY).map((c) => c.body)).toEqual([
      { activity: 'playing_pong', session_id: 's1' },
      { activity: 'playing_pong', session_id: 's2' },
    ]);
    expect(h.client.self).toMatchObject({ status: 'in_game', activity: 'playing_pong' });

    await h.client.setActivity('browsing');
    h.ws.fail();
    vi.advanceTimersByTime(500);
    h.connect([], { self: ME });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(ACTIVITY)).toHaveLength(3);
  });

  it('sends a keepalive request when asked (a page going away)', async () => {
    const h = playing();
    const inits: Array<RequestInit | undefined> = [];
    const api = new ApiClient({ baseUrl: 'http://beacon.test', getToken: () => 't', fetchImpl: (input, init) => (inits.push(init), h.fetch.fn(input, init)) });
    await api.setActivity('browsing', undefined, { keepalive: true });
    await api.setActivity('browsing');
    expect(inits.map((i) => i?.keepalive)).toEqual([true, undefined]);
  });
});

/**
 * Only a declaration the server accepted is remembered (and declared again over the next
 * socket): one it refused (409, a game server's match holding the activity; any 4xx) leaves the
 * one remembered before it. One with no answer (the network, a 5xx) may have been applied and
 * stands: a `browsing` lost with the connection still ends the game.
 */
describe('PresenceClient: a refused declaration is not remembered', () => {
  const CONFLICT = { status: 409, body: { code: 'CONFLICT', message: 'A game server reports you in a match; it ends when the match ends' } };
  /** A server answering the activities in `refuse` with `reply`, applying the others. */
  function refusing(refuse: string[], reply: { status: number; body: unknown } | 'network-error' = CONFLICT) {
    const h = harness();
    h.fetch.route(ACTIVITY, (call) => {
      const { activity } = call.body as { activity: string };
      return refuse.includes(activity) ? reply : { status: 200, body: { ...ME, status: activity === 'browsing' ? 'online' : 'in_game', activity } };
    });
    h.client.start();
    h.connect([], { self: ME });
    return h;
  }
  async function reconnect(h: ReturnType<typeof harness>, sessionId: string): Promise<void> {
    h.ws.fail();
    vi.advanceTimersByTime(500);
    h.ws.open();
    h.ws.receive({ ...(readyFrame([]) as unknown as Record<string, unknown>), session_id: sessionId });
    await vi.advanceTimersByTimeAsync(0);
  }
  const declared = (h: ReturnType<typeof harness>) => h.fetch.callsTo(ACTIVITY).map((c) => c.body);

  it('a game refused with 409 is not declared again over the next socket', async () => {
    const h = refusing(['playing_pong']);
    await expect(h.client.setActivity('playing_pong')).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
    await reconnect(h, 's2');
    expect(declared(h)).toEqual([{ activity: 'playing_pong', session_id: 's1' }]);
  });

  it('a refusal (any 4xx) keeps the game accepted before it, declared again over the next socket', async () => {
    const h = refusing(['in_tournament'], { status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' } });
    await h.client.setActivity('playing_pong');
    await expect(h.client.setActivity('in_tournament')).rejects.toMatchObject({ status: 429 });
    await reconnect(h, 's2');
    expect(declared(h)).toEqual([
      { activity: 'playing_pong', session_id: 's1' },
      { activity: 'in_tournament', session_id: 's1' },
      { activity: 'playing_pong', session_id: 's2' },
    ]);
  });

  it('a refused declaration still on its way when the socket comes back is not declared over it', async () => {
    const h = harness();
    let answer = (): void => undefined;
    h.fetch.route(ACTIVITY, () => new Promise((resolve) => (answer = () => resolve(CONFLICT))));
    h.client.start();
    h.connect([], { self: ME });
    const start = h.client.setActivity('playing_pong');
    await reconnect(h, 's2');
    answer();
    await expect(start).rejects.toMatchObject({ status: 409 });
    await vi.advanceTimersByTimeAsync(0);
    expect(declared(h)).toEqual([{ activity: 'playing_pong', session_id: 's1' }]);
  });

  it('a browsing that got no answer (the network) still ends the game: it is not declared again', async () => {
    const h = refusing(['browsing'], 'network-error');
    await h.client.setActivity('playing_pong');
    await expect(h.client.setActivity('browsing')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    await reconnect(h, 's2');
    expect(declared(h)).toHaveLength(2);
  });
});

/**
 * Declarations are applied in the order they were made: requests sent together may reach the
 * server in either order, and the one applied last stays (a `playing_pong` overtaken by the
 * `browsing` that ended the match would leave friends seeing "In game" with no match running).
 */
describe('PresenceClient: declarations in order', () => {
  it('the last declared is the last applied when an earlier one is slow on the network', async () => {
    const { h, bodies: applied, hold, release } = slowNetwork();
    hold();
    const start = h.client.setActivity('playing_pong');
    const leave = h.client.setActivity('browsing');
    await vi.advanceTimersByTimeAsync(0);
    release();
    await Promise.all([start, leave]);
    expect(applied).toEqual([
      { activity: 'playing_pong', session_id: 's1' },
      { activity: 'browsing', session_id: 's1' },
    ]);
    expect(h.client.self).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a declaration that fails does not hold back the next', async () => {
    const h = harness();
    let n = 0;
    h.fetch.route(ACTIVITY, (call) =>
      n++ === 0 ? { status: 500, body: { code: 'INTERNAL_ERROR', message: 'boom' } } : { status: 200, body: { ...ME, activity: (call.body as { activity: string }).activity } },
    );
    h.client.start();
    h.connect([], { self: ME });
    const first = h.client.setActivity('playing_pong');
    const second = h.client.setActivity('browsing');
    await expect(first).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await expect(second).resolves.toMatchObject({ activity: 'browsing' });
    expect(h.fetch.callsTo(ACTIVITY)).toHaveLength(2);
  });

  it('a game declared again over a new socket waits its turn, and is not declared once a later declaration ended it', async () => {
    const { h, bodies: applied, hold, release } = slowNetwork();
    hold();
    const start = h.client.setActivity('playing_pong');
    // The socket drops and comes back while that declaration is on its way…
    h.ws.fail();
    vi.advanceTimersByTime(500);
    h.ws.open();
    h.ws.receive({ ...(readyFrame([]) as unknown as Record<string, unknown>), session_id: 's2' });
    // …and the match ends.
    const leave = h.client.setActivity('browsing');
    await vi.advanceTimersByTimeAsync(0);
    release();
    await Promise.all([start, leave]);
    await vi.advanceTimersByTimeAsync(0);
    expect(applied.map((b) => (b as { activity: string }).activity)).toEqual(['playing_pong', 'browsing']);
    expect(applied.at(-1)).toEqual({ activity: 'browsing', session_id: 's2' });
    expect(h.client.self).toMatchObject({ activity: 'browsing' });
  });

  it('a keepalive declaration (a page going away) is sent at once, even while another is on its way', async () => {
    const { h, hold, release } = slowNetwork();
    hold();
    const start = h.client.setActivity('playing_pong');
    void h.client.setActivity('browsing', { keepalive: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(ACTIVITY).map((c) => (c.body as { activity: string }).activity)).toEqual(['playing_pong', 'browsing']);
    release();
    await start;
  });
});
