/**
 * /readyz said ready as soon as Redis answered again after an outage, while the presence resync
 * was still failing (the store's connection back later than the bus's): a load balancer sent
 * users to an instance whose replicas of other instances' users were stale. Now /readyz answers
 * 503 with `presence.synced: false` until the resync has succeeded, then 200 again.
 * A real Redis behind two TCP proxies: one for the bus, one for the presence store, so the bus
 * can come back while the store is still cut off. Redis missing fails this test; it never skips it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { startLiveApp } from '../helpers/live-app.js';
import { requireRedis, startRedisProxy, uniquePrefix } from '../helpers/redis.js';

interface Ready {
  status: string;
  database: boolean;
  bus: boolean;
  presence: { synced: boolean; stale_since: string | null; resync_attempts: number };
}

describe('/readyz during the presence resync after a Redis outage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('answers 503 with presence.synced false while the resync fails, and 200 once it succeeded', async () => {
    (await requireRedis()).disconnect();
    const busProxy = await startRedisProxy();
    cleanups.push(() => busProxy.close());
    const storeProxy = await startRedisProxy();
    cleanups.push(() => storeProxy.close());
    const prefix = uniquePrefix();
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const bus = new RedisBus({ url: busProxy.url, prefix, retryStrategy: () => 100, logger: quiet });
    cleanups.push(() => bus.close());
    const store = new RedisPresenceStore({ url: storeProxy.url, prefix });
    cleanups.push(() => store.close());
    const t = await startLiveApp({}, { bus, store });
    cleanups.push(() => t.close());
    const alice = await t.register('alice');
    await t.connect(alice.token);
    const readyz = async () => {
      const res = await fetch(`${t.url}/readyz`);
      return { code: res.status, body: (await res.json()) as Ready };
    };
    await expect.poll(async () => (await readyz()).code, { timeout: 10_000 }).toBe(200);
    expect((await readyz()).body).toMatchObject({ status: 'ready', bus: true, presence: { synced: true, stale_since: null, resync_attempts: 0 } });

    busProxy.cut();
    storeProxy.cut();
    await expect.poll(async () => (await readyz()).body.bus, { timeout: 10_000 }).toBe(false);
    expect((await readyz()).body.presence.synced).toBe(false);

    // Redis is back for the bus, not yet for the store: the resync fails and retries.
    busProxy.restore();
    await expect.poll(async () => (await readyz()).body.presence.resync_attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const pending = await readyz();
    expect(pending.code).toBe(503);
    expect(pending.body).toMatchObject({ status: 'unavailable', database: true, bus: true, presence: { synced: false } });
    expect(Date.parse(pending.body.presence.stale_since ?? '')).not.toBeNaN();

    storeProxy.restore();
    await expect.poll(async () => (await readyz()).code, { timeout: 15_000 }).toBe(200);
    expect((await readyz()).body).toMatchObject({ status: 'ready', bus: true, presence: { synced: true, stale_since: null, resync_attempts: 0 } });
  }, 45_000);
});
