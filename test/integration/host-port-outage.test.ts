/**
 * Outside test (an adopter's site whose friends and sign-in checks come from its own database,
 * Beacon embedded; the identity port's case is at the end):
 * while the site's `friendsOf` threw, a connecting socket closed 1011 `internal error` with
 * `websocket auth failed` logged at error (the token was fine), and REST reads answered 500
 * "Internal error" (`unhandled error`); while it hung, sockets and reads waited without end and
 * nothing was logged. Now the port's failure, or its silence past the bound, is said as the
 * port's (`friends port failed`, warn, with the reason), the socket closes 1011
 * `friend list unavailable` (the client reconnects with backoff), a REST read answers 503, and
 * the site's friends are read again on the next connect once the port answers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { beacon } from '../../src/server/index.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { connect, openSocket, type TestSocket } from '../helpers/ws-client.js';

let apps: FastifyInstance[] = [];
let sockets: TestSocket[] = [];
afterEach(async () => {
  for (const s of sockets) s.ws.terminate();
  sockets = [];
  for (const a of apps) await a.close();
  apps = [];
});

/**
 * Bound on the host's port calls in these tests (5 s in production). A socket's auth timer stops
 * once its token is verified, before friendsOf is asked, so this bound alone decides when a socket
 * waiting for its friend list closes, as in production.
 */
const BOUND_MS = 300;

type PortState = 'up' | 'fails' | 'hangs';

async function siteWith() {
  const host = new MemoryHost();
  const aliceToken = host.addUser('a-1', 'Alice');
  host.addUser('b-2', 'Bob');
  host.befriend('a-1', 'b-2');
  const state: { port: PortState } = { port: 'up' };
  const logged: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const app = Fastify();
  apps.push(app);
  for (const level of ['warn', 'error'] as const) {
    const orig = app.log[level].bind(app.log);
    app.log[level] = ((...args: unknown[]) => {
      const obj = (typeof args[0] === 'object' && args[0] !== null ? args[0] : {}) as Record<string, unknown>;
      logged.push({ level, msg: String(args.find((a) => typeof a === 'string') ?? ''), obj });
      (orig as (...a: unknown[]) => void)(...args);
    }) as typeof app.log.warn;
  }
  await app.register(beacon, {
    prefix: '/beacon',
    identity: host.identity,
    friends: {
      friendsOf: async (id) => {
        if (state.port === 'fails') throw new Error('site database unavailable');
        if (state.port === 'hangs') return new Promise(() => {});
        return host.friends.friendsOf(id);
      },
    },
    profiles: host.profiles,
    config: { databaseUrl: 'sqlite::memory:', batchWindowMs: 0, rateLimits: false },
    overrides: { hostPortTimeoutMs: BOUND_MS },
  });
  const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/beacon`;
  return { host, app, base, aliceToken, state, logged };
}

describe("the host's friends port fails or hangs", () => {
  it.each(['fails', 'hangs'] as const)('when it %s: a socket closes 1011 "friend list unavailable", REST answers 503, the log says the port failed; once back, the user connects', async (how) => {
    const site = await siteWith();
    site.state.port = how;

    const started = Date.now();
    const socket = await openSocket(site.base);
    sockets.push(socket);
    socket.send({ type: 'auth', token: site.aliceToken });
    const closed = await socket.waitClosed(3000);
    expect(closed).toEqual({ code: 1011, reason: 'friend list unavailable' });
    if (how === 'hangs') expect(Date.now() - started).toBeGreaterThanOrEqual(BOUND_MS - 20);

    const rest = await site.app.inject({ url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${site.aliceToken}` } });
    expect(rest.statusCode, rest.body).toBe(503);
    expect(rest.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: "The site's friend list could not be read; try again shortly" });

    const failures = site.logged.filter((l) => l.msg.startsWith('friends port failed'));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]).toMatchObject({ level: 'warn', obj: { userId: 'a-1', reason: how === 'fails' ? 'friendsOf failed: site database unavailable' : `friendsOf did not answer within ${BOUND_MS} ms` } });
    expect(site.logged.filter((l) => l.msg === 'websocket auth failed' || l.msg === 'unhandled error')).toEqual([]);

    site.state.port = 'up';
    const back = await connect(site.base, site.aliceToken);
    sockets.push(back.socket);
    expect(back.ready.friends).toEqual([expect.objectContaining({ display_name: 'Bob' })]);
  });
});

/**
 * The identity port hanging (the site's session store not answering): a REST request waited
 * without end, nothing logged, and the in-process signOutToken with it. Now it is bounded as the
 * other ports are: 503 (not 401, which would sign the page out for good), logged, and a socket
 * closes 1011 `auth check timed out` as before.
 */
describe("the host's identity port hangs", () => {
  it('a REST request answers 503 within the bound, signOutToken rejects, the log says so; once back, the token works', async () => {
    const host = new MemoryHost();
    const aliceToken = host.addUser('a-1', 'Alice');
    let hang = true;
    const warnings: Array<{ msg: string; obj: Record<string, unknown> }> = [];
    const app = Fastify();
    apps.push(app);
    await app.register(beacon, {
      prefix: '/beacon',
      identity: { authenticate: (token) => (hang ? new Promise(() => {}) : host.identity.authenticate(token)) },
      friends: host.friends,
      config: { databaseUrl: 'sqlite::memory:', batchWindowMs: 0, rateLimits: false },
      overrides: { hostPortTimeoutMs: BOUND_MS },
    });
    const warn = app.log.warn.bind(app.log);
    app.log.warn = ((...args: unknown[]) => {
      warnings.push({ msg: String(args.find((a) => typeof a === 'string') ?? ''), obj: (typeof args[0] === 'object' ? args[0] : {}) as Record<string, unknown> });
      (warn as (...a: unknown[]) => void)(...args);
    }) as typeof app.log.warn;
    await app.ready();
    const started = Date.now();
    const rest = await app.inject({ url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(Date.now() - started).toBeLessThan(BOUND_MS * 5);
    expect(rest.statusCode, rest.body).toBe(503);
    expect(rest.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: "The site's sign-in check did not answer in time; try again shortly" });
    await expect(app.beacon.signOutToken('tok-never-seen')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(warnings).toContainEqual({
      msg: "identity port did not answer: the site's sign-in check is unavailable (REST answers 503, a socket closes 1011)",
      obj: { reason: `the identity port did not answer within ${BOUND_MS} ms` },
    });
    hang = false;
    const back = await app.inject({ url: '/beacon/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(back.statusCode, back.body).toBe(200);
  });
});
