/**
 * The write-behind queue the writers of the server share (presence rows, status history,
 * last uses of logins): callers note a value per key in memory, never waiting on the
 * database; a timer writes what is pending every `intervalMs` in one batch, and `stop`
 * writes what is left.
 *
 * - A key noted again while pending keeps its place and one value (`merge`; the newer by
 *   default): a key changing a thousand times between two flushes is written once.
 * - A flush takes every pending key, in the order first noted, and hands them to `write` in
 *   one batch (also an empty one: a writer may have a heartbeat of its own to write).
 *   `due` holds keys back from the timer's flush (not from `flush()`): the timer takes the
 *   leading keys that are due, and stops at the first that is not.
 * - Flushes never overlap: one asked for while one runs follows it, once, for everything noted
 *   by then, and answers when that is written; every caller waiting shares it.
 * - `write` decides what a failure keeps: `requeue` puts entries back before what was noted
 *   since (merged with it), for the next flush. A `write` that throws keeps its whole batch
 *   that way, and `flush()` rejects with the error.
 * - `size` is the backlog (metrics, readiness).
 *
 * Noting a key allocates nothing beyond its map entry: the presence writer notes every
 * status change of every user through it.
 */

export interface WriteBehindOptions<K, V> {
  /** How often the timer flushes (ms). */
  intervalMs: number;
  /** Writes one batch, keys in the order first noted. Failures are its own: see `requeue`. */
  write: (batch: ReadonlyMap<K, V>) => Promise<void>;
  /** A key noted again while pending, or put back under a newer value: the value it keeps (default: `newer`). */
  merge?: (older: V, newer: V) => V;
  /** Whether the timer's flush writes this key yet (default: every key is due). */
  due?: (key: K, value: V) => boolean;
}

export class WriteBehind<K, V> {
  #pending = new Map<K, V>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  /** The flush that follows the one running, shared by every caller meanwhile. */
  #again: Promise<void> | null = null;
  /** Whether that one writes every key (a `flush()` asked for it) or only the due ones. */
  #againAll = false;

  constructor(private readonly opts: WriteBehindOptions<K, V>) {}

  /** The key's value is to be written: kept in memory until the next flush. */
  note(key: K, value: V): void {
    const merge = this.opts.merge;
    if (merge !== undefined && this.#pending.has(key)) this.#pending.set(key, merge(this.#pending.get(key) as V, value));
    else this.#pending.set(key, value);
  }

  /** Puts entries back (a write that failed) before everything pending, merged with what was noted since. */
  requeue(entries: Iterable<readonly [K, V]>): void {
    const since = this.#pending;
    this.#pending = new Map(entries);
    for (const [key, value] of since) this.note(key, value);
  }

  /** The key's value waiting to be written, if any. */
  get(key: K): V | undefined {
    return this.#pending.get(key);
  }

  has(key: K): boolean {
    return this.#pending.has(key);
  }

  /** Nothing of the key's is to be written (any longer). */
  delete(key: K): boolean {
    return this.#pending.delete(key);
  }

  /** The keys pending, the oldest first (deleting while walking them is safe). */
  keys(): IterableIterator<K> {
    return this.#pending.keys();
  }

  /** How many keys wait to be written (the backlog). */
  get size(): number {
    return this.#pending.size;
  }

  start(): void {
    // A failed write keeps its batch for the next tick; the write logs its own failures.
    this.#timer ??= setInterval(() => void this.#flush(false).catch(() => undefined), this.opts.intervalMs);
    this.#timer.unref();
  }

  /** Ends the timer and writes everything pending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  /** Writes every key noted before the call (due or not); answers once that write is done. */
  flush(): Promise<void> {
    return this.#flush(true);
  }

  /** Resolves once no write is running or asked for (each one written, or failed). */
  async idle(): Promise<void> {
    for (let running = this.#again ?? this.#flushing; running !== null; running = this.#again ?? this.#flushing) {
      await running.catch(() => undefined);
    }
  }

  /** Writes the keys that are due (what the timer does). */
  flushDue(): Promise<void> {
    return this.#flush(false);
  }

  #flush(all: boolean): Promise<void> {
    if (this.#flushing) {
      // The one running took its keys before this call: this one follows it rather than joining it.
      this.#againAll ||= all;
      this.#again ??= this.#flushing
        .catch(() => undefined)
        .then(() => {
          const againAll = this.#againAll;
          this.#again = null;
          this.#againAll = false;
          return this.#flush(againAll);
        });
      return this.#again;
    }
    this.#flushing = this.#write(all).finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #write(all: boolean): Promise<void> {
    const batch = this.#take(all);
    try {
      await this.opts.write(batch);
    } catch (err) {
      this.requeue(batch);
      throw err;
    }
  }

  #take(all: boolean): Map<K, V> {
    const due = this.opts.due;
    if (all || due === undefined) {
      const batch = this.#pending;
      this.#pending = new Map();
      return batch;
    }
    const batch = new Map<K, V>();
    for (const [key, value] of this.#pending) {
      if (!due(key, value)) break;
      batch.set(key, value);
      this.#pending.delete(key);
    }
    return batch;
  }
}
