/**
 * Finding: a block or an unblock made on one device was not told to the user's other tabs and
 * devices: their Privacy page's "Blocked users" and the Pending search's "Blocked" marks stayed
 * as they were until the next read. Now every socket of the blocker gets `block_changed`, on
 * any instance (two here, sharing a bus, a presence store and a PostgreSQL database, the bus in
 * memory and on Redis); the person blocked or unblocked never gets it (a block still ends the
 * friendship with a plain `friend_removed`, as before).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, twoLiveApps, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice, framesUntilOwnChange } from '../helpers/sentinel.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };

const isBlockChange = (f: Frame) => f.type === 'block_changed';
const blockChange = (userId: number, blocked: boolean) => (f: Frame) => isBlockChange(f) && f.user_id === userId && f.blocked === blocked;
const block = (t: LiveApp, who: U, userId: number) => t.app.inject({ method: 'POST', url: '/api/v1/users/me/blocks', headers: bearer(who.token), payload: { user_id: userId } });
const unblock = (t: LiveApp, who: U, userId: number) => t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/blocks/${userId}`, headers: bearer(who.token) });
const blocks = async (t: LiveApp, who: U) => (await t.app.inject({ method: 'GET', url: '/api/v1/users/me/blocks', headers: bearer(who.token) })).json<unknown[]>();

describe.each(['memory', 'redis'] as const)('a block reaches every socket of the blocker, on every instance (%s bus)', (kind) => {
  let a: LiveApp;
  let b: LiveApp;
  let close: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    ({ a, b, close } = await twoLiveApps(kind));
  });
  afterEach(() => close());

  it('a block through A reaches her sockets on A and B, an unblock through B likewise; Bob hears nothing of either', async () => {
    const [alice, bob] = await a.registerFriends('alice', 'bob');
    const { socket: bobs } = await b.connect(bob.token);
    const { socket: phone } = await a.connectSeenBy(alice.token, bobs);
    const { socket: laptop } = await b.connect(alice.token);

    const [fromPhone, fromLaptop, fromBob] = [phone.mark(), laptop.mark(), bobs.mark()];
    expect((await block(a, alice, bob.id)).statusCode).toBe(204);
    const listed = await blocks(a, alice);
    expect(listed).toEqual([{ user_id: bob.id, username: 'bob', display_name: 'bob', since: expect.any(String) }]);
    for (const [socket, from] of [[phone, fromPhone], [laptop, fromLaptop]] as const) {
      const frame = await socket.next(blockChange(bob.id, true), { from });
      // The blocked user as GET /users/me/blocks lists them: a screen adds the row without a read.
      expect(frame).toEqual({ type: 'block_changed', seq: expect.any(Number), user_id: bob.id, blocked: true, user: listed[0] });
    }
    // Bob's sentinel goes through A, which made the block: anything it sent him came first.
    const toBob = await framesUntilOwnChange(bobs, fromBob, a, bob.token);
    expect(toBob.map((f) => f.type)).toEqual(['friend_removed']);

    const [again, againLaptop, againBob] = [phone.mark(), laptop.mark(), bobs.mark()];
    expect((await unblock(b, alice, bob.id)).statusCode).toBe(204);
    for (const [socket, from] of [[phone, again], [laptop, againLaptop]] as const) {
      expect(await socket.next(blockChange(bob.id, false), { from })).toEqual({ type: 'block_changed', seq: expect.any(Number), user_id: bob.id, blocked: false });
    }
    expect(await framesUntilOwnChange(bobs, againBob, b, bob.token)).toEqual([]);
    // One frame per change on each socket.
    expect(phone.since(fromPhone).filter(isBlockChange)).toHaveLength(2);
    expect(laptop.since(fromLaptop).filter(isBlockChange)).toHaveLength(2);
  });
});

describe('what a block announces (one instance)', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveUsers({}, ['alice', 'bob']));
  });
  afterEach(() => t.close());

  it('a refused block or unblock sends nothing; a repeated block states the block held, with its first date', async () => {
    const { socket: tab } = await t.connect(alice.token);
    const from = tab.mark();
    expect((await block(t, alice, alice.id)).statusCode).toBe(400);
    expect((await block(t, alice, 999_999)).statusCode).toBe(404);
    expect((await unblock(t, alice, bob.id)).statusCode).toBe(404);
    expect((await framesUntilNotice(tab, from, t)).filter(isBlockChange)).toEqual([]);

    const first = await tab.after(async () => expect((await block(t, alice, bob.id)).statusCode).toBe(204), blockChange(bob.id, true));
    t.clock.advance(60_000);
    const second = await tab.after(async () => expect((await block(t, alice, bob.id)).statusCode).toBe(204), blockChange(bob.id, true));
    expect(second.user).toEqual(first.user);
    expect([first.user]).toEqual(await blocks(t, alice));
  });

  it('the person blocked, also while blocking back, never gets the other’s block_changed', async () => {
    const { socket: bobs } = await t.connect(bob.token);
    const { socket: tab } = await t.connect(alice.token);
    const fromBob = bobs.mark();
    await tab.after(async () => expect((await block(t, alice, bob.id)).statusCode).toBe(204), blockChange(bob.id, true));
    // Bob blocks Alice too: his own frame names Alice, never himself.
    await bobs.after(async () => expect((await block(t, bob, alice.id)).statusCode).toBe(204), blockChange(alice.id, true));
    await tab.after(async () => expect((await unblock(t, alice, bob.id)).statusCode).toBe(204), blockChange(bob.id, false));
    const toBob = await framesUntilNotice(bobs, fromBob, t);
    expect(toBob.filter(isBlockChange).map((f) => f.user_id)).toEqual([alice.id]);
  });
});
