/** Buses and presence stores shared by in-process instances of one test: in memory, or on a real Redis. */
import { MemoryBus, MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { REDIS_URL, requireRedis, startRedisProxy, uniquePrefix, type RedisProxy } from './redis.js';

export type Kind = 'memory' | 'redis';

/** Polls `ok` every 10 ms until it holds; throws naming `what` after `ms`. */
export const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** `n` instances' bus and store over one hub (memory) or one Redis prefix, connected. */
export async function sharedParts(kind: Kind, n: number): Promise<Array<{ bus: EventBus; store: PresenceStore; close: () => Promise<void> }>> {
  if (kind === 'memory') {
    const hub = new MemoryHub();
    const store = new MemoryPresenceStore();
    return Array.from({ length: n }, (_, i) => ({ bus: new MemoryBus({ hub, instanceId: `mem-${i}` }), store, close: async () => {} }));
  }
  (await requireRedis()).disconnect();
  const prefix = uniquePrefix();
  const parts = Array.from({ length: n }, (_, i) => {
    const bus = new RedisBus({ url: REDIS_URL, prefix, instanceId: `redis-${i}` });
    const store = new RedisPresenceStore({ url: REDIS_URL, prefix });
    return { bus, store, close: async () => (await bus.close(), await store.close()) };
  });
  for (const p of parts) await p.store.connect();
  await until('the buses connected', () => parts.every((p) => p.bus.isHealthy()));
  return parts;
}

/**
 * `n` instances' bus and store on one Redis prefix, each through a proxy of its own (`cut()`
 * plays "Redis is down" for that instance alone), connected. `close` ends the clients, then the proxies.
 */
export async function proxiedRedisParts(n: number): Promise<{ proxies: RedisProxy[]; parts: Array<{ bus: RedisBus; store: RedisPresenceStore }>; close: () => Promise<void> }> {
  (await requireRedis()).disconnect();
  const proxies: RedisProxy[] = [];
  for (let i = 0; i < n; i++) proxies.push(await startRedisProxy());
  const prefix = uniquePrefix();
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const parts = proxies.map((p, i) => ({
    bus: new RedisBus({ url: p.url, prefix, instanceId: `redis-${i}`, retryStrategy: () => 100, logger: quiet }),
    store: new RedisPresenceStore({ url: p.url, prefix }),
  }));
  const close = async () => {
    for (const p of [...parts].reverse()) await (await p.bus.close(), p.store.close());
    for (const p of proxies) await p.close();
  };
  for (const p of parts) await p.store.connect();
  await until('the buses connected', () => parts.every((p) => p.bus.isHealthy()), 5000);
  return { proxies, parts, close };
}
