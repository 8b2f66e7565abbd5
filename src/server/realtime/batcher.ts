/**
 * Adaptive batching, in the spirit of Nagle's algorithm: an event for a socket that is idle
 * (nothing sent within the last BEACON_BATCH_WINDOW_MS and nothing buffered) goes out at
 * once; events for a socket that is busy are gathered for the window and sent as one frame.
 * So latency stays at the bare socket's when load is low, and batching protects the server
 * when it is high. One timer serves every socket. Slow sockets keep their (coalesced)
 * backlog and are retried; sockets past the hard cap are closed.
 *
 * The dirty list is an array plus a flag on each connection (cheaper than a Set on the
 * fan-out path, which marks ~50 connections per change).
 */
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
  ) {}

  mark(c: Connection): void {
    if (c.dirty) return;
    const now = this.now();
    if (now - c.lastSentAt >= this.windowMs && c.socket.bufferedAmount === 0) {
      // Idle socket: nothing to gather this event with, so waiting would only add latency.
      // (With nothing buffered the socket can be neither slow nor over the cap.)
      c.flush(now);
      return;
    }
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
    for (const c of conns) {
      c.dirty = false;
      const r = c.flush(now);
      if (r === 'slow') {
        c.dirty = true;
        this.#dirty.push(c);
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
    for (const c of this.#dirty) c.dirty = false;
    this.#dirty = [];
  }
}
