/**
 * A local three-primary Redis Cluster for the cluster-mode tests (started by
 * bench/redis-cluster.ts, which the bench shares). redis-server missing is a failure,
 * never a skip. One cluster per test file; tests isolate themselves with a prefix.
 */
import { startRedisCluster, type LocalRedisCluster, type RedisClusterOptions } from '../../bench/redis-cluster.js';
import { redisTarget } from '../../src/server/adapters/redis-connections.js';
import type { RedisTarget } from '../../src/server/adapters/redis-target.js';

export type { LocalRedisCluster } from '../../bench/redis-cluster.js';

/** Starts a cluster (about 3 s); stop it in afterAll. */
export async function requireRedisCluster(options: Pick<RedisClusterOptions, 'password'> = {}): Promise<LocalRedisCluster> {
  try {
    return await startRedisCluster(options);
  } catch (err) {
    throw new Error(`Could not start a local Redis Cluster: ${(err as Error).message}. Install Redis ≥ 7 (redis-server, redis-cli in PATH).`);
  }
}

/** The adapters' target for a local cluster. */
export function clusterTarget(cluster: LocalRedisCluster): RedisTarget {
  return redisTarget(cluster.seeds, 'cluster');
}
