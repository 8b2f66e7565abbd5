/**
 * Outside audit of the host integration: a user the host signed out (or banned) while a game
 * server had them in a match stayed `in_game` to friends, over REST and live, though the docs
 * say a sign-out makes friends see the user offline at once. A sign-out now ends the user's
 * server games for that user (they leave the matches; the other players stay in game), through
 * the same inputs as a game server's `_ended` event, so friends see them offline at once. A
 * later `match_started` naming them starts a new game as usual. A deletion already forgot them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { hs256, SERVICE_TOKEN, serviceCall, signHost } from '../helpers/sidecar-app.js';

const sign = (sub: string) => signHost(sub);

interface FriendStatus {
  user_id: number;
  status: string;
  activity: string | null;
  activity_details?: Record<string, unknown> | null;
}

describe.each(testDialects())('a sign-out ends the user’s server games, on %s', (dialect) => {
  let app: LiveApp | null = null;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await app?.close();
    app = null;
    await drop();
  });

  const service = serviceCall;
  const game = (live: LiveApp, event: string, matchId: string, players: string[]) =>
    live.app.inject({ method: 'POST', url: '/api/v1/games/events', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { event, match_id: matchId, player_ids: players, details: { score: '1-0' } } });
  const friendsOf = async (live: LiveApp, sub: string) =>
    (await live.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${await sign(sub)}` } })).json<FriendStatus[]>();

  /**
   * g1 befriends g2 and g3 (by the host) and watches over a socket; g2 and g3 interacted once
   * over REST (no socket), then a game server put them in one match: g1 sees both in game.
   */
  async function inMatch() {
    const db = await freshDatabase(dialect);
    drop = db.drop;
    const live = (app = await startLiveApp({ databaseUrl: db.url, hostAuth: hs256, serviceToken: SERVICE_TOKEN }));
    await service(live, 'PUT', '/friendships', { pairs: [{ a: 'g1', b: 'g2' }, { a: 'g1', b: 'g3' }] });
    for (const sub of ['g2', 'g3']) {
      const res = await live.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: { authorization: `Bearer ${await sign(sub)}` } });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    const ids = await live.app.beacon.userIds(['g2', 'g3']);
    const g2 = ids.get('g2')!;
    const g3 = ids.get('g3')!;
    const g1 = await live.connect(await sign('g1'));
    const started = g1.socket.mark();
    expect((await game(live, 'match_started', 'ban-1', ['g2', 'g3'])).json()).toEqual({ applied: ['g2', 'g3'] });
    for (const id of [g2, g3]) await g1.socket.next((f) => f.type === 'friend_status_change' && f.friend_id === id && f.status === 'in_game', { from: started });
    return { live, g1, g2, g3 };
  }

  it('friends see the signed-out player offline at once (live and over REST); the other player stays in game', async () => {
    const { live, g1, g2, g3 } = await inMatch();
    const change = await g1.socket.after(
      async () => expect((await service(live, 'POST', '/users/g2/sign-out')).json()).toEqual({ sessions: 1 }),
      (f) => f.type === 'friend_status_change' && f.friend_id === g2,
    );
    expect(change).toMatchObject({ status: 'offline', activity: null });
    const list = await friendsOf(live, 'g1');
    expect(list.find((f) => f.user_id === g2)).toMatchObject({ status: 'offline', activity: null });
    expect(list.find((f) => f.user_id === g3)).toMatchObject({ status: 'in_game', activity: 'playing_pong', activity_details: { score: '1-0' } });
    // No frame said anything of g3: the match goes on for them.
    expect(g1.socket.frames.filter((f) => f.type === 'friend_status_change' && f.friend_id === g3 && f.status !== 'in_game')).toEqual([]);
  });

  it('a player signed out while their socket is open goes straight to offline (no online in between)', async () => {
    const { live, g1, g2 } = await inMatch();
    const socket = await live.connect(await sign('g2'));
    const changes = g1.socket.mark();
    await g1.socket.after(
      async () => expect((await service(live, 'POST', '/users/g2/sign-out')).json()).toEqual({ sessions: 2 }),
      (f) => f.type === 'friend_status_change' && f.friend_id === g2 && f.status === 'offline',
    );
    expect((await socket.socket.waitClosed(1000)).code).toBe(4000);
    await live.advance(0);
    const seen = g1.socket.frames.slice(changes).filter((f) => f.type === 'friend_status_change' && f.friend_id === g2);
    expect(seen.map((f) => f.status)).toEqual(['offline']);
  });

  it('a match_started naming the player after the sign-out starts a new game as usual', async () => {
    const { live, g1, g2 } = await inMatch();
    await g1.socket.after(() => service(live, 'POST', '/users/g2/sign-out'), (f) => f.type === 'friend_status_change' && f.friend_id === g2 && f.status === 'offline');
    const again = await g1.socket.after(
      async () => expect((await game(live, 'match_started', 'ban-2', ['g2'])).json()).toEqual({ applied: ['g2'] }),
      (f) => f.type === 'friend_status_change' && f.friend_id === g2,
    );
    expect(again).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    expect((await friendsOf(live, 'g1')).find((f) => f.user_id === g2)).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });

  it('app.beacon.signOut takes the same path', async () => {
    const { live, g1, g2, g3 } = await inMatch();
    const change = await g1.socket.after(() => live.app.beacon.signOut('g2'), (f) => f.type === 'friend_status_change' && f.friend_id === g2);
    expect(change).toMatchObject({ status: 'offline', activity: null });
    expect((await friendsOf(live, 'g1')).find((f) => f.user_id === g3)).toMatchObject({ status: 'in_game' });
  });

  it('a deletion removes the player from friends at once, and the other player stays in game', async () => {
    const { live, g1, g2, g3 } = await inMatch();
    await g1.socket.after(async () => expect((await service(live, 'DELETE', '/users/g2')).statusCode).toBe(204), (f) => f.type === 'friend_removed' && f.friend_id === g2);
    const list = await friendsOf(live, 'g1');
    expect(list.map((f) => f.user_id)).toEqual([g3]);
    expect(list[0]).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });
});
