/**
 * Adaptive batching, in the spirit of Nagle's algorithm, with no fixed window for an idle
 * socket. An event for a socket that is idle goes out at the end of the event-loop turn that
 * made it (setImmediate): every event this turn makes for that socket joins it in one frame,
 * and nothing waits for a timer. A socket is idle while nothing is buffered on it and it has
 * had fewer than `burstFrames` (BEACON_BATCH_BURST) frames within the current window of
 * BEACON_BATCH_WINDOW_MS, a window starting with the first frame after a quiet one. Events for
 * a busy socket are gathered until the window timer and sent as one frame: a socket receiving
 * hundreds of events a second gets at most `burstFrames` frames per window at once and the rest
 * gathered, while one receiving a few (nearly all of them) never waits for the window.
 *
 * So at low load a turn makes one event per socket and it goes out microseconds later, as on
 * the bare socket; under load a turn reads many sockets' frames and each socket's events of
 * the whole turn leave in one write: the batches grow with the load that makes the turns
 * long, which is what keeps an overloaded server from falling further behind (a write per
 * event per socket is most of its time). One timer and one immediate serve every socket.
 * Slow sockets keep their (coalesced) backlog and are retried; sockets past the hard cap are
 * closed.
 *
 * The dirty lists are arrays plus a flag on each connection (cheaper than a Set on the
 * fan-out path, which marks ~50 connections per change).
 */
import type { Metrics } from '../metrics/metrics.js';
import type { Connection } from './connection.js';

const SLOW_RETRY_MS = 50;

export class Batcher {
  /** Busy sockets' connections, sent when the window timer fires. */
  #dirty: Connection[] = [];
  #timer: NodeJS.Timeout | null = null;
  /** Idle sockets' connections with events of this turn, sent at its end. */
  #turn: Connection[] = [];
  #immediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly burstFrames: number,
    private readonly now: () => number,
    private readonly onSlowClose: (c: Connection) => void,
    private readonly metrics?: Pick<Metrics, 'frameSent' | 'dropped' | 'slowConsumerClosed'>,
  ) {}

  /**
   * Hands one event to a socket: queued for the end of this turn when the socket is idle (with
   * whatever else this turn brings it), else for the window.
   */
  deliver(c: Connection, body: string, key?: string): void {
    c.enqueue(body, key);
    this.mark(c);
  }

  /** Schedules a connection's pending events: at the end of this turn if the socket is idle, else with the window. */
  mark(c: Connection): void {
    if (c.dirty) return;
    c.dirty = true;
    if (this.#idle(c, this.now())) {
      this.#turn.push(c);
      this.#immediate ??= setImmediate(() => this.#endOfTurn());
    } else {
      this.#dirty.push(c);
      this.#timer ??= setTimeout(() => this.flush(), this.windowMs);
    }
  }

  /**
   * Nothing buffered and the window's burst not used up: waiting longer would only add latency.
   * (With nothing buffered the socket can be neither slow nor over the cap.)
   */
  #idle(c: Connection, now: number): boolean {
    return (this.#windowOver(c, now) || c.burstFrames < this.burstFrames) && c.socket.bufferedAmount === 0;
  }

  /** The socket's batching window has ended: its next frame begins a new one. */
  #windowOver(c: Connection, now: number): boolean {
    return now - c.burstStart >= this.windowMs;
  }

  /** Counts a frame sent to a socket in its window, or starts a new window with it. */
  #sent(c: Connection, now: number): void {
    if (this.#windowOver(c, now)) {
      c.burstStart = now;
      c.burstFrames = 1;
    } else c.burstFrames++;
  }

  forget(c: Connection): void {
    if (!c.dirty) return;
    c.dirty = false;
    // Whichever list holds it; the end of the turn also skips a connection no longer dirty.
    for (const list of [this.#dirty, this.#turn]) {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** Sends the events this turn made for idle sockets; a socket found slow waits for the window. */
  #endOfTurn(): void {
    this.#immediate = null;
    const conns = this.#turn;
    this.#turn = [];
    this.#sendAll(conns);
  }

  /** Sends every pending batch now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const conns = this.#dirty;
    this.#dirty = [];
    this.#sendAll(conns);
    if (this.#turn.length > 0) this.#endOfTurn();
  }

  #sendAll(conns: Connection[]): void {
    let slow = false;
    const now = this.now();
    for (const c of conns) {
      if (!c.dirty) continue;
      c.dirty = false;
      const r = this.#send(c, now);
      if (r === 'sent') this.#sent(c, now);
      else if (r === 'slow') {
        c.dirty = true;
        this.#dirty.push(c);
        slow = true;
      } else if (r === 'dead') {
        this.metrics?.slowConsumerClosed();
        this.onSlowClose(c);
      }
    }
    if (slow) this.#timer ??= setTimeout(() => this.flush(), SLOW_RETRY_MS);
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
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = null;
    for (const c of this.#dirty) c.dirty = false;
    for (const c of this.#turn) c.dirty = false;
    this.#dirty = [];
    this.#turn = [];
  }
}
