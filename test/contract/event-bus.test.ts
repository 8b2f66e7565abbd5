/**
 * The EventBus contract (src/server/ports/event-bus.ts), run on every adapter: memory
 * buses share one MemoryHub, Redis buses share the test Redis under a prefix of their
 * own, and cluster buses share a local three-primary Redis Cluster (sharded pub/sub).
 * Redis-only behaviour (wire errors, reconnects, outages) follows in the same file;
 * cluster-only behaviour (shards, a primary restart) is in redis-cluster.test.ts.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus, MemoryHub } from '../../src/server/adapters/bus-memory.js';
import type { BusLogger } from '../../src/server/adapters/bus-memory.js';
import { RedisBus } from '../../src/server/adapters/bus-redis.js';
import type { RedisBusOptions } from '../../src/server/adapters/bus-redis.js';
import { createBus } from '../../src/server/adapters/create-bus.js';
import type { ManagedEventBus } from '../../src/server/adapters/create-bus.js';
import type { BusMessage } from '../../src/server/ports/event-bus.js';
import { REDIS_URL, killClientsNamed, requireRedis, startRedisProxy, uniquePrefix } from '../helpers/redis.js';
import { clusterTarget, requireRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster.js';

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}
type FakeLogger = BusLogger & { entries: LogEntry[] };

function fakeLogger(): FakeLogger {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg: string) => void entries.push({ level, obj, msg });
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

interface Received {
  topic: string;
  message: BusMessage;
  origin: string;
}

function record(bus: ManagedEventBus): Received[] {
  const log: Received[] = [];
  bus.onMessage((topic, message, origin) => log.push({ topic, message, origin }));
  return log;
}

const kinds = (log: Received[]): string[] => log.map((r) => r.message.kind);
/** Polls briefly: remote delivery is asynchronous over Redis. */
const until = (assertion: () => void, timeout = 2_000) => vi.waitFor(assertion, { timeout, interval: 5 });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

let admin: Redis | undefined;
async function redisAdmin(): Promise<Redis> {
  admin ??= await requireRedis();
  return admin;
}
let redisCluster: Promise<LocalRedisCluster> | undefined;
afterAll(async () => {
  await admin?.quit();
  await (await redisCluster)?.stop();
});

/** `count` buses that see each other, connected; each with a fake logger. */
type BusFactory = (count: number) => Promise<{ buses: ManagedEventBus[]; loggers: FakeLogger[] }>;

const memoryBuses: BusFactory = async (count) => {
  const hub = new MemoryHub();
  const loggers = Array.from({ length: count }, fakeLogger);
  const buses = loggers.map((logger, i) => new MemoryBus({ hub, instanceId: `mem-${i}`, logger }));
  cleanups.push(() => Promise.all(buses.map((b) => b.close())).then(() => {}));
  return { buses, loggers };
};

async function openRedisBus(options: Partial<RedisBusOptions> & { logger: FakeLogger }): Promise<RedisBus> {
  await redisAdmin();
  const bus = new RedisBus({ url: REDIS_URL, prefix: uniquePrefix(), ...options });
  cleanups.push(() => bus.close());
  await until(() => expect(bus.isHealthy()).toBe(true), 5_000);
  return bus;
}

const redisBuses: BusFactory = async (count) => {
  const prefix = uniquePrefix();
  const loggers = Array.from({ length: count }, fakeLogger);
  const buses = await Promise.all(loggers.map((logger, i) => openRedisBus({ prefix, instanceId: `redis-${i}`, logger })));
  return { buses, loggers };
};

const clusterBuses: BusFactory = async (count) => {
  redisCluster ??= requireRedisCluster();
  const target = clusterTarget(await redisCluster);
  const prefix = uniquePrefix();
  const loggers = Array.from({ length: count }, fakeLogger);
  const buses = loggers.map((logger, i) => new RedisBus({ target, prefix, instanceId: `cluster-${i}`, logger }));
  cleanups.push(() => Promise.all(buses.map((b) => b.close())).then(() => {}));
  await until(() => expect(buses.every((b) => b.isHealthy())).toBe(true), 10_000);
  return { buses, loggers };
};

describe.each([
  { adapter: 'MemoryBus', make: memoryBuses },
  { adapter: 'RedisBus', make: redisBuses },
  { adapter: 'RedisBus on a Redis Cluster', make: clusterBuses },
])('EventBus contract: $adapter', ({ make }) => {
  const settle = (buses: ManagedEventBus[]) => Promise.all(buses.map((b) => b.settled()));

  it('delivers topic, message and origin to a subscribed instance', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const got = record(b!);
    b!.subscribe('t');
    await settle([b!]);
    a!.publish('t', { kind: 'hello', n: 1 });
    await until(() => expect(got).toHaveLength(1));
    expect(got).toEqual([{ topic: 't', message: { kind: 'hello', n: 1 }, origin: a!.instanceId }]);
  });

  it('does not deliver to an instance not subscribed to the topic', async () => {
    const { buses: [a, b, c] = [] } = await make(3);
    const gotB = record(b!);
    const gotC = record(c!);
    b!.subscribe('t');
    c!.subscribe('other');
    await settle([b!, c!]);
    a!.publish('t', { kind: 'for-b' });
    a!.publish('other', { kind: 'marker' });
    // One publisher's messages arrive in order, so once the marker is in, 'for-b' would be too.
    await until(() => expect(kinds(gotC)).toEqual(['marker']));
    await until(() => expect(kinds(gotB)).toEqual(['for-b']));
  });

  it('lets the publisher hear itself synchronously, exactly once', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const gotA = record(a!);
    const gotB = record(b!);
    a!.subscribe('t');
    b!.subscribe('t');
    await settle([a!, b!]);
    a!.publish('t', { kind: 'mine' });
    expect(gotA).toEqual([{ topic: 't', message: { kind: 'mine' }, origin: a!.instanceId }]);
    await until(() => expect(kinds(gotB)).toEqual(['mine']));
    // B's reply reaches A after any echo of 'mine' would have: the echo must not show up.
    b!.publish('t', { kind: 'reply' });
    await until(() => expect(kinds(gotA)).toEqual(['mine', 'reply']));
  });

  it('publishRemote reaches the other instances only, in order with publish', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const gotA = record(a!);
    const gotB = record(b!);
    a!.subscribe('t');
    b!.subscribe('t');
    await settle([a!, b!]);
    a!.publishRemote('t', { kind: 'remote-1' });
    a!.publish('t', { kind: 'both' });
    a!.publishRemote('t', { kind: 'remote-2' });
    expect(kinds(gotA)).toEqual(['both']);
    await until(() => expect(kinds(gotB)).toEqual(['remote-1', 'both', 'remote-2']));
  });

  it('keeps one publisher’s order over 200 messages', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const gotA = record(a!);
    const gotB = record(b!);
    a!.subscribe('t');
    b!.subscribe('t');
    await settle([a!, b!]);
    const sent = Array.from({ length: 200 }, (_, i) => i);
    for (const seq of sent) a!.publish('t', { kind: 'seq', seq });
    expect(gotA.map((r) => r.message.seq)).toEqual(sent);
    await until(() => expect(gotB).toHaveLength(200));
    expect(gotB.map((r) => r.message.seq)).toEqual(sent);
  });

  it('delivers a publish made inside a handler after the message being handled', async () => {
    const { buses: [a, b] = [] } = await make(2);
    a!.onMessage((_topic, message) => {
      if (message.kind === 'first') a!.publish('t', { kind: 'second' });
    });
    const gotA = record(a!); // registered after the re-publishing handler
    const gotB = record(b!);
    a!.subscribe('t');
    b!.subscribe('t');
    await settle([a!, b!]);
    a!.publish('t', { kind: 'first' });
    expect(kinds(gotA)).toEqual(['first', 'second']);
    await until(() => expect(kinds(gotB)).toEqual(['first', 'second']));
  });

  it('treats subscribe and unsubscribe as idempotent set operations', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const got = record(b!);
    b!.subscribe('sync');
    b!.subscribe('t');
    b!.subscribe('t');
    await settle([b!]);
    a!.publish('t', { kind: 'one' });
    a!.publish('sync', { kind: 'marker-1' });
    // Order holds per topic; on a cluster two topics may live on two shards.
    await until(() => expect(kinds(got).sort()).toEqual(['marker-1', 'one']));

    b!.unsubscribe('t'); // no reference counting: one call undoes both subscribes
    b!.unsubscribe('t');
    b!.unsubscribe('never-subscribed');
    await settle([b!]);
    a!.publish('t', { kind: 'two' });
    a!.publish('sync', { kind: 'marker-2' });
    await until(() => expect(kinds(got).sort()).toEqual(['marker-1', 'marker-2', 'one']));

    b!.subscribe('t');
    await settle([b!]);
    a!.publish('t', { kind: 'three' });
    await until(() => expect(kinds(got).sort()).toEqual(['marker-1', 'marker-2', 'one', 'three']));
  });

  it('stops delivering a topic as soon as it is unsubscribed, locally and remotely', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const gotA = record(a!);
    const gotB = record(b!);
    for (const bus of [a!, b!]) bus.subscribe('t');
    b!.subscribe('sync');
    await settle([a!, b!]);
    a!.publish('t', { kind: 'before' });
    await until(() => expect(kinds(gotB)).toEqual(['before']));
    a!.unsubscribe('t');
    b!.unsubscribe('t'); // not settled on purpose: a frame already in flight must still be dropped
    a!.publish('t', { kind: 'after' });
    a!.publish('sync', { kind: 'marker' });
    expect(kinds(gotA)).toEqual(['before']);
    await until(() => expect(kinds(gotB)).toEqual(['before', 'marker']));
  });

  it('calls every handler, even when one of them throws', async () => {
    const { buses: [a, b] = [], loggers } = await make(2);
    const first = record(b!);
    b!.onMessage(() => {
      throw new Error('handler bug');
    });
    const third = record(b!);
    b!.subscribe('t');
    await settle([b!]);
    expect(() => a!.publish('t', { kind: 'x' })).not.toThrow();
    await until(() => expect(third).toHaveLength(1));
    expect(first).toEqual(third);
    expect(loggers[1]!.entries.filter((e) => e.level === 'error')).toHaveLength(1);
  });

  it('delivers nested JSON intact', async () => {
    const { buses: [a, b] = [] } = await make(2);
    const gotA = record(a!);
    const gotB = record(b!);
    a!.subscribe('t');
    b!.subscribe('t');
    await settle([a!, b!]);
    const message: BusMessage = {
      kind: 'presence',
      user: { id: 'u1', tags: ['a', { deep: [1, 2.5, { z: null, ok: false }] }] },
      text: 'üñí "quoted" \n ✓',
      empty: {},
      list: [],
    };
    a!.publish('t', message);
    await until(() => expect(gotB).toHaveLength(1));
    expect(gotB[0]!.message).toEqual(message);
    expect(gotA[0]!.message).toEqual(message);
  });
});

describe('RedisBus on a real Redis', () => {
  it('drops and logs undecodable frames, and keeps delivering', async () => {
    const logger = fakeLogger();
    const a = await openRedisBus({ logger: fakeLogger() });
    const b = await openRedisBus({ prefix: a.prefix, logger });
    const got = record(b);
    b.subscribe('t');
    await b.settled();
    const channel = `${a.prefix}:t`;
    const bad = ['not json{', '[1,2]', '"text"', '{"m":{"kind":"x"}}', '{"o":"x"}', '{"o":"x","m":{"no":"kind"}}'];
    for (const raw of bad) await (await redisAdmin()).publish(channel, raw);
    a.publish('t', { kind: 'good' });
    await until(() => expect(kinds(got)).toEqual(['good']));
    const dropped = logger.entries.filter((e) => e.msg.includes('undecodable'));
    expect(dropped).toHaveLength(bad.length);
    expect(dropped.every((e) => e.level === 'warn')).toBe(true);
  });

  it('resubscribes after its subscriber connection is killed, reporting health false then true', async () => {
    const a = await openRedisBus({ logger: fakeLogger() });
    const b = await openRedisBus({ prefix: a.prefix, logger: fakeLogger() });
    const got = record(b);
    const health: boolean[] = [];
    b.onHealthChange((healthy) => health.push(healthy));
    b.subscribe('t');
    await b.settled();
    expect(await killClientsNamed(await redisAdmin(), `${b.prefix}:${b.instanceId}:sub`)).toBe(1);
    await until(() => expect(health).toEqual([false, true]), 5_000);
    a.publish('t', { kind: 'after-reconnect' });
    await until(() => expect(kinds(got)).toEqual(['after-reconnect']));
  });

  it('keeps delivering locally while Redis is unreachable, without throwing, and resumes after', async () => {
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const logger = fakeLogger();
    const a = await openRedisBus({ url: proxy.url, logger, retryStrategy: () => 20 });
    const b = await openRedisBus({ prefix: a.prefix, logger: fakeLogger() });
    const gotA = record(a);
    const gotB = record(b);
    const health: boolean[] = [];
    a.onHealthChange((healthy) => health.push(healthy));
    for (const bus of [a, b]) bus.subscribe('t');
    await Promise.all([a.settled(), b.settled()]);

    proxy.cut();
    await until(() => expect(health).toEqual([false]));
    expect(a.isHealthy()).toBe(false);
    expect(() => a.publish('t', { kind: 'offline' })).not.toThrow();
    expect(kinds(gotA)).toEqual(['offline']);
    expect(logger.entries.some((e) => e.level === 'warn' && e.msg.includes('local handlers only'))).toBe(true);
    expect(await a.ping()).toBe(false);

    proxy.restore();
    await until(() => expect(health).toEqual([false, true]), 5_000);
    a.publish('t', { kind: 'online' });
    await until(() => expect(kinds(gotB)).toEqual(['online']));
  });

  it('says an outage once, not at every reconnect of any connection, and its end once', async () => {
    // The subscriber logged "redis connection error" at every failed reconnect (every 5 s for the
    // whole outage); the publisher, once. One rule for both: one line per outage, one on recovery.
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const logger = fakeLogger();
    const retries = { n: 0 };
    const bus = await openRedisBus({ url: proxy.url, logger, probeIntervalMs: 0, retryStrategy: () => (retries.n++, 20) });
    bus.subscribe('t');
    await bus.settled();
    const before = logger.entries.length;

    proxy.cut();
    // Many reconnect attempts of both connections while Redis refuses them.
    await until(() => expect(retries.n).toBeGreaterThan(20), 5_000);
    proxy.restore();
    await until(() => expect(bus.isHealthy()).toBe(true), 5_000);
    await new Promise((r) => setTimeout(r, 100));
    const said = logger.entries.slice(before).map((e) => `${e.level} ${e.msg}`);
    expect(said.filter((l) => l.includes('connection error'))).toHaveLength(1);
    expect(said.filter((l) => l.includes('redis unavailable'))).toHaveLength(1);
    expect(said.filter((l) => l.includes('redis connected'))).toHaveLength(1);
    expect(said).toHaveLength(3);

    // A second outage is said again.
    proxy.cut();
    await until(() => expect(logger.entries.slice(before).filter((e) => e.msg.includes('connection error'))).toHaveLength(2), 5_000);
    proxy.restore();
    await until(() => expect(bus.isHealthy()).toBe(true), 5_000);
  });

  it('replays subscription changes made while Redis was unreachable, so only needed topics are subscribed', async () => {
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const redis = await redisAdmin();
    const a = await openRedisBus({ logger: fakeLogger() });
    const b = await openRedisBus({ prefix: a.prefix, url: proxy.url, logger: fakeLogger(), retryStrategy: () => 20 });
    const got = record(b);
    const numsub = async (topic: string) => (await redis.pubsub('NUMSUB', `${a.prefix}:${topic}`))[1];
    b.subscribe('old');
    await b.settled();
    expect(await numsub('old')).toBe(1);

    proxy.cut();
    await until(() => expect(b.isHealthy()).toBe(false));
    b.unsubscribe('old');
    b.subscribe('new');
    proxy.restore();
    await until(() => expect(b.isHealthy()).toBe(true), 5_000);
    expect(await numsub('old')).toBe(0);
    expect(await numsub('new')).toBe(1);
    a.publish('new', { kind: 'hello' });
    await until(() => expect(kinds(got)).toEqual(['hello']));
  });

  it('answers ping() true while Redis answers, false once closed', async () => {
    const bus = await openRedisBus({ logger: fakeLogger() });
    expect(await bus.ping()).toBe(true);
    await bus.close();
    expect(await bus.ping()).toBe(false);
    expect(bus.isHealthy()).toBe(false);
  });
});

describe('createBus', () => {
  it('makes a RedisBus when a URL is set, a MemoryBus otherwise', async () => {
    await redisAdmin();
    const memory = createBus(null, { instanceId: 'solo' });
    const redis = createBus(REDIS_URL, { prefix: uniquePrefix(), logger: fakeLogger() });
    cleanups.push(() => memory.close(), () => redis.close());
    expect(memory).toBeInstanceOf(MemoryBus);
    expect(memory.instanceId).toBe('solo');
    expect(redis).toBeInstanceOf(RedisBus);
  });

  it('makes a RedisBus over sharded pub/sub for a Redis Cluster target', async () => {
    redisCluster ??= requireRedisCluster();
    const bus = createBus(clusterTarget(await redisCluster), { prefix: uniquePrefix(), logger: fakeLogger() });
    cleanups.push(() => bus.close());
    expect(bus).toBeInstanceOf(RedisBus);
    await until(() => expect(bus.isHealthy()).toBe(true), 10_000);
    expect(await bus.ping()).toBe(true);
  });
});
