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
    private readonly metrics?: Pick<Metrics, 'frameSent' | 'frameSentAtOnce' | 'dropped' | 'slowConsumerClosed'>,
  ) {}

  /**
   * Hands one event to a socket: written at once, alone, when the socket is idle (the common
   * case, and then nothing is queued or allocated); otherwise queued and marked.
   */
  deliver(c: Connection, body: string, key?: string): void {
    if (!c.dirty && c.pendingCount === 0) {
      const now = this.now();
      if (this.#idle(c, now)) {
        c.sendAlone(body, now);
        this.metrics?.frameSentAtOnce();
        return;
      }
    }
    c.enqueue(body, key);
    this.mark(c);
  }

  /**
   * Nothing sent within the window and nothing buffered: there is nothing to gather an
   * event with, so waiting would only add latency. (With nothing buffered the socket can be
   * neither slow nor over the cap.)
   */
  #idle(c: Connection, now: number): boolean {
    return now - c.lastSentAt >= this.windowMs && c.socket.bufferedAmount === 0;
  }

  mark(c: Connection): void {
    if (c.dirty) return;
    const now = this.now();
    if (this.#idle(c, now)) {
      this.#send(c, now);
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
      const r = this.#send(c, now);
      if (r === 'slow') {
        c.dirty = true;
        this.#dirty.push(c);
        slow = true;
      } else if (r === 'dead') {
        this.metrics?.slowConsumerClosed();
        this.onSlowClose(c);
      }
    }
    if (slow) this.#timer = setTimeout(() => this.flush(), SLOW_RETRY_MS);
  }

  /** Flushes one connection, and tells the metrics what went out (or was dropped). */
  #send(c: Connection, now: number): ReturnType<Connection['flush']> {
    const metrics = this.metrics;
    if (!metrics) return c.flush(now);
    const events = c.pendingCount;
    const since = c.pendingSince;
    const r = c.flush(now);
    if (c.dropped > 0) {
      metrics.dropped(c.dropped);
      c.dropped = 0;
    }
    if (r === 'sent') metrics.frameSent(events, since);
    return r;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const c of this.#dirty) c.dirty = false;
    this.#dirty = [];
  }
}
