/**
 * Reads calendar feeds (feedBusy: busyIntervals of ics.ts, then the intervals' messages) in a
 * worker thread, off the event loop that every user's socket and request share: a hostile
 * feed costs the worker's time, not theirs.
 *
 * One worker, started on first use and reused. Reads wait their turn in two queues: a
 * person's read (a feed just given, someone waiting for the answer) goes before every
 * background read (the periodic refresh, first come first served), so the refresh of many
 * feeds, slow or hostile ones among them, never makes a person wait for more than the read in
 * progress. Of the people's reads waiting, the reader takes that of the user whose reads took
 * it least lately (recent-use.ts: each read's time in the worker is charged to the user whose
 * feed it is, refreshes included), so accounts feeding it hostile feeds wait behind everyone
 * else, however many take turns; `useOf` tells the calendar service how much a user has taken
 * (it refuses a PUT beyond an allowance). At most MAX_QUEUED
 * people's reads wait (beyond it a read is refused at once with a FeedError); the refresh
 * bounds its own reads in flight. Each read has a
 * hard deadline, HARD_DEADLINE_MS: past it the worker is terminated and the read fails as
 * "takes too long"; the next read gets a fresh worker. That is the backstop for ics.ts's own
 * MAX_READ_MS, which only bounds the ical.js loop it patches (other loops of ical.js can run
 * for many seconds). A worker that crashes fails only the read it was doing. Idle, the worker
 * does not keep the process alive; close() terminates it (CalendarService.stop, at shutdown).
 *
 * The worker file sits next to this one with the same extension: ics-worker.js in the build
 * (dist/server/calendar), ics-worker.ts under tsx or vitest, where the worker first registers
 * tsx itself (on Node 20 neither the parent's loader hooks nor `--import tsx` in the worker's
 * execArgv apply to a worker's .ts entry).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CalendarBusy } from '../presence/schedule.js';
import { RecentUse } from '../recent-use.js';
import type { FeedRead } from './feed-busy.js';
import { FeedError } from './safe-fetch.js';

/** How long one feed may take in the worker before the worker is terminated. */
export const HARD_DEADLINE_MS = 3000;
/** Reads waiting for the worker at most (besides the one it is doing). */
export const MAX_QUEUED = 16;
/** The worker's heap limit (old generation): the largest feed (2 MiB, safe-fetch.ts) takes ~100 MB. */
export const MAX_HEAP_MB = 256;
/** How long a new worker may take to load before the read that started it fails. */
const STARTUP_MS = 30_000;
/** How fast the reader's time a user's feeds took is forgiven (halved). */
export const USE_HALF_LIFE_MS = 15 * 60_000;

export interface IcsJob {
  id: number;
  read: FeedRead;
}

export type IcsAnswer =
  | { type: 'ready' }
  | { type: 'done'; id: number; busy: CalendarBusy[] }
  | { type: 'failed'; id: number; feedError: boolean; message: string };

/** Why a worker was replaced: it passed the deadline, crashed, or never finished starting. */
export type WorkerStop = { reason: 'deadline' | 'startup' } | { reason: 'crash'; err: unknown };

export interface IcsRunnerOptions {
  deadlineMs?: number;
  maxQueued?: number;
  /** The worker's heap limit; past it the worker dies and its read fails ("too much memory"). */
  maxHeapMb?: number;
  /** Told each time a worker is terminated or dies (for the log). */
  onWorkerStop?: (stop: WorkerStop) => void;
  /** The clock users' use of the reader decays on (the app's); default Date.now. */
  now?: () => number;
}

interface Pending {
  job: IcsJob;
  /** Whose feed it is (charged the read's time), or null. */
  userId: number | null;
  resolve: (busy: CalendarBusy[]) => void;
  reject: (err: Error) => void;
}

const sourceExt = extname(fileURLToPath(import.meta.url));
/** Beside this module: src/ or dist/server in the repo; the server package builds it as its own entry (tsdown.config.ts). */
const WORKER_URL = new URL(`./ics-worker${sourceExt}`, import.meta.url);

function spawn(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  if (sourceExt === '.js') return new Worker(WORKER_URL, { resourceLimits });
  // From the TypeScript sources: tsx (a dev dependency) compiles the worker's modules.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

export class IcsRunner {
  readonly #deadlineMs: number;
  readonly #maxQueued: number;
  readonly #maxHeapMb: number;
  readonly #onWorkerStop: (stop: WorkerStop) => void;
  #worker: Worker | null = null;
  #ready = false;
  #queue: Pending[] = [];
  #background: Pending[] = [];
  #current: Pending | null = null;
  /** When the read in progress started in a ready worker (performance.now), or null while the worker starts. */
  #currentSince: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #nextId = 1;
  /** The reader's time each user's feeds took lately. */
  readonly #use: RecentUse;

  constructor(options: IcsRunnerOptions = {}) {
    this.#deadlineMs = options.deadlineMs ?? HARD_DEADLINE_MS;
    this.#maxQueued = options.maxQueued ?? MAX_QUEUED;
    this.#maxHeapMb = options.maxHeapMb ?? MAX_HEAP_MB;
    this.#onWorkerStop = options.onWorkerStop ?? (() => {});
    this.#use = new RecentUse({ halfLifeMs: USE_HALF_LIFE_MS, now: options.now ?? Date.now });
  }

  /**
   * feedBusy(read), in the worker. Rejects with FeedError (its message is for the user) or Error
   * (not iCalendar). `background` reads (the refresh) wait behind every person's read. `userId`:
   * whose feed it is, charged the time it takes the reader and served after users who took less.
   */
  read(feed: FeedRead, priority: 'person' | 'background' = 'person', userId: number | null = null): Promise<CalendarBusy[]> {
    const queue = priority === 'person' ? this.#queue : this.#background;
    if (priority === 'person' && queue.length >= this.#maxQueued) {
      return Promise.reject(new FeedError('Too many calendars are being read right now; try again in a minute'));
    }
    return new Promise((resolve, reject) => {
      queue.push({ job: { id: this.#nextId++, read: feed }, userId, resolve, reject });
      this.#pump();
    });
  }

  /** The reader's time (ms) the user's feeds took lately, halved every USE_HALF_LIFE_MS. */
  useOf(userId: number): number {
    return this.#use.of(userId);
  }

  /** How long until the user's use of the reader has come down to `ms`. */
  untilUseAtMost(userId: number, ms: number): number {
    return this.#use.untilAtMost(userId, ms);
  }

  /** Terminates the worker; the read in progress and those waiting fail. A later read starts a new worker. */
  async close(): Promise<void> {
    const worker = this.#worker;
    const stopped = new FeedError('The server is shutting down; try again in a minute');
    this.#detach();
    this.#end()?.reject(stopped);
    for (const p of [...this.#queue.splice(0), ...this.#background.splice(0)]) p.reject(stopped);
    await worker?.terminate();
  }

  #pump(): void {
    if (this.#current) return;
    const next = this.#nextPerson() ?? this.#background.shift();
    if (!next) {
      this.#worker?.unref();
      return;
    }
    this.#current = next;
    this.#currentSince = this.#ready ? performance.now() : null;
    let worker: Worker;
    try {
      worker = this.#worker ?? this.#start();
    } catch (err) {
      this.#onWorkerStop({ reason: 'crash', err });
      this.#fail(new FeedError('The calendar reader is not available; try again in a minute'));
      return;
    }
    worker.ref();
    worker.postMessage(next.job);
    this.#arm(this.#ready ? this.#deadlineMs : STARTUP_MS);
  }

  /** Takes the waiting person's read whose user took the reader least lately (the first of equals). */
  #nextPerson(): Pending | undefined {
    // A read of nobody's feed (null) is keyed 0, an id no user has: it has used nothing.
    const userId = this.#use.least(this.#queue.map((p) => p.userId ?? 0));
    if (userId === null) return undefined;
    return this.#queue.splice(this.#queue.findIndex((p) => (p.userId ?? 0) === userId), 1)[0];
  }

  /** The read in progress is over: charged to its user (from when a ready worker took it), and no longer current. */
  #end(): Pending | null {
    const p = this.#current;
    if (p && p.userId !== null && this.#currentSince !== null) this.#use.charge(p.userId, performance.now() - this.#currentSince);
    this.#current = null;
    this.#currentSince = null;
    return p;
  }

  #start(): Worker {
    const worker = spawn(this.#maxHeapMb);
    this.#worker = worker;
    this.#ready = false;
    let crash: unknown = null;
    worker.on('message', (answer: IcsAnswer) => {
      if (worker !== this.#worker) return;
      if (answer.type === 'ready') {
        this.#ready = true;
        if (this.#current) {
          // The worker's start is nobody's feed: the read's time counts from here.
          this.#currentSince = performance.now();
          this.#arm(this.#deadlineMs);
        }
        return;
      }
      if (!this.#current || this.#current.job.id !== answer.id) return;
      const p = this.#end()!;
      this.#disarm();
      if (answer.type === 'done') p.resolve(answer.busy);
      else p.reject(answer.feedError ? new FeedError(answer.message) : new Error(answer.message));
      this.#pump();
    });
    worker.on('error', (err) => (crash = err));
    worker.on('exit', () => {
      if (worker !== this.#worker) return;
      this.#detach();
      this.#onWorkerStop({ reason: 'crash', err: crash });
      const outOfMemory = (crash as { code?: string } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.#fail(new FeedError(outOfMemory ? 'The calendar takes too much memory to read' : 'The calendar could not be read', outOfMemory));
    });
    return worker;
  }

  #arm(ms: number): void {
    this.#disarm();
    this.#timer = setTimeout(() => {
      const worker = this.#worker;
      const reason = this.#ready ? 'deadline' : 'startup';
      this.#detach();
      void worker?.terminate();
      this.#onWorkerStop({ reason });
      this.#fail(reason === 'deadline' ? new FeedError('The calendar takes too long to read', true) : new FeedError('The calendar reader is not available; try again in a minute'));
    }, ms);
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Forgets the worker (its late messages and exit are ignored); the next read starts another. */
  #detach(): void {
    this.#disarm();
    this.#worker = null;
    this.#ready = false;
  }

  /** Fails the read in progress, then serves the next one. */
  #fail(err: Error): void {
    this.#end()?.reject(err);
    this.#pump();
  }
}
