/**
 * Embedded mode: an existing Fastify site registers the Beacon plugin with its own identity,
 * friends and profiles, and Beacon works on the site's data with real sockets.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { afterEach, describe, expect, it } from 'vitest';
import { beacon } from '../../src/server/index.js';
import { FakeClock } from '../helpers/clock.js';
import { MemoryHost } from '../helpers/memory-host.js';
import WebSocket from 'ws';
import { connect, openSocket, TestSocket } from '../helpers/ws-client.js';

const SERVICE_TOKEN = 'service-token-0123456789';
let apps: FastifyInstance[] = [];
let sockets: TestSocket[] = [];

afterEach(async () => {
  for (const s of sockets) s.close();
  sockets = [];
  for (const a of apps) await a.close();
  apps = [];
});

async function hostSite(host: MemoryHost, { ownWebsocket = false } = {}) {
  const clock = new FakeClock();
  const app = Fastify();
  apps.push(app);
  if (ownWebsocket) {
    await app.register(websocket);
    app.get('/host-ws', { websocket: true }, (socket) => socket.send('host socket'));
  }
  app.get('/api/me', async () => ({ site: 'pong' }));
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ site: 'not here' }));
  await app.register(beacon, {
    prefix: '/beacon',
    identity: host.identity,
    friends: host.friends,
    profiles: host.profiles,
    config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', batchWindowMs: 0, rateLimits: false, serviceToken: SERVICE_TOKEN, offlineGraceMs: 10_000 },
    overrides: { now: clock.now },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${url}/beacon`;
  return {
    app,
    base,
    async connect(token: string) {
      const c = await connect(base, token);
      sockets.push(c.socket);
      return c;
    },
    /** Waits until the server saw sockets close, down to `left` open. */
    async closed(left: number) {
      while (app.beacon.gateway.registry.size > left) await new Promise((r) => setTimeout(r, 5));
    },
    async advance(ms: number) {
      clock.advance(ms);
      app.beacon.services.presence.tick();
      app.beacon.gateway.flush();
      await new Promise((r) => setTimeout(r, 5));
    },
  };
}

/** A host site where the host's users `a` (Alice) and `b` (Bob) are friends, both connected. */
async function twoFriends(a: string, b: string) {
  const host = new MemoryHost();
  const aliceToken = host.addUser(a, 'Alice');
  const bobToken = host.addUser(b, 'Bob');
  host.befriend(a, b);
  const site = await hostSite(host);
  const alice = await site.connect(aliceToken);
  const bob = await site.connect(bobToken);
  return { host, site, aliceToken, alice, bob, bobId: (bob.ready.self as { user_id: number }).user_id };
}

const changeOf = (friendId: unknown, status: string) => (f: { type: string; friend_id?: unknown; status?: unknown }) =>
  f.type === 'friend_status_change' && f.friend_id === friendId && f.status === status;

describe('embedded mode (the Beacon plugin inside a host Fastify site)', () => {
  it('shows two friends of the host online, busy, in a match with its score, and offline', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('u-alice', 'Alice');
    const bobToken = host.addUser('u-bob', 'Bob');
    host.befriend('u-alice', 'u-bob');
    const site = await hostSite(host);

    const alice = await site.connect(aliceToken);
    const aliceId = (alice.ready.self as { user_id: number }).user_id;
    const seen = alice.socket.mark();
    const bob = await site.connect(bobToken);
    const bobId = (bob.ready.self as { user_id: number }).user_id;
    expect(bob.ready.self).toMatchObject({ username: 'Bob', display_name: 'Bob', status: 'online' });
    expect(bob.ready.friends).toEqual([expect.objectContaining({ user_id: aliceId, username: 'Alice', status: 'online' })]);
    await alice.socket.next(changeOf(bobId, 'online'), { from: seen });

    await alice.socket.after(
      () => fetch(`${site.base}/api/v1/users/me/status`, { method: 'PUT', headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'busy' }) }),
      changeOf(bobId, 'busy'),
    );

    const inGame = await alice.socket.after(
      () => site.app.beacon.game({ event: 'match_started', match_id: 'm1', player_ids: ['u-bob', 'u-alice'], details: { opponent: 'Alice', mode: 'classic', score: '0-0' } }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.status === 'in_game',
    );
    expect(inGame.activity).toBe('playing_pong');
    const scored = await alice.socket.after(
      () => site.app.beacon.game({ event: 'match_updated', match_id: 'm1', player_ids: ['u-bob', 'u-alice'], details: { opponent: 'Alice', mode: 'classic', score: '3-1', round: 2 } }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && (f.activity_details as { score?: string } | null)?.score === '3-1',
    );
    expect(scored.activity_details).toMatchObject({ opponent: 'Alice', mode: 'classic', round: 2 });
    await alice.socket.after(() => site.app.beacon.game({ event: 'match_ended', match_id: 'm1', player_ids: ['u-bob', 'u-alice'] }), changeOf(bobId, 'busy'));

    bob.socket.close();
    await site.closed(1);
    await site.advance(10_001);
    await alice.socket.next(changeOf(bobId, 'offline'), { from: 0 });
  });

  it('stops updates after the host removes a friendship and says so', async () => {
    const { host, site, alice, bob, bobId } = await twoFriends('1', '2');

    host.unfriend('1', '2');
    await alice.socket.after(() => site.app.beacon.friendshipChanged(1, 2), (f) => f.type === 'friend_removed' && f.friend_id === bobId);
    const from = alice.socket.mark();
    await bob.socket.after(() => bob.socket.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'status_update' && f.status === 'busy');
    await site.advance(50);
    // His own status_update and any frame of it for Alice were queued in one turn: hers is in before her barrier's answer.
    await alice.socket.settled();
    expect(alice.socket.since(from).filter((f) => f.type === 'friend_status_change')).toEqual([]);

    host.befriend('1', '2', 'close_friend');
    const added = await alice.socket.after(() => site.app.beacon.friendshipChanged('2', '1'), (f) => f.type === 'friend_added');
    expect(added.friend).toMatchObject({ user_id: bobId, status: 'busy' });
  });

  it.each([
    ['still lists the pair', false],
    ['removed the pair first', true],
  ])('deleting a user removes them from friends’ lists at once, live and over REST, when the host %s', async (_case, graphFirst) => {
    const { host, site, aliceToken, alice, bob, bobId } = await twoFriends('1', '2');
    await alice.socket.after(() => bob.socket.send({ type: 'set_status', status: 'busy', custom_message: 'plans' }), changeOf(bobId, 'busy'));
    if (graphFirst) host.unfriend('1', '2');
    await alice.socket.after(async () => expect(await site.app.beacon.deleteUser('2')).toBe(true), (f) => f.type === 'friend_removed' && f.friend_id === bobId);
    expect((await bob.socket.waitClosed(1000)).code).toBe(4000);
    const list = await site.app.inject({ url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(list.statusCode).toBe(200);
    const friends = list.json<Array<{ user_id: number; custom_message: string | null; status: string }>>();
    // Either gone (the host no longer lists him) or a user as one never seen: never the deleted user's state.
    if (graphFirst) expect(friends).toEqual([]);
    expect(JSON.stringify(friends)).not.toContain('plans');
    expect(friends.every((f) => f.status === 'offline')).toBe(true);
  });

  it('refuses a token the host did not issue, on the socket and over REST', async () => {
    const host = new MemoryHost();
    host.addUser('1', 'Alice');
    const site = await hostSite(host);
    const socket = await openSocket(site.base);
    sockets.push(socket);
    socket.send({ type: 'auth', token: 'forged' });
    expect((await socket.waitClosed()).code).toBe(4401);
    const res = await site.app.inject({ method: 'GET', url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: 'Bearer forged' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('loads a viewer’s friends’ profiles in one call, and serves none of Beacon’s own accounts', async () => {
    const host = new MemoryHost();
    const token = host.addUser('me', 'Me');
    for (const f of ['f1', 'f2', 'f3', 'f4']) {
      host.addUser(f, f.toUpperCase());
      host.befriend('me', f);
    }
    const site = await hostSite(host);
    const { ready } = await site.connect(token);
    expect((ready.friends as Array<{ username: string }>).map((f) => f.username).sort()).toEqual(['F1', 'F2', 'F3', 'F4']);
    expect(host.profileCalls.filter((c) => c.includes('f1') || c.includes('f2'))).toHaveLength(1);
    expect((await site.app.inject({ method: 'POST', url: '/beacon/api/v1/auth/register', payload: { username: 'x', password: 'y' } })).statusCode).toBe(404);
  });

  it('tells a token’s user who they are to Beacon (GET /users/me, which the SDK’s polling fallback needs), with the host’s name', async () => {
    const { site, aliceToken, alice } = await twoFriends('u_alice', 'u_bob');
    const me = await site.app.inject({ url: '/beacon/api/v1/users/me', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(me.json()).toEqual({ id: (alice.ready.self as { user_id: number }).user_id, username: 'Alice', display_name: 'Alice', role: 'user' });
    expect((await site.app.inject({ url: '/beacon/api/v1/users/me', headers: { authorization: 'Bearer forged' } })).statusCode).toBe(401);
    expect((await site.app.inject({ method: 'PATCH', url: '/beacon/api/v1/users/me', headers: { authorization: `Bearer ${aliceToken}` }, payload: { display_name: 'X' } })).statusCode).toBe(404);
  });

  it('leaves the host alone: its routes, its 404 and its own @fastify/websocket', async () => {
    const host = new MemoryHost();
    const token = host.addUser('1', 'Alice');
    const site = await hostSite(host, { ownWebsocket: true });
    expect((await site.app.inject({ url: '/api/me' })).json()).toEqual({ site: 'pong' });
    expect((await site.app.inject({ url: '/elsewhere' })).json()).toEqual({ site: 'not here' });
    expect((await site.app.inject({ url: '/beacon/nope' })).json()).toMatchObject({ code: 'NOT_FOUND' });
    const { ready } = await site.connect(token);
    expect(ready.type).toBe('ready');
  });

  it('serves the host\'s own websocket routes registered after Beacon on Beacon\'s @fastify/websocket, as docs/integration.md says', async () => {
    const host = new MemoryHost();
    const token = host.addUser('1', 'Alice');
    const app = Fastify();
    apps.push(app);
    await app.register(beacon, { prefix: '/beacon', identity: host.identity, friends: host.friends, config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent' } });
    // The documented guard for a host whose own registration comes after Beacon's.
    expect(app.hasDecorator('websocketServer')).toBe(true);
    if (!app.hasDecorator('websocketServer')) await app.register(websocket);
    await app.register(async (chat) => {
      chat.get('/chat', { websocket: true }, (socket) => socket.send(JSON.stringify({ type: 'chat' })));
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const chat = new TestSocket(new WebSocket(`${url.replace(/^http/, 'ws')}/chat`));
    sockets.push(chat);
    expect((await chat.next((f) => f.type === 'chat')).type).toBe('chat');
    const { socket, ready } = await connect(`${url}/beacon`, token);
    sockets.push(socket);
    expect(ready.type).toBe('ready');
  });

  it('reports games over REST with the host’s ids and the service token', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('1', 'Alice');
    const bobToken = host.addUser('2', 'Bob');
    host.befriend('1', '2');
    const site = await hostSite(host);
    const alice = await site.connect(aliceToken);
    const bob = await site.connect(bobToken);
    const bobId = (bob.ready.self as { user_id: number }).user_id;
    const post = (body: object, token = SERVICE_TOKEN) =>
      site.app.inject({ method: 'POST', url: '/beacon/api/v1/games/events', headers: { 'x-service-token': token }, payload: body });
    expect((await post({ event: 'match_started', match_id: 7, player_ids: ['2'] }, 'wrong-token-0123456789')).statusCode).toBe(401);
    const game = await alice.socket.after(async () => {
      const res = await post({ event: 'match_started', match_id: 7, player_ids: ['2'], details: { score: '0-0' } });
      expect(res.json()).toEqual({ applied: ['2'] });
    }, changeOf(bobId, 'in_game'));
    expect(game.activity_details).toEqual({ score: '0-0' });
    // The same start again (a retry) changes nothing.
    const from = alice.socket.mark();
    expect((await post({ event: 'match_started', match_id: 7, player_ids: ['2'], details: { score: '0-0' } })).statusCode).toBe(200);
    await site.advance(20);
    // The retry was applied before its answer: a frame of it would be in before her barrier's answer.
    await alice.socket.settled();
    expect(alice.socket.since(from).filter((f) => f.type === 'friend_status_change')).toEqual([]);
  });

  it('shows a match’s details only to friends who may see the activity, and ends a match never reported over', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('1', 'Alice');
    const bobToken = host.addUser('2', 'Bob');
    const carolToken = host.addUser('3', 'Carol');
    host.befriend('2', '1', 'close_friend', 'friend');
    host.befriend('2', '3', 'friend', 'friend');
    const site = await hostSite(host);
    const alice = await site.connect(aliceToken);
    const carol = await site.connect(carolToken);
    await site.connect(bobToken);
    const settings = await site.app.inject({
      method: 'PUT',
      url: '/beacon/api/v1/users/me/status/settings',
      headers: { authorization: `Bearer ${bobToken}` },
      payload: { activity_visibility: 'close_friends' },
    });
    expect(settings.statusCode).toBe(200);

    const carolSaw = carol.socket.mark();
    const seen = await alice.socket.after(
      () => site.app.beacon.game({ event: 'match_started', match_id: 'long', player_ids: [2], details: { score: '0-0', opponent: 'Dave' } }),
      changeOf(2, 'in_game'),
    );
    expect(seen).toMatchObject({ activity: 'playing_pong', activity_details: { score: '0-0', opponent: 'Dave' } });
    const hidden = await carol.socket.next(changeOf(2, 'in_game'), { from: carolSaw });
    expect(hidden).toMatchObject({ activity: null, activity_details: null });

    await alice.socket.after(() => site.advance(10_800_001), changeOf(2, 'online'));
  });

  it('sets a user’s status in process with the host’s id', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('1', 'Alice');
    const bobToken = host.addUser('2', 'Bob');
    host.befriend('1', '2');
    const site = await hostSite(host);
    const alice = await site.connect(aliceToken);
    await site.connect(bobToken);
    const busy = await alice.socket.after(() => site.app.beacon.setStatus('2', 'busy', 'in a meeting'), changeOf(2, 'busy'));
    expect(busy.custom_message).toBe('in a meeting');
  });

  it('shows a rename the host reports to friends and the user live, and in the next snapshot', async () => {
    const { host, site, aliceToken, alice, bob, bobId } = await twoFriends('u-alice', 'u-bob');

    host.users.get('u-bob')!.name = 'Robert';
    const ownFrom = bob.socket.mark();
    const seen = await alice.socket.after(
      () => site.app.beacon.profilesChanged(['u-bob']),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.display_name === 'Robert',
    );
    expect(seen).toMatchObject({ username: 'Robert', status: 'online' });
    await bob.socket.next((f) => f.type === 'status_update' && f.display_name === 'Robert', { from: ownFrom });

    // Nothing changed: no frame. Ids the host never showed Beacon are not created for it.
    const quiet = alice.socket.mark();
    await site.app.beacon.profilesChanged(['u-bob', 'u-nobody']);
    await site.advance(20);
    expect(alice.socket.since(quiet).filter((f) => f.type === 'friend_status_change')).toEqual([]);
    expect(await site.app.beacon.services.ids.internal(['u-nobody'], { create: false })).toEqual(new Map());

    // A new socket's snapshot has the new name too (the kept JSON of Bob's view is not reused).
    const again = await site.connect(aliceToken);
    expect(again.ready.friends).toEqual([expect.objectContaining({ user_id: bobId, display_name: 'Robert' })]);
  });

  it('takes a new name from the identity port on the next request of the same token', async () => {
    const { host, site, alice, bobId } = await twoFriends('u-alice', 'u-bob');
    const bobToken = [...host.tokens].find(([, id]) => id === 'u-bob')![0];
    host.users.get('u-bob')!.name = 'Bobby';
    const seen = await alice.socket.after(
      async () => expect((await fetch(`${site.base}/api/v1/users/me/friends/status`, { headers: { authorization: `Bearer ${bobToken}` } })).status).toBe(200),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.display_name === 'Bobby',
    );
    expect(seen).toMatchObject({ username: 'Bobby' });
  });
});
