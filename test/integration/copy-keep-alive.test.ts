/**
 * Audit 207 (operator): a user's copy in Redis expires a day after its last save
 * (presence-store-redis.ts KEY_TTL_S). A connected user who changes nothing for a day (a tab left
 * open over a weekend, idle and away) lost it, and an instance loading them afresh (a friend's
 * first connect there) found no copy, read their row and showed them offline while connected.
 * Now each instance touches, once an hour, the copies of the users with a session on it.
 * Real Redis and PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { KEEP_ALIVE_EVERY_MS } from '../../src/server/status/copy-keep-alive.js';
import { freshDatabase } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/shared-parts.js';

const DAY_MS = 86_400_000;

describe("a connected user's copy in Redis", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('outlives its day while her socket lasts: a friend connecting to another instance a day later sees her online', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => admin.disconnect());
    const db = await freshDatabase('postgres');
    cleanups.push(db.drop);
    const prefix = uniquePrefix();
    // Nothing but the clock moves her presence: no idle machine, no sweep of silent sockets, no beats by timer.
    const config = { databaseUrl: db.url, idleTimeoutMs: 10 * DAY_MS, heartbeatIntervalMs: 10 * DAY_MS };
    const start = async (id: string): Promise<LiveApp> => {
      const bus = new RedisBus({ url: REDIS_URL, prefix, instanceId: id });
      const store = new RedisPresenceStore({ url: REDIS_URL, prefix });
      cleanups.push(async () => (await bus.close(), await store.close()));
      await store.connect();
      await until('the bus connected', () => bus.isHealthy());
      const t = await startLiveApp(config, { bus, store });
      cleanups.push(() => t.close());
      return t;
    };
    const a = await start('keep-a');
    const b = await start('keep-b');
    const alice = await a.register('alice');
    const bob = await a.register('bob');
    await a.befriend(alice, bob);
    await a.connect(alice.token);
    const key = `${prefix}:presence:${alice.id}`;
    await until('her copy saved', async () => (await admin.ttl(key)) > 0);

    // Her copy has moments of its day left (nothing of hers changed since it was saved)…
    await admin.expire(key, 2);
    // …and an hour of the instance's clock has passed since it started: its next beat touches it.
    a.clock.advance(KEEP_ALIVE_EVERY_MS);
    await a.app.services.presence.beat();
    expect(await admin.ttl(key)).toBeGreaterThan(DAY_MS / 1000 - 60);

    // Past the moment it would have expired, Bob connects to the other instance.
    await new Promise((r) => setTimeout(r, 2500));
    const { ready } = await b.connect(bob.token);
    const seen = (ready.friends as Array<{ user_id: number; status: string }>).find((f) => f.user_id === alice.id);
    expect(seen?.status).toBe('online');
  });
});
