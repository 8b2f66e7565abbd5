/**
 * How Beacon reaches Redis: one server, or a Redis Cluster through seed nodes. The adapters
 * (bus-redis.ts, presence-store-redis.ts) take a RedisTarget and open their connections
 * here, so single and cluster share one code path; only what differs lives here: the
 * command client (Redis or Cluster), the key naming and the health check.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { ConfigError } from '../config.js';
import type { RedisTarget } from './redis-target.js';

/** The command API both share; a Cluster routes every command to the primary of its key's slot. */
export type RedisClient = Redis | Cluster;

/**
 * The target of BEACON_REDIS_URL (one URL, or comma-separated seed URLs in cluster mode).
 * The value is assumed valid: config.ts checks it.
 */
export function redisTarget(url: string, mode: 'single' | 'cluster', setting = 'BEACON_REDIS_URL'): RedisTarget {
  if (mode === 'single') return { mode, url, setting };
  return { mode, seeds: url.split(',').map((s) => s.trim()).filter((s) => s !== ''), setting };
}

/**
 * Refuses a database number (`redis://host:6379/99`) this Redis does not have: every connection
 * Beacon opens (bus, subscriber, presence store, limits) would use database 0 in silence, ioredis
 * only warning of the failed SELECT. Checked once at the start, for all of them (one URL). A
 * Redis that cannot be reached or refuses the credentials now is not checked: the adapters say so.
 */
export async function checkDatabase(target: RedisTarget, timeoutMs = 2_000): Promise<void> {
  if (target.mode !== 'single') return; // a cluster has database 0 only (config.ts refuses a number)
  const db = Number.parseInt(new URL(target.url).pathname.slice(1), 10);
  if (!(db > 0)) return;
  const client = new Redis(target.url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, connectionName: 'beacon:check' });
  client.on('error', () => {}); // the SELECT ioredis sends itself fails here too: the one below says it
  try {
    const answer = await within(
      client.connect().then(
        () => client.select(db).then(() => null, (err: Error) => err.message),
        () => null,
      ),
      timeoutMs,
    );
    if (answer && /DB index/i.test(answer)) {
      throw new ConfigError(target.setting ?? 'BEACON_REDIS_URL', `this Redis has no database ${db} (${answer}); pick one it has (0-15 unless its \`databases\` setting says more)`);
    }
  } finally {
    client.disconnect();
  }
}

/** Connection options carried by a URL (credentials, TLS, database), for connections to cluster nodes. */
export function nodeOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Options of a command client; those of RedisOptions apply to every node connection. */
export interface ClientOptions extends RedisOptions {
  /** Cluster only: delay before reconnecting to the cluster after every node was lost. */
  clusterRetryStrategy?: (attempt: number) => number;
}

/**
 * Opens a command client. In cluster mode, as on one Redis, a command fails at once while
 * its shard is unreachable instead of being queued or retried later: a retried command
 * would overtake the ones sent after it, and the bus and the store promise order (a
 * command that meets a moved slot still follows it). The connections to the primaries are
 * opened as soon as the slot map is known, not on their first command.
 */
export function commandClient(target: RedisTarget, options: ClientOptions): RedisClient {
  const { clusterRetryStrategy, ...redisOptions } = options;
  if (target.mode === 'single') return new Redis(target.url, redisOptions);
  const first = target.seeds[0] ?? 'redis://127.0.0.1:6379';
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...nodeOptions(first), ...redisOptions },
    enableOfflineQueue: redisOptions.enableOfflineQueue ?? true,
    lazyConnect: redisOptions.lazyConnect ?? false,
    scaleReads: 'master',
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    retryDelayOnTryAgain: 0,
    // Reconnect to a primary that restarts on the same address (no replica takes over with 0 replicas).
    clusterNodeRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    ...(clusterRetryStrategy ? { clusterRetryStrategy } : {}),
  };
  const cluster = new Cluster(
    target.seeds.map((s) => {
      const u = new URL(s);
      return { host: u.hostname, port: Number(u.port || 6379) };
    }),
    clusterOptions,
  );
  // Not while connecting: the cluster's own ready check must find the primaries idle, not half-connected.
  const connectPrimaries = (): void => {
    if (cluster.status !== 'ready') return;
    for (const node of cluster.nodes('master')) if (node.status === 'wait') node.connect().catch(() => {});
  };
  cluster.on('ready', connectPrimaries);
  cluster.on('refresh', connectPrimaries);
  return cluster;
}

/** Every connection commands may need is ready (one Redis: the connection; a cluster: every primary's). */
export function connectionsReady(client: RedisClient): boolean {
  if (client.status !== 'ready') return false;
  if (!(client instanceof Cluster)) return true;
  const primaries = client.nodes('master');
  return primaries.length > 0 && primaries.every((n) => n.status === 'ready');
}

/**
 * Connects a lazy client (`connect()` once, from status `wait`): true once it is ready (a cluster:
 * then also waits up to `ms` for its primaries, primariesReady), false
 * when its first try failed (`failed` gets the error, also when that comes later) or it is not
 * ready within `ms`; it goes on trying by itself either way. On a cluster it also settles on the
 * client's `ready`: ioredis's `Cluster.connect()` leaves its promise unsettled for good when the
 * ready check after the first slot refresh fails (it asks a node that has just gone down,
 * reconnects by itself and becomes ready, but settles only the next try's promise), so a start
 * during a shard outage waited for it forever (seen in 2 of 6 tries with a primary killed
 * moments before).
 */
export async function connectWithin(client: RedisClient, ms: number, failed: (err: unknown) => void): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onReady = (): void => undefined;
  let ready: boolean;
  try {
    ready = await Promise.race([
      client.connect().then(
        () => true,
        (err: unknown) => (failed(err), false),
      ),
      new Promise<boolean>((resolve) => {
        onReady = () => resolve(true);
        client.once('ready', onReady);
        timer = setTimeout(() => resolve(client.status === 'ready'), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.off('ready', onReady);
  }
  if (ready) await primariesReady(client, ms);
  return ready;
}

/** Statuses of a connection that tried and failed (it retries by itself meanwhile). */
const FAILED = new Set(['close', 'reconnecting', 'end']);

/**
 * After `connect()`: waits up to `ms` until every connection commands may need has either
 * connected or failed once. A cluster says ready before its connections to the primaries are,
 * and with the offline queue off a command meeting a primary still connecting fails with
 * "Connection is closed." (the first presence saves after a start did). A primary that is down
 * is not waited for: the start goes on without its slots, as operations.md says (waiting the
 * whole `ms` for it, twice, ran past Fastify's 10 s for the start's hook). Resolves either way.
 */
async function primariesReady(client: RedisClient, ms: number): Promise<void> {
  if (!(client instanceof Cluster)) return;
  const deadline = performance.now() + ms;
  const failed = new WeakSet<Redis>();
  const connecting = (): boolean =>
    client.nodes('master').some((node) => {
      if (FAILED.has(node.status)) failed.add(node);
      return node.status !== 'ready' && !failed.has(node);
    });
  // 25 ms: a failed primary's wait before it retries is 100 ms and more (clusterNodeRetryStrategy).
  while (client.status === 'ready' && connecting() && performance.now() < deadline) await sleep(25);
}

/** Calls `fn` whenever a connection of the client (on a cluster: of any primary) connects or drops. */
export function onConnectionChange(client: RedisClient, fn: () => void): void {
  for (const event of ['ready', 'close', 'end']) client.on(event, fn);
  if (!(client instanceof Cluster)) return;
  const watched = new WeakSet<Redis>();
  const watch = (): void => {
    for (const node of client.nodes('master')) {
      if (watched.has(node)) continue;
      watched.add(node);
      for (const event of ['ready', 'close', 'end']) node.on(event, fn);
    }
    fn();
  };
  client.on('refresh', watch);
  client.on('+node', watch);
  client.on('-node', fn);
}

/**
 * A key whose slot is chosen by `tag` alone in cluster mode (`prefix:name:{tag}`), so that every
 * key a script touches for one user can live in that user's slot. One Redis keeps the plain
 * `prefix:name:tag`, the names earlier versions used (a rolling deploy keeps sharing state).
 */
export function taggedKey(target: RedisTarget, prefix: string, name: string, tag: string | number): string {
  return target.mode === 'cluster' ? `${prefix}:${name}:{${tag}}` : `${prefix}:${name}:${tag}`;
}

/**
 * Redis refused a connection's credentials (NOAUTH: none given, WRONGPASS / invalid password:
 * wrong ones): what to say, else null. A cluster client reports its nodes' refusals wrapped
 * ("Failed to refresh slots cache.", with the node's own error as `lastNodeError`).
 */
export function authRefusal(err: unknown, setting = 'BEACON_REDIS_URL'): string | null {
  const inner = (err as { lastNodeError?: unknown } | null)?.lastNodeError ?? err;
  const message = inner instanceof Error ? inner.message : String(inner);
  if (!/^(NOAUTH|WRONGPASS)\b|^ERR invalid password/.test(message)) return null;
  const code = message.split(' ')[0] === 'ERR' ? 'invalid password' : message.split(' ')[0];
  return `Redis refused authentication (${code}): check the user and password in ${setting}`;
}

/**
 * Remembers why the client's connections fail when Redis refuses its credentials (the commands
 * themselves then fail with "Connection is closed." or "None of startup nodes is available",
 * which names no cause). Forgotten once every connection is ready; on one Redis also when its
 * connection fails for another reason (Redis down now). A cluster client's own error names only
 * the last node it tried, so there a refusal holds until every primary is ready.
 */
export function watchAuth(client: RedisClient, setting?: string): { refusal(): string | null; cause(): string | null } {
  let refusal: string | null = null;
  /** The last connection error (a node's, on a cluster), until every connection is ready again. */
  let lastError: string | null = null;
  const cluster = client instanceof Cluster;
  client.on('error', (err: unknown) => {
    refusal = authRefusal(err, setting) ?? (cluster ? refusal : null);
    if (!cluster) lastError = errorText(err);
  });
  if (cluster) {
    client.on('node error', (err: unknown) => {
      refusal = authRefusal(err, setting) ?? refusal;
      lastError = errorText(err);
    });
  }
  onConnectionChange(client, () => {
    if (connectionsReady(client)) refusal = lastError = null;
  });
  return {
    refusal: () => refusal,
    // A command failing while the connection is down says only "Connection is closed." (or "None of
    // startup nodes is available"): the connection's own error (ECONNREFUSED…) names the cause.
    cause: () => refusal ?? (connectionsReady(client) ? null : lastError),
  };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** True when the client answers PING (on a cluster: every primary), within `timeoutMs`. */
export async function pingAll(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status !== 'ready') return false;
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  try {
    const replies = Promise.all(nodes.map((n) => n.ping()));
    return (await within(replies.then((r) => r.length > 0 && r.every((x) => x === 'PONG')), timeoutMs)) ?? false;
  } catch {
    return false;
  }
}

/**
 * Drops every connection of the client at once (socket destroyed, not ended: a FIN to a Redis
 * behind a partition is never answered), so ioredis reconnects as after Redis closed them.
 */
export function dropConnections(client: RedisClient): void {
  const nodes = client instanceof Cluster ? client.nodes('all') : [client];
  for (const node of nodes) {
    const stream = node.stream as { destroy?: () => void } | undefined;
    stream?.destroy?.();
  }
}

/**
 * QUIT, or drop the connection if Redis does not answer: refuses it, or (a partition, a hung
 * server) sends nothing back within `timeoutMs`, so a stop never waits on it for ever.
 */
export async function quit(client: RedisClient | Redis, timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
  if (client.status === 'end') return;
  try {
    if ((await within(client.quit(), timeoutMs)) === undefined) client.disconnect();
  } catch {
    client.disconnect();
  }
}

/** How long a stop waits for Redis to answer QUIT (or a last command) before dropping the connection. */
export const QUIT_TIMEOUT_MS = 1_000;

/**
 * `work`, or undefined once `ms` passed without it settling (its result is then ignored). The
 * answer may already sit in a socket when the timer fires after a stall of the event loop (timers
 * run before I/O is read): the timeout settles one turn later, so that answer is read first.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => setImmediate(() => resolve(undefined)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
