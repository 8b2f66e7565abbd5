/**
 * Outside test (an adopter's site whose profiles come from its own database): while the site's
 * profiles port threw (its database down a moment), every socket that loaded a user closed with
 * 1011 and every REST read answered 500 "Internal error": presence was down for everyone over a
 * lookup of names. Now a failing port names nobody: users keep the names Beacon last knew (the
 * identity port's), and the failure is logged as the port's. A port that hung kept every socket
 * waiting for its `ready` (and every REST read) without end, nothing logged: now Beacon stops
 * waiting after the bound (5 s; shortened here) and goes on as for a failure.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
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

describe('the host\'s profiles port fails', () => {
  it('leaves sockets and REST reads working, with the names Beacon last knew, and says so in the log', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('1', 'Alice');
    const bobToken = host.addUser('2', 'Bob');
    host.befriend('1', '2');
    let down = true;
    const warnings: string[] = [];
    const app = Fastify();
    apps.push(app);
    await app.register(beacon, {
      prefix: '/beacon',
      identity: host.identity,
      friends: host.friends,
      profiles: { profiles: async (ids) => (down ? Promise.reject(new Error('site database unavailable')) : host.profiles.profiles(ids)) },
      config: { databaseUrl: 'sqlite::memory:', batchWindowMs: 0, rateLimits: false },
    });
    const warn = app.log.warn.bind(app.log);
    app.log.warn = ((...args: unknown[]) => {
      warnings.push(String(args.find((a) => typeof a === 'string') ?? ''));
      (warn as (...a: unknown[]) => void)(...args);
    }) as typeof app.log.warn;
    const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/beacon`;
    const bob = await connect(base, bobToken);
    sockets.push(bob.socket);
    const alice = await connect(base, aliceToken);
    sockets.push(alice.socket);
    expect(alice.ready.friends).toEqual([expect.objectContaining({ user_id: 2, display_name: 'Bob', status: 'online' })]);
    const rest = await app.inject({ url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json()).toEqual([expect.objectContaining({ user_id: 2, display_name: 'Bob' })]);
    expect(warnings).toContain('profiles port failed: the users it was asked for keep the names Beacon last knew');
    // Back up: a rename the host announces reads the port again.
    down = false;
    host.users.set('2', { name: 'Bobby', admin: false });
    const renamed = await alice.socket.after(() => app.beacon.profilesChanged(['2']), (f) => f.type === 'friend_status_change' && f.friend_id === 2 && f.display_name === 'Bobby');
    expect(renamed.display_name).toBe('Bobby');
  });
});

describe("the host's profiles port hangs", () => {
  it('stops waiting after the bound: a socket gets its ready, with the names Beacon knows, and the log says so', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('1', 'Alice');
    host.addUser('2', 'Bob');
    host.befriend('1', '2');
    const warnings: string[] = [];
    const app = Fastify();
    apps.push(app);
    await app.register(beacon, {
      prefix: '/beacon',
      identity: host.identity,
      friends: host.friends,
      profiles: { profiles: () => new Promise(() => {}) },
      config: { databaseUrl: 'sqlite::memory:', batchWindowMs: 0, rateLimits: false },
      overrides: { hostPortTimeoutMs: 300 },
    });
    const warn = app.log.warn.bind(app.log);
    app.log.warn = ((...args: unknown[]) => {
      warnings.push(String(args.find((a) => typeof a === 'string') ?? ''));
      (warn as (...a: unknown[]) => void)(...args);
    }) as typeof app.log.warn;
    const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/beacon`;
    const alice = await connect(base, aliceToken);
    sockets.push(alice.socket);
    // Alice's name is her token's; Bob, never seen, shows his id until the port answers.
    expect(alice.ready.self).toEqual(expect.objectContaining({ display_name: 'Alice' }));
    expect(alice.ready.friends).toEqual([expect.objectContaining({ display_name: '2' })]);
    expect(warnings).toContain('profiles port failed: the users it was asked for keep the names Beacon last knew');
  });
});
