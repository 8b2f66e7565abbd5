/**
 * A practice match declared by a page (a client game) over real sockets, as a friend sees it:
 * it ends when the page playing it goes away, however the page went (the page's own `browsing`
 * may never be sent from a closing tab). A game server's game is not the page's to end.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveFriends, type LiveApp } from '../helpers/live-app.js';
import { connect, type Frame, type TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const GRACE = 10_000;
const SERVICE_TOKEN = 'service-token-for-client-game-tests';
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('a client game ends with the page that declared it', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let watcher: TestSocket;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ offlineGraceMs: GRACE, serviceToken: SERVICE_TOKEN }));
    watcher = (await t.connect(alice.token)).socket;
  });
  afterEach(() => t.close());

  /** Bob's tab (when it is his first, Alice sees him come online: firstTab waits for that). */
  const tab = async (query = '') => {
    const c = await connect(t.url, bob.token, query);
    t.sockets.push(c.socket);
    return c;
  };
  /** Bob's first tab, once Alice saw him come online: a later wait on her socket cannot take that frame for the change it waits for. */
  const firstTab = () => t.connectSeenBy(bob.token, watcher);
  const declare = (body: object) =>
    t.app.inject({ method: 'POST', url: '/api/v1/users/me/activity', headers: bearer(bob.token), payload: body });
  /** Closes one of Bob's tabs, once the server has handled the close (what it causes is queued by then). */
  const shut = async (s: TestSocket) => {
    const open = t.app.gateway.registry.connsOf(bob.id)?.length ?? 0;
    s.close();
    await s.waitClosed();
    await expect.poll(() => t.app.gateway.registry.connsOf(bob.id)?.length ?? 0).toBe(open - 1);
  };

  it('closing the tab that declared it over REST (naming its socket) ends it an offline grace later while another tab stays', async () => {
    await firstTab(); // Friends tab
    const play = await tab();
    let res: Awaited<ReturnType<typeof declare>> | undefined;
    const seen = await watcher.after(async () => (res = await declare({ activity: 'playing_pong', session_id: play.ready.session_id })), change(bob.id));
    expect(seen).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    expect(res?.statusCode).toBe(200);

    const from = watcher.mark();
    await shut(play.socket);
    await t.advance(GRACE - 1);
    // The close and the tick queued whatever they made for Alice: it is in before her barrier's answer.
    await watcher.settled();
    expect(watcher.since(from).filter(change(bob.id))).toEqual([]);
    const ended = await watcher.after(() => t.advance(1), change(bob.id));
    expect(ended).toMatchObject({ status: 'online', activity: 'browsing' });
    await t.advance(3 * GRACE);
    expect(watcher.since(from).filter(change(bob.id))).toHaveLength(1);
  });

  it('the same for a game declared with the socket frame', async () => {
    await firstTab();
    const play = await tab();
    await watcher.after(() => play.socket.send({ type: 'activity', activity: 'playing_pong' }), change(bob.id));
    await shut(play.socket);
    const ended = await watcher.after(() => t.advance(GRACE), change(bob.id));
    expect(ended).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a reload of the only tab ends it as the page loads again, with no wait', async () => {
    const play = await firstTab();
    await watcher.after(() => play.socket.send({ type: 'activity', activity: 'playing_pong' }), change(bob.id));
    await shut(play.socket);
    const ended = await watcher.after(() => tab(), change(bob.id));
    expect(ended).toMatchObject({ status: 'online', activity: 'browsing' });
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/users/${bob.id}/status`, headers: bearer(bob.token) });
    expect(own.json()).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a page that reconnects by itself and declares it again keeps it, friends seeing nothing', async () => {
    await firstTab();
    const play = await tab();
    await watcher.after(() => play.socket.send({ type: 'activity', activity: 'playing_pong' }), change(bob.id));
    const from = watcher.mark();
    await shut(play.socket);
    await t.advance(GRACE / 2);
    const back = await tab('?reconnect=1');
    back.socket.send({ type: 'activity', activity: 'playing_pong' });
    await back.socket.next((f) => f.type === 'status_update', { timeoutMs: 200 }).catch(() => undefined);
    await t.advance(3 * GRACE);
    await watcher.settled();
    expect(watcher.since(from).filter(change(bob.id))).toEqual([]);
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/users/${bob.id}/status`, headers: bearer(bob.token) });
    expect(own.json()).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });

  it('a game server\'s game is not ended by a tab closing or a page loading', async () => {
    await firstTab();
    const play = await tab();
    const seen = await watcher.after(
      () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/games/events',
          headers: { 'x-service-token': SERVICE_TOKEN },
          payload: { event: 'match_started', match_id: 'm-1', player_ids: [bob.id] },
        }),
      change(bob.id),
    );
    expect(seen).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    const from = watcher.mark();
    await shut(play.socket);
    await tab();
    await t.advance(3 * GRACE);
    await watcher.settled();
    expect(watcher.since(from).filter(change(bob.id))).toEqual([]);
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/users/${bob.id}/status`, headers: bearer(bob.token) });
    expect(own.json()).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });
});
