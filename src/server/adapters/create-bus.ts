/**
 * Picks the EventBus for the configuration: Redis (one server or a Redis Cluster) when
 * BEACON_REDIS_URL is set (several instances), memory otherwise (one instance).
 */
import type { EventBus } from '../ports/event-bus.js';
import { MemoryBus } from './bus-memory.js';
import type { BusLogger } from './bus-memory.js';
import { RedisBus, type BusMetrics } from './bus-redis.js';
import type { RedisTarget } from './redis-target.js';

export type { BusLogger } from './bus-memory.js';

/** What both adapters offer beyond the port; the app uses it to resync after an outage. */
export type ManagedEventBus = EventBus;

export interface CreateBusOptions {
  /** Default: a random UUID. */
  instanceId?: string;
  /** Redis channel prefix. Default `beacon`; ignored by the memory bus. */
  prefix?: string;
  /** Default: warnings and errors to the console. */
  logger?: BusLogger;
  /** Redis bus traffic and errors (ignored by the memory bus). */
  metrics?: BusMetrics;
}

/** RedisBus when `redis` is set (a URL is one Redis), else a MemoryBus of its own (no hub). */
export function createBus(redis: RedisTarget | string | null, options: CreateBusOptions = {}): ManagedEventBus {
  if (typeof redis === 'string' && redis !== '') return new RedisBus({ url: redis, ...options });
  if (redis !== null && typeof redis === 'object') return new RedisBus({ target: redis, ...options });
  return new MemoryBus({ instanceId: options.instanceId, logger: options.logger });
}
