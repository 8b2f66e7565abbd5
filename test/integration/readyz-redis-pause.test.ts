/**
 * A Redis that pauses for 3 s (CLIENT PAUSE: a failover, a slow fork, a busy script) turned
 * /readyz to 503 on every instance at once, although the bus stayed connected and nothing was
 * lost: readiness took a PING not answered within 500 ms for an outage, so a load balancer had
 * no instance to send users to. Now readiness follows the bus's health (docs/operations.md,
 * "Health"): connections up and subscribed, the bus's probe dropping them after 5 s without an
 * answer. A pause keeps every instance ready (`bus_answering` says the PING was late); Redis
 * gone still takes them out. Two instances on a redis-server of the test's own (the pause must
 * not stall the shared test Redis) and one PostgreSQL database; redis-server missing fails this test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { freshDatabase } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { startOwnRedis, uniquePrefix } from '../helpers/redis.js';

interface Ready {
  status: string;
  bus: boolean;
  bus_answering: boolean;
}

async function readyz(t: LiveApp): Promise<{ code: number; body: Ready }> {
  const res = await fetch(`${t.url}/readyz`);
  return { code: res.status, body: (await res.json()) as Ready };
}

describe('/readyz while Redis pauses', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });

  it('keeps every instance ready through a 3 s CLIENT PAUSE, and takes them all out when Redis is gone', async () => {
    const redis = await startOwnRedis();
    cleanups.push(() => redis.kill());
    const db = await freshDatabase('postgres');
    cleanups.push(db.drop);
    const config = { databaseUrl: db.url, redisUrl: redis.url, redisPrefix: uniquePrefix() };
    const a = await startLiveApp(config);
    cleanups.push(() => a.close());
    const b = await startLiveApp(config);
    cleanups.push(() => b.close());
    const instances = [a, b];
    for (const t of instances) await expect.poll(async () => (await readyz(t)).code, { timeout: 10_000 }).toBe(200);

    const admin = new Redis(redis.url);
    cleanups.push(() => admin.disconnect());
    expect(await admin.client('PAUSE', '3000', 'ALL')).toBe('OK');
    const pausedUntil = Date.now() + 3_000;
    // What a load balancer's probes see during the pause, on both instances.
    const seen: Array<{ code: number; body: Ready }> = [];
    while (Date.now() < pausedUntil - 200) {
      seen.push(...(await Promise.all(instances.map(readyz))));
    }
    // The probes did see a Redis that did not answer in time, and still the instances stayed ready.
    expect(seen.some((r) => !r.body.bus_answering)).toBe(true);
    expect(seen.filter((r) => r.code !== 200)).toEqual([]);
    expect(instances.every((t) => t.app.services.bus.isHealthy())).toBe(true);

    // A real outage still takes every instance out.
    admin.disconnect();
    redis.kill();
    for (const t of instances) {
      await expect.poll(async () => (await readyz(t)).code, { timeout: 10_000 }).toBe(503);
      expect((await readyz(t)).body).toMatchObject({ status: 'unavailable', bus: false, bus_answering: false });
    }
  }, 40_000);

  it('takes the instance out once a pause outlasts the bus probe\'s deadline (here 1 s), as a silent Redis', async () => {
    const redis = await startOwnRedis();
    cleanups.push(() => redis.kill());
    const prefix = uniquePrefix();
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const bus = new RedisBus({ url: redis.url, prefix, probeIntervalMs: 100, probeTimeoutMs: 1_000, retryStrategy: () => 100, logger: quiet });
    cleanups.push(() => bus.close());
    const store = new RedisPresenceStore({ url: redis.url, prefix });
    cleanups.push(() => store.close());
    const t = await startLiveApp({}, { bus, store });
    cleanups.push(() => t.close());
    await expect.poll(async () => (await readyz(t)).code, { timeout: 10_000 }).toBe(200);

    const admin = new Redis(redis.url);
    cleanups.push(() => admin.disconnect());
    await admin.client('PAUSE', '4000', 'ALL');
    await expect.poll(async () => (await readyz(t)).body, { timeout: 3_500, interval: 100 }).toMatchObject({ status: 'unavailable', bus: false });
  }, 30_000);
});
