/**
 * A user with one socket opened by an admin's token and one by a plain token (a host demoted or
 * promoted them; tokens differ by their admin claim): each socket receives only what its own
 * token may see. The tiers follow the least privileged of the user's sockets here, and a change
 * of that role re-sends the views it changes; REST answers each token as its own. Found by an
 * outside audit: a plain token's socket received a hidden friend's changes once an admin socket
 * of the same user opened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { SERVICE_TOKEN, hs256, signHost } from '../helpers/sidecar-app.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

const sign = (sub: string, admin: boolean) => signHost(sub, sub, { is_admin: admin });

describe('sockets of one user opened with an admin token and a plain one', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  it('never give the plain one what only an admin sees; the admin one is told each change of what it may see', async () => {
    t = await startLiveApp({ hostAuth: { ...hs256, adminClaim: 'is_admin' }, serviceToken: SERVICE_TOKEN });
    await t.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { pairs: [{ a: 'x', b: 'y' }] } });
    const [plainToken, adminToken, yToken] = await Promise.all([sign('x', false), sign('x', true), sign('y', false)]);
    const { socket: y, ready: yReady } = await t.connect(yToken);
    const yId = (yReady.self as { user_id: number }).user_id;
    const change = (status: string, message: string) =>
      y.after(() => y.send({ type: 'set_status', status, custom_message: message }), (f) => f.type === 'status_update' && f.custom_message === message);
    const ofY = (s: TestSocket, from: number) => s.since(from).filter((f: Frame) => f.type === 'friend_status_change' && f.friend_id === yId);
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(yToken), payload: { status_visibility: 'hidden' } })).statusCode).toBe(200);

    // The admin socket alone sees y while hidden.
    const { socket: admin, ready: adminReady } = await t.connect(adminToken);
    const xId = (adminReady.self as { user_id: number }).user_id;
    let fromAdmin = admin.mark();
    await change('away', 'while hidden');
    expect(await admin.next((f) => f.type === 'friend_status_change' && f.custom_message === 'while hidden', { from: fromAdmin })).toMatchObject({ status: 'away' });

    // A plain socket opens: it sees y offline, and the admin socket is told y is offline for it now.
    fromAdmin = admin.mark();
    const { socket: plain, ready: plainReady } = await t.connect(plainToken);
    expect((plainReady.friends as Frame[]).find((f) => f.user_id === yId)).toMatchObject({ status: 'offline', custom_message: null });
    expect(await admin.next((f) => f.type === 'friend_status_change' && f.friend_id === yId, { from: fromAdmin })).toMatchObject({ status: 'offline', custom_message: null });

    // y changes while both are open: neither socket hears of it.
    const fromPlain = plain.mark();
    fromAdmin = admin.mark();
    await change('busy', 'still hidden');
    t.app.gateway.flush();
    // Both answered a heartbeat sent after the change: whatever it made for them came before.
    for (const s of [plain, admin]) await s.after(() => s.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    expect(ofY(plain, fromPlain)).toEqual([]);
    expect(ofY(admin, fromAdmin)).toEqual([]);

    // REST answers each token as its own.
    expect((await t.app.inject({ url: `/api/v1/users/${yId}/status`, headers: bearer(plainToken) })).json()).toMatchObject({ status: 'offline', custom_message: null });
    const friendsAs = async (token: string) =>
      (await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(token) })).json<Array<{ user_id: number; status: string; custom_message: string | null }>>().find((v) => v.user_id === yId);
    expect(await friendsAs(adminToken)).toMatchObject({ status: 'busy', custom_message: 'still hidden' });
    expect(await friendsAs(plainToken)).toMatchObject({ status: 'offline', custom_message: null });

    // Once the plain socket is gone, the admin socket is told what it may see again, with no change of y's.
    fromAdmin = admin.mark();
    plain.close();
    await expect.poll(() => t.app.gateway.registry.connsOf(xId)?.length).toBe(1);
    expect(await admin.next((f) => f.type === 'friend_status_change' && f.friend_id === yId, { from: fromAdmin })).toMatchObject({ status: 'busy', custom_message: 'still hidden' });
  });
});
