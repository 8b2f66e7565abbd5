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
import { isDatabaseUnreachable, isForeignKeyViolation } from '../errors.js';
import type { HistoryRepository, Transition } from './history-repository.js';

/** Rows kept in memory while the database refuses them; beyond this the oldest are dropped (and logged). */
const MAX_PENDING = 100_000;
/** Changes of one user closer together than this share one row (the latest status wins). */
export const SETTLE_MS = 60_000;

export class HistoryRecorder {
  #pending: Transition[] = [];
  /** Each user's newest row while it is pending: changes within SETTLE_MS of it change it. */
  readonly #open = new Map<number, Transition>();
  #timer: NodeJS.Timeout | null = null;
  /** Writes run one after another; a flush waits for the one in flight, then writes what came since. */
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: HistoryRepository,
    private readonly opts: { intervalMs: number; now: () => number; log: FastifyBaseLogger },
  ) {}

  /** A user's effective status changed. */
  record(userId: number, status: Status): void {
    const now = this.opts.now();
    const open = this.#open.get(userId);
    if (open && now - open.at < SETTLE_MS) {
      open.status = status;
      return;
    }
    const row = { userId, at: now, status };
    this.#pending.push(row);
    this.#open.set(userId, row);
    if (this.#pending.length > MAX_PENDING) {
      const dropped = this.#pending.splice(0, this.#pending.length - MAX_PENDING);
      this.#close(dropped);
      this.opts.log.warn({ dropped: dropped.length }, 'status history backlog too long; oldest changes dropped');
    }
  }

  /**
   * The account was deleted: its rows not yet written are dropped, so no write of them is tried
   * (the foreign key would refuse it) and none lands on an account that takes the id again.
   */
  forget(userId: number): void {
    this.#open.delete(userId);
    this.#pending = this.#pending.filter((r) => r.userId !== userId);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flushSettled(), this.opts.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  /** Resolves once every change recorded before the call is written (or set aside to retry). */
  flush(): Promise<void> {
    return this.#enqueue(true);
  }

  /** Writes the rows that are settled (older than SETTLE_MS); newer ones may still change. */
  flushSettled(): Promise<void> {
    return this.#enqueue(false);
  }

  #enqueue(all: boolean): Promise<void> {
    const next = this.#chain.then(() => this.#write(all));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Rows being written are no longer open: a later change gets a row of its own. */
  #close(rows: readonly Transition[]): void {
    for (const r of rows) if (this.#open.get(r.userId) === r) this.#open.delete(r.userId);
  }

  async #write(all: boolean): Promise<void> {
    // Rows are in time order, so the settled ones are a prefix.
    const cutoff = this.opts.now() - SETTLE_MS;
    const unsettled = all ? -1 : this.#pending.findIndex((r) => r.at > cutoff);
    const n = unsettled === -1 ? this.#pending.length : unsettled;
    if (n === 0) return;
    const rows = this.#pending.slice(0, n);
    this.#pending = this.#pending.slice(n);
    this.#close(rows);
    try {
      await this.repo.append(rows);
    } catch (err) {
      if (isDatabaseUnreachable(err as Error)) return this.#retryLater(rows, err);
      await this.#userByUser(rows);
    }
  }

  #retryLater(rows: Transition[], err: unknown): void {
    this.#pending = [...rows, ...this.#pending];
    this.opts.log.warn({ err, rows: rows.length }, 'status history write failed; will retry');
  }

  /**
   * The batch failed: one user's rows (say, of an account deleted meanwhile) must not hold
   * back everyone's history. Each user's rows are written on their own; those that still
   * fail are dropped and logged.
   */
  async #userByUser(rows: Transition[]): Promise<void> {
    const byUser = new Map<number, Transition[]>();
    for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r]);
    const users = [...byUser.entries()];
    for (const [i, [userId, own]] of users.entries()) {
      try {
        await this.repo.append(own);
      } catch (err) {
        if (isDatabaseUnreachable(err as Error)) return this.#retryLater(users.slice(i).flatMap(([, r]) => r), err);
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
