/**
 * PresenceStore over Redis or a Redis Cluster. Per user a hash `<prefix>:presence:<id>`
 * (cluster: `<prefix>:presence:{<id>}`, the user id as hash tag): field `user` holds the
 * user-level fields, and one field per instance holds that instance's sessions. A sorted
 * set `<prefix>:instances` holds instance heartbeats (score = last beat, ms on the Redis
 * server's clock, never the instance's), `<prefix>:saturated` the last beat at which each
 * instance said it was saturated, and
 * `<prefix>:card:<instance>` what the instance said of itself with its beats (InstanceCard). The save
 * script touches the user's hash only, so it runs on the shard of that user's slot.
 * Commands fail fast while Redis (or the shard of a key) is down (no offline queue);
 * callers resync when it is back.
 */
import { commandClient, connectWithin, quit, QUIT_TIMEOUT_MS, type RedisClient, taggedKey, watchAuth, within } from './redis-connections.js';
import type { RedisTarget } from './redis-target.js';
import { instanceOfSession, type InstanceCard, type LoadOptions, type PresenceStore, type SharedState, type StoredReplica, type Version } from '../ports/presence-store.js';
import type { ReplicaState } from '../presence/types.js';

type UserFields = Omit<SharedState, 'sessions'>;

/**
 * Saves one instance's sessions, and the user-level fields only when the given version is
 * newer than the stored one (`ver` = "<at>:<by>"), atomically. Returns 1 if they were stored.
 * KEYS[1] hash; ARGV: user JSON, version at, version by, instance id, sessions JSON, ttl.
 */
const SAVE_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'ver')
local newer = 1
if cur then
  local sep = string.find(cur, ':', 1, true)
  local at = tonumber(string.sub(cur, 1, sep - 1))
  local by = string.sub(cur, sep + 1)
  local mine = tonumber(ARGV[2])
  if at > mine or (at == mine and by >= ARGV[3]) then newer = 0 end
end
if newer == 1 then redis.call('HSET', KEYS[1], 'user', ARGV[1], 'ver', ARGV[2] .. ':' .. ARGV[3]) end
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return newer`;
/**
 * The Redis server's clock in ms (TIME: seconds, microseconds), in a script: the one clock every
 * instance's beats are dated and aged on, so no instance's wall clock (stepped by NTP or a
 * restored VM, or skewed) decides who is alive. Scripts writing after TIME need effect
 * replication (the only mode since Redis 7; asked for on the releases before).
 */
const REDIS_NOW = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Beats: the instance's score in the sorted set becomes Redis's now. KEYS[1] the set; ARGV[1] instance id. Returns now. */
const BEAT_SCRIPT = `${REDIS_NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
return now`;

/**
 * The members of the sorted set that beat at most ARGV[1] ms ago on Redis's clock; those gone
 * for a hundred times that are trimmed. KEYS[1] the set (one key: cluster-safe).
 */
const BEATS_WITHIN_SCRIPT = `${REDIS_NOW}
local within = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 100 * within)
return redis.call('ZRANGEBYSCORE', KEYS[1], now - within, '+inf')`;

/** The scripts, as defined on the client (defineCommand). */
interface SaveCommand {
  beaconSavePresence(key: string, ...args: string[]): Promise<number>;
  beaconBeat(key: string, instanceId: string): Promise<number>;
  beaconBeatsWithin(key: string, withinMs: string): Promise<string[]>;
}

/** Hashes of users nobody touches for this long disappear (the database keeps what lasts). */
const KEY_TTL_S = 86_400;
/** Copies touched per round of keepAlive(). */
const KEEP_ALIVE_BATCH = 1000;
/** How long `connect()` waits for Redis to be ready (a cluster: its slot map), then for a cluster's primaries. */
const CONNECT_WAIT_MS = 5_000;

export class RedisPresenceStore implements PresenceStore {
  readonly shared = true;
  readonly #redis: RedisClient & SaveCommand;
  readonly #prefix: string;
  readonly #target: RedisTarget;
  readonly #onError: () => void;
  readonly #auth: { cause(): string | null };

  /** `url` is shorthand for `target: { mode: 'single', url }`. */
  /**
   * `commandTimeoutMs` (default 5000): a command Redis has not answered by then fails, as when
   * Redis is down, so a Redis that stops answering without closing the connection (a partition,
   * a hung server, a failover that leaves the old primary silent) never hangs saves and loads.
   */
  constructor(opts: { url?: string; target?: RedisTarget; prefix?: string; onError?: () => void; commandTimeoutMs?: number }) {
    this.#prefix = opts.prefix ?? 'beacon';
    this.#target = opts.target ?? { mode: 'single', url: opts.url ?? 'redis://127.0.0.1:6379' };
    this.#onError = opts.onError ?? (() => {});
    const client = commandClient(this.#target, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: opts.commandTimeoutMs ?? 5_000,
      connectionName: `${this.#prefix}:store`,
      lazyConnect: true,
      // Commands issued together (a load of many users) go out as one pipeline per node.
      enableAutoPipelining: true,
    });
    // EVALSHA (the script loaded once per node on first NOSCRIPT), not the script's text on every save.
    client.defineCommand('beaconSavePresence', { numberOfKeys: 1, lua: SAVE_SCRIPT });
    client.defineCommand('beaconBeat', { numberOfKeys: 1, lua: BEAT_SCRIPT });
    client.defineCommand('beaconBeatsWithin', { numberOfKeys: 1, lua: BEATS_WITHIN_SCRIPT });
    this.#redis = client as RedisClient & SaveCommand;
    // Failures surface on each command (counted there too); the connection retries by itself.
    this.#redis.on('error', () => this.#onError());
    this.#auth = watchAuth(this.#redis, this.#target.setting);
  }

  /**
   * Connects at start. Rejects when Redis cannot be reached, or is not ready within
   * CONNECT_WAIT_MS (a cluster during a shard outage): the start then goes on, and the client
   * keeps trying by itself.
   */
  async connect(): Promise<void> {
    if (this.#redis.status !== 'wait') return;
    let error: unknown = null;
    if (!(await connectWithin(this.#redis, CONNECT_WAIT_MS, (err) => (error ??= err)))) throw error ?? new Error(`Redis not ready within ${CONNECT_WAIT_MS} ms; still trying`);
  }

  /** While Redis refuses the credentials or the connection: why (the commands themselves fail with "Connection is closed."). */
  problem(): string | null {
    return this.#auth.cause();
  }

  #key(userId: number): string {
    return taggedKey(this.#target, this.#prefix, 'presence', userId);
  }

  async save(userId: number, instanceId: string, state: SharedState, version: Version): Promise<boolean> {
    const { sessions, ...user } = state;
    const mine = sessions.filter((s) => {
      const owner = instanceOfSession(s.id);
      return owner === null || owner === instanceId;
    });
    const stored = await this.#counted(
      this.#redis.beaconSavePresence(this.#key(userId), JSON.stringify(user), String(version.at), version.by, instanceId, JSON.stringify(mine), String(KEY_TTL_S)),
    );
    return stored === 1;
  }

  async load(userIds: readonly number[], live: ReadonlySet<string> | null, opts?: LoadOptions): Promise<Map<number, StoredReplica>> {
    const out = new Map<number, StoredReplica>();
    if (userIds.length === 0) return out;
    // One command per user (a cluster spreads them over shards); any failure fails the load,
    // as an unreachable Redis would: the caller starts from the database and resyncs later.
    const hashes = await this.#counted(Promise.all(userIds.map((id) => this.#redis.hgetall(this.#key(id)))));
    hashes.forEach((hash, i) => {
      if (!hash.user) return;
      const merged = mergeHash(hash, live, opts?.savedBy === true);
      if (merged) out.set(userIds[i]!, merged);
    });
    return out;
  }

  async keepAlive(userIds: readonly number[]): Promise<void> {
    // A thousand at a time (one pipeline per node each): an hourly touch of 20,000 users is no burst.
    for (let i = 0; i < userIds.length; i += KEEP_ALIVE_BATCH) {
      const ids = userIds.slice(i, i + KEEP_ALIVE_BATCH);
      await this.#counted(Promise.all(ids.map((id) => this.#redis.expire(this.#key(id), KEY_TTL_S))));
    }
  }

  async forget(userId: number): Promise<void> {
    await this.#counted(this.#redis.del(this.#key(userId)));
  }

  /** Beats at Redis's now (BEAT_SCRIPT), into the saturated set too when saturated; answers that now. */
  async heartbeat(instanceId: string, saturated = false): Promise<number> {
    const at = await this.#counted(this.#redis.beaconBeat(`${this.#prefix}:instances`, instanceId));
    if (saturated) await this.#counted(this.#redis.beaconBeat(`${this.#prefix}:saturated`, instanceId));
    return Number(at);
  }

  /**
   * Again after each beat (SecretAgreement.publish): a Redis restarted empty has it back with the
   * next one. A crashed instance's expires. On a cluster its key may live on a shard that is down
   * while the beats' is up: apart from the beat, so that is no failed beat.
   */
  async putCard(instanceId: string, card: InstanceCard): Promise<void> {
    await this.#counted(this.#redis.set(this.#cardKey(instanceId), JSON.stringify(card), 'EX', KEY_TTL_S));
  }

  async cards(instanceIds: readonly string[]): Promise<Map<string, InstanceCard> | null> {
    try {
      // One GET per instance (on a cluster the keys live on several shards), pipelined.
      const values = await Promise.all(instanceIds.map((id) => this.#redis.get(this.#cardKey(id))));
      const out = new Map<string, InstanceCard>();
      values.forEach((value, i) => {
        const card = value === null ? null : parseCard(value);
        if (card) out.set(instanceIds[i]!, card);
      });
      return out;
    } catch {
      this.#onError();
      return null;
    }
  }

  #cardKey(instanceId: string): string {
    return `${this.#prefix}:card:${instanceId}`;
  }

  /** `command`, with its failure counted (beacon_redis_errors_total{client="store"}). */
  async #counted<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (err) {
      this.#onError();
      throw err;
    }
  }

  liveInstances(deadAfterMs: number): Promise<Set<string> | null> {
    return this.#beatsWithin('instances', deadAfterMs);
  }

  async lastBeats(instanceIds: readonly string[]): Promise<Map<string, number> | null> {
    try {
      const key = `${this.#prefix}:instances`;
      const scores = await Promise.all(instanceIds.map((id) => this.#redis.zscore(key, id)));
      return new Map(instanceIds.flatMap((id, i) => (scores[i] == null ? [] : [[id, Number(scores[i])] as const])));
    } catch {
      this.#onError();
      return null;
    }
  }

  saturatedInstances(withinMs: number): Promise<Set<string> | null> {
    return this.#beatsWithin('saturated', withinMs);
  }

  /** The instances whose beat in the sorted set is at most `withinMs` old on Redis's clock (long-gone ones trimmed); null when Redis cannot tell. */
  async #beatsWithin(set: 'instances' | 'saturated', withinMs: number): Promise<Set<string> | null> {
    try {
      return new Set(await this.#redis.beaconBeatsWithin(`${this.#prefix}:${set}`, String(withinMs)));
    } catch {
      this.#onError();
      return null;
    }
  }

  async leave(instanceId: string): Promise<void> {
    // At a stop: a Redis that does not answer must not hold up the drain (the others reap this instance anyway).
    const gone = (async () => {
      await this.#redis.zrem(`${this.#prefix}:instances`, instanceId).catch(() => {});
      await this.#redis.zrem(`${this.#prefix}:saturated`, instanceId).catch(() => {});
      await this.#redis.del(this.#cardKey(instanceId)).catch(() => {});
    })();
    await within(gone, QUIT_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    await quit(this.#redis);
  }
}

/** A card as stored, or null when it is not one (written by a later release, or damaged). */
function parseCard(value: string): InstanceCard | null {
  try {
    const card = JSON.parse(value) as Partial<InstanceCard> | null;
    if (typeof card?.tokenSecret !== 'string') return null;
    // Fingerprints of the site's secrets, when it gives them as they are written (else not compared).
    const hostSecrets = Array.isArray(card.hostSecrets) && card.hostSecrets.every((f) => typeof f === 'string') ? card.hostSecrets : null;
    return { tokenSecret: card.tokenSecret, ...(hostSecrets ? { hostSecrets } : {}) };
  } catch {
    return null;
  }
}

/** Merges the instances' session fields (naming them too, with `named`: savedBy); polling sessions seen by several keep the latest touch. */
function mergeHash(hash: Record<string, string>, live: ReadonlySet<string> | null, named: boolean): StoredReplica | null {
  try {
    const user = JSON.parse(hash.user!) as UserFields;
    const sessions = new Map<string, ReplicaState['sessions'][number]>();
    const savedBy: string[] | null = named ? [] : null;
    let orphaned = false;
    for (const [field, value] of Object.entries(hash)) {
      if (field === 'user' || field === 'ver') continue;
      savedBy?.push(field);
      if (live && !live.has(field)) {
        // A dead instance's sockets are gone; its polling sessions may still be live elsewhere.
        for (const s of JSON.parse(value) as ReplicaState['sessions']) {
          if (instanceOfSession(s.id) === null) keepLatest(sessions, s);
          else orphaned = true;
        }
        continue;
      }
      for (const s of JSON.parse(value) as ReplicaState['sessions']) keepLatest(sessions, s);
    }
    return { ...user, sessions: [...sessions.values()], version: parseVersion(hash.ver), ...(savedBy ? { savedBy } : {}), ...(orphaned ? { orphaned } : {}) };
  } catch {
    return null;
  }
}

function parseVersion(raw: string | undefined): Version | null {
  if (!raw) return null;
  const sep = raw.indexOf(':');
  const at = Number(raw.slice(0, sep));
  return sep > 0 && Number.isFinite(at) ? { at, by: raw.slice(sep + 1) } : null;
}

function keepLatest(map: Map<string, ReplicaState['sessions'][number]>, s: ReplicaState['sessions'][number]): void {
  const had = map.get(s.id);
  if (!had || had.lastTouch < s.lastTouch) map.set(s.id, s);
}
