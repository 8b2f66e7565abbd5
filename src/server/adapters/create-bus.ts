/**
 * Picks the EventBus for the configuration: Redis when BEACON_REDIS_URL is set (several
 * instances), memory otherwise (one instance).
 */
import type { EventBus } from '../ports/event-bus.js';
import { MemoryBus } from './bus-memory.js';
import type { BusLogger } from './bus-memory.js';
import { RedisBus, type BusMetrics } from './bus-redis.js';

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

/** RedisBus when `redisUrl` is set, else a MemoryBus of its own (no hub). */
export function createBus(redisUrl: string | null, options: CreateBusOptions = {}): ManagedEventBus {
  if (redisUrl !== null && redisUrl !== '') return new RedisBus({ url: redisUrl, ...options });
  return new MemoryBus({ instanceId: options.instanceId, logger: options.logger });
}
