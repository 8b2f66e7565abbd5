/**
 * Outside test (an adopter's site with its own sessions): a user logged out on one device kept
 * that device's Beacon socket. The site's identity port refused the token from then on, but a
 * socket is authenticated once, when it opens: it stayed open until the token's expiry (hours,
 * or BEACON_TOKEN_TTL_S from each use), the user online to friends and the socket receiving
 * their presence. The only call there was, `signOut(user)`, ends every device of the user and
 * refuses the tokens they still use on the others. Now the site says which login ended:
 * `app.beacon.signOutToken(token)` (sidecar: `POST /service/tokens/sign-out`).
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { beacon } from '../../src/server/index.js';
import { FakeClock } from '../helpers/clock.js';
import { freshDatabase, testDialects, type TestDialect } from '../helpers/databases.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { liveFriends } from '../helpers/live-app.js';
import { SERVICE_TOKEN, serviceCall, signHost, useSidecars } from '../helpers/sidecar-app.js';
import { connect, openSocket, type Frame, type TestSocket } from '../helpers/ws-client.js';

let apps: FastifyInstance[] = [];
let sockets: TestSocket[] = [];
let drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of sockets) s.ws.terminate();
  sockets = [];
  for (const a of apps) await a.close();
  apps = [];
  for (const drop of drops) await drop();
  drops = [];
});

/** A site whose users 1 (Alice) and 2 (Bob) are friends; Bob is signed in on a laptop and a phone, every login connected. */
async function bobOnTwoDevices(dialect: TestDialect) {
  const db = await freshDatabase(dialect);
  drops.push(db.drop);
  const host = new MemoryHost();
  const clock = new FakeClock();
  const app = Fastify();
  apps.push(app);
  await app.register(beacon, {
    prefix: '/beacon',
    identity: host.identity,
    friends: host.friends,
    config: { databaseUrl: db.url, logLevel: 'silent', batchWindowMs: 0, rateLimits: false, offlineGraceMs: 10_000 },
    overrides: { now: clock.now },
  });
  const base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/beacon`;
  const open = async (token: string) => {
    const c = await connect(base, token);
    sockets.push(c.socket);
    return c;
  };
  const aliceToken = host.addUser('1', 'Alice');
  const laptopToken = host.addUser('2', 'Bob');
  const phoneToken = host.addUser('2', 'Bob');
  host.befriend('1', '2');
  const alice = await open(aliceToken);
  // Alice's view of Bob coming online must have arrived before the test marks her socket.
  let laptop!: Awaited<ReturnType<typeof open>>;
  await alice.socket.after(async () => {
    laptop = await open(laptopToken);
  }, (f) => f.type === 'friend_status_change' && f.username === 'Bob' && f.status === 'online');
  const phone = await open(phoneToken);
  /** The site's logout of one login: its token is refused by the site from now on, and Beacon is told. */
  const logOut = async (token: string) => {
    host.tokens.delete(token);
    return app.beacon.signOutToken(token);
  };
  return { host, app, base, alice, laptop, phone, laptopToken, phoneToken, logOut, bobId: (laptop.ready.self as { user_id: number }).user_id };
}

const bobsChange = (bobId: number, status: string) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === bobId && f.status === status;

describe.each(testDialects())('the host logs one login out (signOutToken), %s', (dialect) => {
  it("closes that device's socket with 4000 and keeps the others; friends see the user offline at once when the last one ends", async () => {
    const { app, base, alice, laptop, phone, laptopToken, phoneToken, logOut, bobId } = await bobOnTwoDevices(dialect);
    const from = alice.socket.mark();
    expect(await logOut(laptopToken)).toBe(true);
    expect((await laptop.socket.waitClosed(1000)).code).toBe(4000);
    // The phone's login is not the one that ended: it stays, and Bob stays online to Alice.
    await phone.socket.after(() => phone.socket.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    expect(phone.socket.closed).toBeNull();
    // Once the server has handled the laptop's close, what the logout and the close made for Alice is queued: in before her barrier's answer.
    await expect.poll(() => app.beacon.gateway.registry.connsOf(bobId)?.length ?? 0).toBe(1);
    await alice.socket.settled();
    expect(alice.socket.since(from).filter((f) => f.type === 'friend_status_change')).toEqual([]);
    const refused = await openSocket(base);
    sockets.push(refused);
    refused.send({ type: 'auth', token: laptopToken });
    expect((await refused.waitClosed()).code).toBe(4401);
    // His last login ends: no grace (a logout), Alice sees him offline at once.
    await alice.socket.after(() => logOut(phoneToken), bobsChange(bobId, 'offline'));
    expect((await phone.socket.waitClosed(1000)).code).toBe(4000);
    // Said twice, nothing more ends.
    expect(await app.beacon.signOutToken(phoneToken)).toBe(false);
  });

  it('refuses the token from then on even while the identity port still accepts it, also one Beacon never saw', async () => {
    const { host, app, base, laptop, laptopToken } = await bobOnTwoDevices(dialect);
    // The site tells Beacon first and forgets the session later (or never: a JWT cannot be withdrawn).
    expect(await app.beacon.signOutToken(laptopToken)).toBe(true);
    expect((await laptop.socket.waitClosed(1000)).code).toBe(4000);
    const rest = (token: string) => app.inject({ url: '/beacon/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
    expect((await rest(laptopToken)).statusCode).toBe(401);
    const tablet = host.addUser('2', 'Bob');
    expect(await app.beacon.signOutToken(tablet)).toBe(false);
    expect((await rest(tablet)).statusCode).toBe(401);
    const socket = await openSocket(base);
    sockets.push(socket);
    socket.send({ type: 'auth', token: tablet });
    expect((await socket.waitClosed()).code).toBe(4401);
    // A new login of his works: only the tokens logged out are refused.
    expect((await rest(host.addUser('2', 'Bob'))).statusCode).toBe(200);
    await expect(app.beacon.signOutToken('')).rejects.toThrow(TypeError);
  });
});

describe('sidecar: POST /service/tokens/sign-out', () => {
  const sidecar = useSidecars();

  it("closes that login's socket with 4000, keeps Bob's other one, and refuses the JWT from then on", async () => {
    const app = await sidecar();
    await serviceCall(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
    const alice = await app.connect(await signHost('alice', 'Alice'));
    const laptopToken = await signHost('bob', 'Bob', { device: 'laptop' });
    const laptop = await app.connectSeenBy(laptopToken, alice.socket);
    const phone = await app.connect(await signHost('bob', 'Bob', { device: 'phone' }));
    const res = await serviceCall(app, 'POST', '/tokens/sign-out', { token: laptopToken });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ended: true });
    expect((await laptop.socket.waitClosed(1000)).code).toBe(4000);
    await phone.socket.after(() => phone.socket.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    expect((await app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${laptopToken}` } })).statusCode).toBe(401);
    const bad = await app.app.inject({ method: 'POST', url: '/api/v1/service/tokens/sign-out', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { token: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

/**
 * The same JWT written another way: its signature's last character with other spare bits, or
 * padded with '=' (jose's base64url decoding takes both as the same bytes, so the token still
 * verifies). Each was a login of its own to Beacon (its session id hashed the token as written):
 * whoever held a token the site had logged out used it again, altered, and was Bob online.
 */
function rewritten(token: string): string[] {
  const [header, claims, signature] = token.split('.') as [string, string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(signature.at(-1)!);
  return [`${signature.slice(0, -1)}${alphabet[last ^ 1]}`, `${signature}=`].map((s) => `${header}.${claims}.${s}`);
}

describe('sidecar: a JWT signed out stays refused however its signature is written', () => {
  const sidecar = useSidecars();

  it('refuses the re-encoded token on REST and on the socket, and signing out a re-encoded one ends the original', async () => {
    const app = await sidecar();
    const me = (token: string) => app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
    const token = await signHost('bob', 'Bob');
    expect((await me(token)).statusCode).toBe(200);
    expect((await serviceCall(app, 'POST', '/tokens/sign-out', { token })).statusCode).toBe(200);
    for (const variant of rewritten(token)) {
      expect((await me(variant)).statusCode, variant).toBe(401);
      const socket = await openSocket(app.url);
      socket.send({ type: 'auth', token: variant });
      expect((await socket.waitClosed()).code, variant).toBe(4401);
    }
    const other = await signHost('bob', 'Bob', { device: 'phone' });
    expect((await me(other)).statusCode).toBe(200);
    expect((await serviceCall(app, 'POST', '/tokens/sign-out', { token: rewritten(other)[0] })).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
  });

  it('ends nobody\'s login for a forged token carrying a real one\'s header and claims', async () => {
    const app = await sidecar();
    const me = (token: string) => app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
    const token = await signHost('bob', 'Bob');
    expect((await me(token)).statusCode).toBe(200);
    const [header, claims] = token.split('.');
    const forged = `${header}.${claims}.${Buffer.alloc(32, 7).toString('base64url')}`;
    expect((await serviceCall(app, 'POST', '/tokens/sign-out', { token: forged })).json()).toEqual({ ended: false });
    expect((await me(forged)).statusCode).toBe(401);
    expect((await me(token)).statusCode).toBe(200);
  });

  it('still refuses a rewritten token signed out before tokens were hashed in one form (its row under the token as written)', async () => {
    const app = await sidecar();
    const token = await signHost('bob', 'Bob');
    const [variant] = rewritten(token) as [string];
    const me = await app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    const now = app.clock.now();
    await app.app.services.database.db
      .insertInto('user_sessions')
      .values({ id: `h:${createHash('sha256').update(variant).digest('base64url')}`, user_id: (me.json() as { id: number }).id, created_at: now, last_seen_at: now, expires_at: now + 3_600_000, revoked_at: now, user_agent: null, open_ended: 0 })
      .execute();
    expect((await app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${variant}` } })).statusCode).toBe(401);
    // The token as the host wrote it was never signed out.
    expect((await app.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });
});

describe('standalone: app.beacon.signOutToken ends one of Beacon\'s own logins', () => {
  it('as POST /auth/logout would: its socket closes with 4000 and the token is refused', async () => {
    const { t, bob } = await liveFriends();
    try {
      const socket = (await t.connect(bob.token)).socket;
      expect(await t.app.beacon.signOutToken(bob.token)).toBe(true);
      expect((await socket.waitClosed(1000)).code).toBe(4000);
      expect((await t.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${bob.token}` } })).statusCode).toBe(401);
      expect(await t.app.beacon.signOutToken(bob.token)).toBe(false);
    } finally {
      await t.close();
    }
  });
});
