/**
 * EventBus over Redis pub/sub, shaped like socket.io-redis-adapter: one connection
 * publishes, others subscribe; channels are `${prefix}:${topic}`; every frame carries the
 * publishing instance's id. On a Redis Cluster it uses sharded pub/sub (SPUBLISH /
 * SSUBSCRIBE): a channel lives on the primary that owns its slot, so per-user channels
 * spread over the shards and a message is never broadcast over the cluster bus.
 */
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { BusHandler, BusMessage, EventBus } from '../ports/event-bus.js';
import { MemoryBus, consoleBusLogger } from './bus-memory.js';
import type { BusLogger } from './bus-memory.js';
import type { Metrics } from '../metrics/metrics.js';
import { authRefusal, commandClient, watchAuth, connectionsReady, dropConnections, onConnectionChange, pingAll, quit, type RedisClient } from './redis-connections.js';
import type { RedisTarget } from './redis-target.js';
import { RedisSubscriber } from './redis-subscriber.js';

export interface RedisBusOptions {
  /** One Redis, e.g. `redis://127.0.0.1:6379` (shorthand for `target: { mode: 'single', url }`). */
  url?: string;
  /** One Redis or a Redis Cluster; wins over `url`. */
  target?: RedisTarget;
  /** Channel prefix, so several deployments can share one Redis. Default `beacon`. */
  prefix?: string;
  /** Default: a random UUID. */
  instanceId?: string;
  /** Default: warnings and errors to the console. */
  logger?: BusLogger;
  /** How long ping() waits for PONG before answering false. Default 500 ms. */
  pingTimeoutMs?: number;
  /**
   * While healthy, the publisher is sent PING this often; no PONG within `probeTimeoutMs` means
   * Redis stopped answering without closing the connections (a partition, a hung server): they
   * are dropped, so the bus turns unhealthy and reconnects. Defaults 5000 / 5000 ms; 0: no probe.
   */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** Delay before reconnect attempt `attempt` (1-based). Default: ioredis' exponential backoff capped at 5 s. */
  retryStrategy?: (attempt: number) => number;
  /** Counts publishes, receipts (with lag) and connection errors. */
  metrics?: BusMetrics;
}

export type BusMetrics = Pick<Metrics, 'busPublished' | 'busReceived' | 'redisError'>;

/** What travels on the wire: origin instance id, the message, and when it was published (ms; for the lag metric). */
interface Frame {
  o: string;
  m: BusMessage;
  t?: number;
}

/** At most one "publish dropped" warning per this many ms; the rest are counted. */
const DROP_WARN_INTERVAL_MS = 10_000;

/**
 * Redis-backed EventBus. Local handlers are called synchronously by `publish`, before
 * the frame leaves, so this instance keeps working while Redis is down; this instance's
 * own frames coming back from Redis are dropped.
 *
 * While Redis (or, on a cluster, one of its primaries) is unreachable publishes reach only
 * local handlers (nothing is queued; other instances must resync when `onHealthChange(true)`
 * fires) and subscription changes are recorded locally and replayed on reconnect.
 * Connections are named `${prefix}:${instanceId}:pub` and `:sub` in CLIENT LIST (on a
 * cluster, `:sub:<host>:<port>`, one per primary).
 *
 * Order: one publisher's messages on one topic arrive in publish order. On one Redis that
 * holds across topics too; on a cluster topics on different shards are independent (every
 * presence message about a user travels on that user's topic).
 */
export class RedisBus implements EventBus {
  readonly instanceId: string;
  readonly shared = true;
  readonly prefix: string;
  /** Local topics and handlers; the single source of truth for what we subscribe. */
  readonly #local: MemoryBus;
  readonly #pub: RedisClient;
  readonly #sub: RedisSubscriber;
  readonly #sharded: boolean;
  readonly #logger: BusLogger;
  readonly #pingTimeoutMs: number;
  readonly #metrics: BusMetrics | undefined;
  readonly #healthListeners: ((healthy: boolean) => void)[] = [];
  /**
   * A connection error was logged in this outage (any connection: the publisher's, a subscriber
   * lane's). One rule for all of them: said once when the first fails, never at the reconnect
   * attempts that follow, and again only after the bus was healthy (`event bus: redis connected`).
   */
  #outageSaid = false;
  /** Redis refused this bus's credentials (NOAUTH, WRONGPASS): said once, at error, until the bus is healthy again. */
  #authRefused: string | null = null;
  /** Why the publisher's connections fail, when Redis refused them (a cluster's error names only its last node). */
  readonly #pubAuth: { refusal(): string | null };
  /** The setting that named this Redis, for messages (RedisTarget.setting). */
  readonly #setting: string | undefined;
  #healthy = false;
  #droppedPublishes = 0;
  #lastDropWarnAt = -Infinity;
  #closed = false;
  readonly #probe: NodeJS.Timeout | null = null;
  #probing = false;
  /** Connections dropped by the probe: no further probe until the bus is healthy again. */
  #droppedByProbe = false;
  /** Publishes Redis has not answered yet (flushed() waits for them). */
  readonly #inFlight = new Map<Promise<void>, (err: Error) => void>();

  constructor(options: RedisBusOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.prefix = options.prefix ?? 'beacon';
    this.#logger = options.logger ?? consoleBusLogger;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 500;
    this.#metrics = options.metrics;
    this.#local = new MemoryBus({ instanceId: this.instanceId, logger: this.#logger });
    const target: RedisTarget = options.target ?? { mode: 'single', url: options.url ?? 'redis://127.0.0.1:6379' };
    this.#sharded = target.mode === 'cluster';
    this.#pub = commandClient(target, {
      connectionName: `${this.prefix}:${this.instanceId}:pub`,
      // Fail fast instead of queueing without bound while Redis is away.
      enableOfflineQueue: false,
      // A PUBLISH cut off mid-flight may have reached Redis; resending it could deliver twice.
      autoResendUnfulfilledCommands: false,
      ...(options.retryStrategy ? { retryStrategy: options.retryStrategy, clusterRetryStrategy: options.retryStrategy } : {}),
    });
    // Before the error listener below: a cluster's nodes report a refusal before the cluster's own error.
    this.#setting = target.setting;
    this.#pubAuth = watchAuth(this.#pub, target.setting);
    this.#sub = new RedisSubscriber(
      {
        target,
        wanted: () => this.#local.topics().map((t) => this.#channel(t)),
        connectionName: `${this.prefix}:${this.instanceId}:sub`,
        ...(options.retryStrategy ? { retryStrategy: options.retryStrategy } : {}),
        onMessage: (channel, raw) => this.#receive(channel, raw),
        onChange: () => this.#updateHealth(),
        onError: (err) => this.#connectionError('sub', err),
        onResyncFailed: (err) => this.#logger.warn({ err: errorMessage(err) }, 'event bus: resubscribe interrupted'),
      },
      this.#pub instanceof Cluster ? this.#pub : null,
    );
    const probeEvery = options.probeIntervalMs ?? 5_000;
    if (probeEvery > 0) {
      const probeTimeout = options.probeTimeoutMs ?? 5_000;
      this.#probe = setInterval(() => void this.#checkAnswers(probeTimeout), probeEvery);
      this.#probe.unref();
    }
    onConnectionChange(this.#pub, () => {
      if (!connectionsReady(this.#pub)) this.#abandonInFlight();
      this.#updateHealth();
    });
    // Without a listener ioredis prints every reconnect failure; one warning per outage (#outageSaid) is enough.
    this.#pub.on('error', (err: unknown) => this.#connectionError('pub', err));
  }

  publish(topic: string, message: BusMessage): void {
    // Onto the wire before local delivery: a local handler may publish again, and that
    // message must not overtake this one at other instances.
    this.publishRemote(topic, message);
    if (!this.#closed) this.#local.publish(topic, message);
  }

  publishRemote(topic: string, message: BusMessage): void {
    // Encode first: a message that cannot be encoded is the caller's bug, reported before any delivery.
    const frame = JSON.stringify({ o: this.instanceId, m: message, t: Date.now() } satisfies Frame);
    if (this.#closed) return;
    if (this.#pub.status === 'ready') {
      // On a cluster, a primary not connected fails the command at once (counted as dropped).
      const channel = this.#channel(topic);
      const sent = this.#sharded ? this.#pub.spublish(channel, frame) : this.#pub.publish(channel, frame);
      // A connection that drops with the command unanswered never settles it (ioredis keeps it
      // for a resend, which is off, then forgets it): `abandon` settles it as dropped then.
      let abandon: (err: Error) => void = () => {};
      const lost = new Promise<never>((_, reject) => (abandon = reject));
      const done: Promise<void> = Promise.race([sent, lost]).then(
        () => {
          this.#inFlight.delete(done);
          this.#metrics?.busPublished(true);
        },
        (err: unknown) => {
          this.#inFlight.delete(done);
          this.#dropped(topic, err);
        },
      );
      this.#inFlight.set(done, abandon);
    } else {
      this.#dropped(topic, 'redis publisher not connected');
    }
  }

  async flushed(): Promise<void> {
    if (this.#inFlight.size > 0) await Promise.all(this.#inFlight.keys());
  }

  subscribe(topic: string): void {
    if (this.#closed || this.#local.isSubscribed(topic)) return;
    this.#local.subscribe(topic);
    // A lane that is not connected subscribes every local topic when it is ready again.
    this.#sub.subscribe([this.#channel(topic)]);
  }

  unsubscribe(topic: string): void {
    if (!this.#local.isSubscribed(topic)) return;
    // Local first: messages already in flight for this topic are dropped on receipt.
    this.#local.unsubscribe(topic);
    // A lane that is not connected has no subscriptions when it comes back but the local ones.
    this.#sub.unsubscribe([this.#channel(topic)]);
  }

  onMessage(handler: BusHandler): void {
    this.#local.onMessage(handler);
  }

  /**
   * Resolves once every subscribe/unsubscribe issued so far is in effect at Redis (use it
   * to read a snapshot only after the diffs that follow it are sure to arrive). While
   * Redis is down it resolves at once; `onHealthChange(true)` marks the resync.
   */
  async settled(): Promise<void> {
    await this.#sub.settled();
  }

  /** The publisher (on a cluster: its connection to every primary) is ready and every subscriber connection has every local topic subscribed. */
  isHealthy(): boolean {
    return !this.#closed && connectionsReady(this.#pub) && this.#sub.synced();
  }

  /**
   * Calls `fn` on every change of isHealthy() (never after close). On `true` other
   * instances may have missed this one's messages: the app should resync presence.
   */
  onHealthChange(fn: (healthy: boolean) => void): void {
    this.#healthListeners.push(fn);
  }

  /** While unhealthy because Redis refuses this bus's credentials: what to fix. */
  problem(): string | null {
    return this.isHealthy() ? null : this.#authRefused;
  }

  /** PING (on a cluster: every primary) answered within `pingTimeoutMs`, and every subscriber connection up. */
  async ping(): Promise<boolean> {
    if (this.#closed || !this.#sub.synced()) return false;
    return pingAll(this.#pub, this.#pingTimeoutMs);
  }

  /** Quits every connection (dropping them if Redis does not answer). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#probe) clearInterval(this.#probe);
    this.#healthy = false;
    await this.#local.close();
    await Promise.all([quit(this.#pub), this.#sub.close()]);
    // Publishes Redis never answered are settled (counted, and said) now, within the stop,
    // not after it: the stop's last log line must be its last.
    for (const abandon of this.#inFlight.values()) abandon(new Error('event bus closed before Redis answered'));
    await Promise.all(this.#inFlight.keys());
  }

  #channel(topic: string): string {
    return `${this.prefix}:${topic}`;
  }

  #receive(channel: string, raw: string): void {
    const head = `${this.prefix}:`;
    if (!channel.startsWith(head)) return;
    const topic = channel.slice(head.length);
    if (!this.#local.isSubscribed(topic)) return;
    const frame = decodeFrame(raw);
    if (typeof frame === 'string') {
      this.#logger.warn({ channel, reason: frame, sample: raw.slice(0, 200) }, 'event bus: undecodable message dropped');
      return;
    }
    // Our own frame: publish() already delivered it locally.
    if (frame.o === this.instanceId) return;
    this.#metrics?.busReceived(frame.t);
    this.#local.deliver(topic, frame.m, frame.o);
  }

  /**
   * Connections that stay open while Redis no longer answers never close by themselves: the
   * bus would look healthy while every publish and subscription hangs. No PONG in time: drop them.
   */
  async #checkAnswers(timeoutMs: number): Promise<void> {
    if (this.#probing || this.#droppedByProbe || this.#closed || !this.isHealthy()) return;
    this.#probing = true;
    try {
      const answered = await pingAll(this.#pub, timeoutMs);
      if (answered || this.#droppedByProbe || this.#closed || !this.isHealthy()) return;
      this.#droppedByProbe = true;
      this.#metrics?.redisError('bus_pub');
      this.#logger.warn({ timeoutMs }, 'event bus: redis does not answer PING; dropping its connections to reconnect');
      dropConnections(this.#pub);
      this.#sub.reconnect();
    } finally {
      this.#probing = false;
    }
  }

  /** The publisher's connection dropped: publishes Redis had not answered are lost. */
  #abandonInFlight(): void {
    if (this.#inFlight.size === 0) return;
    const err = new Error('redis connection dropped before the publish was answered');
    for (const abandon of [...this.#inFlight.values()]) abandon(err);
  }

  #connectionError(role: 'pub' | 'sub', err: unknown): void {
    if (!this.#closed) this.#metrics?.redisError(role === 'pub' ? 'bus_pub' : 'bus_sub');
    if (this.#closed) return;
    // A wrong or missing password fails every reconnect of every connection alike: one error line for all of them.
    const refusal = authRefusal(err, this.#setting) ?? this.#pubAuth.refusal();
    if (refusal) {
      if (this.#authRefused !== null) return;
      this.#authRefused = refusal;
      // A cluster client wraps its node's refusal ("Failed to refresh slots cache."): the node's own words.
      this.#logger.error({ err: errorMessage((err as { lastNodeError?: unknown }).lastNodeError ?? err), connection: role }, `event bus: ${refusal}`);
      return;
    }
    if (this.#outageSaid) return;
    this.#outageSaid = true;
    this.#logger.warn({ err: errorMessage(err), connection: role }, 'event bus: redis connection error');
  }

  #updateHealth(): void {
    if (this.#closed) return;
    const healthy = this.isHealthy();
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (healthy) this.#droppedByProbe = false;
    if (healthy) this.#authRefused = null;
    if (healthy) this.#outageSaid = false;
    if (healthy) this.#logger.info({ instanceId: this.instanceId }, 'event bus: redis connected');
    else this.#logger.warn({ instanceId: this.instanceId }, 'event bus: redis unavailable, delivering locally only');
    for (const fn of this.#healthListeners) {
      try {
        fn(healthy);
      } catch (err) {
        this.#logger.error({ err }, 'event bus: health listener threw');
      }
    }
  }

  #dropped(topic: string, reason: unknown): void {
    this.#metrics?.busPublished(false);
    this.#droppedPublishes++;
    const now = Date.now();
    if (now - this.#lastDropWarnAt < DROP_WARN_INTERVAL_MS) return;
    this.#lastDropWarnAt = now;
    this.#logger.warn(
      { topic, reason: errorMessage(reason), dropped: this.#droppedPublishes },
      'event bus: publish reached local handlers only',
    );
    this.#droppedPublishes = 0;
  }
}

/** The frame, or why it is not one. */
function decodeFrame(raw: string): Frame | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (!isRecord(value)) return 'not an object';
  const { o, m, t } = value;
  if (typeof o !== 'string' || o === '') return 'no origin';
  if (!isRecord(m) || typeof m.kind !== 'string') return 'no message with a kind';
  return { o, m: m as BusMessage, ...(typeof t === 'number' && Number.isFinite(t) ? { t } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
