/**
 * A category change (PATCH /users/me/friends/:id) reaches the user's sockets on every instance
 * as `friend_updated`. Made on A while the event bus is down, it never reached the user's
 * sockets on B: the catch-up after the outage re-read what friends give the user (friend
 * lists, views), not what the user gives them, so those screens showed the old category until
 * a reconnect. Now the categories changed since the outage began are sent again when the bus
 * returns: by each instance to its connected users (every bus down), and by the instance that
 * made the change to the others (its bus alone down: the others never catch up by themselves).
 * Two instances on a memory hub (FlakyBus) and on a real Redis (a TCP proxy per instance cut).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RedisBus } from '../../src/server/adapters/bus-redis.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { FlakyBus } from '../helpers/flaky-bus.js';
import { useMemoryOutage, useRedisOutage } from '../helpers/outage-hooks.js';
import { outageWorld, type OutageWorld } from '../helpers/outage-world.js';
import type { RedisProxy } from '../helpers/redis.js';
import { until } from '../helpers/shared-parts.js';

type World = OutageWorld;

const world = (parts: Parameters<typeof outageWorld>[0], cleanup: Parameters<typeof outageWorld>[1]) => outageWorld(parts, cleanup, { befriend: true });

const updatedFor = (w: World, category: string) => (e: PresenceEvent) =>
  e.kind === 'friend_updated' && e.viewerId === w.alice.userId && e.friend.user_id === w.bobId && e.friend.category === category;

/** Alice makes Bob an acquaintance through A while A's bus is down; answers what A answered. */
async function changeOnA(w: World) {
  w.seen.a.length = 0;
  w.seen.b.length = 0;
  const friend = await w.a.friends.setCategory(w.alice.userId, w.bobId, 'acquaintance');
  expect(friend).toMatchObject({ user_id: w.bobId, category: 'acquaintance' });
  // A's own sockets heard it at once; B's could not.
  expect(w.seen.a.some(updatedFor(w, 'acquaintance'))).toBe(true);
  expect(w.seen.b.some((e) => e.kind === 'friend_updated')).toBe(false);
  return friend;
}

describe('friend_updated made during a bus outage reaches the user’s sockets on the other instance (memory bus)', () => {
  const outage = useMemoryOutage(FlakyBus, world);
  let buses: FlakyBus[];
  let w: World;
  beforeEach(() => ({ buses, w } = outage));

  it('both instances lose the bus, A gets it back first: B sends it to her tab there when its bus returns', async () => {
    for (const bus of buses) bus.down = true;
    const friend = await changeOnA(w);
    buses[0]!.down = false;
    // A sends it again (to her tab on A, and over the bus), which B, still cut off, cannot hear.
    await until('A sent it again', () => w.seen.a.filter(updatedFor(w, 'acquaintance')).length === 2, 5000);
    expect(w.seen.b.some((e) => e.kind === 'friend_updated')).toBe(false);
    buses[1]!.down = false;
    await until('B tells her tab there', () => w.seen.b.some(updatedFor(w, 'acquaintance')), 5000);
    expect(w.seen.b.find(updatedFor(w, 'acquaintance'))).toEqual({ kind: 'friend_updated', viewerId: w.alice.userId, friend });
  });
});

describe('friend_updated made during a Redis outage reaches the user’s sockets on the other instance (Redis bus)', () => {
  const outage = useRedisOutage(world);
  let proxies: RedisProxy[];
  let buses: RedisBus[];
  let w: World;
  beforeEach(() => ({ redis: { proxies }, buses, w } = outage));

  it('Redis away for both: once it is back, her tab on B gets the category she set on A', async () => {
    for (const p of proxies) p.cut();
    await until('both buses see Redis gone', () => buses.every((b) => !b.isHealthy()), 5000);
    const friend = await changeOnA(w);
    for (const p of proxies) p.restore();
    await until('B tells her tab there', () => w.seen.b.some(updatedFor(w, 'acquaintance')), 15_000);
    expect(w.seen.b.find(updatedFor(w, 'acquaintance'))).toEqual({ kind: 'friend_updated', viewerId: w.alice.userId, friend });
  }, 30_000);

  it('only A cut off (B never saw an outage): A sends it again when it is back', async () => {
    proxies[0]!.cut();
    await until('A sees Redis gone', () => !buses[0]!.isHealthy(), 5000);
    expect(buses[1]!.isHealthy()).toBe(true);
    const friend = await changeOnA(w);
    proxies[0]!.restore();
    await until('her tab on B is told', () => w.seen.b.some(updatedFor(w, 'acquaintance')), 15_000);
    expect(w.seen.b.find(updatedFor(w, 'acquaintance'))).toEqual({ kind: 'friend_updated', viewerId: w.alice.userId, friend });
  }, 30_000);
});
