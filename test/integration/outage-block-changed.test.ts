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
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import type { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { createServices, type Services } from '../../src/server/services.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase } from '../helpers/databases.js';
import { FlakyBus } from '../helpers/flaky-bus.js';
import type { RedisProxy } from '../helpers/redis.js';
import { proxiedRedisParts, until } from '../helpers/shared-parts.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

interface World {
  a: Services;
  b: Services;
  /** What each instance's gateway was handed, since the last `clear()`. */
  seen: { a: PresenceEvent[]; b: PresenceEvent[] };
  alice: AuthContext;
  bobId: number;
  clear(): void;
}

async function world(parts: Array<{ bus: EventBus; store: PresenceStore }>, cleanup: Array<() => Promise<unknown>>): Promise<World> {
  const db = await freshDatabase('postgres');
  cleanup.push(db.drop);
  const config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000 });
  const seen = { a: [] as PresenceEvent[], b: [] as PresenceEvent[] };
  const a = await createServices(config, silentLog, { now: () => T0, bus: parts[0]!.bus, store: parts[0]!.store });
  cleanup.push(() => a.close());
  const b = await createServices(config, silentLog, { now: () => T0, bus: parts[1]!.bus, store: parts[1]!.store });
  cleanup.push(() => b.close());
  a.presence.setSink((e) => seen.a.push(e));
  b.presence.setSink((e) => seen.b.push(e));
  for (const s of [a, b]) await s.start();
  const u = await a.users.create({ username: 'alice', displayName: 'alice', passwordHash: 'x', role: 'user', now: T0 });
  const bob = await a.users.create({ username: 'bob', displayName: 'bob', passwordHash: 'x', role: 'user', now: T0 });
  // Alice has a tab on each instance (two logins).
  const alice: AuthContext = { userId: u!.id, sessionId: 'l1', role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
  await a.presence.prepareViewer(alice);
  a.presence.openSocket(alice, 'a1');
  const onB = { ...alice, sessionId: 'l2' };
  await b.presence.prepareViewer(onB);
  b.presence.openSocket(onB, 'b1');
  await a.presence.shared();
  await b.presence.shared();
  const clear = () => {
    seen.a.length = 0;
    seen.b.length = 0;
  };
  return { a, b, seen, alice, bobId: bob!.id, clear };
}

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
  let cleanup: Array<() => Promise<unknown>> = [];
  let buses: FlakyBus[];
  let w: World;
  beforeEach(async () => {
    cleanup = [];
    const hub = new MemoryHub();
    const store = new MemoryPresenceStore();
    buses = [new FlakyBus({ hub, instanceId: 'a' }), new FlakyBus({ hub, instanceId: 'b' })];
    w = await world(
      buses.map((bus) => ({ bus, store })),
      cleanup,
    );
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

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
  let cleanup: Array<() => Promise<unknown>> = [];
  let proxies: RedisProxy[];
  let buses: RedisBus[];
  let w: World;
  beforeEach(async () => {
    cleanup = [];
    const redis = await proxiedRedisParts(2);
    cleanup.push(redis.close);
    proxies = redis.proxies;
    buses = redis.parts.map((p) => p.bus);
    w = await world(redis.parts, cleanup);
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

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
