// Where Beacon's Redis is, as configured, in a module of its own that does not import
// ioredis: the type reaches the published declarations (SharedLimits, in the app's
// services), and a declaration module that imports ioredis would have every host that
// checks declarations (skipLibCheck off) load ioredis's types, which import the untyped
// `redis-errors`. redis-connections.ts opens the connections.

/**
 * One Redis server, or a Redis Cluster reached through any of its nodes. `setting` is what
 * configured it, as messages name it (BEACON_REDIS_URL; `config.redisUrl` in the embedded plugin).
 */
export type RedisTarget = ({ readonly mode: 'single'; readonly url: string } | { readonly mode: 'cluster'; readonly seeds: readonly string[] }) & { readonly setting?: string };
