/**
 * Audit 207 (operator): Redis restarted empty (no persistence, as docs/operations.md allows)
 * while an instance died. After the outage no instance re-saved that instance's users, and the
 * store no longer held their sessions; the survivors' resync dropped those sessions and showed
 * the users offline at once with the last_seen of their visit before (minutes or days old),
 * not when they were last known to be there. Now those sessions end as of the moment the
 * survivor's bus went down, the last moment it knew them live (as reap() ends a dead
 * instance's sessions at its last beat): last_seen is then, and the grace counts from then.
 * They end once the dead instance has not beaten within the dead-instance window from Redis'
 * return (reap(), the one judge of a dead instance), not at the resync: see the second case.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { requireRedis, startRedisProxy, type RedisProxy } from '../helpers/redis.js';
import { connect, friendChangeOf } from '../helpers/ws-client.js';
import { deadAfterMs, REAP_AFTER_OUTAGE_MS } from '../../src/server/status/cluster-heartbeat.js';
import { api, befriend, heartbeatForGrace, register, startCluster, type Cluster, type Instance } from './harness.js';

const GRACE_MS = 1500;
const HEARTBEAT_MS = heartbeatForGrace(GRACE_MS);

/** The user's row (users.last_seen, exact, ms) once it says offline; null before. */
/** Redis restarted empty: every key of the cluster's prefix deleted (with `admin`, or a connection of its own). */
async function emptyRedis(cluster: Cluster, admin?: Awaited<ReturnType<typeof requireRedis>>): Promise<void> {
  const conn = admin ?? (await requireRedis());
  const keys = await conn.keys(`${cluster.env.BEACON_REDIS_PREFIX}:*`);
  if (keys.length > 0) await conn.del(...keys);
  conn.disconnect();
}

/** Redis goes away (every proxy cut) for two graces, and loses every key of the cluster's prefix meanwhile. */
async function redisRestartedEmpty(cluster: Cluster, ...cut: RedisProxy[]): Promise<void> {
  for (const p of cut) p.cut();
  await emptyRedis(cluster);
  await new Promise((r) => setTimeout(r, 2 * GRACE_MS));
}

/** The status the viewer (by `token`) sees of `userId` through `instance`'s REST API. */
async function statusSeen(instance: Instance, token: string, userId: number): Promise<string | undefined> {
  const friends = (await (await api(instance, 'GET', '/users/me/friends/status', token)).json()) as Array<{ user_id: number; status: string }>;
  return friends.find((f) => f.user_id === userId)?.status;
}

async function rowLastSeen(databaseUrl: string, userId: number): Promise<number | null> {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  try {
    const { rows } = await client.query<{ last_seen: string | null; online_status: string }>('select last_seen, online_status from users where id = $1', [userId]);
    return rows[0]?.online_status === 'offline' && rows[0].last_seen !== null ? Number(rows[0].last_seen) : null;
  } finally {
    await client.end();
  }
}


describe('Redis restarted empty while an instance died', { timeout: 150_000 }, () => {
  let cluster: Cluster | undefined;
  let proxy: RedisProxy | undefined;
  afterEach(async () => {
    await cluster?.stop();
    await proxy?.close();
  });

  it("dates the dead instance's users' leave at the outage, not at their visit before", async () => {
    proxy = await startRedisProxy();
    cluster = await startCluster({
      BEACON_REDIS_URL: proxy.url,
      BEACON_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      BEACON_OFFLINE_GRACE_MS: String(GRACE_MS),
      BEACON_BATCH_WINDOW_MS: '0',
    });
    const one = await cluster.start('one');
    const two = await cluster.start('two');
    const alice = await register(one, 'alice');
    const bob = await register(two, 'bob');
    await befriend(one, alice, two, bob);
    const { socket: b } = await connect(two.url, bob.token);

    // A first visit of Alice's, over well before the outage: that leave is her last_seen until she comes back.
    let from = b.mark();
    const first = await connect(one.url, alice.token);
    await b.next(friendChangeOf(alice.id, 'online'), { from });
    from = b.mark();
    first.socket.ws.close();
    await b.next(friendChangeOf(alice.id, 'offline'), { from, timeoutMs: GRACE_MS + 3000 });
    let before: number | null = null;
    for (let i = 0; i < 50 && before === null; i++) {
      before = await rowLastSeen(cluster.env.BEACON_DATABASE_URL!, alice.id);
      if (before === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(before, 'her first leave was written').not.toBeNull();
    await new Promise((r) => setTimeout(r, 4000));

    // Back on instance one, seen by Bob on instance two.
    from = b.mark();
    await connect(one.url, alice.token);
    await b.next(friendChangeOf(alice.id, 'online'), { from });
    // Her row says online (written behind within a second) before the outage begins.
    await new Promise((r) => setTimeout(r, 1500));

    // Redis goes away; her instance dies meanwhile; Redis comes back empty.
    const admin = await requireRedis();
    const cutAt = Date.now();
    proxy.cut();
    one.child.kill('SIGKILL');
    await one.exited;
    await emptyRedis(cluster, admin);
    await new Promise((r) => setTimeout(r, 2 * GRACE_MS));
    from = b.mark();
    proxy.restore();

    // Ended by the reaping once the dead-instance window from Redis' return is over (then a beat or two).
    await b.next(friendChangeOf(alice.id, 'offline'), { from, timeoutMs: deadAfterMs(HEARTBEAT_MS) + REAP_AFTER_OUTAGE_MS + 8000 });
    let after: number | null = null;
    for (let i = 0; i < 50; i++) {
      after = await rowLastSeen(cluster.env.BEACON_DATABASE_URL!, alice.id);
      if (after !== null && after !== before) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after, 'the survivor wrote her row offline, with a new last_seen').not.toBeNull();
    expect(after).not.toBe(before);
    // Last known there when instance two lost Redis, at the cut (not 4 s and more before it).
    expect(after! - cutAt).toBeGreaterThanOrEqual(-1000);
    expect(after! - cutAt).toBeLessThanOrEqual(2000);
  });
});

/**
 * Redis restarted empty under two live instances that reconnect to it at different moments:
 * the first back found no copy of the users whose sessions live on the other (not re-saved
 * yet) and ended those sessions as if that instance had died. Friends on the first saw the
 * user go offline, then online again when the other re-saved them, and its row was written
 * offline with a false last_seen. Now only the heartbeat's reaping ends them, after the
 * dead-instance window counted from Redis' return, and the late instance beats well within it.
 */
describe('Redis restarted empty, the instances reconnecting seconds apart', { timeout: 150_000 }, () => {
  let cluster: Cluster | undefined;
  const proxies: RedisProxy[] = [];
  afterEach(async () => {
    await cluster?.stop();
    for (const p of proxies.splice(0)) await p.close();
  });

  /** Instances a and b, each reaching Redis through its own proxy (cut and restored apart). */
  async function twoInstancesBehindProxies() {
    const [proxyA, proxyB] = [await startRedisProxy(), await startRedisProxy()];
    proxies.push(proxyA, proxyB);
    cluster = await startCluster({
      BEACON_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      BEACON_OFFLINE_GRACE_MS: String(GRACE_MS),
      BEACON_BATCH_WINDOW_MS: '0',
    });
    const a = await cluster.start('a', { BEACON_REDIS_URL: proxyA.url });
    const b = await cluster.start('b', { BEACON_REDIS_URL: proxyB.url });
    return { proxyA, proxyB, a, b, cluster };
  }

  it('never shows a user of the late instance offline to a friend on the early one', async () => {
    const { proxyA, proxyB, a, b, cluster: c } = await twoInstancesBehindProxies();
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    await befriend(a, alice, b, bob);
    const { socket: s } = await connect(a.url, alice.token);
    await s.after(() => connect(b.url, bob.token), friendChangeOf(bob.id, 'online'), { timeoutMs: 5000 });
    // His row says online (written behind within a second) before the outage begins.
    await new Promise((r) => setTimeout(r, 1500));

    // Redis goes away for longer than a grace, and comes back empty.
    const from = s.mark();
    await redisRestartedEmpty(c, proxyA, proxyB);
    // A reconnects at once, B 2.5 s later (A's resync, a second after its return, finds no copy of Bob).
    proxyA.restore();
    const backAt = Date.now();
    await new Promise((r) => setTimeout(r, 2500));
    proxyB.restore();

    // Past A's first reaping after the outage (the dead-instance window from its return), and two beats more.
    const reapedBy = backAt + deadAfterMs(HEARTBEAT_MS) + REAP_AFTER_OUTAGE_MS + 2 * (HEARTBEAT_MS / 5);
    await new Promise((r) => setTimeout(r, reapedBy - Date.now()));
    expect(s.since(from).filter(friendChangeOf(bob.id, 'offline')), 'Alice never saw Bob offline').toEqual([]);
    expect(await rowLastSeen(c.env.BEACON_DATABASE_URL!, bob.id), "Bob's row was never written offline").toBeNull();
    expect(await statusSeen(a, alice.token, bob.id)).toBe('online');
  });

  // A user with a tab on each: A re-saved her with its own session only, and its resync took that
  // copy whole, dropping her tab on B from A's replica; when her tab on A closed, her friend on A
  // saw her offline after the grace (and A wrote her row offline), though her tab on B was open.
  it('never shows a user with a tab on each instance offline when her tab on the early one closes before the late one is back', async () => {
    const { proxyA, proxyB, a, b, cluster: c } = await twoInstancesBehindProxies();
    const alice = await register(a, 'alice');
    const bob = await register(a, 'bob');
    await befriend(a, alice, a, bob);
    const { socket: s } = await connect(a.url, bob.token);
    const online = s.mark();
    const { socket: aliceOnA } = await connect(a.url, alice.token);
    await s.next(friendChangeOf(alice.id, 'online'), { from: online, timeoutMs: 5000 });
    await connect(b.url, alice.token);
    // Her row says online (written behind within a second) before the outage begins.
    await new Promise((r) => setTimeout(r, 1500));

    const from = s.mark();
    await redisRestartedEmpty(c, proxyA, proxyB);
    // A reconnects and resyncs; B is still away.
    proxyA.restore();
    const resynced = async (): Promise<boolean> => ((await (await fetch(`${a.url}/readyz`)).json()) as { presence: { synced: boolean } }).presence.synced;
    for (let i = 0; i < 100 && !(await resynced()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await resynced(), 'A resynced').toBe(true);
    // Her tab on A closes, and her grace passes, before B is back.
    aliceOnA.ws.close();
    await aliceOnA.waitClosed();
    await new Promise((r) => setTimeout(r, GRACE_MS + 1500));
    expect(s.since(from).filter(friendChangeOf(alice.id, 'offline')), 'Bob never saw Alice offline while B was away').toEqual([]);
    proxyB.restore();
    await new Promise((r) => setTimeout(r, 3000));
    expect(s.since(from).filter(friendChangeOf(alice.id, 'offline')), 'Bob never saw Alice offline').toEqual([]);
    expect(await rowLastSeen(c.env.BEACON_DATABASE_URL!, alice.id), "her row was never written offline").toBeNull();
    expect(await statusSeen(a, bob.token, alice.id)).toBe('online');
  });
});
