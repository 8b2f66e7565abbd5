/**
 * The hourly touch of this instance's users' copies (status/copy-keep-alive.ts) runs once at a
 * time. The heartbeat ticks every 5 s whatever the last tick is doing, and the touch (a pipeline
 * of EXPIREs per thousand users, one after the other) lasts as long as Redis is slow: a tick that
 * came while one was under way started another full touch of every user, piling more commands
 * onto a Redis that was already slow. Real Redis, stalled through a proxy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { CopyKeepAlive, KEEP_ALIVE_EVERY_MS } from '../../src/server/status/copy-keep-alive.js';
import type { PresenceDeps } from '../../src/server/status/presence-deps.js';
import { FakeClock } from '../helpers/clock.js';
import { requireRedis, startRedisProxy, uniquePrefix } from '../helpers/redis.js';

const BEAT_MS = 5_000;

describe("the touch of this instance's users' copies", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('is not started again by the beats that come while one is under way on a stalled Redis', async () => {
    const admin = await requireRedis();
    cleanups.push(async () => admin.disconnect());
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const store = new RedisPresenceStore({ url: proxy.url, prefix: uniquePrefix(), commandTimeoutMs: 1_500 });
    cleanups.push(() => store.close());
    await store.connect();
    let touches = 0;
    const counted = { keepAlive: (ids: readonly number[]) => (touches++, store.keepAlive(ids)) } as unknown as PresenceStore;
    const warned: string[] = [];
    const log = { warn: (_: unknown, msg: string) => warned.push(msg) } as unknown as PresenceDeps['log'];
    const clock = new FakeClock();
    const keepAlive = new CopyKeepAlive({ store: counted, now: clock.now, log }, () => Array.from({ length: 2_500 }, (_, i) => i + 1));

    clock.advance(KEEP_ALIVE_EVERY_MS);
    proxy.freeze();
    const first = keepAlive.afterBeat();
    const later: Array<Promise<void>> = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(BEAT_MS);
      later.push(keepAlive.afterBeat());
    }
    expect(touches).toBe(1);
    await Promise.all([first, ...later]);
    expect(warned).toHaveLength(1);

    // Failed: the next beat tries again (Redis answering now).
    proxy.restore();
    clock.advance(BEAT_MS);
    await keepAlive.afterBeat();
    expect(touches).toBe(2);
  }, 20_000);
});
