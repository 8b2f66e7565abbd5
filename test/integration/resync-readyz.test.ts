/**
 * /readyz said ready as soon as Redis answered again after an outage, while the presence resync
 * was still failing (the store's connection back later than the bus's): a load balancer sent
 * users to an instance whose replicas of other instances' users were stale. Now /readyz answers
 * 503 with `presence.synced: false` until the resync has succeeded, then 200 again.
 * A real Redis behind two TCP proxies: one for the bus, one for the presence store, so the bus
 * can come back while the store is still cut off. Redis missing fails this test; it never skips it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppOverrides } from '../../src/server/app.js';
import { MemoryBus, MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import type { Config } from '../../src/server/config.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import { LocalPresenceStore } from '../../src/server/ports/presence-store.js';
import { freePort } from '../helpers/child-server.js';
import { startLiveApp } from '../helpers/live-app.js';
import { requireRedis, startRedisProxy, uniquePrefix } from '../helpers/redis.js';

interface Ready {
  status: string;
  database: boolean;
  bus: boolean;
  presence: { synced: boolean; stale_since: string | null; resync_attempts: number };
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('/readyz during the presence resync after a Redis outage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  /** An app whose bus and store reach Redis through proxies (one each, or one `shared` as BEACON_REDIS_URL makes them), `cut` from the start if asked. */
  async function appBehindProxies({ shared = false, cut = false } = {}) {
    (await requireRedis()).disconnect();
    const busProxy = await startRedisProxy();
    cleanups.push(() => busProxy.close());
    const storeProxy = shared ? busProxy : await startRedisProxy();
    if (!shared) cleanups.push(() => storeProxy.close());
    if (cut) {
      busProxy.cut();
      if (!shared) storeProxy.cut();
    }
    const prefix = uniquePrefix();
    const bus = new RedisBus({ url: busProxy.url, prefix, retryStrategy: () => 100, logger: quiet });
    cleanups.push(() => bus.close());
    const store = new RedisPresenceStore({ url: storeProxy.url, prefix });
    cleanups.push(() => store.close());
    const t = await startLiveApp({}, { bus, store });
    cleanups.push(() => t.close());
    return { t, busProxy, storeProxy };
  }

  it('answers 503 with presence.synced false while the resync fails, and 200 once it succeeded', async () => {
    const { t, busProxy, storeProxy } = await appBehindProxies();
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

  /*
   * Redis never reached since the start: /readyz answered 503 (bus false) but said
   * `presence.synced: true`, `stale_since: null`, as if replicas of other instances' users were
   * in sync; they never were. Now they are stale since the start until the bus first connects.
   */
  it('says presence is not synced, since the start, while Redis has never answered', async () => {
    const refused = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const t = await startLiveApp({ redisUrl: refused });
    cleanups.push(() => t.close());
    const started = new Date(t.clock.now()).toISOString();
    t.clock.advance(5_000);
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', database: true, bus: false, presence: { synced: false, stale_since: started, resync_attempts: 0 } });
  });

  it('is synced from the first connection to Redis when it comes after the start (nothing served meanwhile)', async () => {
    // Bus and store on one Redis, as BEACON_REDIS_URL makes them.
    const { t, busProxy: proxy } = await appBehindProxies({ shared: true, cut: true });
    const readyz = async () => (await (await fetch(`${t.url}/readyz`)).json()) as Ready;
    expect(await readyz()).toMatchObject({ bus: false, presence: { synced: false } });
    proxy.restore();
    await expect.poll(async () => (await readyz()).bus, { timeout: 10_000 }).toBe(true);
    expect(await readyz()).toMatchObject({ status: 'ready', presence: { synced: true, stale_since: null } });
  }, 20_000);

  /*
   * A bus other instances hear over a presence store that is not shared (an override only:
   * BEACON_REDIS_URL makes both or neither): Replicas took the instance for one alone, so
   * /readyz said `presence.synced: true` before the bus ever connected, though other instances'
   * events were not heard; and a start marked the last run's users offline under the others.
   * Now the combination is refused when the services are made, first: the refusal came after the
   * database was opened and migrated (a start refused for its overrides still changed the
   * database), and now nothing is opened.
   */
  it('refuses a bus shared with other instances over a presence store that is not shared, before the database is opened', async () => {
    const never = `redis://127.0.0.1:${await freePort()}`; // nothing listens there: the bus never connects
    const redisBus = new RedisBus({ url: never, prefix: uniquePrefix(), retryStrategy: () => 100, logger: quiet });
    cleanups.push(() => redisBus.close());
    const dir = mkdtempSync(join(tmpdir(), 'beacon-mixed-bus-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'beacon.db');
    const mixed: Array<[Partial<Config>, AppOverrides]> = [
      [{}, { bus: redisBus }],
      [{}, { bus: new MemoryBus({ hub: new MemoryHub(), instanceId: 'on-a-hub' }) }],
      // BEACON_REDIS_URL's own bus, over a store given that is not shared.
      [{ redisUrl: never }, { store: new LocalPresenceStore() }],
    ];
    for (const [config, overrides] of mixed) {
      const started = startLiveApp({ databaseUrl: `sqlite:${file}`, ...config }, overrides);
      started.then((t) => cleanups.push(() => t.close()), () => {});
      await expect(started).rejects.toThrow('beacon: an event bus shared with other instances needs a shared presence store (give both, as BEACON_REDIS_URL does, or neither)');
      // Refused before the database was opened, so before any migration ran.
      expect(existsSync(file)).toBe(false);
    }
  });

  /*
   * EventBus.shared came as a required member: a custom bus written before it no longer
   * type-checked (`tsc` on this file), and at run time counted as not shared. It is optional,
   * and a bus that does not say is not checked: it starts, over the default store.
   */
  it('takes a custom bus written before EventBus.shared existed', async () => {
    const inner = new MemoryBus();
    // Every member of MemoryBus but `shared`, its methods bound to it (its fields are private).
    const written: Omit<EventBus, 'shared'> = new Proxy(inner, {
      get: (target, key) => {
        if (key === 'shared') return undefined;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const bus: EventBus = written;
    expect(bus.shared).toBeUndefined();
    const t = await startLiveApp({}, { bus });
    cleanups.push(() => t.close());
    expect(t.app.services.bus).toBe(bus);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  /*
   * An instance that served users before Redis first answered: at the first connection /readyz
   * dropped its own "never connected since the start", and the resync that began then said
   * stale since that moment: stale_since moved forward from the start to the first connection
   * while replicas stayed stale. Now it stays the start until the resync succeeds.
   */
  it('keeps stale_since at the start while the resync after a first connection that came late is pending', async () => {
    const { t, busProxy, storeProxy } = await appBehindProxies({ cut: true });
    const started = new Date(t.clock.now()).toISOString();
    const readyz = async () => (await (await fetch(`${t.url}/readyz`)).json()) as Ready;
    expect(await readyz()).toMatchObject({ bus: false, presence: { synced: false, stale_since: started } });
    // Served before the bus ever connected: its first connection is a return, and the resync runs.
    const alice = await t.register('alice');
    await t.connect(alice.token);
    t.clock.advance(5_000);
    busProxy.restore();
    await expect.poll(async () => (await readyz()).presence.resync_attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(await readyz()).toMatchObject({ bus: true, presence: { synced: false, stale_since: started } });
    storeProxy.restore();
    await expect.poll(async () => (await readyz()).presence.synced, { timeout: 15_000 }).toBe(true);
    expect(await readyz()).toMatchObject({ status: 'ready', presence: { stale_since: null } });
  }, 45_000);
});
