/**
 * Embedded mode: a friendship the host removes without calling friendshipChanged (a bug, a crash
 * between its commit and the call) used to stay in Beacon's cached friend lists until Beacon
 * restarted: the pair kept seeing each other live through reconnects and new tabs. Now a list
 * read from the host's port is read again when older than BEACON_FRIEND_LIST_TTL_MS: on a
 * connect, and while it is held (the clock's tick); a fresh list costs no port call.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { beacon } from '../../src/server/index.js';
import { FakeClock } from '../helpers/clock.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { connect, type Frame, type TestSocket } from '../helpers/ws-client.js';
import { hs256, SERVICE_TOKEN, serviceCall, signHost } from '../helpers/sidecar-app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';

const TTL = 60_000;
let apps: FastifyInstance[] = [];
let sockets: TestSocket[] = [];
const sidecars: LiveApp[] = [];

afterEach(async () => {
  for (const s of sockets) s.close();
  sockets = [];
  for (const a of apps) await a.close();
  apps = [];
  for (const a of sidecars.splice(0)) await a.close();
});

/** Alice ('1') and Bob ('2') friends in the host, both connected; the host's friendsOf calls counted. */
async function twoFriends() {
  const host = new MemoryHost();
  const aliceToken = host.addUser('1', 'Alice');
  const bobToken = host.addUser('2', 'Bob');
  host.befriend('1', '2');
  const calls: string[] = [];
  const friends = { friendsOf: (id: string | number) => (calls.push(String(id)), host.friends.friendsOf(id)) };
  const clock = new FakeClock();
  const app = Fastify();
  apps.push(app);
  await app.register(beacon, {
    prefix: '/beacon',
    identity: host.identity,
    friends,
    profiles: host.profiles,
    config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', batchWindowMs: 0, rateLimits: false, offlineGraceMs: 10_000, friendListTtlMs: TTL },
    overrides: { now: clock.now },
  });
  const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/beacon`;
  const open = async (token: string) => {
    const c = await connect(base, token);
    sockets.push(c.socket);
    return c;
  };
  const alice = await open(aliceToken);
  const bob = await open(bobToken);
  const idOf = (c: { ready: Frame }) => (c.ready.self as { user_id: number }).user_id;
  return { host, app, clock, calls, open, aliceToken, bobToken, alice, bob, aliceId: idOf(alice), bobId: idOf(bob) };
}

const removed = (id: number) => (f: { type: string; friend_id?: unknown }) => f.type === 'friend_removed' && f.friend_id === id;

describe('a host friend list is read again once older than BEACON_FRIEND_LIST_TTL_MS', () => {
  it('heals a pair the host removed without friendshipChanged within the TTL, on both screens, with no more status after', async () => {
    const { host, app, clock, alice, bob, aliceId, bobId } = await twoFriends();
    host.unfriend('1', '2');
    const aliceFrom = alice.socket.mark();
    const bobFrom = bob.socket.mark();
    clock.advance(TTL + 1);
    app.beacon.services.presence.tick();
    await alice.socket.next(removed(bobId), { from: aliceFrom });
    await bob.socket.next(removed(aliceId), { from: bobFrom });

    const quiet = alice.socket.mark();
    await bob.socket.after(() => bob.socket.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'status_update' && f.status === 'busy');
    // His own status_update and any frame of it for Alice were queued in one turn: hers is in before her barrier's answer.
    await alice.socket.settled();
    expect(alice.socket.since(quiet).filter((f) => f.type === 'friend_status_change')).toEqual([]);
  });

  it('a new tab after the TTL reads the list again before its snapshot, and the open tab is told', async () => {
    const { host, clock, calls, open, aliceToken, alice, bobId } = await twoFriends();
    host.unfriend('1', '2');
    clock.advance(TTL + 1);
    calls.length = 0;
    const from = alice.socket.mark();
    const tab = await open(aliceToken);
    expect(tab.ready.friends).toEqual([]);
    await alice.socket.next(removed(bobId), { from });
    // Alice's list once, first; Bob's, as old, follows once hers ends (re-reads by age do not wait for a tick).
    expect(calls[0]).toBe('1');
    expect(calls.filter((c) => c === '1')).toEqual(['1']);
  });

  it('a list younger than the TTL costs no port call on a connect, and is not read again by the clock', async () => {
    const { app, clock, calls, open, aliceToken, bobId } = await twoFriends();
    calls.length = 0;
    clock.advance(TTL - 1);
    app.beacon.services.presence.tick();
    const tab = await open(aliceToken);
    expect(tab.ready.friends).toEqual([expect.objectContaining({ user_id: bobId })]);
    expect(calls).toEqual([]);
  });

  it('sidecar: a removal whose announcement was lost after its commit heals within the TTL', async () => {
    const app = await startLiveApp({ hostAuth: hs256, serviceToken: SERVICE_TOKEN, friendListTtlMs: TTL });
    sidecars.push(app);
    expect((await serviceCall(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] })).statusCode).toBe(200);
    const alice = await app.connect(await signHost('alice'));
    const bob = await app.connectSeenBy(await signHost('bob'), alice.socket);
    const bobId = (bob.ready.self as { user_id: number }).user_id;
    // The rows went, and Beacon was never told (the write's re-read failed; the host's retry found nothing to delete).
    await app.app.services.database.db.deleteFrom('friendships').execute();
    const from = alice.socket.mark();
    await app.advance(TTL - 1);
    expect(alice.socket.since(from).filter((f) => f.type === 'friend_removed')).toEqual([]);
    await app.advance(1);
    await alice.socket.next(removed(bobId), { from });
  });
});
