/**
 * After a bus outage, the block changes (`block_changed`) and category changes (`friend_updated`)
 * made meanwhile are sent again, stating the state held now, read back from the database. The
 * user may change the same pair between that read and the frame reaching their sockets (on
 * another device, through another instance): the newer change's frame arrived first, the
 * repeat of the older state after it, and every screen of theirs showed the old state (blocked
 * although the block was lifted) until a reload. Now a repeat reaching an instance is read
 * again there, and reaches its sockets only if no frame of that pair did since that read began.
 * Two instances on one PostgreSQL and a real Redis (a TCP proxy per instance cut); the repeat's
 * read is held (holdFirstCall) while the user makes the newer change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisBus } from '../../src/server/adapters/bus-redis.js';
import type { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { BlockRepository } from '../../src/server/friends/block-repository.js';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { holdFirstCall } from '../helpers/hold-first-call.js';
import { blocked, blockOfBob, category, categoryOfBob, outageWorld, type OutageWorld } from '../helpers/outage-world.js';
import type { RedisProxy } from '../helpers/redis.js';
import { proxiedRedisParts, until } from '../helpers/shared-parts.js';

type World = OutageWorld;
type Tab = 'a' | 'b';

describe('a state sent again after a Redis outage never lands after a newer change of the same pair', () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  let proxies: RedisProxy[];
  let buses: RedisBus[];
  let parts: Array<{ bus: RedisBus; store: RedisPresenceStore }>;
  let restores: Array<() => void> = [];

  beforeEach(async () => {
    cleanup = [];
    restores = [];
    const redis = await proxiedRedisParts(2);
    cleanup.push(redis.close);
    proxies = redis.proxies;
    parts = redis.parts;
    buses = parts.map((p) => p.bus);
  });
  afterEach(async () => {
    for (const restore of restores) restore();
    for (const fn of cleanup.reverse()) await fn();
  });

  /** Holds the first call of a repository read (the repeat's) once it has read; restored after the test. */
  const hold = <T extends object>(proto: T, method: keyof T & string) => {
    const held = holdFirstCall(proto, method, 'after');
    restores.push(held.restore);
    return held;
  };

  /** Her tabs' frames matching `which` that arrive after `from` (indexes into `seen`), once each tab got one. */
  const after = async (w: World, from: Record<Tab, number>, which: (e: PresenceEvent) => boolean, tabs: readonly Tab[]) => {
    const since = (tab: Tab) => w.seen[tab].slice(from[tab]).filter(which);
    await until(`a frame after the release on ${tabs.join(' and ')}`, () => tabs.every((t) => since(t).length > 0), 15_000);
    // Anything else already on its way (a second repeat) lands too before the check.
    await new Promise((r) => setTimeout(r, 300));
    return { a: since('a'), b: since('b') };
  };

  const cutOff = async (i: number) => {
    proxies[i]!.cut();
    await until('the bus sees Redis gone', () => !buses[i]!.isHealthy(), 5000);
    expect(buses[1 - i]!.isHealthy()).toBe(true);
  };

  it('A sends again the block she made while its bus was down; she lifts it through B during that read: her tabs end unblocked', async () => {
    const w = await outageWorld(parts, cleanup);
    await cutOff(0);
    await w.a.friends.block(w.alice.userId, w.bobId);
    const read = hold(BlockRepository.prototype, 'held');
    proxies[0]!.restore();
    await read.reached;
    // The newer change, while A's repeat holds the block it read.
    const from = { a: w.seen.a.length, b: w.seen.b.length };
    await w.b.friends.unblock(w.alice.userId, w.bobId);
    await until('both tabs shown the unblock', () => (['a', 'b'] as const).every((t) => w.seen[t].slice(from[t]).some((e) => blockOfBob(w)(e) && blocked(e) === false)), 5000);
    const released = { a: w.seen.a.length, b: w.seen.b.length };
    read.release();
    const got = await after(w, released, blockOfBob(w), ['b']);
    expect(blocked(got.b.at(-1))).toBe(false);
    expect(blocked(w.seen.a.filter(blockOfBob(w)).at(-1))).toBe(false);
  }, 40_000);

  it('A answers B’s return with the unblock she made while B could not hear; she blocks again through B during that read: her tabs end blocked', async () => {
    const w = await outageWorld(parts, cleanup);
    await w.a.friends.block(w.alice.userId, w.bobId);
    await until('her tab on B listed the block', () => w.seen.b.some((e) => blockOfBob(w)(e) && blocked(e) === true), 5000);
    await cutOff(1);
    await w.a.friends.unblock(w.alice.userId, w.bobId);
    const read = hold(BlockRepository.prototype, 'held');
    proxies[1]!.restore();
    await read.reached;
    const from = { a: w.seen.a.length, b: w.seen.b.length };
    await w.b.friends.block(w.alice.userId, w.bobId);
    await until('both tabs shown the block', () => (['a', 'b'] as const).every((t) => w.seen[t].slice(from[t]).some((e) => blockOfBob(w)(e) && blocked(e) === true)), 5000);
    const released = { a: w.seen.a.length, b: w.seen.b.length };
    read.release();
    const got = await after(w, released, blockOfBob(w), ['b']);
    expect(blocked(got.b.at(-1))).toBe(true);
    expect(blocked(w.seen.a.filter(blockOfBob(w)).at(-1))).toBe(true);
  }, 40_000);

  it('A sends again the category she set while its bus was down; she sets another through B during that read: her tabs end on the newer one', async () => {
    const w = await outageWorld(parts, cleanup, { befriend: true });
    await cutOff(0);
    await w.a.friends.setCategory(w.alice.userId, w.bobId, 'acquaintance');
    const read = hold(FriendRepository.prototype, 'categoriesSetSince');
    proxies[0]!.restore();
    await read.reached;
    const from = { a: w.seen.a.length, b: w.seen.b.length };
    await w.b.friends.setCategory(w.alice.userId, w.bobId, 'close_friend');
    await until('both tabs shown close_friend', () => (['a', 'b'] as const).every((t) => w.seen[t].slice(from[t]).some((e) => category(e) === 'close_friend')), 5000);
    const released = { a: w.seen.a.length, b: w.seen.b.length };
    read.release();
    // Each tab is told again (her tab on A by A itself, on B over the bus): the category held now.
    const got = await after(w, released, categoryOfBob(w), ['a', 'b']);
    expect(category(got.a.at(-1))).toBe('close_friend');
    expect(category(got.b.at(-1))).toBe('close_friend');
  }, 40_000);

});
