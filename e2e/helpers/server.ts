/**
 * Runs the REAL Beacon server, compiled (`node dist/server/main.js`, built from the current
 * sources by scripts/e2e.mjs and checked by global-setup.ts), as a child process on a free
 * port with a temporary SQLite file, and can restart it on the same port and DB. Compiled
 * rather than through tsx: each start is about a second shorter, and the suite starts ~30.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerHandle {
  readonly port: number;
  readonly baseUrl: string;
  /** Everything the server printed, for failure messages. */
  logs(): string;
  /**
   * SIGTERM (graceful: sockets get 1001), then start again on the same port and DB file.
   * `crash`: SIGKILL instead (no close frame, nothing saved at the stop). `between`: run while
   * the server is down, before it starts again.
   */
  restart(opts?: { crash?: boolean; between?: () => Promise<void> }): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, logs: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Beacon server exited with ${child.exitCode} before /healthz:\n${logs()}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Beacon server did not answer /healthz within ${timeoutMs} ms:\n${logs()}`);
}

/** Starts Beacon with `extraEnv` over the defaults; `{self}` in a value is the server's own origin (`http://127.0.0.1:<port>`), known only here. */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<ServerHandle> {
  for (const built of ['dist/web/index.html', 'dist/server/main.js']) {
    if (!existsSync(join(REPO_ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` (npm run test:e2e builds what it needs).`);
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'beacon-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BEACON_PORT: String(port),
    BEACON_HOST: '127.0.0.1',
    BEACON_DATABASE_URL: `sqlite:${join(dir, 'beacon.db')}`,
    BEACON_JWT_SECRET: 'e2e-secret-0123456789abcdef',
    BEACON_SERVICE_TOKEN: 'e2e-service-token-0123456789',
    BEACON_OFFLINE_GRACE_MS: '1000',
    BEACON_RATE_LIMITS: 'off',
    BEACON_ALLOWED_ORIGINS: baseUrl,
    BEACON_LOG_LEVEL: 'warn',
    ...Object.fromEntries(Object.entries(extraEnv).map(([name, value]) => [name, value.replaceAll('{self}', baseUrl)])),
  };
  let output = '';
  let child: ChildProcess;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, ['dist/server/main.js'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForHealth(baseUrl, child, () => output);
  };

  const kill = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    port,
    baseUrl,
    logs: () => output,
    restart: async (opts = {}) => {
      await kill(opts.crash ? 'SIGKILL' : 'SIGTERM');
      await opts.between?.();
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
