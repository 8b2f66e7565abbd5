/**
 * A user the host deleted (`deleteUser`, `DELETE /service/users/:id`) is as one Beacon never saw
 * until they sign in again or `PUT /service/users` names them: their row is put back fresh, marked
 * deleted (migration 019), only to date the refusal of their old tokens. Game events skipped them
 * already; `app.beacon.userIds` / `hostIds` and `POST /service/users/lookup` answered them all the
 * same (a deletion of a user never seen even made one to find). Now they leave them out too, on
 * both dialects. A sign-out of a user never seen made a row to date it, unmarked, which lookups
 * then found: it is made marked deleted now.
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { hs256, HOST_SECRET, SERVICE_TOKEN, serviceCall, signHost } from '../helpers/sidecar-app.js';

describe.each(testDialects())('lookups of users the host deleted, on %s', (dialect) => {
  let app: LiveApp | null = null;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await app?.close();
    app = null;
    await drop();
  });

  const start = async () => {
    const db = await freshDatabase(dialect);
    drop = db.drop;
    return (app = await startLiveApp({ databaseUrl: db.url, hostAuth: { ...hs256, adminClaim: 'is_admin' }, serviceToken: SERVICE_TOKEN }));
  };
  const call = serviceCall;
  const lookup = async (live: LiveApp, body: object) => (await call(live, 'POST', '/users/lookup', body)).json<{ users: Array<{ host_id: string; user_id: number }> }>().users;

  it('leaves a deleted user out both ways until the service API names them again', async () => {
    const live = await start();
    await call(live, 'PUT', '/friendships', { pairs: [{ a: 'auth0|ann', b: 'auth0|bob' }] });
    const ids = await live.app.beacon.userIds(['auth0|ann', 'auth0|bob']);
    const annId = ids.get('auth0|ann')!;
    const bobId = ids.get('auth0|bob')!;
    expect(annId).toBeTypeOf('number');

    expect((await call(live, 'DELETE', '/users/auth0%7Cann')).statusCode).toBe(204);
    expect(await lookup(live, { host_ids: ['auth0|ann', 'auth0|bob'], user_ids: [annId, bobId] })).toEqual([{ host_id: 'auth0|bob', user_id: bobId }]);
    expect([...(await live.app.beacon.userIds(['auth0|ann', 'auth0|bob']))]).toEqual([['auth0|bob', bobId]]);
    expect([...(await live.app.beacon.hostIds([annId, bobId]))]).toEqual([[bobId, 'auth0|bob']]);

    // Named by the host again: known again, under the same id.
    await call(live, 'PUT', '/users', { users: [{ id: 'auth0|ann', name: 'Ann' }] });
    expect(await lookup(live, { host_ids: ['auth0|ann'] })).toEqual([{ host_id: 'auth0|ann', user_id: annId }]);
    expect([...(await live.app.beacon.hostIds([annId]))]).toEqual([[annId, 'auth0|ann']]);
  });

  it('answers a status read of a deleted user 404, as for a user never seen (CONTRACT: "404 if no such user"), until the host names them again', async () => {
    const live = await start();
    await call(live, 'PUT', '/friendships', { pairs: [{ a: 'auth0|ann', b: 'auth0|bob' }] });
    const annId = (await live.app.beacon.userIds(['auth0|ann'])).get('auth0|ann')!;
    const bobToken = await signHost('auth0|bob');
    const status = () => live.app.inject({ url: `/api/v1/users/${annId}/status`, headers: { authorization: `Bearer ${bobToken}` } });
    expect((await status()).statusCode).toBe(200);
    expect((await call(live, 'DELETE', '/users/auth0%7Cann')).statusCode).toBe(204);
    const gone = await status();
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ code: 'NOT_FOUND', message: 'No such user' });
    // An admin (the host's claim) reads every user's status, and finds no such user either.
    const admin = await signHost('auth0|root', 'Root', { is_admin: true });
    const asAdmin = await live.app.inject({ url: `/api/v1/users/${annId}/status`, headers: { authorization: `Bearer ${admin}` } });
    expect(asAdmin.statusCode).toBe(404);
    // The same from her usual-hours read (a stranger's 403 would say the row is there).
    const pattern = await live.app.inject({ url: `/api/v1/users/${annId}/pattern`, headers: { authorization: `Bearer ${bobToken}` } });
    expect(pattern.statusCode).toBe(404);
    // Made Bob's friend again by the host's friend list: Bob reads her (a user never seen, offline); Carol does not.
    await call(live, 'PUT', '/friendships', { pairs: [{ a: 'auth0|ann', b: 'auth0|bob' }] });
    expect((await status()).statusCode).toBe(200);
    const carol = await signHost('auth0|carol');
    await live.connect(carol);
    expect((await live.app.inject({ url: `/api/v1/users/${annId}/status`, headers: { authorization: `Bearer ${carol}` } })).statusCode).toBe(404);
    await call(live, 'PUT', '/users', { users: [{ id: 'auth0|ann', name: 'Ann' }] });
    expect((await live.app.inject({ url: `/api/v1/users/${annId}/status`, headers: { authorization: `Bearer ${carol}` } })).statusCode).toBe(200);
  });

  it('finds nobody for a deletion of a user never seen, until they sign in', async () => {
    const live = await start();
    expect(await live.app.beacon.deleteUser('auth0|cy')).toBe(false);
    expect(await lookup(live, { host_ids: ['auth0|cy'] })).toEqual([]);
    expect((await live.app.beacon.userIds(['auth0|cy'])).size).toBe(0);

    const cy = await live.connect(await signHost('auth0|cy'));
    const cyId = (cy.ready.self as { user_id: number }).user_id;
    expect(await lookup(live, { host_ids: ['auth0|cy'], user_ids: [cyId] })).toEqual([{ host_id: 'auth0|cy', user_id: cyId }]);
  });

  it('finds nobody for a sign-out of a user never seen, whose older tokens stay refused, until they sign in', async () => {
    const live = await start();
    expect((await call(live, 'POST', '/users/auth0%7Czed/sign-out')).json()).toEqual({ sessions: 0 });
    expect(await live.app.beacon.signOut('auth0|amy')).toBe(0);
    // The rows made to date the sign-outs are found by no lookup, either way (ids counted down from the top).
    expect(await lookup(live, { host_ids: ['auth0|zed', 'auth0|amy'], user_ids: [2_147_483_647, 2_147_483_646] })).toEqual([]);
    expect((await live.app.beacon.userIds(['auth0|zed', 'auth0|amy'])).size).toBe(0);
    expect((await live.app.beacon.hostIds([2_147_483_647, 2_147_483_646])).size).toBe(0);
    expect(await live.app.beacon.game({ event: 'match_started', match_id: 'm1', player_ids: ['auth0|zed'] })).toEqual([]);

    // The sign-out is dated all the same: a token issued before it is refused.
    const before = await new SignJWT({ name: 'Zed' }).setProtectedHeader({ alg: 'HS256' }).setSubject('auth0|zed').setIssuedAt(Math.floor(Date.now() / 1000) - 60).setExpirationTime('1h').sign(new TextEncoder().encode(HOST_SECRET));
    expect((await live.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${before}` } })).statusCode).toBe(401);

    const zed = await live.connect(await signHost('auth0|zed'));
    const zedId = (zed.ready.self as { user_id: number }).user_id;
    expect(await lookup(live, { host_ids: ['auth0|zed'], user_ids: [zedId] })).toEqual([{ host_id: 'auth0|zed', user_id: zedId }]);
  });
});
