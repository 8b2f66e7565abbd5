/**
 * A user with one socket opened by an admin's token and one by a plain token (a host demoted or
 * promoted them; tokens differ by their admin claim): each socket receives only what its own
 * token may see. The tiers follow the least privileged of the user's sockets here; REST answers
 * each token as its own. Found by an outside audit: a plain token's socket received a hidden
 * friend's changes once an admin socket of the same user opened.
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { HOST_SECRET, SERVICE_TOKEN, hs256 } from '../helpers/sidecar-app.js';

const sign = (sub: string, admin: boolean) =>
  new SignJWT({ name: sub, is_admin: admin }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(HOST_SECRET));

describe('sockets of one user opened with an admin token and a plain one', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  it('never give the plain one what only an admin sees, and give the admin one it back once the plain one closes', async () => {
    t = await startLiveApp({ hostAuth: { ...hs256, adminClaim: 'is_admin' }, serviceToken: SERVICE_TOKEN });
    await t.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { pairs: [{ a: 'x', b: 'y' }] } });
    const [plainToken, adminToken, yToken] = await Promise.all([sign('x', false), sign('x', true), sign('y', false)]);
    const { socket: y, ready: yReady } = await t.connect(yToken);
    const yId = (yReady.self as { user_id: number }).user_id;
    const hide = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(yToken), payload: { status_visibility: 'hidden' } });
    expect(hide.statusCode).toBe(200);
    const { socket: plain } = await t.connect(plainToken);
    const { socket: admin, ready: adminReady } = await t.connect(adminToken);
    // The admin socket's snapshot is the least privileged socket's: y hidden, offline.
    expect((adminReady.friends as Array<{ user_id: number; status: string }>).find((f) => f.user_id === yId)?.status).toBe('offline');
    const fromPlain = plain.mark();
    const fromAdmin = admin.mark();
    await y.after(() => y.send({ type: 'set_status', status: 'away', custom_message: 'while hidden' }), (f) => f.type === 'status_update' && f.custom_message === 'while hidden');
    t.app.gateway.flush();
    // Both sockets answered a heartbeat sent after the change: whatever it made for them came before.
    for (const s of [plain, admin]) await s.after(() => s.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    expect(plain.since(fromPlain).filter((f) => f.custom_message === 'while hidden')).toEqual([]);
    expect(admin.since(fromAdmin).filter((f) => f.custom_message === 'while hidden')).toEqual([]);
    // REST answers each token as its own.
    const asPlain = await t.app.inject({ url: `/api/v1/users/${yId}/status`, headers: bearer(plainToken) });
    expect(asPlain.json()).toMatchObject({ status: 'offline', custom_message: null });
    const friendsAsAdmin = await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(adminToken) });
    expect(friendsAsAdmin.json<Array<{ user_id: number; custom_message: string | null }>>().find((v) => v.user_id === yId)?.custom_message).toBe('while hidden');
    const friendsAsPlain = await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(plainToken) });
    expect(friendsAsPlain.json<Array<{ user_id: number; status: string }>>().find((v) => v.user_id === yId)?.status).toBe('offline');
    // Once the plain socket is gone, the admin socket sees as an admin again.
    const xId = (adminReady.self as { user_id: number }).user_id;
    plain.close();
    await expect.poll(() => t.app.gateway.registry.connsOf(xId)?.length).toBe(1);
    const again = admin.mark();
    await y.after(() => y.send({ type: 'set_status', status: 'busy', custom_message: 'hidden, later' }), (f) => f.type === 'status_update' && f.custom_message === 'hidden, later');
    expect(await admin.next((f) => f.type === 'friend_status_change' && f.custom_message === 'hidden, later', { from: again })).toMatchObject({ status: 'busy' });
  });
});
