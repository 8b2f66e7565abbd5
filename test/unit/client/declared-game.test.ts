/**
 * A game the client declares belongs to its socket (the server ends one no live session holds,
 * protocol.md §5): each declaration names the socket, and a game still running is declared
 * again over the next socket after a reconnect. A declaration from `pagehide` outlives the page.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../src/client/api.js';
import { harness, ME, readyFrame, useFakeClock } from './fake-server.js';

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
