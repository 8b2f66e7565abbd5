/**
 * Finding: a blocked user who deleted their account sent the blocker no `block_changed`: the
 * row stayed in the blocker's Blocked list (the web app's Privacy page) until the next read,
 * and an Unblock on it was answered "already unblocked". Now, on the deletion, every user who
 * had blocked the account gets `block_changed {user_id, blocked: false}` (the deleted user's
 * id) on every socket of theirs, on every instance; the deleted user is told nothing, nor is
 * anyone they had blocked. On SQLite and PostgreSQL, and on two instances (memory and Redis bus).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { liveAppOn, twoLiveApps, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const PASSWORD = 'pass-phrase-for-tests';

const isBlockChange = (f: Frame) => f.type === 'block_changed';
const unblocked = (userId: number) => (f: Frame) => isBlockChange(f) && f.user_id === userId && f.blocked === false;
const block = async (t: LiveApp, who: U, userId: number) =>
  expect((await t.app.inject({ method: 'POST', url: '/api/v1/users/me/blocks', headers: bearer(who.token), payload: { user_id: userId } })).statusCode).toBe(204);
const blocks = async (t: LiveApp, who: U) => (await t.app.inject({ method: 'GET', url: '/api/v1/users/me/blocks', headers: bearer(who.token) })).json<unknown[]>();
const del = (t: LiveApp, who: U) => t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(who.token), payload: { password: PASSWORD } });

describe.each(testDialects())('a blocked user deletes their account: the blockers are told (%s)', (dialect) => {
  let t: LiveApp;
  beforeEach(async () => {
    t = await liveAppOn(dialect);
  });
  afterEach(() => t.close());

  it('every socket of each blocker gets block_changed blocked:false naming the deleted user; nobody else hears of a block', async () => {
    const [alice, carol, dave, eve] = [await t.register('alice'), await t.register('carol'), await t.register('dave'), await t.register('eve')];
    const bob = await t.register('bob');
    await block(t, alice, bob.id);
    await block(t, alice, eve.id);
    await block(t, carol, bob.id);
    // Bob blocked Dave: Dave never knew, and must not learn it from Bob's deletion.
    await block(t, bob, dave.id);
    const { socket: phone } = await t.connect(alice.token);
    const { socket: laptop } = await t.connect(alice.token);
    const { socket: carols } = await t.connect(carol.token);
    const { socket: daves } = await t.connect(dave.token);
    const { socket: bobs } = await t.connect(bob.token);
    const marks = [phone, laptop, carols, daves, bobs].map((s) => s.mark());

    expect((await del(t, bob)).statusCode).toBe(204);
    for (const [socket, from] of [
      [phone, marks[0]],
      [laptop, marks[1]],
      [carols, marks[2]],
    ] as const) {
      expect(await socket.next(unblocked(bob.id), { from })).toEqual({ type: 'block_changed', seq: expect.any(Number), user_id: bob.id, blocked: false });
    }
    // What the blockers list now: without Bob (Alice still blocks Eve).
    expect(await blocks(t, alice)).toEqual([expect.objectContaining({ user_id: eve.id })]);
    expect(await blocks(t, carol)).toEqual([]);
    // Once per socket, and nothing else about blocks.
    for (const [socket, from] of [
      [phone, marks[0]],
      [carols, marks[2]],
    ] as const) {
      expect((await framesUntilNotice(socket, from!, t)).filter(isBlockChange)).toHaveLength(1);
    }
    expect((await framesUntilNotice(daves, marks[3]!, t)).filter(isBlockChange)).toEqual([]);
    // Bob's sockets close; nothing about a block reached them before.
    await bobs.waitClosed();
    expect(bobs.since(marks[4]!).filter(isBlockChange)).toEqual([]);
  });
});

describe.each(['memory', 'redis'] as const)('a blocked user deleted through one instance: the blocker’s sockets on every instance are told (%s bus)', (kind) => {
  let a: LiveApp;
  let b: LiveApp;
  let close: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    ({ a, b, close } = await twoLiveApps(kind));
  });
  afterEach(() => close());

  it('Bob deletes his account through A: Alice’s tabs on A and B drop him', async () => {
    const alice = await a.register('alice');
    const bob = await a.register('bob');
    await block(a, alice, bob.id);
    const { socket: onA } = await a.connect(alice.token);
    const { socket: onB } = await b.connect(alice.token);
    const [fromA, fromB] = [onA.mark(), onB.mark()];
    expect((await del(a, bob)).statusCode).toBe(204);
    for (const [socket, from] of [
      [onA, fromA],
      [onB, fromB],
    ] as const) {
      expect(await socket.next(unblocked(bob.id), { from })).toEqual({ type: 'block_changed', seq: expect.any(Number), user_id: bob.id, blocked: false });
    }
    expect(await blocks(b, alice)).toEqual([]);
  });
});
