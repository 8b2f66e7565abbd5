/**
 * Outside test of the host integration: a user the host signed out, banned or deleted kept
 * their open socket and went on receiving friends' presence (CONTRACT: a revoked token's socket
 * closes within a second), and a deleted user still answered with their old name, because
 * Beacon had no way to be told. Now the host says so: `POST /service/users/:id/sign-out`
 * (`app.beacon.signOut`) and `DELETE /service/users/:id` (`app.beacon.deleteUser`).
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveApp } from '../helpers/live-app.js';
import { HOST_SECRET, SERVICE_TOKEN, hostTokenRefusals, hs256, signHost, useSidecars } from '../helpers/sidecar-app.js';
import { openSocket, type Frame } from '../helpers/ws-client.js';
import { startLiveApp, twoLiveApps } from '../helpers/live-app.js';
import { sharedParts } from '../helpers/shared-parts.js';

const sidecar = useSidecars();
const apps: LiveApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

const service = (app: LiveApp, method: 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
  app.app.inject({ method, url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, ...(payload ? { payload } : {}) });
const idOf = (ready: Frame) => (ready.self as { user_id: number }).user_id;
/** Bob's token with the claims given: `iat` and `exp` in seconds, each left out when undefined. */
const bobWith = (claims: { iat?: number; exp?: number }) => {
  const jwt = new SignJWT({ name: 'Bob', nonce: Math.random() }).setProtectedHeader({ alg: 'HS256' }).setSubject('bob');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(HOST_SECRET));
};
const seconds = (app: LiveApp) => Math.floor(app.clock.now() / 1000);
/** Whether Beacon takes the token: a socket authenticates with it (ready) or is closed with 4401. */
async function accepted(app: LiveApp, token: string): Promise<boolean> {
  const socket = await openSocket(app.url);
  const frame = socket.next((f) => f.type === 'ready', { timeoutMs: 2000 }).then(() => true, () => false);
  socket.send({ type: 'auth', token });
  const ok = await Promise.race([frame, socket.waitClosed().then(() => false)]);
  socket.ws.terminate();
  return ok;
}

/** Alice and Bob, friends by the host, both connected; Alice saw Bob come online. */
async function friends() {
  const app = await sidecar();
  await service(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
  const alice = await app.connect(await signHost('alice', 'Alice'));
  const bobToken = await signHost('bob', 'Bob');
  const bob = await app.connectSeenBy(bobToken, alice.socket);
  return { app, alice, bob, bobToken, bobId: idOf(bob.ready) };
}

describe('the host signs a user out or deletes them', () => {
  it('sign-out closes their sockets with 4000, friends see them offline at once, and the tokens Beacon saw are refused', async () => {
    const { app, alice, bob, bobToken, bobId } = await friends();
    const offline = await alice.socket.after(
      async () => expect((await service(app, 'POST', '/users/bob/sign-out')).json()).toEqual({ sessions: 1 }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.status === 'offline',
    );
    expect(offline.status).toBe('offline');
    expect((await bob.socket.waitClosed(1000)).code).toBe(4000);
    // His token still has a valid signature, yet Beacon refuses it: on the socket and over REST.
    const again = await openSocket(app.url);
    again.send({ type: 'auth', token: bobToken });
    expect((await again.waitClosed()).code).toBe(4401);
    expect((await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${bobToken}` } })).statusCode).toBe(401);
    // He signs in on the host again: a new token works, and Alice sees him.
    await app.connectSeenBy(await signHost('bob', 'Bob'), alice.socket);
    expect((await service(app, 'POST', '/users/nobody-ever/sign-out')).json()).toEqual({ sessions: 0 });
  });

  it('takes an empty body sent as application/json as none (a host HTTP helper that always sets the header): the sign-out and the unfriending happen', async () => {
    const { app, alice, bob, bobId } = await friends();
    const empty = (method: 'POST' | 'DELETE', url: string) =>
      app.app.inject({ method, url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN, 'content-type': 'application/json' }, payload: '' });
    const removed = await alice.socket.after(async () => {
      const res = await empty('DELETE', '/friendships/alice/bob');
      expect(res.statusCode, res.body).toBe(204);
    }, (f) => f.type === 'friend_removed' && f.friend_id === bobId);
    expect(removed.friend_id).toBe(bobId);
    const out = await empty('POST', '/users/bob/sign-out');
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toEqual({ sessions: 1 });
    expect((await bob.socket.waitClosed(1000)).code).toBe(4000);
    // A route that needs a body says the body is missing, not that it is broken JSON.
    const needs = await app.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE_TOKEN, 'content-type': 'application/json' }, payload: '' });
    expect(needs.statusCode).toBe(400);
    expect(needs.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'This request needs a JSON body, and the body was empty' });
  });

  it('deleting a user closes their sockets, removes them from friends at once and forgets their name and state', async () => {
    const { app, alice, bob, bobId, bobToken } = await friends();
    await alice.socket.after(() => bob.socket.send({ type: 'set_status', status: 'busy', custom_message: 'secret plans' }), (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.status === 'busy');
    await alice.socket.after(async () => expect((await service(app, 'DELETE', '/users/bob')).statusCode).toBe(204), (f) => f.type === 'friend_removed' && f.friend_id === bobId);
    expect((await bob.socket.waitClosed(1000)).code).toBe(4000);
    const aliceToken = await signHost('alice', 'Alice');
    const friendsNow = await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${aliceToken}` } });
    expect(friendsNow.json()).toEqual([]);
    // Beacon holds nothing of him: not his name, not his status or message (the write-behind
    // writes nothing of the deleted user onto the row that keeps his id), not his friends.
    await app.advance(app.app.services.config.persistIntervalMs);
    await app.app.services.presence.flush();
    const stored = await app.app.services.database.db.selectFrom('users').select(['display_name', 'custom_message', 'manual_status', 'online_status']).where('id', '=', bobId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ display_name: 'bob', custom_message: null, manual_status: null, online_status: 'offline' });
    // The token he held is refused: the deletion does not undo the sign-out.
    const again = await openSocket(app.url);
    again.send({ type: 'auth', token: bobToken });
    expect((await again.waitClosed()).code).toBe(4401);
    // The host may make him again.
    expect((await service(app, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] })).json()).toEqual({ changed: 1 });
    expect((await service(app, 'DELETE', '/users/never-seen')).statusCode).toBe(204);
  });

  it('a token issued before the sign-out is refused even if Beacon never saw it; one issued after it works', async () => {
    const { app, alice, bobId } = await friends();
    // Bob's other device logged in on the host a minute ago and has not opened Beacon yet.
    const otherDevice = await bobWith({ iat: seconds(app) - 60, exp: seconds(app) + 3600 });
    await alice.socket.after(() => service(app, 'POST', '/users/bob/sign-out'), (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.status === 'offline');
    expect(await accepted(app, otherDevice)).toBe(false);
    // He signs in again (a token issued after the sign-out, even within the same second): it works.
    expect(await accepted(app, await bobWith({ iat: seconds(app), exp: seconds(app) + 3600 }))).toBe(true);
    await app.advance(2000);
    expect(await accepted(app, await bobWith({ iat: seconds(app), exp: seconds(app) + 3600 }))).toBe(true);
    // An undated token Beacon never saw cannot be told apart: it is the host's identity port to refuse.
    expect(await accepted(app, await bobWith({ exp: seconds(app) + 3600 }))).toBe(true);
  });

  it('a token dated in the future (a host clock far ahead, or one kept for later) is refused, so it cannot outlive a sign-out; a clock a little ahead is tolerated', async () => {
    const { app, alice, bobId } = await friends();
    const { said, restore } = hostTokenRefusals(app.app.services.log);
    try {
      // Signed now with an iat a day ahead (validly signed: the host's clock, or a token minted to keep).
      const kept = await bobWith({ iat: seconds(app) + 86_400, exp: seconds(app) + 2 * 86_400 });
      await alice.socket.after(() => service(app, 'POST', '/users/bob/sign-out'), (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.status === 'offline');
      expect(await accepted(app, kept)).toBe(false);
      expect((await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${kept}` } })).statusCode).toBe(401);
      expect(said).toEqual([expect.stringMatching(/"iat" is 86400 s ahead.*clock/), expect.stringMatching(/"iat" is 86400 s ahead/)]);
      for (const line of said) expect(line).not.toContain(kept);
      // Two minutes ahead is past the tolerance too.
      expect(await accepted(app, await bobWith({ iat: seconds(app) + 120, exp: seconds(app) + 3600 }))).toBe(false);
      // A host clock half a minute ahead: the token works (it counts as issued after the sign-out).
      said.length = 0;
      expect(await accepted(app, await bobWith({ iat: seconds(app) + 30, exp: seconds(app) + 3600 }))).toBe(true);
      expect(said).toEqual([]);
    } finally {
      restore();
    }
  });

  it('deleting a user refuses the tokens issued before, seen or not', async () => {
    const { app, alice, bobId } = await friends();
    const otherDevice = await bobWith({ iat: seconds(app) - 60, exp: seconds(app) + 3600 });
    await alice.socket.after(async () => expect((await service(app, 'DELETE', '/users/bob')).statusCode).toBe(204), (f) => f.type === 'friend_removed' && f.friend_id === bobId);
    expect(await accepted(app, otherDevice)).toBe(false);
    await app.advance(1000);
    expect(await accepted(app, await bobWith({ iat: seconds(app), exp: seconds(app) + 3600 }))).toBe(true);
  });

  it('a user Beacon never saw: a sign-out or a deletion still refuses the tokens issued before it', async () => {
    const app = await sidecar();
    // Carol logged in on the host a minute ago and never opened Beacon; the host signs her out
    // everywhere (a stolen token, a password change); Dave's account is deleted.
    const carolWith = (sub: string, iat: number) =>
      new SignJWT({ name: sub, nonce: Math.random() }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt(iat).setExpirationTime(seconds(app) + 3600).sign(new TextEncoder().encode(HOST_SECRET));
    const carolOld = await carolWith('carol', seconds(app) - 60);
    const daveOld = await carolWith('dave', seconds(app) - 60);
    expect((await service(app, 'POST', '/users/carol/sign-out')).json()).toEqual({ sessions: 0 });
    expect((await service(app, 'DELETE', '/users/dave')).statusCode).toBe(204);
    expect(await accepted(app, carolOld)).toBe(false);
    expect(await accepted(app, daveOld)).toBe(false);
    // Tokens issued after it work.
    await app.advance(1000);
    expect(await accepted(app, await carolWith('carol', seconds(app)))).toBe(true);
    expect(await accepted(app, await carolWith('dave', seconds(app)))).toBe(true);
  });

  it.each(['memory', 'redis'] as const)('a user deleted and made again shows friends nothing of the deleted user’s presence a shared store held (%s)', async (kind) => {
    const { a, b, close } = await twoLiveApps(kind, { hostAuth: hs256, serviceToken: SERVICE_TOKEN });
    try {
      await service(a, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
      // Alice on b, Bob on a: his message crosses through the shared store and the bus.
      const alice = await b.connect(await signHost('alice', 'Alice'));
      const bob = await a.connectSeenBy(await signHost('bob', 'Bob'), alice.socket);
      const bobId = idOf(bob.ready);
      await alice.socket.after(
        () => bob.socket.send({ type: 'set_status', status: 'busy', custom_message: 'secret plans' }),
        (f) => f.type === 'friend_status_change' && f.friend_id === bobId && f.custom_message === 'secret plans',
      );
      await a.app.services.presence.shared();
      await alice.socket.after(async () => expect((await service(a, 'DELETE', '/users/bob')).statusCode).toBe(204), (f) => f.type === 'friend_removed' && f.friend_id === bobId);
      await b.app.services.presence.shared();
      // The host makes him again and befriends them again: a fresh user, as one never seen.
      const added = await alice.socket.after(
        async () => expect((await service(a, 'PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] })).json()).toEqual({ changed: 1 }),
        (f) => f.type === 'friend_added' && (f.friend as { id?: number; user_id?: number }) !== undefined,
      );
      expect(JSON.stringify(added)).not.toContain('secret plans');
      // A fresh socket (on either instance) reads his state afresh from the store.
      for (const app of [a, b]) {
        const { ready } = await app.connect(await signHost('alice', 'Alice'));
        const view = JSON.stringify(ready);
        expect(view).not.toContain('secret plans');
        expect(view).not.toContain('busy');
      }
      const status = await b.app.inject({ url: `/api/v1/users/${bobId}/status`, headers: { authorization: `Bearer ${await signHost('alice', 'Alice')}` } });
      expect(status.json()).toMatchObject({ status: 'offline', custom_message: null });
    } finally {
      await close();
    }
  });

  it('a user deleted and made again gets what they set now, not the deleted user’s schedule a shared copy still holds', async () => {
    const [part] = await sharedParts('memory', 1);
    const app = await startLiveApp({ hostAuth: hs256, serviceToken: SERVICE_TOKEN }, { bus: part!.bus, store: part!.store });
    apps.push(app);
    const rule = (status: 'busy' | 'away', message: string) => ({ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59', status, message });
    const OLD = { time_zone: 'UTC', rules: [rule('busy', 'the deleted user’s plans')] };
    const NEW = { time_zone: 'UTC', rules: [rule('away', 'new schedule')] };
    const schedule = (token: string, body?: object) =>
      app.app.inject({ method: body ? 'PUT' : 'GET', url: '/api/v1/users/me/status/schedule', headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
    expect((await schedule(await signHost('bob', 'Bob'), OLD)).statusCode).toBe(200);
    await app.app.services.presence.shared();
    expect((await service(app, 'DELETE', '/users/bob')).statusCode).toBe(204);
    await app.advance(2000);
    const again = await signHost('bob', 'Bob');
    expect((await schedule(again)).json()).toEqual({ time_zone: 'UTC', rules: [] });
    expect((await schedule(again, NEW)).statusCode).toBe(200);
    expect((await schedule(again)).json()).toEqual(NEW);
  });
});
