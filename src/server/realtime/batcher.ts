/**
 * Gathers each socket's events for BEACON_BATCH_WINDOW_MS and sends them as one frame.
 * One timer serves every socket. Slow sockets keep their (coalesced) backlog and are
 * retried; sockets past the hard cap are closed.
 *
 * The dirty list is an array plus a flag on each connection (cheaper than a Set on the
 * fan-out path, which marks ~50 connections per change).
 */
import type { Metrics } from '../metrics/metrics.js';
import type { Connection } from './connection.js';

const SLOW_RETRY_MS = 50;
/** Close code for a client too slow to keep up (RFC 6455 1013: try again later). */
export const SLOW_CONSUMER_CLOSE = 1013;

export class Batcher {
  #dirty: Connection[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly onSlowClose: (c: Connection) => void,
    private readonly metrics?: Pick<Metrics, 'frameSent' | 'dropped' | 'slowConsumerClosed'>,
  ) {}

  mark(c: Connection): void {
    if (c.dirty) return;
    c.dirty = true;
    this.#dirty.push(c);
    this.#timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  forget(c: Connection): void {
    if (!c.dirty) return;
    c.dirty = false;
    const i = this.#dirty.indexOf(c);
    if (i >= 0) this.#dirty.splice(i, 1);
  }

  /** Sends every pending batch now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const conns = this.#dirty;
    this.#dirty = [];
    let slow = false;
    const now = this.now();
    const metrics = this.metrics;
    for (const c of conns) {
      c.dirty = false;
      const events = c.pendingCount;
      const since = c.pendingSince;
      const r = c.flush(now);
      if (metrics && c.dropped > 0) {
        metrics.dropped(c.dropped);
        c.dropped = 0;
      }
      if (r === 'sent') metrics?.frameSent(events, since);
      else if (r === 'slow') {
        c.dirty = true;
        this.#dirty.push(c);
        slow = true;
      } else if (r === 'dead') {
        metrics?.slowConsumerClosed();
        this.onSlowClose(c);
      }
    }
    if (slow) this.#timer = setTimeout(() => this.flush(), SLOW_RETRY_MS);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const c of this.#dirty) c.dirty = false;
    this.#dirty = [];
  }
}
