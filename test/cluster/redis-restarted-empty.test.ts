/**
 * Audit 207 (operator): Redis restarted empty (no persistence, as docs/operations.md allows)
 * while an instance died. After the outage no instance re-saved that instance's users, and the
 * store no longer held their sessions; the survivors' resync dropped those sessions and showed
 * the users offline at once with the last_seen of their visit before (minutes or days old),
 * not when they were last known to be there. Now those sessions end as of the moment the
 * survivor's bus went down, the last moment it knew them live (as reap() ends a dead
 * instance's sessions at its last beat): last_seen is then, and the grace counts from then.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { requireRedis, startRedisProxy, type RedisProxy } from '../helpers/redis.js';
import { connect, type Frame } from '../helpers/ws-client.js';
import { befriend, heartbeatForGrace, register, startCluster, type Cluster } from './harness.js';

const GRACE_MS = 1500;
const HEARTBEAT_MS = heartbeatForGrace(GRACE_MS);

/** The user's row (users.last_seen, exact, ms) once it says offline; null before. */
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

const offlineOf = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id && f.status === 'offline';
const onlineOf = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id && f.status === 'online';

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
    await b.next(onlineOf(alice.id), { from });
    from = b.mark();
    first.socket.ws.close();
    await b.next(offlineOf(alice.id), { from, timeoutMs: GRACE_MS + 3000 });
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
    await b.next(onlineOf(alice.id), { from });
    // Her row says online (written behind within a second) before the outage begins.
    await new Promise((r) => setTimeout(r, 1500));

    // Redis goes away; her instance dies meanwhile; Redis comes back empty.
    const admin = await requireRedis();
    const cutAt = Date.now();
    proxy.cut();
    one.child.kill('SIGKILL');
    await one.exited;
    const keys = await admin.keys(`${cluster.env.BEACON_REDIS_PREFIX}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    await new Promise((r) => setTimeout(r, 2 * GRACE_MS));
    from = b.mark();
    proxy.restore();

    await b.next(offlineOf(alice.id), { from, timeoutMs: 15_000 });
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
