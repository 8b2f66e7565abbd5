/**
 * Redis that stops answering without closing its connections (a network partition, a hung
 * server): the bus must say it is unhealthy (beacon_bus_healthy 0, "event bus: redis
 * unavailable" in the log) and come back by itself once Redis answers, as it does when
 * Redis closes the connections. Redis missing fails this test; it never skips it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

describe('Redis partition', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('reports the bus unhealthy while Redis does not answer PING, and healthy again once it does', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => void admin.disconnect());
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    cleanups.push(() => proxy.close());
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (_: unknown, msg: string) => void warnings.push(msg), error: () => {} };
    const bus = new RedisBus({ url: throughProxy(REDIS_URL, proxy), prefix: uniquePrefix(), logger, probeIntervalMs: 300, probeTimeoutMs: 300, retryStrategy: () => 100 });
    cleanups.push(() => bus.close());
    const changes: boolean[] = [];
    bus.onHealthChange((h) => changes.push(h));
    bus.subscribe('user:1');
    await expect.poll(() => bus.isHealthy(), { timeout: 5_000 }).toBe(true);
    const seen = changes.length;

    proxy.freeze();
    await expect.poll(() => changes.slice(seen), { timeout: 5_000 }).toContain(false);
    expect(bus.isHealthy()).toBe(false);
    expect(warnings).toContain('event bus: redis unavailable, delivering locally only');
    // One outage, one probe that gave up: the connections are dropped once, not at every probe.
    expect(warnings.filter((w) => w.startsWith('event bus: redis does not answer PING'))).toHaveLength(1);

    proxy.restore();
    await expect.poll(() => bus.isHealthy(), { timeout: 10_000 }).toBe(true);
    expect(changes.at(-1)).toBe(true);
  });
});
