/**
 * One attempt at `/ws/status`: auth handshake, `ready`, app heartbeat, `seq` bookkeeping.
 * It never reconnects by itself; it reports its end exactly once and the client decides.
 */
import type { ClientFrame, EventFrame, ReadyFrame } from '../protocol/index.js';
import { WS_OPEN, type Timers, type WebSocketCtor, type WebSocketLike } from './transport.js';

/** Close code reported for failures the browser or the SDK detect locally (no close frame). */
export const ABNORMAL_CLOSURE = 1006;
/** Used when the server's `ready` carries no usable interval; the contract's default. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 25_000;
/**
 * How long every heartbeat has to be answered before the socket is given up (at most half an
 * interval, the time between two beats): the regular ones, and the checks of a socket that may
 * have died unnoticed (the machine slept, the network changed). The server answers at once, so
 * a connection that died silently stops showing "Live" within a beat period and this: 17.5 s
 * at the default interval, instead of the 37.5 s a whole interval after the beat gave.
 */
export const PROBE_TIMEOUT_MS = 5_000;

/** Callbacks of a {@link StatusSocket}; none fires after the socket ended. */
export interface StatusSocketHandlers {
  onReady(frame: ReadyFrame): void;
  /**
   * Every event in arrival order, batches unwrapped, duplicates (by `seq`) dropped. `afterGap`:
   * events were lost just before this one (the {@link onGap} that follows says so once per batch).
   */
  onEvent(frame: EventFrame, afterGap: boolean): void;
  /** `seq` jumped: events were lost, local state is stale. After the frame (or batch) that showed it. */
  onGap(): void;
  /**
   * The socket ended (server close, network error, heartbeat or connect timeout). Once.
   * `reason`: the server's close reason ('' when none, or the socket ended on this side).
   */
  onClose(code: number, reachedReady: boolean, reason: string): void;
}

export interface StatusSocketOptions {
  url: string;
  token: string;
  WebSocketImpl: WebSocketCtor;
  timers: Timers;
  /** Give up on an attempt that has not reached `ready` by then. */
  connectTimeoutMs: number;
  handlers: StatusSocketHandlers;
}

/** The error listener of an ended socket: its end is already known (see #finish). */
const ignoreError = (): undefined => undefined;

export class StatusSocket {
  readonly #opts: StatusSocketOptions;
  #ws: WebSocketLike | null = null;
  #ready = false;
  #ended = false;
  #lastSeq = 0;
  #connectTimer: unknown = null;
  #heartbeatTimer: unknown = null;
  #deadline: unknown = null;
  #intervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  /** When the heartbeat timer last ran: a tick much later than due means the page was asleep. */
  #lastBeatAt = 0;

  constructor(opts: StatusSocketOptions) {
    this.#opts = opts;
    const { timers } = opts;
    this.#connectTimer = timers.setTimeout(() => this.#abort(ABNORMAL_CLOSURE), opts.connectTimeoutMs);
    try {
      this.#ws = new opts.WebSocketImpl(opts.url);
    } catch {
      // Report asynchronously: the owner has not stored this object yet.
      timers.setTimeout(() => this.#finish(ABNORMAL_CLOSURE, { notify: true, closeWs: false }), 0);
      return;
    }
    const ws = this.#ws;
    // The token goes in the first frame, never in the URL (URLs end up in logs).
    ws.onopen = () => this.#sendRaw({ type: 'auth', token: opts.token });
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) =>
      this.#finish(typeof ev.code === 'number' ? ev.code : ABNORMAL_CLOSURE, { notify: true, closeWs: false }, typeof ev.reason === 'string' ? ev.reason : '');
    // An error is always followed by close, which carries the code we act on.
    ws.onerror = ignoreError;
  }

  /** True once `ready` arrived and until the socket ends. */
  get ready(): boolean {
    return this.#ready && !this.#ended;
  }

  /** Sends a frame if the session is ready; presence frames are never queued. */
  send(frame: ClientFrame): boolean {
    return this.ready && this.#sendRaw(frame);
  }

  /**
   * Checks a socket that looks open but may have died unnoticed (the page is shown again, the
   * browser is back online, the machine woke up): a heartbeat now, and if nothing at all arrives
   * within {@link PROBE_TIMEOUT_MS} (or half an interval, if shorter) the socket ends as lost.
   * A check (or a beat) already waiting for its answer keeps its deadline: any frame answers
   * both, and a page shown again and again (a person going back and forth between tabs) must
   * not push the end of a dead socket back at each return, showing "Live" as long as they do.
   */
  probe(): void {
    if (!this.ready) return;
    this.#sendRaw({ type: 'heartbeat' });
    this.#awaitAnswer();
  }

  /** The socket ends as lost unless a frame arrives within {@link #answerWithinMs}; an earlier deadline stays. */
  #awaitAnswer(): void {
    this.#deadline ??= this.#opts.timers.setTimeout(() => this.#abort(ABNORMAL_CLOSURE), this.#answerWithinMs());
  }

  /** {@link PROBE_TIMEOUT_MS}, or half an interval if shorter: a beat is answered before the next one is due. */
  #answerWithinMs(): number {
    return Math.min(PROBE_TIMEOUT_MS, this.#intervalMs / 2);
  }

  /** Closes on our own initiative; `onClose` is not called. */
  close(): void {
    this.#finish(0, { notify: false, closeWs: true });
  }

  #sendRaw(frame: ClientFrame): boolean {
    const ws = this.#ws;
    if (!ws || this.#ended || ws.readyState !== WS_OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  #onMessage(data: unknown): void {
    if (this.#ended || typeof data !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // a garbled frame is not worth dropping a healthy connection
    }
    if (typeof frame !== 'object' || frame === null) return;
    const type = (frame as { type?: unknown }).type;
    if (typeof type !== 'string') return;
    // Any frame proves the connection is alive, not only heartbeat_ack.
    this.#clearDeadline();
    if (type === 'ready') this.#onReady(frame as ReadyFrame);
    else if (type === 'batch') this.#onBatch((frame as { messages?: unknown }).messages);
    else if (this.#deliver(frame as EventFrame)) this.#opts.handlers.onGap();
  }

  #onReady(frame: ReadyFrame): void {
    // A malformed ready is treated like none: the connect timeout then counts a failure.
    if (this.#ready || !Array.isArray(frame.friends) || typeof frame.self?.user_id !== 'number') return;
    this.#ready = true;
    this.#opts.timers.clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    const interval =
      typeof frame.heartbeat_interval_ms === 'number' && frame.heartbeat_interval_ms > 0
        ? frame.heartbeat_interval_ms
        : DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#startHeartbeat(interval);
    this.#opts.handlers.onReady(frame);
  }

  #onBatch(messages: unknown): void {
    if (!Array.isArray(messages)) return;
    let gap = false;
    for (const m of messages) {
      if (this.#ended) return; // a handler may have stopped the client mid-batch
      if (typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string') {
        gap = this.#deliver(m as EventFrame) || gap;
      }
    }
    if (gap && !this.#ended) this.#opts.handlers.onGap();
  }

  /** Delivers one event unless it is a duplicate; returns true when a gap preceded it. */
  #deliver(frame: EventFrame): boolean {
    let gap = false;
    if (typeof frame.seq === 'number') {
      if (frame.seq <= this.#lastSeq) return false;
      gap = frame.seq > this.#lastSeq + 1;
      this.#lastSeq = frame.seq;
    }
    this.#opts.handlers.onEvent(frame, gap);
    return gap && !this.#ended;
  }

  /**
   * Heartbeat: a beat every half interval, each to be answered (by any frame) within
   * {@link PROBE_TIMEOUT_MS} (or half an interval if shorter), else the connection is dead even if
   * TCP has not noticed yet (packets dropped, no close). No frame more than before: only how
   * long the SDK trusts a silent socket changed (a whole interval after the beat until then).
   */
  #startHeartbeat(intervalMs: number): void {
    const { timers } = this.#opts;
    this.#intervalMs = intervalMs;
    this.#lastBeatAt = timers.now();
    this.#heartbeatTimer = timers.setInterval(() => {
      const now = timers.now();
      // Due every half interval: more than a whole one since the last run, the page was asleep
      // (laptop lid, frozen tab) and the server has likely dropped this socket meanwhile, while
      // the browser may keep it "open" for minutes. Check it now rather than a full interval later.
      const slept = now - this.#lastBeatAt > intervalMs;
      this.#lastBeatAt = now;
      if (slept) return this.probe();
      this.#sendRaw({ type: 'heartbeat' });
      this.#awaitAnswer();
    }, intervalMs / 2);
  }

  #clearDeadline(): void {
    if (this.#deadline === null) return;
    this.#opts.timers.clearTimeout(this.#deadline);
    this.#deadline = null;
  }

  /** Gives up on a socket that is silent or stuck: close it and report without waiting for TCP. */
  #abort(code: number): void {
    this.#finish(code, { notify: true, closeWs: true });
  }

  #finish(code: number, how: { notify: boolean; closeWs: boolean }, reason = ''): void {
    if (this.#ended) return;
    const reachedReady = this.#ready;
    this.#ended = true;
    const { timers } = this.#opts;
    timers.clearTimeout(this.#connectTimer);
    timers.clearInterval(this.#heartbeatTimer);
    this.#clearDeadline();
    this.#connectTimer = this.#heartbeatTimer = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      // A listener stays: Node's `ws` reports closing a socket that is still connecting (our own
      // close below, on stop() or the connect timeout) as an 'error' event, and one without a
      // listener would be thrown, killing the host process. Nothing after the end is acted on.
      ws.onerror = ignoreError;
      if (how.closeWs) {
        try {
          ws.close(1000); // browsers only accept 1000 or 3000-4999 from clients
        } catch {
          // already closing
        }
      }
    }
    if (how.notify) this.#opts.handlers.onClose(code, reachedReady, reason);
  }
}
