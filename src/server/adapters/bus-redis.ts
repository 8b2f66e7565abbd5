/**
 * EventBus over Redis pub/sub, shaped like socket.io-redis-adapter: one connection
 * publishes, another subscribes; channels are `${prefix}:${topic}`; every frame carries
 * the publishing instance's id.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { BusHandler, BusMessage, EventBus } from '../ports/event-bus.js';
import { MemoryBus, consoleBusLogger } from './bus-memory.js';
import type { BusLogger } from './bus-memory.js';
import type { Metrics } from '../metrics/metrics.js';

export interface RedisBusOptions {
  /** e.g. `redis://127.0.0.1:6379`. */
  url: string;
  /** Channel prefix, so several deployments can share one Redis. Default `beacon`. */
  prefix?: string;
  /** Default: a random UUID. */
  instanceId?: string;
  /** Default: warnings and errors to the console. */
  logger?: BusLogger;
  /** How long ping() waits for PONG before answering false. Default 500 ms. */
  pingTimeoutMs?: number;
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

const SUBSCRIBE_CHUNK = 500;
/** At most one "publish dropped" warning per this many ms; the rest are counted. */
const DROP_WARN_INTERVAL_MS = 10_000;

/**
 * Redis-backed EventBus. Local handlers are called synchronously by `publish`, before
 * the frame leaves, so this instance keeps working while Redis is down; this instance's
 * own frames coming back from Redis are dropped.
 *
 * While Redis is unreachable publishes reach only local handlers (nothing is queued;
 * other instances must resync when `onHealthChange(true)` fires) and subscription
 * changes are recorded locally and replayed on reconnect. Connections are named
 * `${prefix}:${instanceId}:pub` and `:sub` in CLIENT LIST.
 */
export class RedisBus implements EventBus {
  readonly instanceId: string;
  readonly prefix: string;
  /** Local topics and handlers; the single source of truth for what we subscribe. */
  readonly #local: MemoryBus;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #logger: BusLogger;
  readonly #pingTimeoutMs: number;
  readonly #metrics: BusMetrics | undefined;
  readonly #healthListeners: ((healthy: boolean) => void)[] = [];
  /** Topics unsubscribed while Redis could not hear it: still subscribed there after reconnect. */
  readonly #staleTopics = new Set<string>();
  readonly #errorLogged = { pub: false, sub: false };
  /** Last subscription command sent; the subscriber answers in order, so awaiting it awaits all. */
  #lastSubscriptionCommand: Promise<unknown> = Promise.resolve();
  #subSynced = false;
  #syncGeneration = 0;
  #healthy = false;
  #droppedPublishes = 0;
  #lastDropWarnAt = -Infinity;
  #closed = false;

  constructor(options: RedisBusOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.prefix = options.prefix ?? 'beacon';
    this.#logger = options.logger ?? consoleBusLogger;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 500;
    this.#metrics = options.metrics;
    this.#local = new MemoryBus({ instanceId: this.instanceId, logger: this.#logger });
    const common: RedisOptions = {
      // Fail fast instead of queueing without bound while Redis is away.
      enableOfflineQueue: false,
      autoResubscribe: true,
      ...(options.retryStrategy ? { retryStrategy: options.retryStrategy } : {}),
    };
    this.#pub = new Redis(options.url, {
      ...common,
      connectionName: `${this.prefix}:${this.instanceId}:pub`,
      // A PUBLISH cut off mid-flight may have reached Redis; resending it could deliver twice.
      autoResendUnfulfilledCommands: false,
    });
    this.#sub = new Redis(options.url, { ...common, connectionName: `${this.prefix}:${this.instanceId}:sub` });
    this.#watch(this.#pub, 'pub');
    this.#watch(this.#sub, 'sub');
    this.#sub.on('ready', () => void this.#resync());
    this.#sub.on('close', () => {
      this.#subSynced = false;
      this.#syncGeneration++;
    });
    this.#sub.on('message', (channel: string, raw: string) => this.#receive(channel, raw));
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
      this.#metrics?.busPublished(true);
      this.#pub.publish(this.#channel(topic), frame).catch((err: unknown) => this.#dropped(topic, err));
    } else {
      this.#dropped(topic, 'redis publisher not connected');
    }
  }

  subscribe(topic: string): void {
    if (this.#closed || this.#local.isSubscribed(topic)) return;
    this.#local.subscribe(topic);
    this.#staleTopics.delete(topic);
    // Not connected: the resync on 'ready' subscribes every local topic.
    if (this.#sub.status !== 'ready') return;
    // On failure (usually the connection dropping) the resync on 'ready' covers this topic.
    this.#lastSubscriptionCommand = this.#sub
      .subscribe(this.#channel(topic))
      .catch((err: unknown) => this.#logger.warn({ topic, err: errorMessage(err) }, 'event bus: subscribe failed'));
  }

  unsubscribe(topic: string): void {
    if (!this.#local.isSubscribed(topic)) return;
    // Local first: messages already in flight for this topic are dropped on receipt.
    this.#local.unsubscribe(topic);
    if (this.#sub.status !== 'ready') {
      this.#staleTopics.add(topic);
      return;
    }
    this.#lastSubscriptionCommand = this.#sub.unsubscribe(this.#channel(topic)).catch((err: unknown) => {
      this.#logger.warn({ topic, err: errorMessage(err) }, 'event bus: unsubscribe failed');
      if (!this.#local.isSubscribed(topic)) this.#staleTopics.add(topic);
    });
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
    await this.#lastSubscriptionCommand;
  }

  /** Both connections are ready and every local topic is subscribed at Redis. */
  isHealthy(): boolean {
    return !this.#closed && this.#pub.status === 'ready' && this.#sub.status === 'ready' && this.#subSynced;
  }

  /**
   * Calls `fn` on every change of isHealthy() (never after close). On `true` other
   * instances may have missed this one's messages: the app should resync presence.
   */
  onHealthChange(fn: (healthy: boolean) => void): void {
    this.#healthListeners.push(fn);
  }

  /** PING on the publisher; false when it does not answer within `pingTimeoutMs`. */
  async ping(): Promise<boolean> {
    if (this.#closed || this.#pub.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#pingTimeoutMs);
    });
    try {
      return await Promise.race([this.#pub.ping().then((reply) => reply === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Quits both connections (dropping them if Redis does not answer). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#healthy = false;
    await this.#local.close();
    await Promise.all([quit(this.#pub), quit(this.#sub)]);
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

  /** Makes Redis' subscriptions match the local set after (re)connecting. */
  async #resync(): Promise<void> {
    const generation = ++this.#syncGeneration;
    this.#subSynced = false;
    // ioredis' autoResubscribe has already re-sent the previous connection's channels;
    // this also covers topics subscribed or unsubscribed while the connection was down.
    const stale = [...this.#staleTopics];
    this.#staleTopics.clear();
    const topics = this.#local.topics();
    try {
      for (let i = 0; i < topics.length; i += SUBSCRIBE_CHUNK) {
        await this.#sub.subscribe(...topics.slice(i, i + SUBSCRIBE_CHUNK).map((t) => this.#channel(t)));
      }
      const gone = stale.filter((t) => !this.#local.isSubscribed(t));
      if (gone.length > 0) await this.#sub.unsubscribe(...gone.map((t) => this.#channel(t)));
    } catch (err) {
      for (const t of stale) if (!this.#local.isSubscribed(t)) this.#staleTopics.add(t);
      // The connection dropped again; the next 'ready' starts over.
      this.#logger.warn({ err: errorMessage(err) }, 'event bus: resubscribe interrupted');
      return;
    }
    if (generation !== this.#syncGeneration || this.#closed) return;
    this.#subSynced = true;
    this.#updateHealth();
  }

  #watch(conn: Redis, role: 'pub' | 'sub'): void {
    conn.on('ready', () => {
      this.#errorLogged[role] = false;
      this.#updateHealth();
    });
    conn.on('close', () => this.#updateHealth());
    conn.on('end', () => this.#updateHealth());
    // Without a listener ioredis prints every reconnect failure; one warning per outage is enough.
    conn.on('error', (err: unknown) => {
      if (!this.#closed) this.#metrics?.redisError(role === 'pub' ? 'bus_pub' : 'bus_sub');
      if (this.#errorLogged[role] || this.#closed) return;
      this.#errorLogged[role] = true;
      this.#logger.warn({ err: errorMessage(err), connection: role }, 'event bus: redis connection error');
    });
  }

  #updateHealth(): void {
    if (this.#closed) return;
    const healthy = this.isHealthy();
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
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

async function quit(conn: Redis): Promise<void> {
  if (conn.status === 'end') return;
  try {
    await conn.quit();
  } catch {
    // Not connected (no offline queue): just stop reconnecting.
    conn.disconnect();
  }
}
