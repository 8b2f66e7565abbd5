/**
 * Outside test (an adopter whose friendsOf reads its own table, and returns no category, or one
 * Beacon does not know: a JavaScript host, a column read as it is): before, such a friend showed
 * as a stranger sees them on the first read (offline, no message) and, once the host called
 * friendshipChanged for the pair, was taken out of the list (`friend_removed`), with nothing in
 * the log either time. Now the friend is an acquaintance (the least a category could mean: the
 * public view) on every read, and the log says which friends got no valid category.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { FriendCategory } from '../../src/protocol/index.js';
import { beacon } from '../../src/server/index.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { connect, type TestSocket } from '../helpers/ws-client.js';

let apps: FastifyInstance[] = [];
let sockets: TestSocket[] = [];
afterEach(async () => {
  for (const s of sockets) s.ws.terminate();
  sockets = [];
  for (const a of apps) await a.close();
  apps = [];
});

describe("a host's friendsOf that gives no valid category", () => {
  it.each([
    ['no category', undefined],
    ['a misspelt one', 'Friend'],
  ])('with %s: the friend stays listed as an acquaintance, also after friendshipChanged, and the log says so', async (_, category) => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('1', 'Alice');
    const bobToken = host.addUser('2', 'Bob');
    const warnings: Array<{ msg: string; obj: Record<string, unknown> }> = [];
    const app = Fastify();
    apps.push(app);
    await app.register(beacon, {
      prefix: '/beacon',
      identity: host.identity,
      friends: { friendsOf: async (id) => (id === '1' ? [{ id: '2', category: category as FriendCategory }] : id === '2' ? [{ id: '1', category: category as FriendCategory }] : []) },
      profiles: host.profiles,
      config: { databaseUrl: 'sqlite::memory:', batchWindowMs: 0, rateLimits: false },
    });
    const warn = app.log.warn.bind(app.log);
    app.log.warn = ((...args: unknown[]) => {
      warnings.push({ msg: String(args.find((a) => typeof a === 'string') ?? ''), obj: (typeof args[0] === 'object' ? args[0] : {}) as Record<string, unknown> });
      (warn as (...a: unknown[]) => void)(...args);
    }) as typeof app.log.warn;
    const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/beacon`;
    const bob = await connect(base, bobToken);
    sockets.push(bob.socket);
    // Bob lets everyone see his status, only friends his message.
    const settings = await app.inject({ method: 'PUT', url: '/beacon/api/v1/users/me/status/settings', headers: { authorization: `Bearer ${bobToken}` }, payload: { status_visibility: 'public' } });
    expect(settings.statusCode, settings.body).toBe(200);
    const busy = await app.inject({ method: 'PUT', url: '/beacon/api/v1/users/me/status', headers: { authorization: `Bearer ${bobToken}` }, payload: { status: 'busy', custom_message: 'Practising' } });
    expect(busy.statusCode, busy.body).toBe(200);

    const alice = await connect(base, aliceToken);
    sockets.push(alice.socket);
    expect(alice.ready.friends).toEqual([expect.objectContaining({ user_id: 2, status: 'busy', custom_message: null })]);
    expect(warnings).toContainEqual({
      msg: 'friends port gave friends no valid category (close_friend, friend or acquaintance): Beacon takes them as acquaintances, who see only the public view (said at most once a minute)',
      obj: { userId: expect.anything(), friends: [expect.anything()], count: 1 },
    });

    // The host says the pair changed (a rename of the category, say): Bob is still Alice's friend.
    const from = alice.socket.frames.length;
    await app.beacon.friendshipChanged('1', '2');
    await alice.socket.settled();
    expect(alice.socket.frames.slice(from).filter((f) => f.type === 'friend_removed')).toEqual([]);
    const rest = await app.inject({ url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(rest.json()).toEqual([expect.objectContaining({ user_id: 2, status: 'busy', custom_message: null })]);
  });
});
