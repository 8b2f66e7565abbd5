/**
 * Reads of other users' statuses over REST for the drop-in elements: one reader per
 * connection, shared by every <beacon-status> of the page that shows someone who is neither
 * the viewer nor a friend (a stranger: no live channel tells this page their changes).
 *
 * - One read serves every element showing that user: a read asked for while one of the same
 *   user is queued, or in flight and sent in the connection's present state (not before it last
 *   left `connected`, nor before its last stop), joins it; every answer goes to every element
 *   watching that user.
 * - Kept fresh while on screen: each watched user is read again {@link STRANGER_REFRESH_MS}
 *   (or the element's shorter period) after their last read ended, the wait spread by
 *   ±{@link REFRESH_JITTER} so that elements bound together do not read together. Never while
 *   the page is hidden: a read that comes due then is made at once when it is shown again.
 *   No read while the client is stopped (signed out: it reads again at its next `ready`).
 * - Paced and batched: reads of other users' statuses are limited per viewer (30 at once, then
 *   5/s: docs/protocol.md), each user read one unit, whether alone or among several. The page's
 *   reads go out at most {@link READ_BURST} at once, then {@link READS_PER_SECOND} a second, in
 *   the order asked: past the burst they wait until the budget covers all waiting (a burst at
 *   most) and go together. The reads sent together go in one request (GET /users/status,
 *   status-batch.ts), and a periodic read takes along those coming due within the jitter. A 429
 *   holds every read of the page for its `Retry-After`. A page of 200 strangers reads each of
 *   them once a minute in a few requests a minute (before the batch route: 200).
 * - Honest in between: a watcher hears `old` once the last answer for its user is
 *   {@link STALE_AFTER_PERIODS} periods old (reads failing: 429, network), to show it as the
 *   last known status; and `gone` when a periodic read finds no such user (404, or 400).
 */
import { ApiError, type ConnectionState, type PresenceClient, type View } from '../client/index.js';
import { batchedStatusReads } from './status-batch.js';

/** How long a status read over REST is shown before it is read again, by default. */
export const STRANGER_REFRESH_MS = 60_000;
/** Each wait is the period × (1 ± this), at random. */
export const REFRESH_JITTER = 0.1;
/** An answer older than this many periods is shown as the last known status, not as current. */
export const STALE_AFTER_PERIODS = 2;
/** Reads the page sends at once before pacing them (the server allows 30 per viewer). */
export const READ_BURST = 20;
/** Reads the page sends per second after its burst (the server allows 5 per viewer). */
export const READS_PER_SECOND = 4;
/** How long a 429 without a usable `Retry-After` holds the page's reads. */
const DEFAULT_RETRY_MS = 5_000;

/** One answer of a read: the view, when it arrived, and whether it was read since the connection is live. */
export interface StatusAnswer {
  view: View;
  /** When it arrived (the reader's clock: `Date.now()` unless given another). */
  at: number;
  /** Sent while `connected` and answered with the connection still so (else: the last known). */
  current: boolean;
}

/** What a watcher hears. */
export type WatchEvent = { type: 'answer'; answer: StatusAnswer } | { type: 'old' } | { type: 'gone'; error: ApiError };

/** The clock and timers the reader runs on (defaults: the page's, so fake timers drive them in tests). */
export interface ReadTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

/** Where the page says whether it is shown (`document`), or null where there is none. */
export interface PageVisibility {
  readonly visibilityState?: string;
  addEventListener(type: 'visibilitychange', fn: () => void): void;
  removeEventListener(type: 'visibilitychange', fn: () => void): void;
}

/** What the reader needs of the client: its state, and its state changes and stops. */
export type ReaderClient = Pick<PresenceClient, 'state' | 'stopReason' | 'on'>;

const PAGE_TIMERS: ReadTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

interface Deferred {
  promise: Promise<StatusAnswer | null>;
  resolve(answer: StatusAnswer | null): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: Deferred['resolve'];
  let reject!: Deferred['reject'];
  const promise = new Promise<StatusAnswer | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may drop its promise (the periodic loop hears the answer through its watchers).
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface Watcher {
  periodMs: number;
  listener: (event: WatchEvent) => void;
  /** Fires `old` at the last answer's time + STALE_AFTER_PERIODS × periodMs. */
  oldTimer: unknown;
}

/** One watched user: their watchers, and the loop that reads them again. */
interface Loop {
  watchers: Set<Watcher>;
  timer: unknown;
  /** When their last read ended (or the watch began). */
  lastAt: number;
  /** Came due while the page was hidden: read as soon as it is shown. */
  due: boolean;
  /** When its next read is due (its timer's time), or null while none is scheduled. */
  dueAt: number | null;
}

export class StatusReads {
  readonly #read: (id: number) => Promise<View>;
  readonly #client: ReaderClient;
  readonly #timers: ReadTimers;
  readonly #page: PageVisibility | null;
  /** The client's stops: an answer to a read sent before one is never shown. */
  #stops = 0;
  /** Times the connection left `connected`: a read sent before is joined by none made since, nor current. */
  #drops = 0;
  #queue = new Map<number, Deferred>();
  #inFlight = new Map<number, { promise: Promise<StatusAnswer | null>; stops: number; drops: number; state: ConnectionState }>();
  #tokens = READ_BURST;
  #refilledAt: number;
  #pausedUntil = 0;
  #pump: unknown = null;
  #loops = new Map<number, Loop>();
  #state: ConnectionState;

  constructor(read: (id: number) => Promise<View>, client: ReaderClient, opts: { timers?: ReadTimers; page?: PageVisibility | null } = {}) {
    this.#read = read;
    this.#client = client;
    this.#timers = opts.timers ?? PAGE_TIMERS;
    this.#page = opts.page !== undefined ? opts.page : typeof document === 'undefined' ? null : document;
    this.#refilledAt = this.#timers.now();
    this.#state = client.state;
    client.on('state', (state) => {
      if (this.#state === 'connected' && state !== 'connected') this.#drops++;
      this.#state = state;
    });
    client.on('stopped', () => this.#stops++);
    this.#page?.addEventListener('visibilitychange', () => this.#shown());
  }

  /**
   * Reads `id`'s status (joining a read of them queued, or in flight and sent in the
   * connection's present state, since it last dropped and since its last stop). The answer goes to their watchers; the promise gives it too, or null for a read
   * sent before the client's last stop (never to be shown), and rejects as the read failed.
   */
  read(id: number): Promise<StatusAnswer | null> {
    const flying = this.#inFlight.get(id);
    if (flying && flying.stops === this.#stops && flying.drops === this.#drops && flying.state === this.#client.state) return flying.promise;
    let queued = this.#queue.get(id);
    if (!queued) {
      queued = deferred();
      this.#queue.set(id, queued);
      this.#send();
    }
    return queued.promise;
  }

  /**
   * Keeps `id`'s status read again every `periodMs` (± jitter) while watched; `listener` hears
   * every answer for them (whoever asked), `old` and `gone`. `shownAt`: when the answer the
   * watcher shows already arrived, if it shows one (`old` is said of it too). Returns the
   * function that stops it.
   */
  watch(id: number, periodMs: number, listener: (event: WatchEvent) => void, shownAt: number | null = null): () => void {
    let loop = this.#loops.get(id);
    if (!loop) {
      loop = { watchers: new Set(), timer: null, lastAt: this.#timers.now(), due: false, dueAt: null };
      this.#loops.set(id, loop);
    }
    const watcher: Watcher = { periodMs, listener, oldTimer: null };
    loop.watchers.add(watcher);
    if (shownAt !== null) this.#armOld(watcher, shownAt);
    this.#schedule(id, loop);
    return () => {
      this.#timers.clearTimeout(watcher.oldTimer);
      loop.watchers.delete(watcher);
      if (loop.watchers.size > 0) return;
      this.#timers.clearTimeout(loop.timer);
      if (this.#loops.get(id) === loop) this.#loops.delete(id);
    };
  }

  /**
   * Sends the queued reads the budget allows now, and wakes up for the rest. Past the burst the
   * reads wait until the pace covers all of those waiting (a burst at most) and go together: one
   * request for them all (status-batch.ts), not one a quarter second.
   */
  #send(): void {
    if (this.#pump !== null) return;
    while (this.#queue.size > 0) {
      const now = this.#timers.now();
      this.#tokens = Math.min(READ_BURST, this.#tokens + ((now - this.#refilledAt) * READS_PER_SECOND) / 1000);
      this.#refilledAt = now;
      const want = Math.min(this.#queue.size, READ_BURST);
      const wait = Math.max(this.#pausedUntil - now, this.#tokens >= want ? 0 : Math.ceil(((want - this.#tokens) * 1000) / READS_PER_SECOND));
      if (wait > 0) {
        this.#pump = this.#timers.setTimeout(() => {
          this.#pump = null;
          this.#send();
        }, wait);
        return;
      }
      this.#tokens -= want;
      for (let i = 0; i < want; i++) {
        const [id, pending] = this.#queue.entries().next().value!;
        this.#queue.delete(id);
        this.#sendOne(id, pending);
      }
    }
  }

  #sendOne(id: number, pending: Deferred): void {
    const stops = this.#stops;
    const drops = this.#drops;
    const state = this.#client.state;
    const entry = { promise: pending.promise, stops, drops, state };
    this.#inFlight.set(id, entry);
    const ended = (): void => {
      if (this.#inFlight.get(id) === entry) this.#inFlight.delete(id);
      const loop = this.#loops.get(id);
      if (loop) {
        // Just read (maybe by an element while hidden, at a reconnect): not due when shown again.
        loop.due = false;
        loop.lastAt = this.#timers.now();
        this.#schedule(id, loop);
      }
    };
    this.#read(id).then(
      (view) => {
        ended();
        if (stops !== this.#stops) return pending.resolve(null);
        const answer: StatusAnswer = { view, at: this.#timers.now(), current: state === 'connected' && drops === this.#drops && this.#client.state === 'connected' };
        const loop = this.#loops.get(id);
        for (const w of loop?.watchers ?? []) {
          this.#armOld(w, answer.at);
          w.listener({ type: 'answer', answer });
        }
        pending.resolve(answer);
      },
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 429) {
          this.#pausedUntil = Math.max(this.#pausedUntil, this.#timers.now() + (err.retryAfterMs ?? DEFAULT_RETRY_MS));
        }
        ended();
        pending.reject(err);
      },
    );
  }

  #armOld(w: Watcher, at: number): void {
    this.#timers.clearTimeout(w.oldTimer);
    const ms = at + STALE_AFTER_PERIODS * w.periodMs - this.#timers.now();
    w.oldTimer = this.#timers.setTimeout(() => w.listener({ type: 'old' }), Math.max(0, ms));
  }

  /** The next periodic read of `id`: a period (the shortest of its watchers', ± jitter) after their last read ended. */
  #schedule(id: number, loop: Loop): void {
    this.#timers.clearTimeout(loop.timer);
    loop.timer = null;
    loop.dueAt = null;
    if (loop.watchers.size === 0 || this.#queue.has(id) || this.#inFlight.has(id)) return;
    const wait = periodOf(loop) * (1 + REFRESH_JITTER * (2 * this.#timers.random() - 1));
    loop.dueAt = loop.lastAt + wait;
    loop.timer = this.#timers.setTimeout(() => this.#due(id, loop), Math.max(0, loop.dueAt - this.#timers.now()));
  }

  #due(id: number, loop: Loop): void {
    loop.timer = null;
    loop.dueAt = null;
    if (this.#loops.get(id) !== loop) return;
    if (this.#hidden()) {
      loop.due = true;
      return;
    }
    loop.due = false;
    if (this.#client.stopReason !== null) {
      // Stopped (signed out): nothing to read with; its next `ready` reads again.
      loop.lastAt = this.#timers.now();
      return this.#schedule(id, loop);
    }
    this.#readFor(id, loop);
    // Those coming due within the jitter go with it, in the same request (status-batch.ts): a
    // page of 200 strangers sends a few requests a minute, not 200, each user still read about
    // once a period (a little early at most).
    const now = this.#timers.now();
    for (const [other, next] of this.#loops) {
      if (next.dueAt !== null && next.dueAt - now <= REFRESH_JITTER * periodOf(next)) {
        this.#timers.clearTimeout(next.timer);
        next.timer = null;
        next.dueAt = null;
        this.#readFor(other, next);
      }
    }
  }

  /** A periodic read of `id`: its watchers hear `gone` when it finds no such user. */
  #readFor(id: number, loop: Loop): void {
    this.read(id).catch((err: unknown) => {
      const gone = err instanceof ApiError && (err.status === 404 || err.status === 400);
      if (gone) for (const w of [...loop.watchers]) w.listener({ type: 'gone', error: err });
    });
  }

  #hidden(): boolean {
    return this.#page?.visibilityState === 'hidden';
  }

  /** The page shown again: what came due while it was hidden is read now. */
  #shown(): void {
    if (this.#hidden()) return;
    for (const [id, loop] of this.#loops) if (loop.due) this.#due(id, loop);
  }
}

/** The shortest period of the loop's watchers. */
function periodOf(loop: Loop): number {
  return Math.min(...[...loop.watchers].map((w) => w.periodMs));
}

const readers = new WeakMap<object, StatusReads>();

/** The page's reader for `connection` (made at its first use). */
export function statusReadsOf(connection: { client: ReaderClient; api: { usersStatus(ids: readonly number[]): Promise<View[]> } }): StatusReads {
  let reads = readers.get(connection);
  if (!reads) {
    reads = new StatusReads(batchedStatusReads((ids) => connection.api.usersStatus(ids)), connection.client);
    readers.set(connection, reads);
  }
  return reads;
}
