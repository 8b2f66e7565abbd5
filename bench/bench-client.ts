/**
 * One simulated user's socket in a generator worker: connect (optionally from a chosen
 * loopback source address), authenticate, wait for `ready`, heartbeat, and hand every
 * received event to the worker's sink. It never answers anything but heartbeats and
 * `are_you_there` probes, as the benchmark issue asks.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { ACTIVITIES, OTHER_ACTIVITY, nowMs, type ClientSpec } from './protocol.js';

export interface ClientSink {
  /** A friend_status_change carrying a churn message `m<id>`. */
  receipt(id: number, act: number, at: number): void;
  frame(payloadBytes: number): void;
  offline(friendId: number): void;
  otherChange(): void;
  error(what: string): void;
  unexpectedClose(code: number): void;
}

interface EventLike {
  type?: unknown;
  messages?: unknown;
  status?: unknown;
  activity?: unknown;
  custom_message?: unknown;
  friend_id?: unknown;
  heartbeat_interval_ms?: unknown;
  self?: { activity?: unknown };
}

export function activityCode(value: unknown): number {
  const i = ACTIVITIES.indexOf(value as (typeof ACTIVITIES)[number]);
  return i < 0 ? OTHER_ACTIVITY : i;
}

export class BenchClient {
  ws: WebSocket | null = null;
  ready = false;
  /** Activity code the server last reported for this user (ready.self) or we last set. */
  activity = OTHER_ACTIVITY;
  /** Wire bytes read by sockets of this client that are already closed. */
  closedWireBytes = 0;
  #socket: net.Socket | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #closing = false;

  constructor(
    readonly spec: ClientSpec,
    private readonly sink: ClientSink,
    private readonly compression: boolean,
  ) {}

  /** Wire bytes read so far, frame headers and (de)compression included. */
  wireBytes(): number {
    return this.closedWireBytes + (this.#socket?.bytesRead ?? 0);
  }

  /** Resolves with ms from start to `ready`; rejects on error, close or timeout. */
  open(timeoutMs: number): Promise<number> {
    const started = nowMs();
    this.#closing = false;
    return new Promise<number>((resolve, reject) => {
      const { url, localAddress } = this.spec;
      const target = new URL(url);
      const ws = new WebSocket(url, {
        perMessageDeflate: this.compression,
        handshakeTimeout: timeoutMs,
        createConnection: () => {
          const s = net.connect({ host: target.hostname, port: Number(target.port), localAddress });
          this.#socket = s;
          s.once('close', () => {
            this.closedWireBytes += s.bytesRead;
            if (this.#socket === s) this.#socket = null;
          });
          return s;
        },
      });
      this.ws = ws;
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.sink.error(why);
        ws.terminate();
        reject(new Error(why));
      };
      const timer = setTimeout(() => fail('timeout waiting for ready'), timeoutMs);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: this.spec.token })));
      ws.on('error', (err) => (settled ? this.sink.error(`socket error: ${err.message}`) : fail(`socket error: ${err.message}`)));
      ws.on('close', (code) => {
        if (!settled) return fail(`closed ${code} before ready`);
        if (this.ws !== ws) return; // an old socket of a client that has already reconnected
        this.#stopHeartbeat();
        this.ready = false;
        if (!this.#closing) this.sink.unexpectedClose(code);
      });
      ws.on('message', (data: Buffer) => {
        this.sink.frame(data.length);
        let frame: EventLike;
        try {
          frame = JSON.parse(data.toString()) as EventLike;
        } catch {
          this.sink.error('unparsable frame');
          return;
        }
        if (frame.type === 'ready') {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.ready = true;
          this.activity = activityCode(frame.self?.activity);
          this.#startHeartbeat(typeof frame.heartbeat_interval_ms === 'number' ? frame.heartbeat_interval_ms : 25_000);
          resolve(nowMs() - started);
          return;
        }
        this.#handle(frame);
      });
    });
  }

  #handle(frame: EventLike): void {
    if (frame.type === 'batch' && Array.isArray(frame.messages)) {
      for (const m of frame.messages as EventLike[]) this.#handle(m);
      return;
    }
    if (frame.type === 'friend_status_change') {
      if (frame.status === 'offline') this.sink.offline(Number(frame.friend_id));
      const msg = frame.custom_message;
      if (typeof msg === 'string' && msg.charCodeAt(0) === 109 /* m */) {
        const id = Number(msg.slice(1));
        if (Number.isInteger(id)) return this.sink.receipt(id, activityCode(frame.activity), nowMs());
      }
      this.sink.otherChange();
    } else if (frame.type === 'are_you_there') {
      this.send('{"type":"still_here"}');
    } else if (frame.type === 'error') {
      this.sink.error(`error frame: ${JSON.stringify(frame).slice(0, 200)}`);
    }
  }

  /** Sends a raw frame when the socket is open and authenticated; false otherwise. */
  send(text: string): boolean {
    const ws = this.ws;
    if (!ws || !this.ready || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(text);
    return true;
  }

  /** Drops the socket without a closing handshake (a crash or a lost network). */
  drop(): void {
    this.#closing = true;
    this.#stopHeartbeat();
    this.ready = false;
    this.ws?.terminate();
  }

  #startHeartbeat(intervalMs: number): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => this.send('{"type":"heartbeat"}'), Math.max(50, intervalMs / 2));
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }
}
