/**
 * Audit D: after kill -9 of an instance, the survivors ended its users' sessions as of when they
 * noticed (a dead-after of 1.8 heartbeats later, 45 s by default), so a user who never came back
 * was "last seen" up to ~50 s after they were last there, and their grace ran from that moment.
 * A socket dropped on a live instance is dated at its last sign of life (docs/protocol.md
 * "Heartbeats"), a crashed single instance's users at the last moment it was known alive: a
 * dead instance's sessions now end at its last heartbeat, the same on every replica.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Frame } from '../helpers/ws-client.js';
import { befriend, heartbeatForGrace, register, startCluster, type Cluster } from './harness.js';

const GRACE_MS = 1500;
const HEARTBEAT_MS = heartbeatForGrace(GRACE_MS);
/** How often an instance beats (cluster-heartbeat.ts): a fifth of the heartbeat interval. */
const BEAT_EVERY_MS = Math.floor(HEARTBEAT_MS / 5);

/** The user's row as the survivor wrote it (users.last_seen, exact, ms). */
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

describe('an instance killed with kill -9', { timeout: 150_000 }, () => {
  let cluster: Cluster;
  afterEach(async () => cluster?.stop());

  it("dates its users' leave at its last heartbeat, not when the survivors noticed it was dead", async () => {
    cluster = await startCluster({
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
    const online = b.mark();
    await connect(one.url, alice.token);
    await b.next((f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'online', { from: online });

    const from = b.mark();
    const killedAt = Date.now();
    one.child.kill('SIGKILL');
    await one.exited;
    await b.next((f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'offline', { from, timeoutMs: 2 * HEARTBEAT_MS + GRACE_MS + 3000 });

    let lastSeen: number | null = null;
    for (let i = 0; i < 50 && lastSeen === null; i++) {
      lastSeen = await rowLastSeen(cluster.env.BEACON_DATABASE_URL!, alice.id);
      if (lastSeen === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lastSeen, 'the survivor wrote her row offline').not.toBeNull();
    // Her instance beat at most a beat interval before it died (and the beat may be stamped a little before it was sent).
    expect(lastSeen! - killedAt).toBeLessThanOrEqual(0);
    expect(killedAt - lastSeen!).toBeLessThanOrEqual(BEAT_EVERY_MS + 1000);
  });
});
