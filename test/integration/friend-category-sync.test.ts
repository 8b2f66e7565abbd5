/**
 * Finding: the category a user gives a friend (PATCH /users/me/friends/:user_id) changed
 * live only for the friend (what they see of the user); the user's own other tabs and
 * devices kept listing the old category until a reload. Now every socket of the user gets
 * `friend_updated` with the friend as the PATCH answers it, on any instance (two here,
 * sharing a bus, a presence store and a database); the friend never gets it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveFriends, type LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };

const updated = (friendId: number) => (f: Frame) => f.type === 'friend_updated' && (f.friend as { user_id?: unknown }).user_id === friendId;
const change = (id: number, status?: string) => (f: Frame) =>
  f.type === 'friend_status_change' && f.friend_id === id && (status === undefined || f.status === status);
const patch = (t: LiveApp, who: U, friend: U, category: string) =>
  t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${friend.id}`, headers: bearer(who.token), payload: { category } });

/** PATCHes the category and answers the `friend` of the response (200 expected). */
async function setCategory(t: LiveApp, who: U, friend: U, category: string): Promise<unknown> {
  const res = await patch(t, who, friend, category);
  expect(res.statusCode).toBe(200);
  return (res.json() as { friend: unknown }).friend;
}

describe('a category change reaches every socket of the user who made it', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends());
  });
  afterEach(() => t.close());

  it('both of the user’s sockets get friend_updated with the PATCH answer; the friend gets his new view, never friend_updated', async () => {
    const { socket: bobs } = await t.connect(bob.token);
    const { socket: phone } = await t.connectSeenBy(alice.token, bobs);
    const { socket: laptop } = await t.connect(alice.token);
    // Only close friends see Alice's message, so promoting Bob shows it to him (the rule friends already had).
    const settings = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { custom_message_visibility: 'close_friends' } });
    expect(settings.statusCode).toBe(200);
    const busy = await bobs.after(() => phone.send({ type: 'set_status', status: 'busy', custom_message: 'exams' }), change(alice.id, 'busy'));
    expect(busy.custom_message).toBeNull();

    const [fromPhone, fromBob] = [phone.mark(), bobs.mark()];
    let answer: unknown;
    const onLaptop = await laptop.after(async () => (answer = await setCategory(t, alice, bob, 'close_friend')), updated(bob.id));
    expect(answer).toMatchObject({ user_id: bob.id, username: 'bob', display_name: 'bob', category: 'close_friend', since: expect.any(String) });
    expect(onLaptop.friend).toEqual(answer);
    expect((await phone.next(updated(bob.id), { from: fromPhone })).friend).toEqual(answer);
    expect(await bobs.next(change(alice.id), { from: fromBob })).toMatchObject({ status: 'busy', custom_message: 'exams' });

    // A change Bob sees after the PATCH: a friend_updated meant for him would have come before it.
    await bobs.after(() => phone.send({ type: 'set_status', status: 'away' }), change(alice.id, 'away'));
    expect(bobs.since(fromBob).filter((f) => f.type === 'friend_updated')).toEqual([]);
  });

  it('a PATCH to the category already given sends it again (it states the category held); a refused PATCH sends nothing', async () => {
    const carol = await t.register('carol');
    const { socket: laptop } = await t.connect(alice.token);
    const same = await laptop.after(() => setCategory(t, alice, bob, 'friend'), updated(bob.id));
    expect(same.friend).toMatchObject({ user_id: bob.id, category: 'friend' });

    const from = laptop.mark();
    expect((await patch(t, alice, carol, 'close_friend')).statusCode).toBe(404);
    expect((await patch(t, alice, bob, 'enemy')).statusCode).toBe(400);
    // A frame of Alice's own after the refusals: a friend_updated they caused would have come before it.
    await laptop.after(() => laptop.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'status_update' && f.status === 'busy');
    expect(laptop.since(from).filter((f) => f.type === 'friend_updated')).toEqual([]);
  });
});

describe('a category change reaches the user’s sockets on every instance', () => {
  const two = useTwoInstances();
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  it('a PATCH through either instance reaches the user’s sockets on both; the friend on the other instance gets none', async () => {
    const [alice, bob] = await a.registerFriends('alice', 'bob');
    const { socket: bobs } = await b.connect(bob.token);
    const { socket: phone } = await a.connectSeenBy(alice.token, bobs);
    const { socket: laptop } = await b.connect(alice.token);
    const [fromPhone, fromBob] = [phone.mark(), bobs.mark()];

    // Through instance a: the laptop, on b, hears of it.
    let answer: unknown;
    const onLaptop = await laptop.after(async () => (answer = await setCategory(a, alice, bob, 'acquaintance')), updated(bob.id));
    expect(answer).toMatchObject({ user_id: bob.id, category: 'acquaintance' });
    expect(onLaptop.friend).toEqual(answer);
    expect((await phone.next(updated(bob.id), { from: fromPhone })).friend).toEqual(answer);
    // An acquaintance sees what the public sees: Alice offline.
    expect(await bobs.next(change(alice.id), { from: fromBob })).toMatchObject({ status: 'offline' });

    // Through instance b: the phone, on a, hears of it.
    const second = bobs.mark();
    const onPhone = await phone.after(async () => (answer = await setCategory(b, alice, bob, 'friend')), updated(bob.id));
    expect(onPhone.friend).toEqual(answer);
    expect(answer).toMatchObject({ user_id: bob.id, category: 'friend' });
    expect(await bobs.next(change(alice.id, 'online'), { from: second })).toBeTruthy();
    expect(bobs.since(fromBob).filter((f) => f.type === 'friend_updated')).toEqual([]);
  });
});
