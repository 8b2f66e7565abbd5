/**
 * Finding: `GET /users/:id/pattern` answered 200 to a friend in the pattern audience while the
 * user was logged out, and 403 as soon as they appeared offline (`status_visibility: hidden`).
 * Polling it told that friend the user was hiding, not logged out, which "hidden looks like a
 * logout" (contract, §6) forbids. Now a hidden user's pattern keeps the audience it had when
 * they hid (what a logout would show: history records them offline while hidden), no wider.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';

type U = { token: string; id: number };
const H = 3_600_000;

describe('pattern of a hidden user looks as after a logout', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let carol: U;
  let dave: U;
  beforeEach(async () => {
    ({ t, alice, bob, carol, dave } = await liveUsers({ offlineGraceMs: 1000, idleTimeoutMs: 24 * H }, ['alice', 'bob', 'carol', 'dave'], { friends: [['alice', 'bob'], ['alice', 'carol']] }));
    await t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${carol.id}`, headers: bearer(alice.token), payload: { category: 'close_friend' } });
    // Some history: alice online for two hours, then logged out.
    const { socket } = await t.connect(alice.token);
    await t.advance(2 * H);
    socket.close();
    await socket.waitClosed();
    await t.advance(1001);
  });
  afterEach(() => t.close());

  const pattern = async (viewer: U) => {
    const res = await t.app.inject({ url: `/api/v1/users/${alice.id}/pattern`, headers: bearer(viewer.token) });
    return { status: res.statusCode, body: res.json<unknown>() };
  };
  const settings = async (payload: object) => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload });
    expect(res.statusCode).toBe(200);
  };

  it('a friend in the audience gets the same answer before and after the user hides; a stranger gets 403 both times', async () => {
    await settings({ pattern_visibility: 'friends' });
    const loggedOut = { bob: await pattern(bob), carol: await pattern(carol), dave: await pattern(dave) };
    expect(loggedOut.bob.status).toBe(200);
    expect(loggedOut.dave.status).toBe(403);

    await settings({ status_visibility: 'hidden' });
    expect(await pattern(bob)).toEqual(loggedOut.bob);
    expect(await pattern(carol)).toEqual(loggedOut.carol);
    expect(await pattern(dave)).toEqual(loggedOut.dave);
    // Another setting saved while hidden, or hiding again, keeps the audience of the moment the user hid.
    await settings({ activity_visibility: 'nobody' });
    await settings({ status_visibility: 'hidden' });
    expect(await pattern(bob)).toEqual(loggedOut.bob);
  });

  it('never wider than before hiding: status for close friends keeps plain friends out while hidden', async () => {
    await settings({ pattern_visibility: 'friends', status_visibility: 'close_friends' });
    expect((await pattern(bob)).status).toBe(403);
    expect((await pattern(carol)).status).toBe(200);
    await settings({ status_visibility: 'hidden' });
    expect((await pattern(bob)).status).toBe(403);
    expect((await pattern(carol)).status).toBe(200);
    // Unhiding to another audience, then hiding again, follows the new one.
    await settings({ status_visibility: 'friends' });
    await settings({ status_visibility: 'hidden' });
    expect((await pattern(bob)).status).toBe(200);
  });
});
