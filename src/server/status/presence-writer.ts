/**
 * Write-behind for presence: changes mark a user dirty, and a timer writes every dirty
 * user once per interval in one transaction. Heartbeats and interactions never cost a
 * database write each; a failed write keeps the users dirty and is retried.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../metrics/metrics.js';
import type { PresenceRepository, PresenceRow } from './presence-repository.js';

export class PresenceWriter {
  #dirty = new Set<number>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly repo: PresenceRepository,
    private readonly rowOf: (userId: number) => PresenceRow | null,
    private readonly opts: { intervalMs: number; now: () => number; log: FastifyBaseLogger; metrics?: Metrics | undefined },
  ) {
    opts.metrics?.watchWriteQueue(() => this.#dirty.size);
  }

  markDirty(userId: number): void {
    this.#dirty.add(userId);
  }

  get pending(): number {
    return this.#dirty.size;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.opts.intervalMs);
    this.#timer.unref();
  }

  /** Writes every dirty user now (one transaction), plus the alive heartbeat. */
  async flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#flushing = this.#write().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  async #write(): Promise<void> {
    const ids = [...this.#dirty];
    this.#dirty.clear();
    const rows = ids.map((id) => this.rowOf(id)).filter((r): r is PresenceRow => r !== null);
    const done = this.opts.metrics?.writeBehindFlush();
    try {
      await this.repo.write(rows);
      await this.repo.markAlive(this.opts.now());
      done?.(true);
    } catch (err) {
      done?.(false);
      for (const id of ids) this.#dirty.add(id);
      this.opts.log.warn({ err, users: ids.length }, 'presence write-behind failed; will retry');
    }
  }
}
