/** The stores @fastify/rate-limit ships (CommonJS, no types of their own); limits-redis.ts combines them. */
declare module '@fastify/rate-limit/store/*' {
  type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;
  class RateLimitStore {
    /** RedisStore: (…, redis client, key prefix); LocalStore: (…, LRU size). */
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, redisOrCacheSize?: unknown, keyPrefix?: string);
    incr(key: string, cb: Callback, timeWindow: number, max: number): void;
    read(key: string, cb: Callback, timeWindow: number, max: number): void;
    child(routeOptions: unknown): RateLimitStore;
  }
  export = RateLimitStore;
}
