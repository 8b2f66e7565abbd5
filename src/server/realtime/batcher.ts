/**
 * Gathers each socket's events for BEACON_BATCH_WINDOW_MS and sends them as one frame.
 * One timer serves every socket. Slow sockets keep their (coalesced) backlog and are
 * retried; sockets past the hard cap are closed.
 */
import type { Connection } from './connection.js';

const SLOW_RETRY_MS = 50;
/** Close code for a client too slow to keep up (RFC 6455 1013: try again later). */
export const SLOW_CONSUMER_CLOSE = 1013;

export class Batcher {
  #dirty = new Set<Connection>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly onSlowClose: (c: Connection) => void,
  ) {}

  mark(c: Connection): void {
    this.#dirty.add(c);
    this.#timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  forget(c: Connection): void {
    this.#dirty.delete(c);
  }

  /** Sends every pending batch now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const conns = this.#dirty;
    this.#dirty = new Set();
    let slow = false;
    const now = this.now();
    for (const c of conns) {
      const r = c.flush(now);
      if (r === 'slow') {
        this.#dirty.add(c);
        slow = true;
      } else if (r === 'dead') {
        this.onSlowClose(c);
      }
    }
    if (slow) this.#timer = setTimeout(() => this.flush(), SLOW_RETRY_MS);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#dirty.clear();
  }
}
