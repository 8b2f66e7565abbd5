/**
 * Inviting a friend to a Pong match: pushed to the friend, acceptance pushed back; friends only.
 * Finding: accepted on one device of the invited user, the invitation went on offering Play on
 * her other devices (another browser: tabs of one browser tell each other) until it lapsed, and
 * Play there answered 404: the server told her other sockets nothing. Now every socket of hers,
 * on every instance, gets `game_invite_closed` `{invite_id, reason: "accepted"}`; nobody else does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, type Account } from '../helpers/app.js';
import { startLiveApp, twoLiveApps, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

const isInviteFrame = (f: Frame) => typeof f.type === 'string' && f.type.startsWith('game_invite');
const closed = (inviteId: string) => (f: Frame) => f.type === 'game_invite_closed' && f.invite_id === inviteId;
const invite = (t: LiveApp, from: Account, to: Account) => t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${to.id}/invite`, headers: bearer(from.token) });
const accept = (t: LiveApp, by: Account, inviter: Account, inviteId: string) =>
  t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/${inviter.id}/invite/${inviteId}/accept`, headers: bearer(by.token) });

/** Alice invites Bob through `via`; resolves with its id once each of `bobs` sockets has the game_invite. */
async function invited(via: LiveApp, alice: Account, bob: Account, bobs: TestSocket[]): Promise<string> {
  const marks = bobs.map((s) => s.mark());
  const res = await invite(via, alice, bob);
  expect(res.statusCode).toBe(202);
  const inviteId = res.json<{ invite_id: string }>().invite_id;
  await Promise.all(bobs.map((s, i) => s.next((f) => f.type === 'game_invite' && f.invite_id === inviteId, { from: marks[i] })));
  return inviteId;
}

/**
 * Bob accepts through `via` (the instance that publishes): each of `bobs` sockets gets one
 * `game_invite_closed`, after the acceptance; Alice's get `game_invite_accepted` and nothing
 * else of it; `others` (a friend of both) nothing. Each checked up to a sentinel through `via`.
 */
async function acceptedEverywhere(via: LiveApp, inviteId: string, who: { alice: Account; bob: Account }, sockets: { bobs: TestSocket[]; alices: TestSocket[]; others: TestSocket[] }) {
  const all = [...sockets.bobs, ...sockets.alices, ...sockets.others];
  const marks = new Map(all.map((s) => [s, s.mark()]));
  expect((await accept(via, who.bob, who.alice, inviteId)).statusCode).toBe(204);
  for (const s of sockets.bobs) {
    expect(await s.next(closed(inviteId), { from: marks.get(s) })).toEqual({ type: 'game_invite_closed', seq: expect.any(Number), invite_id: inviteId, reason: 'accepted' });
  }
  for (const s of sockets.alices) await s.next((f) => f.type === 'game_invite_accepted' && f.invite_id === inviteId, { from: marks.get(s) });
  const heard = async (s: TestSocket) => (await framesUntilNotice(s, marks.get(s)!, via)).filter(isInviteFrame).map((f) => f.type);
  for (const s of sockets.bobs) expect(await heard(s)).toEqual(['game_invite_closed']);
  for (const s of sockets.alices) expect(await heard(s)).toEqual(['game_invite_accepted']);
  for (const s of sockets.others) expect(await heard(s)).toEqual([]);
}

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

  it('accepted on one device, closes on every socket of the invited user; the inviter and a friend of both hear nothing of it', async () => {
    const alice = await t.register('alice');
    const bob = await t.register('bob');
    const carol = await t.register('carol');
    await t.befriend(alice, bob);
    await t.befriend(alice, carol);
    await t.befriend(bob, carol);
    const { socket: a } = await t.connect(alice.token);
    const { socket: phone } = await t.connect(bob.token);
    const { socket: laptop } = await t.connect(bob.token);
    const { socket: c } = await t.connect(carol.token);
    const inviteId = await invited(t, alice, bob, [phone, laptop]);
    await acceptedEverywhere(t, inviteId, { alice, bob }, { bobs: [phone, laptop], alices: [a], others: [c] });
    // A refused acceptance (a second one) closes nothing more: its 404 says so to the one asking.
    const from = laptop.mark();
    expect((await accept(t, bob, alice, inviteId)).statusCode).toBe(404);
    expect((await framesUntilNotice(laptop, from, t)).filter(isInviteFrame)).toEqual([]);
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

describe.each(['memory', 'redis'] as const)('an invitation accepted on one instance closes on the invited user’s sockets on every instance (%s bus)', (kind) => {
  let a: LiveApp;
  let b: LiveApp;
  let close: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    ({ a, b, close } = await twoLiveApps(kind));
  });
  afterEach(() => close());

  it('Bob accepts through A: his laptop on B gets game_invite_closed too; Alice (on B) gets only the acceptance; Carol nothing', async () => {
    const alice = await a.register('alice');
    const bob = await a.register('bob');
    const carol = await a.register('carol');
    await a.befriend(alice, bob);
    await a.befriend(alice, carol);
    await a.befriend(bob, carol);
    const { socket: alices } = await b.connect(alice.token);
    const { socket: phone } = await a.connect(bob.token);
    const { socket: laptop } = await b.connect(bob.token);
    const { socket: carols } = await b.connect(carol.token);
    const inviteId = await invited(b, alice, bob, [phone, laptop]);
    await acceptedEverywhere(a, inviteId, { alice, bob }, { bobs: [phone, laptop], alices: [alices], others: [carols] });
  });
});
