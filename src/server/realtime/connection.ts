/**
 * One authenticated socket: its per-socket `seq`, its outgoing batch, and backpressure.
 * Frames are serialised once per change by the caller and shared between recipients;
 * the connection only prefixes its own `seq`.
 */
import type { WebSocket } from 'ws';
import type { AuthContext } from '../auth/auth-service.js';
import type { TokenBucket } from './token-bucket.js';

/** Above this many bytes waiting in the socket, keep only the latest state per friend. */
export const HIGH_WATER_BYTES = 256 * 1024;
/** Above this many bytes waiting, or stuck above high water this long, the client is too slow: close it. */
export const HARD_CAP_BYTES = 4 * 1024 * 1024;
export const STUCK_MS = 30_000;

export class Connection {
  readonly id: string;
  readonly auth: AuthContext;
  readonly socket: WebSocket;
  /** Last time any frame or pong arrived (injected clock). */
  lastSeen: number;
  /** Set when the server closes the socket for a logout, so the session ends without grace. */
  immediateClose = false;
  #seq = 0;
  /** Pending frame bodies in order; keyed ones (one friend's state) are coalesced under backpressure. */
  #pending = new Map<string, string>();
  #unique = 0;
  /** key → its newest pending entry. */
  #latest = new Map<string, string>();
  #slowSince: number | null = null;

  /** The per-socket rate limit; null when BEACON_RATE_LIMITS=off. */
  readonly bucket: TokenBucket | null;

  constructor(id: string, auth: AuthContext, socket: WebSocket, now: number, bucket: TokenBucket | null) {
    this.id = id;
    this.auth = auth;
    this.socket = socket;
    this.lastSeen = now;
    this.bucket = bucket;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Queues an event body (a JSON object string without `seq`). `key` names what it is the state of. */
  enqueue(body: string, key?: string): void {
    const entry = `#${this.#unique++}`;
    if (key !== undefined) {
      // Under backpressure only the latest state per key is worth sending: drop the older one.
      const older = this.#latest.get(key);
      if (older !== undefined && this.socket.bufferedAmount > HIGH_WATER_BYTES) this.#pending.delete(older);
      this.#latest.set(key, entry);
    }
    this.#pending.set(entry, body);
  }

  /**
   * Sends what is pending: one frame alone, several as one `batch`. Returns 'slow' when the
   * socket is backed up (pending stays, coalesced), 'dead' when it must be closed.
   */
  flush(now: number): 'sent' | 'idle' | 'slow' | 'dead' {
    if (this.#pending.size === 0) return 'idle';
    const buffered = this.socket.bufferedAmount;
    if (buffered > HARD_CAP_BYTES) return 'dead';
    if (buffered > HIGH_WATER_BYTES) {
      this.#slowSince ??= now;
      return now - this.#slowSince > STUCK_MS ? 'dead' : 'slow';
    }
    this.#slowSince = null;
    const frames: string[] = [];
    for (const body of this.#pending.values()) frames.push(`{"seq":${++this.#seq},${body.slice(1)}`);
    this.#pending.clear();
    this.#latest.clear();
    this.socket.send(frames.length === 1 ? frames[0]! : `{"type":"batch","messages":[${frames.join(',')}]}`);
    return 'sent';
  }

  /** Sends a frame at once, outside the batch and without `seq` (ready, heartbeat_ack, error). */
  sendNow(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }
}
