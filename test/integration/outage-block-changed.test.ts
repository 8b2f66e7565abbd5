/**
 * A block or an unblock reaches the blocker's sockets on every instance as `block_changed`.
 * Made while the event bus was down, it never reached the blocker's sockets on the other
 * instance, and nothing sent it again when the bus returned (as is done for `friend_updated`):
 * the blocker's Blocked list there stayed stale until a reconnect. Now the block changes an
 * instance published while its bus was down (or shortly before it saw it go) are published
 * again when its bus returns, with the block held now; and an instance whose bus comes back
 * asks the others (`bus_returned`) for those they published while it could not hear.
 * Two instances on one PostgreSQL, on a memory hub and on a real Redis (a TCP proxy per instance cut).
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

const world = outageWorld;

const blockChange = (w: World, blocked: boolean) => (e: PresenceEvent) => e.kind === 'block_changed' && e.viewerId === w.alice.userId && e.subjectId === w.bobId && (e.user !== null) === blocked;
const listedBob = async (w: World) => (await w.a.friends.listBlocked(w.alice.userId)).find((u) => u.user_id === w.bobId) ?? null;

/** Alice blocks Bob through A while A's bus is down: A's own sockets hear it at once, B's cannot. */
async function blockOnA(w: World) {
  w.clear();
  await w.a.friends.block(w.alice.userId, w.bobId);
  expect(w.seen.a.some(blockChange(w, true))).toBe(true);
  expect(w.seen.b.some((e) => e.kind === 'block_changed')).toBe(false);
  return listedBob(w);
}

describe('block_changed made during a bus outage reaches the blocker’s sockets on the other instance (memory bus)', () => {
  const outage = useMemoryOutage(FlakyBus, world);
  let buses: FlakyBus[];
  let w: World;
  beforeEach(() => ({ buses, w } = outage));

  it('both instances lose the bus, A gets it back first: B tells her tab there when its bus returns', async () => {
    for (const bus of buses) bus.down = true;
    const user = await blockOnA(w);
    buses[0]!.down = false;
    // A sends it again over the bus, which B, still cut off, cannot hear.
    await new Promise((r) => setTimeout(r, 100));
    expect(w.seen.b.some((e) => e.kind === 'block_changed')).toBe(false);
    buses[1]!.down = false;
    await until('B tells her tab there', () => w.seen.b.some(blockChange(w, true)), 5000);
    expect(w.seen.b.find(blockChange(w, true))).toEqual({ kind: 'block_changed', viewerId: w.alice.userId, subjectId: w.bobId, user });
  });
});

describe('block_changed made during a Redis outage reaches the blocker’s sockets on the other instance (Redis bus)', () => {
  const outage = useRedisOutage(world);
  let proxies: RedisProxy[];
  let buses: RedisBus[];
  let w: World;
  beforeEach(() => ({ redis: { proxies }, buses, w } = outage));

  it('Redis away for both: once it is back, her tab on B gets the block she made on A', async () => {
    for (const p of proxies) p.cut();
    await until('both buses see Redis gone', () => buses.every((b) => !b.isHealthy()), 5000);
    const user = await blockOnA(w);
    for (const p of proxies) p.restore();
    await until('B tells her tab there', () => w.seen.b.some(blockChange(w, true)), 15_000);
    expect(w.seen.b.find(blockChange(w, true))).toEqual({ kind: 'block_changed', viewerId: w.alice.userId, subjectId: w.bobId, user });
  }, 30_000);

  it('only A cut off (B never saw an outage): A sends it again, as the block holds now, when it is back', async () => {
    proxies[0]!.cut();
    await until('A sees Redis gone', () => !buses[0]!.isHealthy(), 5000);
    expect(buses[1]!.isHealthy()).toBe(true);
    await blockOnA(w);
    // Lifted again before the bus returns: what is sent is the state held now, not the block.
    await w.a.friends.unblock(w.alice.userId, w.bobId);
    expect(w.seen.a.some(blockChange(w, false))).toBe(true);
    proxies[0]!.restore();
    await until('her tab on B is told', () => w.seen.b.some((e) => e.kind === 'block_changed'), 15_000);
    expect(w.seen.b.filter((e) => e.kind === 'block_changed')).toEqual([{ kind: 'block_changed', viewerId: w.alice.userId, subjectId: w.bobId, user: null }]);
  }, 30_000);

  it('only B cut off, the block made through A with its bus up: B’s tab gets it once B’s bus is back', async () => {
    // Blocked before: the unblock during B's outage is what B's tab must learn.
    await w.a.friends.block(w.alice.userId, w.bobId);
    await until('her tab on B listed the block', () => w.seen.b.some(blockChange(w, true)), 5000);
    proxies[1]!.cut();
    await until('B sees Redis gone', () => !buses[1]!.isHealthy(), 5000);
    w.clear();
    await w.a.friends.unblock(w.alice.userId, w.bobId);
    expect(w.seen.a.some(blockChange(w, false))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.seen.b.some((e) => e.kind === 'block_changed')).toBe(false);
    proxies[1]!.restore();
    await until('her tab on B is told', () => w.seen.b.some(blockChange(w, false)), 15_000);
    expect(w.seen.b.find(blockChange(w, false))).toEqual({ kind: 'block_changed', viewerId: w.alice.userId, subjectId: w.bobId, user: null });
  }, 30_000);
});
