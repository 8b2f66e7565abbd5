/**
 * Redis that stops answering without closing its connections (a network partition, a hung
 * server): the bus must say it is unhealthy (beacon_bus_healthy 0, "event bus: redis
 * unavailable" in the log) and come back by itself once Redis answers, as it does when
 * Redis closes the connections. Redis missing fails this test; it never skips it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { startLiveApp } from '../helpers/live-app.js';
import { requireRedis, startRedisProxy, uniquePrefix } from '../helpers/redis.js';

describe('Redis partition', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('reports the bus unhealthy while Redis does not answer PING, and healthy again once it does', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => void admin.disconnect());
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (_: unknown, msg: string) => void warnings.push(msg), error: () => {} };
    const bus = new RedisBus({ url: proxy.url, prefix: uniquePrefix(), logger, probeIntervalMs: 300, probeTimeoutMs: 300, retryStrategy: () => 100 });
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

  it('drains a stop while Redis does not answer: presence still reaches the database, and the stop fails naming what Redis lacks, within BEACON_SHUTDOWN_TIMEOUT_MS', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => void admin.disconnect());
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'beacon-partition-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'beacon.db');
    const t = await startLiveApp({ redisUrl: proxy.url, redisPrefix: uniquePrefix(), databaseUrl: `sqlite:${file}`, persistIntervalMs: 3_600_000 });
    let closed = false;
    cleanups.push(async () => void (closed || (await t.close())));
    const alice = await t.register('alice');
    const { socket } = await t.connect(alice.token);
    // Redis hangs, then she sets a status: accepted and answered, but never saved to Redis. (Set
    // before the freeze, its save could finish first, and then the stop has nothing to fail on.)
    proxy.freeze();
    const sent = socket.mark();
    socket.send({ type: 'set_status', status: 'busy', custom_message: 'exams' });
    await socket.next((f) => f.type === 'status_update' && f.status === 'busy', { from: sent });

    const started = Date.now();
    // The stop saves her change again until the bound nears, then fails (main.ts: `shutdown
    // failed`, exit 1) after closing everything.
    await expect(t.close()).rejects.toThrow("presence not saved to the shared store (unreachable): 1 users' changes were not saved to it");
    closed = true;
    expect(Date.now() - started).toBeLessThan(10_000); // the default BEACON_SHUTDOWN_TIMEOUT_MS
    const db = new SQLite(file, { readonly: true });
    const row = db.prepare('select manual_status, custom_message from users where id = ?').get(alice.id);
    db.close();
    expect(row).toEqual({ manual_status: 'busy', custom_message: 'exams' });
  });

  it('settles a publish Redis never answered when the connection drops: counted dropped, and flushed() does not wait on it for ever', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => void admin.disconnect());
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const published = { sent: 0, dropped: 0 };
    const metrics = { busPublished: (ok: boolean) => void published[ok ? 'sent' : 'dropped']++, busReceived: () => {}, redisError: () => {} };
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const bus = new RedisBus({ url: proxy.url, prefix: uniquePrefix(), logger, metrics, probeIntervalMs: 0, retryStrategy: () => 50 });
    cleanups.push(() => bus.close());
    bus.subscribe('user:1');
    await expect.poll(() => bus.isHealthy(), { timeout: 5_000 }).toBe(true);
    bus.publish('user:1', { kind: 'probe', userId: 1 } as never);
    await bus.flushed();
    expect(published).toEqual({ sent: 1, dropped: 0 });

    // Redis restarts with a PUBLISH on the wire, unanswered; then it is back.
    proxy.freeze();
    bus.publish('user:1', { kind: 'probe', userId: 1 } as never);
    await new Promise((r) => setTimeout(r, 50));
    proxy.cut();
    proxy.restore();
    await expect.poll(() => bus.isHealthy(), { timeout: 5_000 }).toBe(true);
    const settled = await Promise.race([bus.flushed().then(() => 'settled'), new Promise((r) => setTimeout(() => r('still waiting'), 2_000))]);
    expect(settled).toBe('settled');
    expect(published).toEqual({ sent: 1, dropped: 1 });
  });

  it('says a publish Redis never answered before close() resolves, never after it (the stop\'s last log line is its last)', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => void admin.disconnect());
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const lines: string[] = [];
    const logger = { info: () => {}, warn: (_: unknown, msg: string) => void lines.push(msg), error: (_: unknown, msg: string) => void lines.push(msg) };
    const bus = new RedisBus({ url: proxy.url, prefix: uniquePrefix(), logger, probeIntervalMs: 0, retryStrategy: () => 50 });
    bus.subscribe('user:1');
    await expect.poll(() => bus.isHealthy(), { timeout: 5_000 }).toBe(true);
    // Redis hangs with a PUBLISH on the wire; the stop closes the bus (QUIT unanswered: dropped after 1 s).
    proxy.freeze();
    bus.publish('user:1', { kind: 'probe', userId: 1 } as never);
    await bus.close();
    const atClose = [...lines];
    await new Promise((r) => setTimeout(r, 300));
    expect(lines).toEqual(atClose);
    expect(atClose).toContain('event bus: publish reached local handlers only');
  });

  it('fails a presence store command Redis does not answer, within the bound, instead of waiting for ever', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => void admin.disconnect());
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    let errors = 0;
    const store = new RedisPresenceStore({ url: proxy.url, prefix: uniquePrefix(), commandTimeoutMs: 300, onError: () => void errors++ });
    cleanups.push(() => store.close());
    await store.connect();
    await store.heartbeat('i1');

    proxy.freeze();
    const outcome = await Promise.race([
      store.heartbeat('i1').then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((r) => setTimeout(() => r('still waiting'), 3_000)),
    ]);
    expect(outcome).toBe('failed');
    // Counted as beacon_redis_errors_total{client="store"} (services.ts), as a dropped connection is.
    expect(errors).toBe(1);
    proxy.restore();
  });
});
