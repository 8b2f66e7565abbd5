/** Starts the server processes of a scenario: one baseline, or 1..n Beacon instances. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, type ServerProc } from './servers.js';

export type TargetKind = 'beacon' | 'baseline';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * How to start the Beacon in `root`: its compiled build, what `npm start` runs (built here first
 * when missing or stale: scripts/build.mjs skips a current one), or with `tsx` its sources.
 */
export function beaconEntry(root: string, tsx: boolean): { script: string; tsx: boolean } {
  if (tsx) return { script: join(root, 'src/server/main.ts'), tsx };
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), 'server', '--if-needed'], { cwd: root, stdio: 'inherit' });
  return { script: join(root, 'dist/server/main.js'), tsx };
}

export interface TargetOptions {
  users: number;
  friends: number;
  seed: number;
  instances: number;
  compression: boolean;
  offlineGraceMs: number;
  target: TargetKind;
  name: string;
  profileDir: string | null;
  beaconRoot: string;
  /** How to start Beacon (beaconEntry): its compiled build or its sources through tsx. */
  beaconEntry: { script: string; tsx: boolean };
  /** Seed nodes of a Redis Cluster (cluster mode), or null for the Redis on :6379. */
  redisCluster: string | null;
  /** With several instances: the Redis settings they share (default: the local Redis). The Redis Cluster option passes its own. */
  redisEnv?: Record<string, string> | null;
  /** Turns GET /metrics on with this token (the bench reads counters from it). */
  metricsToken?: string | null;
}

export async function startTargets(p: TargetOptions, o: { dir: string; databaseUrl: string; jwtSecret: string }): Promise<ServerProc[]> {
  if (p.target === 'baseline') {
    const port = await freePort();
    return [
      await startServer({
        name: `${p.name}-baseline`,
        script: join(ROOT, 'bench/baseline-server.ts'),
        port,
        logDir: o.dir,
        nodeArgs: p.profileDir ? ['--cpu-prof', '--cpu-prof-dir', p.profileDir] : [],
        env: {
          BASELINE_PORT: String(port),
          BASELINE_USERS: String(p.users),
          BASELINE_FRIENDS: String(p.friends),
          BASELINE_SEED: String(p.seed),
          BASELINE_COMPRESSION: p.compression ? 'on' : 'off',
        },
      }),
    ];
  }
  const servers: ServerProc[] = [];
  try {
    const redisPrefix = `bench_${process.pid}_${Date.now().toString(36)}`;
    for (let k = 0; k < p.instances; k++) {
      const port = await freePort();
      servers.push(
        await startServer({
          name: `${p.name}-beacon-${k}`,
          ...p.beaconEntry,
          cwd: p.beaconRoot,
          port,
          logDir: o.dir,
          nodeArgs: [...(p.profileDir ? ['--cpu-prof', '--cpu-prof-dir', p.profileDir] : []), ...(process.env.BENCH_BEACON_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
          env: {
            BEACON_PORT: String(port),
            BEACON_HOST: '127.0.0.1',
            BEACON_DATABASE_URL: o.databaseUrl,
            BEACON_JWT_SECRET: o.jwtSecret,
            BEACON_RATE_LIMITS: 'off',
            BEACON_LOG_LEVEL: 'warn',
            BEACON_WEB_ROOT: 'off',
            BEACON_OFFLINE_GRACE_MS: String(p.offlineGraceMs),
            BEACON_WS_COMPRESSION: p.compression ? 'on' : 'off',
            // A prefix of its own per run: leftovers of an earlier run must not leak into this one.
            ...(p.instances > 1
              ? { ...(p.redisCluster ? { BEACON_REDIS_URL: p.redisCluster, BEACON_REDIS_MODE: 'cluster' } : (p.redisEnv ?? { BEACON_REDIS_URL: REDIS_URL })), BEACON_REDIS_PREFIX: redisPrefix }
              : {}),
            ...(p.metricsToken ? { BEACON_METRICS_TOKEN: p.metricsToken } : {}),
          },
        }),
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}
