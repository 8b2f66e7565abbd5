/**
 * The Redis the bus and cluster tests run on. Redis missing is a failure, never a skip.
 * Tests isolate themselves with a random key/channel prefix, so files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTcpProxy, throughProxy, type TcpProxy } from './tcp-proxy.js';

export const REDIS_URL = process.env.BEACON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected admin client for assertions (PUBSUB, CLIENT KILL); quit it after use. */
export async function requireRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2_000 });
  let cause: Error | undefined; // the socket error says more than ioredis' "Connection is closed"
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
    return client;
  } catch (err) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(cause ?? (err as Error)).message}). Start it (redis-server) or point BEACON_TEST_REDIS_URL at one.`,
    );
  }
}

/** A prefix no other test or test file uses. */
export function uniquePrefix(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Kills this Redis' connections whose CLIENT SETNAME is `name`; returns how many. */
export async function killClientsNamed(admin: Redis, name: string): Promise<number> {
  const list = await admin.client('LIST');
  const ids = String(list)
    .split('\n')
    .filter((line) => line.split(' ').includes(`name=${name}`))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await admin.client('KILL', 'ID', id);
  return ids.length;
}

/** A TCP proxy to the test Redis that can play "Redis is down" (or partitioned) for its clients only. */
export interface RedisProxy extends TcpProxy {
  /** A Redis URL that goes through the proxy. */
  readonly url: string;
}

export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  return Object.assign(proxy, { url: throughProxy(REDIS_URL, proxy) });
}
