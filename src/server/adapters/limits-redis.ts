/**
 * Limits several instances share through Redis (BEACON_REDIS_URL), so that a client spreading
 * its requests over instances meets one budget, not one per instance:
 * - the per-IP and per-user request limits of the REST routes (@fastify/rate-limit's own
 *   Redis store, one fixed-window counter per key);
 * - the failed-login budget of each account (auth/login-throttle.ts), a sorted set of
 *   attempt times per account (and device) in a script, so concurrent attempts on several
 *   instances are counted one at a time.
 * While Redis cannot answer, each instance falls back to its own counts in memory: the limits
 * then hold per instance, as with no Redis, and nothing is refused or let through because
 * Redis is down. The switch is logged both ways.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import { LOGIN_FAILURES, LocalLoginThrottle, throttleKey, type LoginDevice, type LoginThrottle } from '../auth/login-throttle.js';
import { commandClient, connectWithin, quit, watchAuth, type RedisClient } from './redis-connections.js';
import type { RedisTarget } from './redis-target.js';

/**
 * Drops attempts older than the window, then counts this one unless the budget is spent.
 * Returns 0 when counted, else ms until the oldest attempt leaves the window.
 * KEYS[1] the key; ARGV: now (ms), window (ms), max, a unique member.
 */
const ATTEMPT_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0`;

const PROBE_EVERY_MS = 1000;
const CONNECT_WAIT_MS = 5000;
const MAX_OWED_CLEARS = 10_000;
const SAY_EVERY_MS = 60_000;

/** The Redis key of a failed-login budget (auth/login-throttle.ts throttleKey), under the deployment's prefix. */
export const loginBudgetKey = (prefix: string, usernameLower: string, device: LoginDevice): string => `${prefix}:login:${throttleKey(usernameLower, device)}`;

interface AttemptCommand {
  beaconLoginAttempt(key: string, now: number, windowMs: number, max: number, member: string): Promise<number>;
}

export class SharedLimits {
  readonly #redis: RedisClient & AttemptCommand;
  readonly #prefix: string;
  readonly #log: FastifyBaseLogger;
  readonly #onError: () => void;
  readonly #auth: { cause(): string | null };
  /** Since when (performance.now()) Redis has not answered, or null while it does. */
  #downSince: number | null = null;
  #probedAt = 0;
  /** When "does not answer" was last logged, whether "answers again" is owed, and the outages since. */
  #saidDownAt = -Infinity;
  #saidDown = false;
  #flips = 0;
  /** Login budgets a success cleared while Redis did not answer: cleared there once it does (bounded). */
  readonly #owedClears = new Set<string>();

  constructor(opts: { target: RedisTarget; prefix: string; log: FastifyBaseLogger; onError?: () => void }) {
    this.#prefix = opts.prefix;
    this.#log = opts.log;
    this.#onError = opts.onError ?? (() => {});
    const client = commandClient(opts.target, {
      // A limit must answer now: a command fails at once while Redis is unreachable, and
      // after half a second when Redis hangs or the connection died under it.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      // A command cut off by a dropped connection was answered from memory already: never sent again.
      autoResendUnfulfilledCommands: false,
      connectionName: `${opts.prefix}:limits`,
      lazyConnect: true,
    });
    client.defineCommand('beaconLoginAttempt', { numberOfKeys: 1, lua: ATTEMPT_SCRIPT });
    client.on('error', () => this.#onError());
    this.#auth = watchAuth(client, opts.target.setting);
    this.#redis = client as RedisClient & AttemptCommand;
  }

  /** Connects at start, so the first requests find Redis ready; on failure the client keeps retrying and limits count locally meanwhile. */
  async connect(): Promise<void> {
    if (this.#redis.status !== 'wait') return;
    // Never holds the start back long: the limits count in memory until Redis answers.
    await connectWithin(this.#redis, CONNECT_WAIT_MS, (err) => this.#failed(err));
  }

  /** The failed-login throttle shared by every instance; `now` is the app's clock. */
  loginThrottle(now: () => number): LoginThrottle {
    const local = new LocalLoginThrottle(now);
    const key = (user: string, device: LoginDevice) => loginBudgetKey(this.#prefix, user, device);
    return {
      attempt: async (user, device, account) => {
        if (!this.#tryRedis()) return local.attempt(user, device, account);
        try {
          const member = `${now()}:${randomBytes(6).toString('base64url')}`;
          const wait = await this.#redis.beaconLoginAttempt(key(user, device), now(), LOGIN_FAILURES.windowMs, LOGIN_FAILURES.max, member);
          this.#up();
          return Number(wait);
        } catch (err) {
          this.#failed(err);
          return local.attempt(user, device, account);
        }
      },
      succeeded: async (user, device) => {
        await local.succeeded(user, device);
        if (!this.#tryRedis()) return this.#oweClear(key(user, device));
        try {
          await this.#redis.del(key(user, device));
        } catch (err) {
          this.#failed(err);
          this.#oweClear(key(user, device));
        }
      },
    };
  }

  /** The store class for @fastify/rate-limit (its `store` option): Redis, or this instance's memory while Redis fails. */
  rateLimitStore(): FastifyRateLimitStoreCtor {
    const gate: Gate = { tryRedis: () => this.#tryRedis(), failed: (err) => this.#failed(err), answered: () => this.#up(), down: () => this.#downSince !== null };
    const redis = this.#redis;
    const namespace = `${this.#prefix}:rl:`;
    return class extends FallbackStore {
      // Beacon sets neither continueExceeding nor exponentialBackoff (the routes' own settings reach child()).
      constructor() {
        super(new RedisStore(false, false, redis, namespace), new LocalStore(false, false), gate);
      }
    };
  }

  /**
   * Whether this call goes to Redis: always while Redis answers; while it does not, one call a
   * second probes it (when its connection is up) and the others count in memory at once, so a
   * hung Redis costs one request a second the command timeout, not every request.
   */
  #tryRedis(): boolean {
    if (this.#downSince === null) return true;
    const at = performance.now();
    if (this.#redis.status !== 'ready' || at - this.#probedAt < PROBE_EVERY_MS) return false;
    this.#probedAt = at;
    return true;
  }

  #failed(err: unknown): void {
    this.#onError();
    if (this.#downSince !== null) return;
    const at = performance.now();
    this.#downSince = this.#probedAt = at;
    // A shard of a cluster that stays down makes Redis answer for some keys and not others: the
    // switch then flips every second or so, and is said at most once a minute (with how often).
    this.#flips++;
    if (at - this.#saidDownAt < SAY_EVERY_MS) return;
    // Refused credentials or a refused connection fail every command with "Connection is closed.": say the cause instead.
    this.#log.warn({ err: this.#auth.cause() ?? (err as Error).message, ...(this.#flips > 1 ? { times: this.#flips } : {}) }, 'limits: Redis does not answer; rate limits and login budgets count per instance until it does');
    this.#saidDownAt = at;
    this.#flips = 0;
    this.#saidDown = true;
  }

  #oweClear(key: string): void {
    if (this.#owedClears.size < MAX_OWED_CLEARS) this.#owedClears.add(key);
  }

  #up(): void {
    if (this.#downSince === null) return;
    // The owner got in meanwhile: the failures counted before the outage go too.
    const owed = [...this.#owedClears];
    this.#owedClears.clear();
    // One DEL per key: on a cluster the keys sit in different slots.
    for (const key of owed) this.#redis.del(key).catch((err: unknown) => this.#failed(err));
    const downForS = Math.round((performance.now() - this.#downSince) / 1000);
    this.#downSince = null;
    if (!this.#saidDown) return;
    this.#saidDown = false;
    this.#log.info({ down_for_s: downForS }, 'limits: Redis answers again; rate limits and login budgets are shared by every instance');
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'wait') this.#redis.disconnect(); // never connected: nothing to say goodbye to
    else await quit(this.#redis);
  }
}

/** How a store asks SharedLimits whether to use Redis, and tells it how Redis did. */
interface Gate {
  tryRedis(): boolean;
  failed(err: unknown): void;
  answered(): void;
  down(): boolean;
}

type Store = InstanceType<typeof LocalStore>;
type Callback = Parameters<Store['incr']>[1];

/** A rate-limit store counting in Redis, and in memory while Redis fails (per route: child()). */
class FallbackStore {
  constructor(
    readonly remote: Store,
    readonly local: Store,
    readonly gate: Gate,
  ) {}

  incr(key: string, cb: Callback, timeWindow: number, max: number): void {
    if (!this.gate.tryRedis()) return this.local.incr(key, cb, timeWindow, max);
    this.remote.incr(
      key,
      (err, res) => {
        if (err) {
          this.gate.failed(err);
          this.local.incr(key, cb, timeWindow, max);
        } else {
          this.gate.answered();
          cb(null, res);
        }
      },
      timeWindow,
      max,
    );
  }

  read(key: string, cb: Callback, timeWindow: number, max: number): void {
    if (this.gate.down()) return this.local.read(key, cb, timeWindow, max);
    this.remote.read(
      key,
      (err, res) => {
        if (!err) return cb(null, res);
        this.gate.failed(err);
        this.local.read(key, cb, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: unknown): FallbackStore {
    return new FallbackStore(this.remote.child(routeOptions), this.local.child(routeOptions), this.gate);
  }
}
