/**
 * The two settings of the bus-outage suites, for a describe block: before each test, two
 * instances' parts and the suite's world on them; after it, what the world pushed into its
 * cleanup, last made first. Read the returned object inside tests (set by `beforeEach`).
 */
import { afterEach, beforeEach } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import type { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { proxiedRedisParts } from './shared-parts.js';

export type OutageParts = Array<{ bus: EventBus; store: PresenceStore }>;
export type Cleanup = Array<() => Promise<unknown>>;
type World<W> = (parts: OutageParts, cleanup: Cleanup) => Promise<W>;

/** Registers `beforeEach` (after a fresh cleanup list, `start` fills it) and the `afterEach` that runs it. */
function useCleanup(start: (cleanup: Cleanup) => Promise<void>): void {
  let cleanup: Cleanup = [];
  beforeEach(async () => {
    cleanup = [];
    await start(cleanup);
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });
}

/** On a memory hub with one memory store: instance a's and b's buses of class `Bus` (FlakyBus, CutOffBus: `down` cuts one). */
export function useMemoryOutage<B extends EventBus, W>(Bus: new (opts: { hub: MemoryHub; instanceId: string }) => B, world: World<W>): { buses: B[]; w: W } {
  const held = {} as { buses: B[]; w: W };
  useCleanup(async (cleanup) => {
    const hub = new MemoryHub();
    const store = new MemoryPresenceStore();
    held.buses = [new Bus({ hub, instanceId: 'a' }), new Bus({ hub, instanceId: 'b' })];
    held.w = await world(
      held.buses.map((bus) => ({ bus, store })),
      cleanup,
    );
  });
  return held;
}

/** On a real Redis, each instance through a TCP proxy of its own (`redis.proxies[i].cut()` cuts instance i's bus and store). */
export function useRedisOutage<W>(world: World<W>): { redis: Awaited<ReturnType<typeof proxiedRedisParts>>; buses: RedisBus[]; w: W } {
  const held = {} as { redis: Awaited<ReturnType<typeof proxiedRedisParts>>; buses: RedisBus[]; w: W };
  useCleanup(async (cleanup) => {
    held.redis = await proxiedRedisParts(2);
    cleanup.push(held.redis.close);
    held.buses = held.redis.parts.map((p) => p.bus);
    held.w = await world(held.redis.parts, cleanup);
  });
  return held;
}
