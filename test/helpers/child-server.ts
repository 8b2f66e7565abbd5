/**
 * The real server entry point (`src/server/main.ts`) as a child process, for what only a
 * process shows: its log output, and how it answers signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { SERVER_ENTRY } from './server-entry.js';

export { freePort };

export interface ChildServer {
  url: string;
  dir: string;
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) and when it exited (Date.now()). */
  exited: Promise<{ code: number | string; at: number }>;
  cleanup(): Promise<void>;
}

/** `spawned`: told of the process as soon as it exists, before it answers (a test that watches its start). */
export async function startChildServer(env: Record<string, string> = {}, spawned?: (child: ChildProcess) => void): Promise<ChildServer> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-child-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out: string[] = [];
  const err: string[] = [];
  const child = spawn(process.execPath, [...SERVER_ENTRY], {
    env: {
      ...process.env,
      BEACON_PORT: String(port),
      BEACON_HOST: '127.0.0.1',
      BEACON_DATABASE_URL: `sqlite:${join(dir, 'beacon.db')}`,
      BEACON_WEB_ROOT: 'off',
      BEACON_REDIS_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned?.(child);
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<{ code: number | string; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', at: Date.now() })),
  );
  const handle: ChildServer = {
    url,
    dir,
    child,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    exited,
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${handle.stdout()}${handle.stderr()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        await listeningLogged(handle, env.BEACON_LOG_LEVEL ?? process.env.BEACON_LOG_LEVEL ?? 'info', deadline);
        return handle;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await handle.cleanup();
      throw new Error(`server did not answer /healthz within 30 s:\n${handle.stdout()}${handle.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * /healthz can answer before the lines the server logged while starting have come through
 * its stdout pipe: where the level logs them, wait for Fastify's "Server listening at" (logged
 * after every line of the start), so a test reads the start's log whole.
 */
async function listeningLogged(handle: ChildServer, level: string, deadline: number): Promise<void> {
  if (!['trace', 'debug', 'info'].includes(level)) return;
  while (!handle.stdout().includes('Server listening at ')) {
    if (Date.now() > deadline) throw new Error(`server answered /healthz but logged no "Server listening at" within 30 s:\n${handle.stdout()}${handle.stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Parses the JSON log lines of a child server's stdout. */
export function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * What a failed exit-code assertion shows: the warnings, errors and shutdown lines of the
 * server's log (a JSON log; a pretty one whole) and its stderr, so a CI failure says why.
 */
export function exitReport(server: ChildServer): string {
  const lines = server.stdout().split('\n').filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => {
    try {
      const line = JSON.parse(l) as { level?: number; msg?: unknown };
      return (line.level ?? 0) >= 40 || (typeof line.msg === 'string' && /shut|drain|presence/.test(line.msg));
    } catch {
      return true;
    }
  });
  return `server log (warnings, errors, shutdown):\n${kept.join('\n')}\nstderr:\n${server.stderr()}`;
}
