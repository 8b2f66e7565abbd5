/**
 * The parent's side of the generator workers: forks them (`--import tsx`), hands each
 * its slice of clients, and turns their IPC replies into promises and Ledger entries.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Ledger } from './ledger.js';
import type { ClientSpec, FromWorker, ToWorker, WorkerCounters } from './protocol.js';
import { track } from './servers.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface OpenResult {
  ready: number;
  failed: number;
  latencies: Float64Array;
  lastReadyAt: number;
}

type Waiter = { type: FromWorker['type']; resolve: (m: FromWorker) => void };

class WorkerHandle {
  readonly #waiters: Waiter[] = [];
  constructor(
    readonly child: ChildProcess,
    ledger: Ledger,
  ) {
    child.on('message', (raw: unknown) => {
      const msg = raw as FromWorker;
      if (msg.type === 'data') {
        ledger.recordSends(msg.sendIds, msg.sendActs, msg.sendTimes);
        ledger.recordReceipts(msg.recvIds, msg.recvActs, msg.recvTimes);
        return;
      }
      const i = this.#waiters.findIndex((w) => w.type === msg.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(msg);
    });
  }

  send(msg: ToWorker): void {
    if (this.child.connected) this.child.send(msg);
  }

  /** The next message of `type`; rejects after `timeoutMs` or when the worker dies. */
  next<T extends FromWorker['type']>(type: T, timeoutMs: number): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker ${this.child.pid}: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`worker ${this.child.pid} exited (${code}) while waiting for ${type}`));
      };
      const waiter: Waiter = {
        type,
        resolve: (m) => {
          cleanup();
          resolve(m as Extract<FromWorker, { type: T }>);
        },
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('exit', onExit);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      this.child.once('exit', onExit);
      this.#waiters.push(waiter);
    });
  }
}

function merge(results: OpenResult[]): OpenResult {
  const lat = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let k = 0;
  for (const r of results) {
    lat.set(r.latencies, k);
    k += r.latencies.length;
  }
  return {
    ready: results.reduce((n, r) => n + r.ready, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    latencies: lat.sort(),
    lastReadyAt: Math.max(...results.map((r) => r.lastReadyAt)),
  };
}

export function sumCounters(list: WorkerCounters[]): WorkerCounters {
  const out: WorkerCounters = { frames: 0, payloadBytes: 0, wireBytes: 0, offline: 0, otherChanges: 0, errors: 0, unexpectedCloses: 0, closeCodes: {}, skippedSends: 0 };
  for (const c of list) {
    for (const key of ['frames', 'payloadBytes', 'wireBytes', 'offline', 'otherChanges', 'errors', 'unexpectedCloses', 'skippedSends'] as const) {
      out[key] += c[key];
    }
    for (const [code, n] of Object.entries(c.closeCodes)) out.closeCodes[code] = (out.closeCodes[code] ?? 0) + n;
  }
  return out;
}

export class Fleet {
  #flushToken = 0;
  private constructor(readonly workers: WorkerHandle[]) {}

  /** Forks one worker per slice and hands it its clients. */
  static async start(slices: ClientSpec[][], opts: { compression: boolean; concurrency: number; seed: number }, ledger: Ledger): Promise<Fleet> {
    const handles = slices.map(() => {
      const child = track(fork(WORKER, [], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      return new WorkerHandle(child, ledger);
    });
    await Promise.all(handles.map((h) => h.next('ready-to-work', 30_000)));
    handles.forEach((h, w) => h.send({ type: 'init', clients: slices[w]!, ...opts, seed: opts.seed * 31 + w }));
    return new Fleet(handles);
  }

  async connect(timeoutMs: number): Promise<OpenResult> {
    const replies = this.workers.map((h) => h.next('connected', timeoutMs + 5000));
    for (const h of this.workers) h.send({ type: 'connect', timeoutMs });
    return merge(await Promise.all(replies));
  }

  async storm(windowMs: number, timeoutMs: number): Promise<OpenResult> {
    const replies = this.workers.map((h) => h.next('storm-done', windowMs + timeoutMs + 5000));
    for (const h of this.workers) h.send({ type: 'storm', windowMs, timeoutMs });
    return merge(await Promise.all(replies));
  }

  pids(): number[] {
    return this.workers.map((h) => h.child.pid ?? -1);
  }

  /** Starts a new phase: workers reset their counters. */
  phase(name: string): void {
    for (const h of this.workers) h.send({ type: 'phase', name });
  }

  send(worker: number, ids: Int32Array, indexes: Int32Array, kinds: Uint8Array): void {
    this.workers[worker]?.send({ type: 'changes', ids, indexes, kinds });
  }

  /** Everything the workers saw up to now is in the ledger once this resolves. */
  async flush(timeoutMs = 15_000): Promise<WorkerCounters> {
    const token = ++this.#flushToken;
    const replies = this.workers.map((h) => h.next('flushed', timeoutMs));
    for (const h of this.workers) h.send({ type: 'flush', token });
    return sumCounters((await Promise.all(replies)).map((r) => r.counters));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (h) => {
        if (h.child.exitCode !== null) return;
        const exited = new Promise((r) => h.child.once('exit', r));
        h.send({ type: 'stop' });
        const t = setTimeout(() => h.child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}
