/**
 * The Redis the bus and cluster tests run on. Redis missing is a failure, never a skip.
 * Tests isolate themselves with a random key/channel prefix, so files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

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

/** A TCP proxy to the test Redis that can play "Redis is down" for its clients only. */
export interface RedisProxy {
  /** A Redis URL that goes through the proxy. */
  readonly url: string;
  /** Drops every proxied connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  let down = false;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(REDIS_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: url.toString(),
    cut: () => {
      down = true;
      dropAll();
    },
    restore: () => {
      down = false;
    },
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
