/**
 * PresenceStore over Redis. Per user a hash `<prefix>:presence:<id>`: field `user` holds
 * the user-level fields, and one field per instance holds that instance's sessions. A
 * sorted set `<prefix>:instances` holds instance heartbeats (score = last beat, ms).
 * Commands fail fast while Redis is down (no offline queue); callers resync when it is back.
 */
import { Redis } from 'ioredis';
import { instanceOfSession, type PresenceStore } from '../ports/presence-store.js';
import type { ReplicaState } from '../presence/types.js';

type UserFields = Omit<ReplicaState, 'sessions'>;
/** Hashes of users nobody touches for this long disappear (the database keeps what lasts). */
const KEY_TTL_S = 86_400;

export class RedisPresenceStore implements PresenceStore {
  readonly shared = true;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(opts: { url: string; prefix?: string; onError?: () => void }) {
    this.#prefix = opts.prefix ?? 'beacon';
    this.#redis = new Redis(opts.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `${this.#prefix}:store`,
      lazyConnect: true,
    });
    // Failures surface on each command; the connection retries by itself.
    this.#redis.on('error', () => opts.onError?.());
  }

  async connect(): Promise<void> {
    if (this.#redis.status === 'wait') await this.#redis.connect();
  }

  #key(userId: number): string {
    return `${this.#prefix}:presence:${userId}`;
  }

  async save(userId: number, instanceId: string, state: ReplicaState): Promise<void> {
    const { sessions, ...user } = state;
    const mine = sessions.filter((s) => {
      const owner = instanceOfSession(s.id);
      return owner === null || owner === instanceId;
    });
    const key = this.#key(userId);
    await this.#redis.multi().hset(key, 'user', JSON.stringify(user), instanceId, JSON.stringify(mine)).expire(key, KEY_TTL_S).exec();
  }

  async load(userIds: readonly number[], live: ReadonlySet<string> | null): Promise<Map<number, ReplicaState>> {
    const out = new Map<number, ReplicaState>();
    if (userIds.length === 0) return out;
    const pipeline = this.#redis.pipeline();
    for (const id of userIds) pipeline.hgetall(this.#key(id));
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([err, value], i) => {
      const hash = value as Record<string, string> | null;
      if (err || !hash?.user) return;
      const merged = mergeHash(hash, live);
      if (merged) out.set(userIds[i]!, merged);
    });
    return out;
  }

  async heartbeat(instanceId: string, now: number): Promise<void> {
    await this.#redis.zadd(`${this.#prefix}:instances`, now, instanceId);
  }

  async liveInstances(now: number, deadAfterMs: number): Promise<Set<string> | null> {
    try {
      const key = `${this.#prefix}:instances`;
      await this.#redis.zremrangebyscore(key, '-inf', now - 100 * deadAfterMs);
      return new Set(await this.#redis.zrangebyscore(key, now - deadAfterMs, '+inf'));
    } catch {
      return null;
    }
  }

  async leave(instanceId: string): Promise<void> {
    await this.#redis.zrem(`${this.#prefix}:instances`, instanceId).catch(() => {});
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

/** Merges the instances' session fields; polling sessions seen by several keep the latest touch. */
function mergeHash(hash: Record<string, string>, live: ReadonlySet<string> | null): ReplicaState | null {
  try {
    const user = JSON.parse(hash.user!) as UserFields;
    const sessions = new Map<string, ReplicaState['sessions'][number]>();
    for (const [field, value] of Object.entries(hash)) {
      if (field === 'user') continue;
      if (live && !live.has(field)) {
        // A dead instance's sockets are gone; its polling sessions may still be live elsewhere.
        for (const s of JSON.parse(value) as ReplicaState['sessions']) if (instanceOfSession(s.id) === null) keepLatest(sessions, s);
        continue;
      }
      for (const s of JSON.parse(value) as ReplicaState['sessions']) keepLatest(sessions, s);
    }
    return { ...user, sessions: [...sessions.values()] };
  } catch {
    return null;
  }
}

function keepLatest(map: Map<string, ReplicaState['sessions'][number]>, s: ReplicaState['sessions'][number]): void {
  const had = map.get(s.id);
  if (!had || had.lastTouch < s.lastTouch) map.set(s.id, s);
}
