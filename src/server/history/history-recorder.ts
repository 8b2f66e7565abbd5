/**
 * Records status changes in batches (at the write-behind pace). A failed write keeps the
 * rows for the next flush. What is older than the retention is deleted by Housekeeping.
 * Changes of one user less than SETTLE_MS apart share one row, which takes the latest
 * status: a user flipping status in a loop writes at most a row a minute (the patterns are
 * hourly), so nobody can grow their history, and the reads that walk it, without bound.
 * A row is written once settled (the timer, and reads); `flush` (shutdown, tests) writes all.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Status } from '../../protocol/index.js';
import { WriteBehind } from '../db/write-behind.js';
import { isDatabaseUnreachable, isForeignKeyViolation } from '../errors.js';
import type { HistoryRepository, Transition } from './history-repository.js';

/** Rows kept in memory while the database refuses them; beyond this the oldest are dropped (and logged). */
const MAX_PENDING = 100_000;
/** Changes of one user closer together than this share one row (the latest status wins). */
export const SETTLE_MS = 60_000;

/** A row to be: its user and when it began. Noting it again (within SETTLE_MS) sets its status. */
interface Slot {
  userId: number;
  at: number;
}

const rowOf = ([slot, status]: readonly [Slot, Status]): Transition => ({ userId: slot.userId, at: slot.at, status });

export class HistoryRecorder {
  /** The rows not written yet, in time order (db/write-behind.ts: its timer, and the order of flushes). */
  readonly #pending: WriteBehind<Slot, Status>;
  /** Each user's newest row while it is pending: changes within SETTLE_MS of it change it. */
  readonly #open = new Map<number, Slot>();
  /** Stopping: a failed write is not retried (and not said to be). */
  #stopping = false;

  constructor(
    private readonly repo: HistoryRepository,
    private readonly opts: { intervalMs: number; now: () => number; log: FastifyBaseLogger },
  ) {
    this.#pending = new WriteBehind({
      intervalMs: opts.intervalMs,
      write: (batch) => this.#write(batch),
      // The timer writes settled rows only; rows are in time order, so they are a prefix.
      due: (slot) => slot.at <= this.opts.now() - SETTLE_MS,
    });
  }

  /** A user's effective status changed. */
  record(userId: number, status: Status): void {
    const now = this.opts.now();
    const open = this.#open.get(userId);
    if (open && now - open.at < SETTLE_MS) {
      this.#pending.note(open, status);
      return;
    }
    const slot = { userId, at: now };
    this.#pending.note(slot, status);
    this.#open.set(userId, slot);
    if (this.#pending.size > MAX_PENDING) this.#dropOldest(this.#pending.size - MAX_PENDING);
  }

  /**
   * The account was deleted: its rows not yet written are dropped, so no write of them is tried
   * (the foreign key would refuse it) and none lands on an account that takes the id again.
   */
  forget(userId: number): void {
    this.#open.delete(userId);
    for (const slot of this.#pending.keys()) if (slot.userId === userId) this.#pending.delete(slot);
  }

  start(): void {
    this.#pending.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#pending.stop();
  }

  /** Resolves once every change recorded before the call is written (or set aside to retry). */
  flush(): Promise<void> {
    return this.#pending.flush();
  }

  /** Writes the rows that are settled (older than SETTLE_MS); newer ones may still change. */
  flushSettled(): Promise<void> {
    return this.#pending.flushDue();
  }

  #dropOldest(n: number): void {
    let left = n;
    for (const slot of this.#pending.keys()) {
      if (left-- === 0) break;
      this.#pending.delete(slot);
      this.#close(slot);
    }
    this.opts.log.warn({ dropped: n }, 'status history backlog too long; oldest changes dropped');
  }

  /** A row being written (or dropped) is no longer open: a later change gets a row of its own. */
  #close(slot: Slot): void {
    if (this.#open.get(slot.userId) === slot) this.#open.delete(slot.userId);
  }

  async #write(batch: ReadonlyMap<Slot, Status>): Promise<void> {
    if (batch.size === 0) return;
    for (const slot of batch.keys()) this.#close(slot);
    const entries = [...batch];
    try {
      await this.repo.append(entries.map(rowOf));
    } catch (err) {
      if (isDatabaseUnreachable(err as Error)) return this.#retryLater(entries, err);
      await this.#userByUser(entries);
    }
  }

  #retryLater(entries: Array<[Slot, Status]>, err: unknown): void {
    this.#pending.requeue(entries);
    if (this.#stopping) this.opts.log.warn({ reason: (err as Error)?.message, rows: entries.length }, 'status history not written at the stop: database unreachable; these rows are lost');
    else this.opts.log.warn({ err, rows: entries.length }, 'status history write failed; will retry');
  }

  /**
   * The batch failed: one user's rows (say, of an account deleted meanwhile) must not hold
   * back everyone's history. Each user's rows are written on their own; those that still
   * fail are dropped and logged.
   */
  async #userByUser(entries: Array<[Slot, Status]>): Promise<void> {
    const byUser = new Map<number, Array<[Slot, Status]>>();
    for (const e of entries) byUser.set(e[0].userId, [...(byUser.get(e[0].userId) ?? []), e]);
    const users = [...byUser.entries()];
    for (const [i, [userId, own]] of users.entries()) {
      try {
        await this.repo.append(own.map(rowOf));
      } catch (err) {
        if (isDatabaseUnreachable(err as Error)) return this.#retryLater(users.slice(i).flatMap(([, e]) => e), err);
        // Its account was deleted while they were being written (`forget` came too late): expected.
        if (isForeignKeyViolation(err as { code?: string })) {
          this.opts.log.info({ userId, rows: own.length }, 'status history rows of a deleted account dropped');
          continue;
        }
        this.opts.log.error({ err, userId, rows: own.length }, 'status history rows of one user cannot be saved; dropped');
      }
    }
  }
}
