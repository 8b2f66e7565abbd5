/** Inviting a friend to a Pong match: pushed to the friend, acceptance pushed back; friends only. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';

describe('game invitations', () => {
  let t: LiveApp;
  beforeEach(async () => {
    t = await startLiveApp();
  });
  afterEach(() => t.close());

  it('reaches the friend as game_invite, and the acceptance reaches the inviter', async () => {
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    const { socket: a } = await t.connect(alice.token);
    const { socket: b } = await t.connect(bob.token);
    let inviteId = '';
    const got = await b.after(async () => {
      const res = await t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${bob.id}/invite`, headers: bearer(alice.token) });
      expect(res.statusCode).toBe(202);
      inviteId = res.json().invite_id;
    }, (f) => f.type === 'game_invite');
    expect(got).toMatchObject({ invite_id: inviteId, from_user_id: alice.id });
    const accepted = await a.after(
      () => t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${alice.id}/invite/${inviteId}/accept`, headers: bearer(bob.token) }),
      (f) => f.type === 'game_invite_accepted',
    );
    expect(accepted).toMatchObject({ invite_id: inviteId, by_user_id: bob.id });
  });

  it('sends the inviter nothing for an acceptance of an invitation not made to that friend, and only one for it', async () => {
    const alice = await t.register('alice');
    const bob = await t.register('bob');
    const carol = await t.register('carol');
    await t.befriend(alice, bob);
    await t.befriend(alice, carol);
    const { socket: a } = await t.connect(alice.token);
    const invited = await t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${bob.id}/invite`, headers: bearer(alice.token) });
    const inviteId = invited.json().invite_id as string;
    const accept = (who: { token: string }, id: string) =>
      t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${alice.id}/invite/${id}/accept`, headers: bearer(who.token) });
    const from = a.mark();
    const forged = await accept(carol, '5120fb64-0000-4000-8000-000000000000');
    expect(forged.statusCode).toBe(404);
    expect(forged.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await accept(carol, inviteId)).statusCode).toBe(404);
    expect((await accept(bob, inviteId)).statusCode).toBe(204);
    expect((await accept(bob, inviteId)).statusCode).toBe(404);
    await a.next((f) => f.type === 'game_invite_accepted', { from });
    const got = (await framesUntilNotice(a, from, t)).filter((f) => f.type === 'game_invite_accepted');
    expect(got).toEqual([expect.objectContaining({ invite_id: inviteId, by_user_id: bob.id })]);
  });

  it('is for friends only, and ids are checked', async () => {
    const alice = await t.register('alice');
    const carol = await t.register('carol');
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${carol.id}/invite`, headers: bearer(alice.token) });
    expect(res.statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${carol.id}/invite/not-a-uuid/accept`, headers: bearer(alice.token) });
    expect(bad.statusCode).toBe(400);
  });
});
