/**
 * Sidecar mode: Beacon runs beside a non-Fastify host, verifies the host's own JWTs
 * (HS256 secret or JWKS), learns friendships through the service API, and answers the
 * host's pages across origins (CORS allowlist, socket Origin check).
 */
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { PresenceClient } from '../../src/client/presence-client.js';
import type { HostAuthConfig } from '../../src/server/config.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { hostTokenRefusals } from '../helpers/sidecar-app.js';
import { openSocket, type Frame } from '../helpers/ws-client.js';

const SECRET = 'host-site-secret-0123456789';
const SERVICE = 'service-token-0123456789';
const SITE = 'https://pong.example';
const hs256: HostAuthConfig = { jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null };

let live: LiveApp | null = null;
let server: Server | null = null;
afterEach(async () => {
  await live?.close();
  live = null;
  server?.close();
  server = null;
});

const sign = (sub: string, name: string, secret = SECRET, exp = '1h') =>
  new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

async function sidecar(hostAuth: HostAuthConfig = hs256) {
  live = await startLiveApp({ hostAuth, serviceToken: SERVICE, corsOrigins: [SITE] });
  return live;
}

function service(app: LiveApp, method: 'PUT' | 'DELETE', url: string, payload?: object, token = SERVICE) {
  return app.app.inject({ method, url: `/api/v1/service${url}`, headers: { 'x-service-token': token }, ...(payload ? { payload } : {}) });
}

/** A sidecar where the host made Alice and Bob friends; both connected, Alice saw Bob come online. */
async function aliceSeesBob() {
  const app = await sidecar();
  await service(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
  const alice = await app.connect(await sign('alice', 'Alice'));
  const bob = await app.connectSeenBy(await sign('bob', 'Bob'), alice.socket);
  return { app, alice, bob: bob.socket, bobId: idOf(bob.ready) };
}

const changeOf = (friendId: unknown, status: string) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === friendId && f.status === status;
const idOf = (ready: Frame) => (ready.self as { user_id: number }).user_id;

describe('sidecar mode (host JWTs and the service API)', () => {
  it('shows two users the host made friends online, busy, in a match with its score, and offline', async () => {
    const app = await sidecar();
    expect((await service(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] })).json()).toEqual({ changed: 1 });
    const alice = await app.connect(await sign('alice', 'Alice'));
    const bob = await app.connectSeenBy(await sign('bob', 'Bob'), alice.socket);
    const bobId = idOf(bob.ready);
    expect(bob.ready.friends).toEqual([expect.objectContaining({ user_id: idOf(alice.ready), username: 'Alice', status: 'online' })]);

    await alice.socket.after(() => bob.socket.send({ type: 'set_status', status: 'busy' }), changeOf(bobId, 'busy'));
    const game = (event: string, details?: object) =>
      app.app.inject({ method: 'POST', url: '/api/v1/games/events', headers: { 'x-service-token': SERVICE }, payload: { event, match_id: 'm-1', player_ids: ['bob', 'alice'], ...(details ? { details } : {}) } });
    await alice.socket.after(() => game('match_started', { opponent: 'Alice', score: '0-0' }), changeOf(bobId, 'in_game'));
    const scored = await alice.socket.after(() => game('match_updated', { opponent: 'Alice', score: '5-3', round: 3 }), (f) => changeOf(bobId, 'in_game')(f) && (f.activity_details as { score?: string })?.score === '5-3');
    expect(scored.activity_details).toEqual({ opponent: 'Alice', score: '5-3', round: 3 });
    await alice.socket.after(() => game('match_ended'), changeOf(bobId, 'busy'));

    bob.socket.close();
    while (app.app.gateway.registry.size > 1) await new Promise((r) => setTimeout(r, 5));
    await alice.socket.after(() => app.advance(10_001), changeOf(bobId, 'offline'));
  });

  it('stops updates once the host removes the friendship, and brings them back when it is made again', async () => {
    const app = await sidecar();
    await service(app, 'PUT', '/users/alice/friends', { friends: [{ id: 'bob' }, { id: 'carol', category: 'close_friend' }] });
    const alice = await app.connect(await sign('alice', 'Alice'));
    const bob = await app.connectSeenBy(await sign('bob', 'Bob'), alice.socket);
    const bobId = idOf(bob.ready);

    await alice.socket.after(async () => expect((await service(app, 'DELETE', '/friendships/bob/alice')).statusCode).toBe(204), (f) => f.type === 'friend_removed' && f.friend_id === bobId);
    const from = alice.socket.mark();
    await bob.socket.after(() => bob.socket.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'status_update');
    await app.advance(20);
    // His own status_update and any frame of it for Alice were queued in one turn: hers is in before her barrier's answer.
    await alice.socket.settled();
    expect(alice.socket.since(from).filter((f) => f.type === 'friend_status_change')).toEqual([]);

    const added = await alice.socket.after(() => service(app, 'PUT', '/friendships/alice/bob', { b_category: 'close_friend' }), (f) => f.type === 'friend_added');
    expect(added.friend).toMatchObject({ user_id: bobId, status: 'busy' });
    // Replacing Alice's list without Bob removes him again.
    await alice.socket.after(async () => expect((await service(app, 'PUT', '/users/alice/friends', { friends: [{ id: 'carol' }] })).json()).toEqual({ added: 1, removed: 1 }), (f) => f.type === 'friend_removed');
  });

  it('changes only the side a category update names, live, one pair or in bulk (the other side keeps what it shares)', async () => {
    const { app, alice, bob, bobId } = await aliceSeesBob();
    const aliceId = idOf(alice.ready);
    const seenBy = async (name: string) => {
      const res = await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${await sign(name, name)}` } });
      return (res.json() as Array<{ status: string }>).map((v) => v.status);
    };
    // Bob shares only what the public sees with Alice: she sees him offline.
    await alice.socket.after(() => service(app, 'PUT', '/friendships/alice/bob', { a_category: 'close_friend', b_category: 'acquaintance' }), changeOf(bobId, 'offline'));

    // Alice narrows her side alone: Bob sees her go offline, and Bob's side stays acquaintance.
    const fromAlice = alice.socket.mark();
    await bob.after(async () => expect((await service(app, 'PUT', '/friendships/alice/bob', { a_category: 'acquaintance' })).json()).toEqual({ changed: 1 }), changeOf(aliceId, 'offline'));
    expect(await seenBy('alice')).toEqual(['offline']);
    await app.advance(20);
    expect(alice.socket.since(fromAlice).filter((f) => f.type === 'friend_status_change' && f.status === 'online')).toEqual([]);

    // In bulk, named the other way round: Bob widens his side, Alice's stays acquaintance.
    const fromBob = bob.mark();
    await alice.socket.after(() => service(app, 'PUT', '/friendships', { pairs: [{ a: 'bob', b: 'alice', a_category: 'close_friend' }] }), changeOf(bobId, 'online'));
    expect(await seenBy('bob')).toEqual(['offline']);
    await app.advance(20);
    expect(bob.since(fromBob).filter((f) => f.type === 'friend_status_change' && f.status === 'online')).toEqual([]);
  });

  it('shows a rename live, from the service API or from a newer token of the user', async () => {
    const { app, alice, bobId } = await aliceSeesBob();
    const named = (name: string) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === bobId && f.display_name === name;

    const renamed = await alice.socket.after(() => service(app, 'PUT', '/users', { users: [{ id: 'bob', name: 'Robert' }] }), named('Robert'));
    expect(renamed).toMatchObject({ username: 'Robert', status: 'online' });
    // The host's next token for Bob carries another name: his friends see it once it is used.
    await alice.socket.after(async () => {
      const res = await app.app.inject({ method: 'GET', url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${await sign('bob', 'Bobby')}` } });
      expect(res.statusCode).toBe(200);
    }, named('Bobby'));
  });

  it('shows a host name without its line breaks, control characters or bidi controls (spaces instead)', async () => {
    const { app, alice, bobId } = await aliceSeesBob();
    const renamed = await alice.socket.after(
      () => service(app, 'PUT', '/users', { users: [{ id: 'bob', name: 'Bob\nYour session expired\u202e\u0007' }] }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && typeof f.display_name === 'string' && f.display_name !== 'Bob',
    );
    expect(renamed).toMatchObject({ display_name: 'Bob Your session expired' });
    // A token's name claim is cleaned the same way.
    const carol = await app.connect(await sign('carol', '\u2066Carol\r\n'));
    expect(carol.ready.self).toMatchObject({ display_name: 'Carol' });
  });

  it('shows a host name without the characters that draw nothing at its ends, from the service API or a name claim', async () => {
    const { app, alice, bobId } = await aliceSeesBob();
    const renamed = await alice.socket.after(
      () => service(app, 'PUT', '/users', { users: [{ id: 'bob', name: '\u200bRob\u3164\u2067' }] }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && typeof f.display_name === 'string' && f.display_name !== 'Bob',
    );
    expect(renamed).toMatchObject({ display_name: 'Rob' });
    const carol = await app.connect(await sign('carol', '\u2060Carol\u200d'));
    expect(carol.ready.self).toMatchObject({ display_name: 'Carol' });
  });

  it('shows "?" for a host name of only invisible characters, and the id for such a name claim, as for a blank one', async () => {
    const { app, alice, bobId } = await aliceSeesBob();
    // Hangul filler, zero-width space, Braille blank, word joiner: a friend would see no name at all.
    const renamed = await alice.socket.after(
      () => service(app, 'PUT', '/users', { users: [{ id: 'bob', name: '\u3164\u200b\u2800\u2060' }] }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && typeof f.display_name === 'string' && f.display_name !== 'Bob',
    );
    expect(renamed).toMatchObject({ display_name: '?' });
    const carol = await app.connect(await sign('carol', '\u200b\u3164\u00ad'));
    expect(carol.ready.self).toMatchObject({ display_name: 'carol' });
  });

  it('refuses tokens it should not trust: another signer, expired, none at all', async () => {
    const app = await sidecar();
    for (const token of [await sign('alice', 'Alice', 'another-secret-0123456789'), await sign('alice', 'Alice', SECRET, '-1m'), 'not-a-jwt']) {
      const socket = await openSocket(app.url);
      socket.send({ type: 'auth', token });
      expect((await socket.waitClosed()).code).toBe(4401);
      const res = await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
    }
    // Beacon's own accounts are not served beside the host's.
    expect((await app.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'mallory', password: 'pass-phrase-for-tests' } })).statusCode).toBe(404);
    // Nor their passwords and logins, even to a host token Beacon takes: the host owns them.
    const headers = { authorization: `Bearer ${await sign('alice', 'Alice')}` };
    expect((await app.app.inject({ url: '/api/v1/users/me/friends/status', headers })).statusCode).toBe(200);
    for (const [method, url] of [['GET', '/api/v1/users/me/sessions'], ['DELETE', '/api/v1/users/me/sessions'], ['PUT', '/api/v1/users/me/password']] as const) {
      expect((await app.app.inject({ method, url, headers })).statusCode, `${method} ${url}`).toBe(404);
    }
  });

  it('says in its log why it refused a host token (the client only hears 401), never logging the token', async () => {
    const app = await sidecar();
    const { said, restore } = hostTokenRefusals(app.app.services.log);
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({ name: 'A' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().sign(key);
    const noSub = await new SignJWT({ name: 'A', user_id: 5 }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(key);
    const cases: Array<[string, RegExp]> = [
      [await sign('alice', 'Alice', 'another-secret-0123456789'), /signature.*BEACON_AUTH_JWT_SECRET/],
      [await sign('alice', 'Alice', SECRET, '-1m'), /expired/],
      [noExp, /"exp"/],
      [noSub, /"sub".*BEACON_AUTH_ID_CLAIM/],
      ['not-a-jwt', /not a JWT|Invalid Compact JWS/i],
    ];
    try {
      for (const [token, reason] of cases) {
        said.length = 0;
        const res = await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode).toBe(401);
        expect(said, String(reason)).toEqual([expect.stringMatching(reason)]);
        expect(said[0]).not.toContain(token);
      }
    } finally {
      restore();
    }
  });

  it('takes tokens signed with BEACON_AUTH_JWT_PREVIOUS_SECRET during a rotation, as any other (a sign-out refuses them too), and none signed with neither', async () => {
    const PREVIOUS = 'host-previous-secret-0123456789';
    const app = await sidecar({ ...hs256, jwtPreviousSecret: PREVIOUS });
    const friends = (token: string) => app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${token}` } });
    const old = await sign('alice', 'Alice', PREVIOUS);
    expect((await friends(old)).statusCode).toBe(200);
    expect((await friends(await sign('alice', 'Alice'))).statusCode).toBe(200);
    expect((await friends(await sign('alice', 'Alice', 'another-secret-0123456789'))).statusCode).toBe(401);
    // The socket takes it too.
    const socket = await app.connect(await sign('bob', 'Bob', PREVIOUS));
    expect(socket.ready.type).toBe('ready');
    await app.app.beacon.signOut('alice');
    expect((await friends(old)).statusCode).toBe(401);
  });

  it('verifies tokens against the host’s JWKS with issuer and audience', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const app = await sidecar({ ...hs256, jwtSecret: null, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: 'https://pong.example', audience: 'beacon' });
    const token = (iss: string, aud: string) =>
      new SignJWT({ name: 'Alice' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('alice').setIssuer(iss).setAudience(aud).setExpirationTime('1h').sign(privateKey);
    const me = (t: string) => app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${t}` } });
    expect((await me(await token('https://pong.example', 'beacon'))).statusCode).toBe(200);
    expect((await me(await token('https://evil.example', 'beacon'))).statusCode).toBe(401);
    expect((await me(await token('https://pong.example', 'other'))).statusCode).toBe(401);
    // An HS256 token made with the public key as a secret (algorithm confusion) is refused.
    expect((await me(await sign('alice', 'Alice', JSON.stringify(jwk)))).statusCode).toBe(401);
  });

  it('creates no user to end or empty the friendships of ids it never saw', async () => {
    const app = await sidecar();
    const users = async () => (await app.app.services.database.db.selectFrom('users').select('external_id').execute()).map((r) => r.external_id);
    expect((await service(app, 'DELETE', '/friendships/ghost-a/ghost-b')).statusCode).toBe(204);
    expect((await service(app, 'PUT', '/users/ghost-c/friends', { friends: [] })).json()).toEqual({ added: 0, removed: 0 });
    expect(await users()).toEqual([]);
  });

  it('guards and validates the service API', async () => {
    const app = await sidecar();
    expect((await service(app, 'PUT', '/friendships', { pairs: [{ a: 'a', b: 'b' }] }, 'wrong-token-0123456789')).statusCode).toBe(401);
    const noHeader = await app.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', payload: { pairs: [{ a: 'a', b: 'b' }] } });
    expect(noHeader.statusCode).toBe(401);
    for (const body of [{ pairs: [] }, { pairs: [{ a: 'a', b: 'a' }] }, { pairs: [{ a: 'a', b: 'b', a_category: 'enemy' }] }, { pairs: [{ a: '', b: 'b' }] }, { pairs: [{ a: 'a', b: 'b' }], extra: 1 }]) {
      const res = await service(app, 'PUT', '/friendships', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const named = await service(app, 'PUT', '/users', { users: [{ id: 'dave', name: 'Dave' }] });
    expect(named.json()).toEqual({ users: 1 });
    await service(app, 'PUT', '/friendships', { pairs: [{ a: 'dave', b: 'erin' }] });
    const erin = await app.connect(await sign('erin', 'Erin'));
    expect(erin.ready.friends).toEqual([expect.objectContaining({ username: 'Dave', status: 'offline' })]);
  });

  it('takes an empty friend list as the whole list (no friends now), and says a missing body is missing', async () => {
    const app = await sidecar();
    await service(app, 'PUT', '/friendships', { pairs: [{ a: 'fay', b: 'gus' }, { a: 'fay', b: 'hal' }] });
    const fayId = (await app.app.beacon.userIds(['fay'])).get('fay')!;
    const gus = await app.connect(await sign('gus', 'Gus'));
    // PUT /users/:id/friends replaces the whole list: an empty one ends every friendship.
    await gus.socket.after(
      async () => expect((await service(app, 'PUT', '/users/fay/friends', { friends: [] })).json()).toEqual({ added: 0, removed: 2 }),
      (f) => f.type === 'friend_removed' && f.friend_id === fayId,
    );
    // PUT /friendships adds or updates the pairs it names: an empty list would say nothing.
    expect((await service(app, 'PUT', '/friendships', { pairs: [] })).json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body.pairs must NOT have fewer than 1 items' });
    // No body at all: said so, not "body must be object".
    for (const url of ['/friendships', '/users/fay/friends', '/users']) {
      const res = await service(app, 'PUT', url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({ code: 'VALIDATION_ERROR', message: 'This request needs a JSON body, and none was sent' });
    }
  });

  it('says what an id may be when it is neither kind (not only "must be integer" for a string too long)', async () => {
    const app = await sidecar();
    const long = await service(app, 'PUT', '/friendships', { pairs: [{ a: 'x'.repeat(129), b: 'b' }] });
    expect(long.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body.pairs.0.a must be integer or must NOT have more than 128 characters' });
    const zero = await service(app, 'PUT', '/users/a/friends', { friends: [{ id: 0 }] });
    expect(zero.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body.friends.0.id must be >= 1 or must be string' });
  });

  it('serves the SDK’s polling fallback: a client whose sockets all fail still gets itself and its friends over REST', async () => {
    const app = await sidecar();
    await service(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
    await app.connect(await sign('bob', 'Bob'));
    const token = await sign('alice', 'Alice');
    // GET /users/me is how the client learns its own id when no socket ever said it (`ready`).
    const me = await app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ id: expect.any(Number), username: 'Alice', display_name: 'Alice', role: 'user' });
    const NoSocket = class {
      constructor() {
        throw new Error('sockets are blocked on this network');
      }
    };
    const client = new PresenceClient({ baseUrl: app.url, getToken: () => token, WebSocketImpl: NoSocket as never, fallbackAfterFailures: 1, pollIntervalMs: 50, backoff: { baseMs: 10, maxMs: 20 } });
    const polled = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no poll answered; state ${client.state}`)), 5000);
      client.on('state', (state) => {
        if (state !== 'polling') return;
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      client.start();
      await polled;
      expect(client.self).toMatchObject({ user_id: me.json<{ id: number }>().id, display_name: 'Alice' });
      expect(client.friends()).toEqual([expect.objectContaining({ display_name: 'Bob', status: 'online' })]);
    } finally {
      client.stop();
    }
  });

  it('tells a caller who sent JSON as text (fetch with a string body and no Content-Type) to say application/json', async () => {
    const app = await sidecar();
    const res = await app.app.inject({
      method: 'PUT',
      url: '/api/v1/service/friendships',
      headers: { 'x-service-token': SERVICE, 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ pairs: [{ a: 'a', b: 'b' }] }),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON with Content-Type: application/json' });
    // A route that takes no body still ignores one sent as text.
    const token = await sign('alice', 'Alice');
    const touched = await app.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain;charset=UTF-8' }, payload: '' });
    expect(touched.statusCode).toBe(204);
  });

  it('answers the host’s origin (CORS and socket) and refuses others', async () => {
    const app = await sidecar();
    const preflight = (origin: string) =>
      app.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' } });
    expect((await preflight(SITE)).headers['access-control-allow-origin']).toBe(SITE);
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    // A 429's Retry-After is readable by the host's pages (not a CORS-safelisted header).
    const read = await app.app.inject({ method: 'GET', url: '/api/v1/users/me/status', headers: { origin: SITE } });
    expect(read.headers['access-control-expose-headers']).toMatch(/retry-after/i);
    const socket = await openSocket(app.url, { origin: SITE });
    socket.close();
    await expect(openSocket(app.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
  });
});

describe('sidecar mode: the largest lists the service API takes', () => {
  it('takes a list of 5,000 friends with UUID ids (past the 64 KiB body limit of other routes), and still refuses a caller without the token', async () => {
    const app = await sidecar();
    const friends = Array.from({ length: 5000 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, category: 'friend' }));
    expect(JSON.stringify({ friends }).length).toBeGreaterThan(64 * 1024);
    const res = await service(app, 'PUT', '/users/alice/friends', { friends });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ added: 5000, removed: 0 });
    expect((await service(app, 'PUT', '/users/alice/friends', { friends }, 'wrong-token-0123456789')).statusCode).toBe(401);
  });

  it('refuses a body past 1 MiB with 413 saying the limit, and changes nothing', async () => {
    const app = await sidecar();
    const friends = Array.from({ length: 20_000 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, category: 'friend' }));
    expect(JSON.stringify({ friends }).length).toBeGreaterThan(1024 * 1024);
    const res = await service(app, 'PUT', '/users/alice/friends', { friends });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large: this request takes at most 1 MiB' });
    expect((await app.app.beacon.userIds(['alice'])).size).toBe(0);
  });
});
