/**
 * Outside test of sidecar mode: a rename by the service API was undone by the user's own
 * token. Any token Beacon had not seen yet, issued before the rename, named the user back for
 * every friend; a token without a name claim (common for OAuth access tokens) renamed the user
 * to their id. Now a token's name counts only if it was issued after the last rename (`iat`),
 * and a token without a name leaves the name alone.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import type { LiveApp } from '../helpers/live-app.js';
import { HOST_SECRET, SERVICE_TOKEN, useSidecars } from '../helpers/sidecar-app.js';
import type { Frame } from '../helpers/ws-client.js';

const sidecar = useSidecars();

/** A token issued `agoS` seconds before the app's clock says now. */
const sign = (app: LiveApp, sub: string, claims: JWTPayload, agoS = 0) => {
  const now = Math.floor(app.clock.now() / 1000);
  return new SignJWT({ ...claims, nonce: Math.random() }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt(now - agoS).setExpirationTime(now + 3600).sign(new TextEncoder().encode(HOST_SECRET));
};
const service = (app: LiveApp, url: string, payload: object) => app.app.inject({ method: 'PUT', url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, payload });
const idOf = (ready: Frame) => (ready.self as { user_id: number }).user_id;
const nameOf = async (app: LiveApp, id: number) =>
  (await app.app.services.database.db.selectFrom('users').select('display_name').where('id', '=', id).executeTakeFirstOrThrow()).display_name;

describe('host names: the newest wins', () => {
  it("a token issued before a service-API rename does not name the user back; one issued after does", async () => {
    const app = await sidecar();
    await service(app, '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
    const alice = await app.connect(await sign(app, 'alice', { name: 'Alice' }));
    const oldToken = await sign(app, 'bob', { name: 'Bob' }, 60);
    const bob = await app.connectSeenBy(await sign(app, 'bob', { name: 'Bob' }, 120), alice.socket);
    const bobId = idOf(bob.ready);
    await app.advance(1000);
    await alice.socket.after(() => service(app, '/users', { users: [{ id: 'bob', name: 'Robert' }] }), (f) => f.type === 'friend_status_change' && f.display_name === 'Robert');
    // Another tab of his, with a token from before the rename, calls the API.
    const mark = alice.socket.mark();
    expect((await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${oldToken}` } })).statusCode).toBe(200);
    expect(await nameOf(app, bobId)).toBe('Robert');
    // He renames himself on the host later: his new token says so, and friends see it.
    await app.advance(2000);
    const newer = await sign(app, 'bob', { name: 'Bobby' });
    const bobby = await alice.socket.after(
      () => app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${newer}` } }),
      (f) => f.type === 'friend_status_change' && f.display_name === 'Bobby',
    );
    // The old token's name, had it been taken, was read again before this one (a token's name is published as it is
    // authenticated, and one user's renames are read one after another: renames.ts): its frame would be before it.
    expect(alice.socket.frames.slice(mark, alice.socket.frames.indexOf(bobby)).filter((f) => f.type === 'friend_status_change' && f.display_name !== 'Robert')).toEqual([]);
  });

  it('a token without a name claim leaves the name the service API gave', async () => {
    const app = await sidecar();
    await service(app, '/users', { users: [{ id: '501', name: 'Eve' }] });
    const eve = await app.connect(await sign(app, '501', {}));
    expect(eve.ready.self).toMatchObject({ display_name: 'Eve' });
    // A user Beacon never saw, with no name anywhere, shows their id.
    const nobody = await app.connect(await sign(app, 'zed-7', {}));
    expect(nobody.ready.self).toMatchObject({ display_name: 'zed-7' });
  });
});
