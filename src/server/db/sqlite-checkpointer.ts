/**
 * Checkpoints an SQLite database's write-ahead log in a worker thread, off the event loop.
 *
 * With SQLite's default, the commit that takes the log past 1,000 pages copies the log into
 * the database file and syncs it, on the thread that committed: with better-sqlite3 that is
 * the event loop every socket shares, and the write-behind's commit every second stalled it
 * 10–25 ms about every fifth flush (bench, 10,000 users, docs/benchmarks.md). Here the main
 * connection never checkpoints (`wal_autocheckpoint = 0`); a worker with its own connection
 * runs a PASSIVE checkpoint every `intervalMs`, which waits for no reader or writer (a
 * commit on the main thread is never held up by it). Several processes on one file each run
 * one; SQLite lets one checkpoint at a time and the others find it busy, which is harmless.
 *
 * If the worker cannot run (it fails to open the file, or dies), the main connection
 * checkpoints on commit again, as SQLite does by default, and `onStop` says why: the log
 * never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import type { Checkpointer, CheckpointResult } from './checkpointer.js';

/** SQLite's own default: the main connection checkpoints past this many pages when the worker is gone. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
export const CHECKPOINT_INTERVAL_MS = 500;


type WorkerMessage =
  | { type: 'done'; id: number; result: CheckpointResult }
  | { type: 'failed'; id: number; message: string };

// A plain CommonJS script: no TypeScript loader needed in the worker, from the sources or the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const conn = new Database(workerData.path, { fileMustExist: true });
conn.pragma('busy_timeout = 1000');
const run = () => {
  const [r] = conn.pragma('wal_checkpoint(PASSIVE)');
  return { busy: r.busy === 1, logFrames: r.log, checkpointedFrames: r.checkpointed };
};
const timer = setInterval(() => { try { run(); } catch {} }, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.type === 'stop') { clearInterval(timer); conn.close(); parentPort.close(); return; }
  try { parentPort.postMessage({ type: 'done', id: m.id, result: run() }); }
  catch (err) { parentPort.postMessage({ type: 'failed', id: m.id, message: err instanceof Error ? err.message : String(err) }); }
});
`;

/**
 * Turns off checkpoint-on-commit for `conn` and starts the worker that checkpoints `path`
 * instead. `onStop` is told when the worker fails; commits checkpoint again from then on.
 */
export function startCheckpointer(
  conn: SQLite.Database,
  path: string,
  opts: { intervalMs?: number; onStop?: (err: Error) => void } = {},
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS } });
  worker.unref();
  conn.pragma('wal_autocheckpoint = 0');
  const waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let stopped = false;
  let failure: Error | null = null;

  // Back to SQLite's default, so the log stays bounded without the worker.
  const commitsCheckpoint = (): void => {
    if (conn.open) conn.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  const fail = (err: Error): void => {
    if (stopped || failure) return;
    failure = err;
    commitsCheckpoint();
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
    opts.onStop?.(err);
  };
  worker.on('message', (m: WorkerMessage) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'done') w?.resolve(m.result);
    else w?.reject(new Error(m.message));
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`checkpoint worker exited (code ${code})`)));

  return {
    get running() {
      return !stopped && failure === null;
    },
    checkpointNow() {
      if (failure) return Promise.reject(failure);
      if (stopped) return Promise.reject(new Error('checkpointer closed'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ type: 'checkpoint', id });
      });
    },
    async close() {
      if (stopped) return;
      stopped = true;
      commitsCheckpoint();
      if (failure) return;
      // Waiting keeps the process alive (the worker itself never does).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
