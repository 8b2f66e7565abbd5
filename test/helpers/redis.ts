/**
 * The Redis the bus and cluster tests run on. Redis missing is a failure, never a skip.
 * Tests isolate themselves with a random key/channel prefix, so files run in parallel.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
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

/** A redis-server of the test's own (no persistence), for what must not touch the shared test Redis: a CLIENT PAUSE, a kill, a password. */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: Redis gone, its connections reset. */
  kill(): void;
}

/** Starts `redis-server` on a free port with `args`, up once it answers PING (with `password`, if given); redis-server missing fails. */
export async function startOwnRedis(args: string[] = [], password?: string): Promise<OwnRedis> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', ...(password ? { password } : {}), lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch (err) {
      if (Date.now() > deadline) {
        redis.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
  return { port, url: `redis://127.0.0.1:${port}`, kill: () => void redis.kill('SIGKILL') };
}
