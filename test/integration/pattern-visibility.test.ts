/** A friend's usual hours: shown only to the audience the user chose (default nobody), through the same tiers as every field. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';

type U = { token: string; id: number };
const H = 3_600_000;

describe('pattern visibility', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let carol: U;
  beforeEach(async () => {
    ({ t, alice, bob, carol } = await liveUsers({ offlineGraceMs: 1000, idleTimeoutMs: 24 * H }, ['alice', 'bob', 'carol'], { friends: [['alice', 'bob']] }));
  });
  afterEach(() => t.close());

  const pattern = (viewer: U, id: number) => t.app.inject({ url: `/api/v1/users/${id}/pattern`, headers: bearer(viewer.token) });
  const settings = (who: U, payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(who.token), payload });

  it('is not shared by default: 403 FORBIDDEN for a friend, 404 for no such user, and the user sees their own', async () => {
    expect((await t.app.inject({ url: '/api/v1/users/me/status/settings', headers: bearer(alice.token) })).json()).toMatchObject({ pattern_visibility: 'nobody' });
    const res = await pattern(bob, alice.id);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ code: 'FORBIDDEN', message: expect.any(String) });
    expect((await pattern(bob, 999_999)).json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await pattern(alice, alice.id)).statusCode).toBe(200);
  });

  it('shared with friends: the friend gets the same sentence as the user, a stranger does not', async () => {
    const { socket } = await t.connect(alice.token);
    await t.advance(2 * H);
    socket.close();
    await socket.waitClosed();
    await t.advance(1001);
    expect((await settings(alice, { pattern_visibility: 'friends' })).json()).toMatchObject({ pattern_visibility: 'friends' });
    const own = (await t.app.inject({ url: '/api/v1/users/me/status/history?days=28', headers: bearer(alice.token) })).json<{ summary: string }>();
    const seen = await pattern(bob, alice.id);
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).toEqual({ user_id: alice.id, summary: own.summary, time_zone: 'UTC' });
    expect((await pattern(carol, alice.id)).statusCode).toBe(403);
  });

  it('close friends only follows the category the user gave; the status audience bounds it, and hiding does not change it (it looks like a logout)', async () => {
    await settings(alice, { pattern_visibility: 'close_friends' });
    expect((await pattern(bob, alice.id)).statusCode).toBe(403);
    await t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${bob.id}`, headers: bearer(alice.token), payload: { category: 'close_friend' } });
    expect((await pattern(bob, alice.id)).statusCode).toBe(200);
    await settings(alice, { status_visibility: 'hidden' });
    expect((await pattern(bob, alice.id)).statusCode).toBe(200);
    await settings(alice, { status_visibility: 'public', pattern_visibility: 'public' });
    await t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${bob.id}`, headers: bearer(alice.token), payload: { category: 'acquaintance' } });
    expect((await pattern(bob, alice.id)).statusCode).toBe(200);
    await settings(alice, { status_visibility: 'friends' });
    expect((await pattern(bob, alice.id)).statusCode).toBe(403);
  });

  it('is in the data export', async () => {
    await settings(alice, { pattern_visibility: 'public' });
    const exported = await t.app.inject({ url: '/api/v1/users/me/export', headers: bearer(alice.token) });
    expect(exported.json()).toMatchObject({ settings: { pattern_visibility: 'public' } });
  });
});
