/**
 * A throw-away local Redis Cluster: three primaries (no replicas) as child processes in a
 * temporary directory, created with `redis-cli --cluster create`. The bench
 * (`--redis-cluster`) and the tests (test/helpers/redis-cluster.ts) share it.
 *
 * Nodes run without persistence (`--save "" --appendonly no`): a restarted primary keeps
 * its identity and slots (its nodes file) but comes back empty, which is the worst case
 * Beacon's resync has to handle.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './servers.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Primaries. Default 3 (the minimum `redis-cli --cluster create` accepts). */
  primaries?: number;
  /** `cluster-node-timeout`: how long a silent primary takes to be marked failed. Default 2000 ms. */
  nodeTimeoutMs?: number;
  /** A password every node requires (`requirepass`, and `masterauth` between nodes); none by default. */
  password?: string;
  /** Called with every redis-server started (the bench registers them for its kill-all). */
  track?: (child: ChildProcess) => void;
}

export interface LocalRedisCluster {
  readonly ports: readonly number[];
  /** Seed nodes as BEACON_REDIS_URL expects them in cluster mode: comma-separated redis:// URLs. */
  readonly seeds: string;
  /** SIGKILLs primary `i` (its slots are unavailable until it is back: no replicas). */
  kill(i: number): Promise<void>;
  /** Starts primary `i` again on its port with its nodes file; resolves when the cluster is ok. */
  restart(i: number): Promise<void>;
  /** Kills every node and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

interface Node {
  port: number;
  busPort: number;
  child: ChildProcess | null;
  exited: Promise<void>;
}

/** Starts the cluster and waits until every node reports `cluster_state:ok`. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<LocalRedisCluster> {
  // Ports come from the OS's ephemeral range, which the machine's own outgoing connections
  // also use: one may be taken between picking and binding. Start again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortLost)) throw err;
    }
  }
}

/** A redis-server exited at start (in practice: its port was taken meanwhile). */
class PortLost extends Error {}

async function startOnce(options: RedisClusterOptions): Promise<LocalRedisCluster> {
  const primaries = options.primaries ?? 3;
  /** redis-cli's environment for the password, if any (REDISCLI_AUTH: not on its command line, where ps and errors show it). */
  const auth: NodeJS.ProcessEnv = options.password ? { ...process.env, REDISCLI_AUTH: options.password } : process.env;
  const dir = mkdtempSync(join(tmpdir(), 'beacon-redis-cluster-'));
  const nodes: Node[] = [];
  const killAll = (): void => {
    for (const n of nodes) n.child?.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const launch = async (node: Node): Promise<void> => {
    const child = spawn(
      'redis-server',
      [
        '--port', String(node.port),
        '--cluster-port', String(node.busPort),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${node.port}.conf`,
        '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2000),
        // One primary down must not stop the others: presence on the other shards keeps flowing.
        '--cluster-require-full-coverage', 'no',
        '--save', '',
        '--appendonly', 'no',
        '--daemonize', 'no',
        '--dir', dir,
        '--logfile', `redis-${node.port}.log`,
        ...(options.password ? ['--requirepass', options.password, '--masterauth', options.password] : []),
      ],
      { stdio: 'ignore' },
    );
    node.child = child;
    node.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    options.track?.(child);
    const failed = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(new Error(`cannot start redis-server (${err.message}); the Redis Cluster tests and bench need redis-server ≥ 7 in PATH`)),
      ),
    );
    const exited = node.exited.then(() => {
      throw new PortLost(`redis-server on port ${node.port} (bus ${node.busPort}) exited at start`);
    });
    try {
      await Promise.race([failed, exited, waitFor(() => ping(node.port, auth), 10_000, `redis-server on port ${node.port} did not answer`)]);
    } finally {
      exited.catch(() => {});
    }
  };

  try {
    for (let i = 0; i < primaries; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      nodes.push({ port, busPort, child: null, exited: Promise.resolve() });
    }
    await Promise.all(nodes.map(launch));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { env: auth });
    await waitForOk(nodes, auth);
  } catch (err) {
    killAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  return {
    ports: nodes.map((n) => n.port),
    seeds: nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','),
    async kill(i) {
      const node = nodes[i]!;
      node.child?.kill('SIGKILL');
      await node.exited;
      node.child = null;
    },
    async restart(i) {
      await launch(nodes[i]!);
      await waitForOk(nodes, auth);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      killAll();
      await Promise.all(nodes.map((n) => n.exited));
      process.removeListener('exit', killAll);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function cli(port: number, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 2000, env });
  return stdout;
}

async function ping(port: number, auth: NodeJS.ProcessEnv): Promise<boolean> {
  return (await cli(port, auth, 'PING').catch(() => '')).trim() === 'PONG';
}

/** Every node says the cluster is ok and sees all 16384 slots assigned. */
async function waitForOk(nodes: Node[], auth: NodeJS.ProcessEnv): Promise<void> {
  await waitFor(
    async () => {
      for (const n of nodes) {
        const info = await cli(n.port, auth, 'CLUSTER', 'INFO').catch(() => '');
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
      }
      return true;
    },
    20_000,
    'the Redis Cluster did not reach cluster_state:ok',
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}
