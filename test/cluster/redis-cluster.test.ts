/**
 * Real Beacon instances (child processes) on a local three-primary Redis Cluster
 * (BEACON_REDIS_MODE=cluster, sharded pub/sub): presence crosses instances, a killed instance's
 * users go offline for friends elsewhere, and a Redis primary that restarts (empty, no replica)
 * costs its shard only while it is down: afterwards presence flows again and what changed
 * meanwhile reaches the other instance.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { SharedLimits } from '../../src/server/adapters/limits-redis.js';
import { LOGIN_FAILURES } from '../../src/server/auth/login-throttle.js';
import { clusterTarget, requireRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster.js';
import { connect, type Frame, type TestSocket } from '../helpers/ws-client.js';
import { api, befriend, register, startCluster, type Cluster, type Instance, heartbeatForGrace } from './harness.js';

const GRACE_MS = 1500;
/** The heartbeat in the product's proportion to the grace (harness.ts): the bounds below (`2 × heartbeat + grace`) follow it. */
const HEARTBEAT_MS = heartbeatForGrace(GRACE_MS);
const change = (id: number, status?: string) => (f: Frame) =>
  f.type === 'friend_status_change' && f.friend_id === id && (status === undefined || f.status === status);

async function comesOnline(url: string, user: { token: string; id: number }, watcher: TestSocket) {
  const mark = watcher.mark();
  const c = await connect(url, user.token);
  await watcher.next(change(user.id, 'online'), { from: mark });
  return c;
}

const ready = async (inst: Instance) => (await fetch(`${inst.url}/readyz`)).status;

// Tests share one Redis Cluster and the instances (starting them is most of the time on a
// loaded machine); each test has users of its own. Instance three is the one killed, before
// the primary restart: right after a Redis outage the instances wait before reaping.
describe('instances on a Redis Cluster', { timeout: 150_000 }, () => {
  let redis: LocalRedisCluster;
  let beacons: Cluster | undefined;
  let one: Instance;
  let two: Instance;
  let three: Instance;
  let prefix: string;
  let users = 0;
  beforeAll(async () => {
    redis = await requireRedisCluster();
    beacons = await startCluster({
      BEACON_REDIS_MODE: 'cluster',
      BEACON_REDIS_URL: redis.seeds,
      BEACON_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      BEACON_OFFLINE_GRACE_MS: String(GRACE_MS),
      BEACON_BATCH_WINDOW_MS: '0',
    });
    // One after the other: three cold starts at once can miss the harness' start deadline on 2 cores.
    one = await beacons.start('one');
    two = await beacons.start('two');
    three = await beacons.start('three');
    prefix = beacons.env.BEACON_REDIS_PREFIX!;
  }, 120_000);
  afterAll(async () => {
    await beacons?.stop();
    await redis?.stop();
  });

  /** Alice (registered on instance one) and Bob (on instance two), friends; fresh users for every test. */
  async function friends() {
    users++;
    const alice = await register(one, `alice${users}`);
    const bob = await register(two, `bob${users}`);
    await befriend(one, alice, two, bob);
    return { one, two, three, alice, bob, prefix };
  }

  it('limits are shared on the cluster: one login budget per account, one request count per address', async () => {
    const log = { warn: () => {}, info: () => {} } as unknown as FastifyBaseLogger;
    const shared = [0, 1].map(() => new SharedLimits({ target: clusterTarget(redis), prefix: `${prefix}x`, log }));
    try {
      await Promise.all(shared.map((l) => l.connect()));
      const now = () => 1_000_000;
      const throttles = shared.map((l) => l.loginThrottle(now));
      for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await throttles[i % 2]!.attempt('dana', null)).toBe(0);
      expect(await throttles[0]!.attempt('dana', null)).toBe(LOGIN_FAILURES.windowMs);
      expect(await throttles[1]!.attempt('dana', null)).toBe(LOGIN_FAILURES.windowMs);
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        const store = new (shared[i % 2]!.rateLimitStore())({});
        counts.push(await new Promise<number>((resolve, reject) => store.incr(`ip:10.7.0.${users}`, (err, res) => (err ? reject(err) : resolve(res!.current)), 60_000, 10)));
      }
      expect(counts).toEqual([1, 2, 3, 4]);
    } finally {
      await Promise.all(shared.map((l) => l.close()));
    }
  });

  it('a friend on the other instance sees a user come online, go busy and go offline', async () => {
    const { one, two, alice, bob } = await friends();
    const { socket: b } = await connect(two.url, bob.token);
    const { socket: a } = await comesOnline(one.url, alice, b);
    expect(await b.after(() => a.send({ type: 'set_status', status: 'busy', custom_message: 'sharded' }), change(alice.id))).toMatchObject({
      status: 'busy',
      custom_message: 'sharded',
    });
    expect(await a.after(() => b.send({ type: 'activity', activity: 'chatting' }), change(bob.id))).toMatchObject({ activity: 'chatting' });
    const from = b.mark();
    a.close();
    await a.waitClosed();
    expect(await b.next(change(alice.id, 'offline'), { from, timeoutMs: GRACE_MS + 3000 })).toMatchObject({ last_seen: expect.any(String) });
  });

  it('kill -9 of an instance: its users go offline for friends on the other within 2 × heartbeat + grace', async () => {
    const { three, two, alice, bob } = await friends();
    const { socket: b } = await connect(two.url, bob.token);
    await comesOnline(three.url, alice, b);
    const killedAt = Date.now();
    const from = b.mark();
    three.child.kill('SIGKILL');
    await three.exited;
    await b.next(change(alice.id, 'offline'), { from, timeoutMs: 2 * HEARTBEAT_MS + GRACE_MS + 3000 });
    const detected = Date.now() - killedAt;
    console.warn(`redis cluster: killed instance detected and friend told offline after ${detected} ms`);
    expect(detected).toBeLessThanOrEqual(2 * HEARTBEAT_MS + GRACE_MS + 1000);
  });

  it('a Redis primary restart: /readyz reports it, then presence flows again and what changed meanwhile arrives', async () => {
    const { one, two, alice, bob, prefix } = await friends();
    const { socket: b } = await connect(two.url, bob.token);
    const { socket: a } = await comesOnline(one.url, alice, b);
    // The primary that carries alice's channel: her changes cannot reach instance two while it is down.
    const admin = new Redis({ port: redis.ports[0]!, host: '127.0.0.1', lazyConnect: true });
    const slot = await admin.cluster('KEYSLOT', `${prefix}:user:${alice.id}`);
    const shards = (await admin.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    admin.disconnect();
    const victim = redis.ports.indexOf(shards.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1]);

    await redis.kill(victim);
    await expect.poll(async () => [await ready(one), await ready(two)], { timeout: 10_000, interval: 100 }).toEqual([503, 503]);
    // Alice's own sessions still hear her (local delivery does not need Redis).
    const during = await a.after(
      () => a.send({ type: 'set_status', status: 'busy', custom_message: 'during primary outage' }),
      (f) => f.type === 'status_update' && f.custom_message === 'during primary outage',
    );
    expect(during).toBeTruthy();

    const from = b.mark();
    await redis.restart(victim);
    await expect.poll(async () => [await ready(one), await ready(two)], { timeout: 15_000, interval: 100 }).toEqual([200, 200]);
    // The resync carries the change made during the outage to the friend on instance two.
    expect(await b.next((f) => change(alice.id, 'busy')(f) && f.custom_message === 'during primary outage', { from, timeoutMs: 10_000 })).toBeTruthy();
    // And new changes flow on the restarted shard.
    expect(
      await b.after(() => a.send({ type: 'set_status', status: 'away', custom_message: 'after restart' }), (f) => change(alice.id, 'away')(f), {
        timeoutMs: 5000,
      }),
    ).toMatchObject({ custom_message: 'after restart' });
    const view = (await (await api(two, 'GET', `/users/${alice.id}/status`, bob.token)).json()) as { status: string };
    expect(view.status).toBe('away');
  });
});
