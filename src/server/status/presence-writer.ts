/**
 * Write-behind for presence: changes mark a user dirty, and a timer writes every dirty
 * user once per interval in one transaction. Heartbeats and interactions never cost a
 * database write each.
 *
 * One user's row must never stop everyone else's from being saved: when the batch fails,
 * each row is written on its own; a row that fails on its own (not for a lost connection)
 * MAX_ROW_ATTEMPTS flushes in a row is set aside and logged as an error, until the user
 * changes again. A lost database keeps everyone dirty and retries. `health()` feeds /readyz.
 * The queue, its timer and the order of flushes are db/write-behind.ts's.
 */
import type { FastifyBaseLogger } from 'fastify';
import { WriteBehind } from '../db/write-behind.js';
import { isDatabaseUnreachable } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PresenceRepository, PresenceRow } from './presence-repository.js';

/** While the database stays unreachable, the outage is logged again at most this often. */
export const OUTAGE_LOG_EVERY_MS = 30_000;

/** Flushes in a row a row may fail on its own before it is set aside. */
export const MAX_ROW_ATTEMPTS = 3;

export interface WriterHealth {
  /** False while the last flush could not save rows that were due. */
  ok: boolean;
  /** When saving started failing (ms), or null. */
  failingSince: number | null;
  /** Users whose row was set aside after failing on its own. */
  setAside: number[];
}

/** How many more writes the stop makes for changes noted during its own (each takes what came in the one before). */
const STOP_ROUNDS = 3;

export class PresenceWriter {
  /** The dirty users (their rows are read at the flush: the value is only a mark). */
  readonly #dirty: WriteBehind<number, true>;
  /** Consecutive solo failures per user. */
  readonly #attempts = new Map<number, number>();
  readonly #setAside = new Set<number>();
  /** Set during the stop's later writes: they take only changes noted since (stop()). */
  #lateOnly = false;
  #failingSince: number | null = null;
  /** When an outage was last logged, and the failed flushes since (see #outage). */
  #outageSaidAt: number | null = null;
  #retriesUnsaid = 0;
  /** The last error of the outage under way (said at the stop). */
  #lastError: unknown = null;
  #stopping = false;

  constructor(
    private readonly repo: PresenceRepository,
    private readonly rowOf: (userId: number) => PresenceRow | null,
    private readonly opts: {
      intervalMs: number;
      now: () => number;
      log: FastifyBaseLogger;
      metrics?: Metrics | undefined;
      /** Whether this instance writes the user's row (one writer per user in a cluster); default: always. */
      isWriter?: (userId: number) => boolean;
    },
  ) {
    this.#dirty = new WriteBehind({ intervalMs: opts.intervalMs, write: (batch) => this.#write(batch) });
    opts.metrics?.watchWriteQueue(() => this.#dirty.size);
  }

  markDirty(userId: number): void {
    this.#dirty.note(userId, true);
    // A new change is a new row: give it its chances again.
    if (this.#setAside.delete(userId)) this.#attempts.delete(userId);
  }

  /** The user is gone (deleted): nothing of theirs is to be written. */
  forget(userId: number): void {
    this.#dirty.delete(userId);
    this.#setAside.delete(userId);
    this.#attempts.delete(userId);
  }

  /** Whether the user's row waits to be written. */
  isDirty(userId: number): boolean {
    return this.#dirty.has(userId);
  }

  health(): WriterHealth {
    return { ok: this.#failingSince === null, failingSince: this.#failingSince, setAside: [...this.#setAside] };
  }

  get pending(): number {
    return this.#dirty.size;
  }

  start(): void {
    this.#dirty.start();
  }

  /**
   * Writes every user dirty at the time of the call (one transaction), plus the alive
   * heartbeat. A flush already running took its users before this call, so this one
   * follows it rather than joining it (the timer's flush must not swallow a caller's).
   */
  flush(): Promise<void> {
    return this.#dirty.flush();
  }

  /**
   * Ends the timer and writes what is pending, once (a stop does not retry a row; it writes what
   * was noted during that write, within `deadline`, ms on Date.now()'s clock). Answers how many
   * users' rows this instance writes stay unwritten of those noted before the stop (all of them
   * when the database is unreachable); when it is, says so in one line, with the count the stop's
   * own `shutdown failed` repeats.
   */
  async stop(deadline = Infinity): Promise<number> {
    this.#stopping = true;
    let began = Date.now();
    await this.#dirty.stop();
    // Changes noted while that write was on its way (sockets' closes coming back during the
    // drain, over a round trip each) come after the stop's moment: the stop is clean without them
    // (its record says who was present, and the next start resumes them from it), so they are not
    // counted below. They are written all the same while there is time: a few more writes of such
    // changes only (not of a row the database refused), each while one as long as the last still
    // ends before the stop's deadline.
    for (let round = 0; round < STOP_ROUNDS && this.#failingSince === null && this.#notedSince() > 0; round++) {
      const took = Date.now() - began;
      if (Date.now() + took > deadline) break;
      began = Date.now();
      this.#lateOnly = true;
      await this.#dirty.flush();
    }
    this.#lateOnly = false;
    const users = this.#failingSince === null ? this.unwritten() - this.#notedSince() : this.unwritten();
    // A row the database refused on its own (reached) was logged as it failed.
    if (this.#failingSince === null) return users;
    const err = this.#lastError;
    // The stack once per outage: here if the outage began with the stop's own flush.
    const cause = this.#outageSaidAt === null ? { err } : { reason: (err as Error)?.message };
    this.opts.log.error({ ...cause, users, failingSinceMs: this.#failingSince, failingForMs: this.opts.now() - this.#failingSince }, `presence write-behind failing at the stop: ${outageKind(err)}; not written`);
    return users;
  }

  /**
   * Writes the user's row now, apart from the queue (which may be stopped already): a logout
   * during the stop (PresenceService.stop). After the queue's write running, if any: it may hold
   * an older copy of the row, which must not land last. No alive mark (one after the stop's
   * record would read as a run going on after it). Rejects when the row could not be written. A
   * mark the user has stays (the queue's own writes, if any are left, write the row again).
   */
  async writeNow(userId: number): Promise<void> {
    await this.#dirty.idle();
    const row = this.rowOf(userId);
    if (row === null) return;
    await this.repo.write([row]);
    this.opts.metrics?.presenceRowsWritten(1);
  }

  /** Of those unwritten, the ones no write has failed for yet (changes noted since the last write). */
  #notedSince(): number {
    const isWriter = this.opts.isWriter;
    let n = 0;
    for (const id of this.#dirty.keys()) if ((!isWriter || isWriter(id)) && !this.#attempts.has(id)) n++;
    return n;
  }

  /** Users whose row this instance writes and has not written yet (others' marks are theirs to write). */
  unwritten(): number {
    const isWriter = this.opts.isWriter;
    if (!isWriter) return this.#dirty.size;
    let n = 0;
    for (const id of this.#dirty.keys()) if (isWriter(id)) n++;
    return n;
  }

  async #write(batch: ReadonlyMap<number, true>): Promise<void> {
    const isWriter = this.opts.isWriter;
    // Another instance writes the rows of users it is the writer of: their marks are dropped here.
    let ids = isWriter ? [...batch.keys()].filter((id) => isWriter(id)) : [...batch.keys()];
    if (this.#lateOnly) {
      // The stop's later writes: a row the database refused stays as it is, untried (a stop does not retry).
      this.#dirty.requeue(ids.filter((id) => this.#attempts.has(id)).map((id) => [id, true] as const));
      ids = ids.filter((id) => !this.#attempts.has(id));
      if (ids.length === 0) return;
    }
    const rows = ids.map((id) => this.rowOf(id)).filter((r): r is PresenceRow => r !== null);
    const done = this.opts.metrics?.writeBehindFlush();
    try {
      await this.repo.write(rows);
      this.opts.metrics?.presenceRowsWritten(rows.length);
      for (const r of rows) this.#attempts.delete(r.userId);
      await this.repo.markAlive(this.opts.now());
      done?.(true);
      this.#recovered();
    } catch (err) {
      done?.(false);
      if (isDatabaseUnreachable(err as Error) || rows.length === 0) return this.#outage(ids, err);
      await this.#writeOneByOne(rows, err);
    }
  }

  /** The batch failed: save every row that can be saved, and find the ones that cannot. */
  async #writeOneByOne(rows: PresenceRow[], batchErr: unknown): Promise<void> {
    const failed: Array<{ userId: number; err: unknown }> = [];
    for (const [i, row] of rows.entries()) {
      try {
        await this.repo.write([row]);
        this.opts.metrics?.presenceRowsWritten(1);
        this.#attempts.delete(row.userId);
      } catch (err) {
        if (isDatabaseUnreachable(err as Error)) return this.#outage([...failed.map((f) => f.userId), ...rows.slice(i).map((r) => r.userId)], err);
        failed.push({ userId: row.userId, err });
      }
    }
    // The rows may be bad, or the database may refuse every write (disk full, read-only):
    // the alive mark, a write of no user's data, tells them apart.
    const writable = await this.repo.markAlive(this.opts.now()).then(
      () => true,
      () => false,
    );
    this.opts.log.warn({ err: batchErr, users: rows.length, failed: failed.length, writable }, 'presence batch failed; rows were written one by one');
    if (!writable) return this.#outage(failed.map((f) => f.userId), failed[0]?.err ?? batchErr);
    for (const f of failed) this.#rowFailed(f.userId, f.err);
    this.#recovered();
  }

  #rowFailed(userId: number, err: unknown): void {
    const attempts = (this.#attempts.get(userId) ?? 0) + 1;
    if (attempts >= MAX_ROW_ATTEMPTS) {
      this.#attempts.delete(userId);
      this.#setAside.add(userId);
      this.opts.log.error({ err, userId, attempts }, 'presence row cannot be saved; set aside until the user changes again');
      return;
    }
    this.#attempts.set(userId, attempts);
    this.#dirty.note(userId, true);
  }

  /**
   * The database is unreachable: everyone stays dirty for the next flush. Said with the error's
   * stack at the first failure, then once per OUTAGE_LOG_EVERY_MS with the retries since (an
   * outage is not a line a second per instance); at the stop, once by stop().
   */
  #outage(ids: number[], err: unknown): void {
    this.#dirty.requeue(ids.map((id) => [id, true] as const));
    const first = this.#failingSince === null;
    this.#failing();
    this.#lastError = err;
    // At the stop nothing is retried: stop() says the outage once, with what stays unwritten.
    if (this.#stopping) return;
    const now = this.opts.now();
    this.#retriesUnsaid += 1;
    if (!first && now - (this.#outageSaidAt ?? -Infinity) < OUTAGE_LOG_EVERY_MS) return;
    const fields = first
      ? { err, users: ids.length, failingSinceMs: this.#failingSince }
      : { reason: (err as Error)?.message, users: ids.length, failingSinceMs: this.#failingSince, failingForMs: now - this.#failingSince!, retries: this.#retriesUnsaid };
    this.opts.log.error(fields, `presence write-behind failing: ${outageKind(err)}; will retry`);
    this.#outageSaidAt = now;
    this.#retriesUnsaid = 0;
  }

  #failing(): void {
    this.#failingSince ??= this.opts.now();
  }

  #recovered(): void {
    if (this.#failingSince !== null) this.opts.log.info({ failedForMs: this.opts.now() - this.#failingSince }, 'presence write-behind saving again');
    this.#failingSince = null;
    this.#outageSaidAt = null;
    this.#lastError = null;
    this.#retriesUnsaid = 0;
  }
}

/**
 * What the outage line calls the failure: the database cannot be reached, or it answers and refuses
 * every write (disk full, read-only file or database: `#writeOneByOne`'s alive mark failed too).
 * The cause itself is in the line's `err` or `reason`.
 */
function outageKind(err: unknown): string {
  return isDatabaseUnreachable((err ?? {}) as Error) ? 'database unreachable' : 'database refuses writes';
}
