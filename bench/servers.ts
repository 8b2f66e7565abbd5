/**
 * Server processes under test (Beacon or the baseline), each in its own process, and
 * what the bench reads about them from outside: /proc CPU time and RSS, /healthz.
 * Every child is registered so that run.ts can kill them all on any exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const children = new Set<ChildProcess>();

/** Registers a child so that killAll() reaches it. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every child still running (safe to call from an 'exit' handler). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface ServerProc {
  name: string;
  port: number;
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface SpawnOptions {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  logDir: string;
  nodeArgs?: string[];
  /** Load the script through tsx (TypeScript sources); default true. */
  tsx?: boolean;
  cwd?: string;
  startTimeoutMs?: number;
}

/** Starts `node [--import tsx] <script>` and waits until GET /healthz answers 200. */
export async function startServer(o: SpawnOptions): Promise<ServerProc> {
  const logFile = join(o.logDir, `${o.name}.log`);
  const log = createWriteStream(logFile);
  const child = track(
    spawn(process.execPath, [...(o.nodeArgs ?? []), ...(o.tsx === false ? [] : ['--import', 'tsx']), o.script], {
      env: { ...process.env, ...o.env },
      cwd: o.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  while (!(await healthy(o.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.name} did not become healthy (exit ${child.exitCode}); log: ${tail(logFile)}`);
    }
    await sleep(100);
  }
  return {
    name: o.name,
    port: o.port,
    pid: child.pid ?? -1,
    logFile,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

const CLK_TCK = 100;

/** utime + stime of a process, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** VmRSS of a process, in KiB. */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-1500);
  } catch {
    return '(no log)';
  }
}

/** Busy CPU time of the whole machine in ms (all cores), from the `cpu` line of /proc/stat. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!;
    return (busy * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}
