/**
 * `node --import tsx bench/redis-ops.ts [--cluster] [--users 200] [--friends 20] [--changes 400]`:
 * counts what one presence change costs Redis and the database, for docs/capacity.md.
 *
 * Two Beacon instances on a Redis of their own (a fresh redis-server, or with --cluster a
 * local three-primary Redis Cluster), every user connected (half on each instance). Redis
 * INFO commandstats and the instances' database query counters are read over an idle
 * window, then over a window of the same length with `--changes` status changes spread
 * evenly; the difference divided by the number of changes is the cost of one change.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { buildGraph } from './graph.js';
import { startRedisCluster } from './redis-cluster.js';
import { seedBeacon } from './seed-beacon.js';
import { freePort, killAll, sleep, startServer, track, type ServerProc } from './servers.js';
import { ROOT } from './targets.js';

const JWT = 'redis-ops-jwt-secret-0123456789abcdef';
const METRICS_TOKEN = 'redis-ops-metrics-token-0123456789';

const { values } = parseArgs({
  options: {
    cluster: { type: 'boolean', default: false },
    users: { type: 'string', default: '200' },
    friends: { type: 'string', default: '20' },
    changes: { type: 'string', default: '400' },
    window: { type: 'string', default: '10' },
  },
});
const users = Number(values.users);
const friends = Number(values.friends);
const changes = Number(values.changes);
const windowMs = Number(values.window) * 1000;

/** Redis nodes to read counters from, and the BEACON_REDIS_* settings that reach them. */
async function startRedis(): Promise<{ ports: number[]; env: Record<string, string>; stop: () => Promise<void> }> {
  if (values.cluster) {
    const c = await startRedisCluster({ track });
    return { ports: [...c.ports], env: { BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: c.seeds }, stop: () => c.stop() };
  }
  const port = await freePort();
  const child = track(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
  await sleep(300);
  return { ports: [port], env: { BEACON_REDIS_URL: `redis://127.0.0.1:${port}` }, stop: async () => void child.kill('SIGKILL') };
}

/** Calls per command and bytes in/out, summed over the nodes. */
async function redisCounters(ports: number[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const add = (k: string, v: number) => out.set(k, (out.get(k) ?? 0) + v);
  for (const port of ports) {
    const r = new Redis({ port, host: '127.0.0.1' });
    const info = (await r.info('commandstats')) + (await r.info('stats')) + (await r.info('cpu'));
    r.disconnect();
    for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/gm)) {
      add(m[1]!, Number(m[2]));
      add('command µs (all commands)', Number(m[3]));
    }
    for (const m of info.matchAll(/^(total_net_input_bytes|total_net_output_bytes):(\d+)/gm)) add(m[1]!, Number(m[2]));
    // Main thread CPU (commands, networking, pub/sub delivery), in µs.
    for (const m of info.matchAll(/^(used_cpu_sys_main_thread|used_cpu_user_main_thread):([\d.]+)/gm)) add('main thread CPU µs', Number(m[2]) * 1e6);
  }
  return out;
}

/** Database queries run by the instances (the beacon_db_query_seconds histogram count). */
async function dbQueries(servers: ServerProc[]): Promise<number> {
  let total = 0;
  for (const s of servers) {
    const text = await (await fetch(`http://127.0.0.1:${s.port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    total += Number(/^beacon_db_query_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

/** Average MEMORY USAGE of the users' presence hashes, over every node. */
async function memoryPerUser(ports: number[], prefix: string): Promise<number> {
  let bytes = 0;
  let keys = 0;
  for (const port of ports) {
    const r = new Redis({ port, host: '127.0.0.1' });
    for (const key of await r.keys(`${prefix}:presence:*`)) {
      bytes += Number(await r.memory('USAGE', key));
      keys++;
    }
    r.disconnect();
  }
  return bytes / Math.max(1, keys);
}

async function snapshot(ports: number[], servers: ServerProc[]) {
  return { redis: await redisCounters(ports), db: await dbQueries(servers) };
}

function connectAll(servers: ServerProc[], tokens: string[]): Promise<WebSocket[]> {
  return Promise.all(
    tokens.map(
      (token, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${servers[i % servers.length]!.port}/ws/status`);
          ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
          ws.on('message', (raw: Buffer) => {
            if ((JSON.parse(raw.toString()) as { type: string }).type === 'ready') resolve(ws);
          });
          ws.once('error', reject);
        }),
    ),
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-redis-ops-'));
  const redis = await startRedis();
  try {
    const databaseUrl = `sqlite:${join(dir, 'ops.db')}`;
    const seeded = await seedBeacon(ROOT, databaseUrl, buildGraph(users, friends, 42), JWT);
    const prefix = `ops_${process.pid}`;
    const servers: ServerProc[] = [];
    for (let k = 0; k < 2; k++) {
      const port = await freePort();
      servers.push(
        await startServer({
          name: `ops-${k}`,
          script: join(ROOT, 'src/server/main.ts'),
          port,
          logDir: dir,
          env: { BEACON_PORT: String(port), BEACON_DATABASE_URL: databaseUrl, BEACON_JWT_SECRET: JWT, BEACON_RATE_LIMITS: 'off', BEACON_LOG_LEVEL: 'warn', BEACON_WEB_ROOT: 'off', BEACON_METRICS_TOKEN: METRICS_TOKEN, BEACON_REDIS_PREFIX: prefix, ...redis.env },
        }),
      );
    }
    const sockets = await connectAll(servers, seeded.tokens);
    await sleep(3000); // the came-online fan-out and its write-behind settle
    const idle0 = await snapshot(redis.ports, servers);
    await sleep(windowMs);
    const idle1 = await snapshot(redis.ports, servers);
    const statuses = ['busy', 'away', 'online'] as const;
    for (let n = 0; n < changes; n++) {
      const ws = sockets[(n * 7919) % sockets.length]!;
      ws.send(JSON.stringify({ type: 'set_status', status: statuses[n % 3], custom_message: `m${n}` }));
      await sleep(windowMs / changes);
    }
    await sleep(1500); // the last write-behind flush (1 s interval)
    const busy1 = await snapshot(redis.ports, servers);
    const elapsed = windowMs + 1500;
    const keys = new Set([...busy1.redis.keys()]);
    const rows: string[] = [];
    for (const k of [...keys].sort()) {
      const idle = ((idle1.redis.get(k) ?? 0) - (idle0.redis.get(k) ?? 0)) * (elapsed / windowMs);
      const busy = (busy1.redis.get(k) ?? 0) - (idle1.redis.get(k) ?? 0);
      const per = (busy - idle) / changes;
      if (Math.abs(per) >= 0.01) rows.push(`${k.padEnd(24)} ${per.toFixed(2)} per change`);
    }
    const dbIdle = (idle1.db - idle0.db) * (elapsed / windowMs);
    const dbPer = (busy1.db - idle1.db - dbIdle) / changes;
    console.log(`redis-ops: ${values.cluster ? '3-primary Redis Cluster' : 'one Redis'}, 2 instances, ${users} users × ~${friends} friends, ${changes} changes in ${windowMs / 1000} s`);
    for (const r of rows) console.log(`  redis ${r}`);
    console.log(`  database queries         ${dbPer.toFixed(2)} per change (write-behind: one batch per instance per flush interval)`);
    console.log(`  redis memory per user    ${(await memoryPerUser(redis.ports, prefix)).toFixed(0)} bytes (MEMORY USAGE of the presence hashes)`);
    for (const ws of sockets) ws.close();
    await Promise.all(servers.map((s) => s.stop()));
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('redis-ops: failed:', err);
    killAll();
    process.exit(1);
  },
);
