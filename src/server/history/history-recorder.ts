/**
 * Records status changes in batches (at the write-behind pace). A failed write keeps the
 * rows for the next flush. What is older than the retention is deleted by Housekeeping.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Status } from '../../protocol/index.js';
import { isDatabaseUnreachable } from '../errors.js';
import type { HistoryRepository, Transition } from './history-repository.js';

/** Rows kept in memory while the database refuses them; beyond this the oldest are dropped (and logged). */
const MAX_PENDING = 100_000;

export class HistoryRecorder {
  #pending: Transition[] = [];
  #timer: NodeJS.Timeout | null = null;
  /** Writes run one after another; a flush waits for the one in flight, then writes what came since. */
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: HistoryRepository,
    private readonly opts: { intervalMs: number; now: () => number; log: FastifyBaseLogger },
  ) {}

  /** A user's effective status changed. */
  record(userId: number, status: Status): void {
    this.#pending.push({ userId, at: this.opts.now(), status });
    if (this.#pending.length > MAX_PENDING) {
      const dropped = this.#pending.splice(0, this.#pending.length - MAX_PENDING);
      this.opts.log.warn({ dropped: dropped.length }, 'status history backlog too long; oldest changes dropped');
    }
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.opts.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  /** Resolves once every change recorded before the call is written (or set aside to retry). */
  flush(): Promise<void> {
    const next = this.#chain.then(() => this.#write());
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #write(): Promise<void> {
    const rows = this.#pending;
    if (rows.length === 0) return;
    this.#pending = [];
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
        this.opts.log.error({ err, userId, rows: own.length }, 'status history rows of one user cannot be saved; dropped');
      }
    }
  }
}
