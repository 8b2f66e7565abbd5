/**
 * One authenticated socket: its per-socket `seq`, its outgoing batch, and backpressure.
 * Frames are serialised once per change by the caller and shared between recipients;
 * the connection only prefixes its own `seq`.
 *
 * Memory matters here (one per socket, 10,000s of them): an idle connection holds no
 * collections at all; the pending list exists only while something waits to be sent, and
 * the per-key index only while the socket is backed up.
 */
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { AuthContext } from '../auth/auth-service.js';
import type { BufferBudget } from './buffer-budget.js';
import { closeDropping, closeFlood } from './flood-close.js';
import { sendText } from './frame-writer.js';
import type { TokenBucket } from './token-bucket.js';

/** Above this many bytes waiting in the socket, keep only the latest state per friend. */
export const HIGH_WATER_BYTES = 256 * 1024;
/** Above this many bytes waiting, or stuck above high water this long, the client is too slow: close it. */
export const HARD_CAP_BYTES = 4 * 1024 * 1024;
export const STUCK_MS = 30_000;
/** Close code for a client too slow to keep up (RFC 6455 1013: try again later). */
export const SLOW_CONSUMER_CLOSE = 1013;

/**
 * How the server closes a socket: `handshake` waits for the client's close frame (ws: up to 30 s);
 * `drop` drops the connection soon after the close frame went out (a slow consumer); `flood` also
 * stops reading it (flood-close.ts).
 */
export type CloseHow = 'handshake' | 'drop' | 'flood';

/** What became of a direct reply: sent, dropped under backpressure, or the socket must close. */
export type Reply = 'sent' | 'dropped' | 'dead';

export class Connection {
  readonly id: string;
  readonly auth: AuthContext;
  readonly socket: WebSocket;
  /** When the socket was registered and its `ready` made (injected clock). */
  readonly openedAt: number;
  /**
   * Last time any frame arrived, ping and pong included, on the monotonic clock (services.ts):
   * the heartbeat sweep's measure of silence, which a step of the wall clock must not change.
   */
  lastHeard: number;
  /** Set when the server closes the socket for a logout, so the session ends without grace. */
  immediateClose = false;
  /** Set when the server drops the socket for missed heartbeats: its session ended at `lastHeard`, not when that was noticed. */
  wentSilent = false;
  /**
   * The close code the server sent (0: none), which the logs and metrics report: a client that
   * reads nothing, or whose protocol error stopped ws reading, never sends its close frame back,
   * and the socket's `close` event then says 1006 (dropped).
   */
  closeCode = 0;
  /** Whether the batcher holds this connection in its dirty list (maintained by the Batcher). */
  dirty = false;
  /** When this socket's current batching window began (injected clock; maintained by the Batcher). */
  burstStart = -Infinity;
  /** Frames sent within that window (maintained by the Batcher): past its burst, events are gathered. */
  burstFrames = 0;
  /** The id of the upgrade request that opened the socket, carried into every socket log line. */
  reqId = '';
  /** Events dropped under backpressure since the batcher last counted them (metrics). */
  dropped = 0;
  /** performance.now() when the oldest pending event was queued (metrics: change-to-send latency). */
  pendingSince = 0;
  /** This socket's entry in the gateway's token-expiry queue (-1 before it has one). */
  expiryNumber = -1;
  /** Bytes its socket buffered at the last write or budget sweep (maintained by the BufferBudget). */
  heldBytes = 0;
  #seq = 0;
  /** The pending body while it is the only one (the common case), with its key: no arrays for it. */
  #one: string | null = null;
  #oneKey: string | undefined = undefined;
  /** Pending frame bodies (JSON objects without `seq`), in order, from the second on; null slots were coalesced away. */
  #pending: Array<string | null> | null = null;
  /** The key of each pending body (what it is the state of), parallel to #pending. */
  #keys: Array<string | undefined> | null = null;
  #live = 0;
  /** key → index of its newest pending body; only built once the socket is backed up. */
  #latest: Map<string, number> | null = null;
  #slowSince: number | null = null;

  /** The per-socket rate limit; null when BEACON_RATE_LIMITS=off. */
  readonly bucket: TokenBucket | null;
  /** The instance's budget on buffered bytes, told after each write that changed this socket's (null: none, unit tests). */
  readonly budget: BufferBudget | null;

  /** `now`: the injected wall clock; `heardAt`: the monotonic one, read at the same moment. */
  constructor(id: string, auth: AuthContext, socket: WebSocket, now: number, bucket: TokenBucket | null, budget: BufferBudget | null = null, heardAt = now) {
    this.id = id;
    this.auth = auth;
    this.socket = socket;
    this.openedAt = now;
    this.lastHeard = heardAt;
    this.bucket = bucket;
    this.budget = budget;
  }

  /** Queues an event body (a JSON object string without `seq`). `key` names what it is the state of. */
  enqueue(body: string, key?: string): void {
    if (this.#live === 0) {
      this.#one = body;
      this.#oneKey = key;
      this.#live = 1;
      this.pendingSince = performance.now();
      return;
    }
    let pending = this.#pending;
    let keys = this.#keys;
    if (pending === null || keys === null) {
      // A second event: the first moves into the arrays.
      pending = this.#pending = [this.#one];
      keys = this.#keys = [this.#oneKey];
      this.#one = null;
      this.#oneKey = undefined;
    }
    // Nothing pending (the common case: a few events per socket per second) means nothing to
    // coalesce, and no need to ask the socket how much it has buffered.
    if (key !== undefined && pending.length > 0) {
      // Under backpressure only the latest state per key is worth sending: drop the older one.
      const backedUp = this.socket.bufferedAmount > HIGH_WATER_BYTES;
      if (backedUp || this.#latest !== null) {
        const latest = (this.#latest ??= this.#indexKeys());
        const older = latest.get(key);
        if (backedUp && older !== undefined && pending[older] !== null) {
          pending[older] = null;
          this.#live--;
          this.dropped++;
        }
        latest.set(key, pending.length);
      }
    }
    pending.push(body);
    keys.push(key);
    this.#live++;
  }

  /** Events waiting to be sent. */
  get pendingCount(): number {
    return this.#live;
  }

  #indexKeys(): Map<string, number> {
    const m = new Map<string, number>();
    const keys = this.#keys ?? [];
    const pending = this.#pending ?? [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== undefined && pending[i] !== null) m.set(k, i);
    }
    return m;
  }

  /**
   * Sends what is pending: one frame alone, several as one `batch`. Returns 'slow' when the
   * socket is backed up (pending stays, coalesced), 'dead' when it must be closed.
   */
  flush(now: number): 'sent' | 'idle' | 'slow' | 'dead' {
    if (this.#live === 0) return 'idle';
    const buffered = this.socket.bufferedAmount;
    if (buffered > HARD_CAP_BYTES) return 'dead';
    if (buffered > HIGH_WATER_BYTES) {
      this.#slowSince ??= now;
      return now - this.#slowSince > STUCK_MS ? 'dead' : 'slow';
    }
    this.#slowSince = null;
    const pending = this.#pending;
    const one = this.#one;
    this.#one = null;
    this.#oneKey = undefined;
    this.#pending = null;
    this.#keys = null;
    this.#latest = null;
    const live = this.#live;
    this.#live = 0;
    if (pending === null) {
      sendText(this.socket, one!, this.#seqHead());
      this.#wrote(buffered);
      return 'sent';
    }
    if (live === 1) {
      for (const body of pending) if (body !== null) sendText(this.socket, body, this.#seqHead());
      this.#wrote(buffered);
      return 'sent';
    }
    let out = '{"type":"batch","messages":[';
    let first = true;
    for (const body of pending) {
      if (body === null) continue;
      out += `${first ? '' : ','}${this.#seqHead()}${body.slice(1)}`;
      first = false;
    }
    sendText(this.socket, `${out}]}`);
    this.#wrote(buffered);
    return 'sent';
  }

  /**
   * Tells the budget what the socket buffers after a write, when that changed or when it buffered
   * less before the write (`before`) than last told: its client read meanwhile. A socket
   * that reads keeps 0 there (the kernel took the frame), so for it this is one read and a compare.
   */
  #wrote(before: number): void {
    const budget = this.budget;
    if (budget === null) return;
    const bytes = this.socket.bufferedAmount;
    const read = before < this.heldBytes;
    if (bytes !== this.heldBytes || read) budget.held(this, bytes, read);
  }

  /** `{"seq":<this socket's next seq>,`: an event body without its `{` follows it. */
  #seqHead(): string {
    return `{"seq":${++this.#seq},`;
  }

  /**
   * Closes the socket with `code`, remembered as what the server sent (the first code only: ws
   * sends one close frame). `how`: see CloseHow (flood-close.ts).
   */
  close(code: number, reason: string, how: CloseHow = 'handshake'): void {
    if (this.closeCode === 0) this.closeCode = code;
    if (how === 'flood') closeFlood(this.socket, code, reason);
    else if (how === 'drop') closeDropping(this.socket, code, reason);
    else this.socket.close(code, reason);
  }

  /**
   * Closes a client too slow to read what it is sent (past the hard cap, stuck, or shed for the
   * instance's budget): 1013, and the connection, with what it still buffers, dropped soon after
   * instead of held for ws's 30 s closing handshake that a client reading nothing never answers.
   */
  closeSlow(): void {
    this.close(SLOW_CONSUMER_CLOSE, 'slow consumer', 'drop');
  }

  /**
   * Sends an already serialised frame at once, outside the batch and without `seq` (ready,
   * heartbeat_ack, error). Replies
   * count against the same limits as events: a socket that sends but never reads must not
   * grow the server's memory with acks and errors. Above high water a reply is dropped (a
   * client that reads nothing misses nothing); past the hard cap, or stuck above high water
   * for STUCK_MS, the socket is 'dead' and the caller closes it.
   */
  sendRaw(text: string, now?: number): Reply {
    const buffered = this.socket.bufferedAmount;
    if (buffered > HARD_CAP_BYTES) return 'dead';
    if (buffered > HIGH_WATER_BYTES) {
      if (now !== undefined) {
        this.#slowSince ??= now;
        if (now - this.#slowSince > STUCK_MS) return 'dead';
      }
      return 'dropped';
    }
    sendText(this.socket, text);
    this.#wrote(buffered);
    return 'sent';
  }
}
