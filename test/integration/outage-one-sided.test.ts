/**
 * Review finding: after a bus outage only the instances whose own bus went down caught up. With
 * only A cut off (B never saw an outage), friend-graph changes made through A meanwhile
 * (a friendship made, one ended, a category changed) never reached B's sockets: B's viewers kept
 * the old friend list and views until they reconnected. And a status set through A for a user
 * with no socket there was saved but never announced (A's resync re-announced only users with
 * sockets on A, or whose save failed).
 *
 * Now an instance that changed the friend graph while its bus was down asks, once it is back,
 * the other instances holding those users to re-read their friend lists (`friends_changed`, per
 * user), and its resync re-announces every user whose presence it changed meanwhile.
 * Two instances on a memory hub (A's bus alone cut) and on a real Redis (a TCP proxy per
 * instance, A's alone cut).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import type { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import { testConfig } from '../../src/server/config.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { createServices, type Services } from '../../src/server/services.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { freshDatabase } from '../helpers/databases.js';
import { CutOffBus } from '../helpers/flaky-bus.js';
import type { RedisProxy } from '../helpers/redis.js';
import { proxiedRedisParts, until } from '../helpers/shared-parts.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

interface World {
  a: Services;
  b: Services;
  /** What B's gateway was handed. */
  seenB: PresenceEvent[];
  ids: { alice: number; bob: number; carol: number; dave: number };
  requestId: number;
}

const auth = (userId: number, sessionId: string): AuthContext => ({ userId, sessionId, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER });

async function world(parts: Array<{ bus: EventBus; store: PresenceStore }>, cleanup: Array<() => Promise<unknown>>): Promise<World> {
  const t = T0;
  const db = await freshDatabase('postgres');
  cleanup.push(db.drop);
  const config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000 });
  const seenB: PresenceEvent[] = [];
  const a = await createServices(config, silentLog, { now: () => t, bus: parts[0]!.bus, store: parts[0]!.store });
  cleanup.push(() => a.close());
  const b = await createServices(config, silentLog, { now: () => t, bus: parts[1]!.bus, store: parts[1]!.store });
  cleanup.push(() => b.close());
  a.presence.setSink(() => {});
  b.presence.setSink((e) => seenB.push(e));
  for (const s of [a, b]) await s.start();
  const make = async (name: string) => (await a.users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: t }))!.id;
  const ids = { alice: await make('alice'), bob: await make('bob'), carol: await make('carol'), dave: await make('dave') };
  await a.friendRepo.befriend(ids.bob, ids.carol, t);
  await a.friendRepo.befriend(ids.bob, ids.dave, t);
  const sent = await a.friends.sendRequest(ids.alice, ids.bob);
  if (!('request' in sent)) throw new Error('expected a request');
  // Bob and Dave are connected to B only.
  for (const [id, conn] of [[ids.bob, 'b1'], [ids.dave, 'b2']] as const) {
    await b.presence.prepareViewer(auth(id, `login-${id}`));
    b.presence.openSocket(auth(id, `login-${id}`), conn);
  }
  await a.presence.shared();
  await b.presence.shared();
  return { a, b, seenB, ids, requestId: sent.request.id };
}

/** Through A, its bus down: Bob accepts Alice, Carol unfriends Bob, Dave makes Bob an acquaintance and sets himself busy. */
async function changesOnA(w: World): Promise<void> {
  const { a, ids } = w;
  w.seenB.length = 0;
  await a.friends.accept(ids.bob, w.requestId);
  await a.friends.remove(ids.carol, ids.bob);
  await a.friends.setCategory(ids.dave, ids.bob, 'acquaintance');
  await a.presence.setStatus(ids.dave, { status: 'busy' });
  // Nothing of it reached B.
  expect(w.seenB.filter((e) => e.kind === 'friend_added' || e.kind === 'friend_removed')).toEqual([]);
  expect(w.b.presence.engine.get(ids.dave).status).toBe('online');
}

/** B's viewer Bob ends up with what A did: Alice added, Carol removed, Dave seen as an acquaintance, busy. */
async function bConverges(w: World): Promise<void> {
  const { b, ids, seenB } = w;
  await until('Bob on B is told Alice is his friend', () => seenB.some((e) => e.kind === 'friend_added' && e.viewerId === ids.bob && e.subjectId === ids.alice), 15_000);
  await until('Bob on B is told Carol is gone', () => seenB.some((e) => e.kind === 'friend_removed' && e.viewerId === ids.bob && e.subjectId === ids.carol), 15_000);
  await until('B holds the category Dave gives Bob', () => b.presence.graph.category(ids.bob, ids.dave) === 'acquaintance', 15_000);
  await until('B shows Dave busy', () => b.presence.engine.get(ids.dave).status === 'busy', 15_000);
  expect([...b.presence.graph.friendIds(ids.bob)].sort()).toEqual([ids.alice, ids.dave].sort());
  // Bob sees Dave as the public does now (an acquaintance), and busy.
  expect(b.presence.viewOf(ids.dave, b.presence.graph.tier(ids.bob, ids.dave)).status).toBe(b.presence.viewOf(ids.dave, 'public').status);
}

describe('changes made through A while only A’s bus was down reach B’s sockets (memory bus)', () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  let buses: CutOffBus[];
  let w: World;
  beforeEach(async () => {
    cleanup = [];
    const hub = new MemoryHub();
    const store = new MemoryPresenceStore();
    buses = [new CutOffBus({ hub, instanceId: 'a' }), new CutOffBus({ hub, instanceId: 'b' })];
    w = await world(
      buses.map((bus) => ({ bus, store })),
      cleanup,
    );
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('friend added, friend removed, category and status converge on B when A is back', async () => {
    buses[0]!.down = true;
    await changesOnA(w);
    buses[0]!.down = false;
    await bConverges(w);
  }, 30_000);
});

describe('changes made through A while only A was cut off from Redis reach B’s sockets (Redis bus)', () => {
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

  it('friend added, friend removed, category and status converge on B when A is back', async () => {
    proxies[0]!.cut();
    await until('A sees Redis gone', () => !buses[0]!.isHealthy(), 5000);
    expect(buses[1]!.isHealthy()).toBe(true);
    await changesOnA(w);
    proxies[0]!.restore();
    await bConverges(w);
  }, 40_000);
});
