/** A real `ws` client for integration tests: records frames (batches unpacked) and waits for them. */
import WebSocket from 'ws';

export interface Frame {
  type: string;
  seq?: number;
  [k: string]: unknown;
}

/**
 * A race detector for tests, off unless asked: `BEACON_TEST_FRAME_DELAY_MS=30-100` (or one
 * number) lands every received frame that many ms late (a random delay in the range), in order,
 * the close after them; `ready` (the first frame, which `connect()` awaits) lands at once, so a
 * test goes on while the frames its connects caused elsewhere are still on their way. A test that passes only without it takes for its action's effect a frame
 * its setup caused (a mark taken before the setup's frames arrived): wait for them first
 * (`after`, `connectSeenBy`). Ten such tests were found with it (2026-12-07); on a loaded box the
 * same frames arrive late by themselves.
 */
function frameDelay(): (immediate: boolean, deliver: () => void) => void {
  const spec = process.env.BEACON_TEST_FRAME_DELAY_MS;
  if (!spec) return (_immediate, deliver) => deliver();
  const [min, max = min] = spec.split('-').map(Number) as [number, number?];
  if (!Number.isFinite(min) || !Number.isFinite(max) || min < 0 || max < min) {
    throw new Error(`BEACON_TEST_FRAME_DELAY_MS: expected "MIN-MAX" or "MS" (ms), got ${JSON.stringify(spec)}`);
  }
  let chain: Promise<void> = Promise.resolve();
  return (immediate, deliver) => {
    const at = Date.now() + (immediate ? 0 : min + Math.floor(Math.random() * (max - min + 1)));
    chain = chain.then(async () => {
      const left = at - Date.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      deliver();
    });
  };
}

/** A friend's `friend_status_change` about user `id` (to `status`, when given), for next() and since(). */
export function friendChangeOf(id: number, status?: string): (f: Frame) => boolean {
  return (f) => f.type === 'friend_status_change' && f.friend_id === id && (status === undefined || f.status === status);
}

export class TestSocket {
  readonly frames: Frame[] = [];
  /** Raw frames as received (a batch is one). */
  readonly raw: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly #waiters: Array<() => void> = [];
  /** Heartbeats sent through send(), and heartbeat_acks landed: the server answers them in order (settled()). */
  #heartbeats = 0;
  #acks = 0;
  /**
   * The acks settled() awaits, by number (in #acks), with the length of `frames` when each
   * landed (-1 before): they land in `raw` only, not in `frames`.
   */
  readonly #barrierAcks = new Map<number, number>();

  constructor(readonly ws: WebSocket) {
    const land = frameDelay();
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      land(f.type === 'ready', () => {
        this.raw.push(f);
        if (f.type === 'heartbeat_ack' && this.#barrierAcks.has(++this.#acks)) {
          // A barrier's own answer: not one of the frames a test reads.
          this.#barrierAcks.set(this.#acks, this.frames.length);
        } else if (f.type === 'batch') this.frames.push(...(f.messages as Frame[]));
        else this.frames.push(f);
        this.#wake();
      });
    });
    ws.on('close', (code, reason) => {
      land(true, () => {
        this.closed = { code, reason: reason.toString() };
        this.#wake();
      });
    });
    ws.on('error', () => {});
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(frame: unknown): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    if (typeof frame === 'string' ? HEARTBEAT_TEXT.test(frame) : (frame as { type?: unknown } | null)?.type === 'heartbeat') this.#heartbeats++;
    this.ws.send(text);
  }

  /**
   * A barrier for "nothing (more) came": resolves once every frame the server had queued for
   * this socket before the call has landed in `frames` (under BEACON_TEST_FRAME_DELAY_MS too),
   * and answers the length `frames` had when its answer landed: what is below that index came before the
   * barrier. Its own frames (two `heartbeat_ack`s) land in `raw` only, so `since()` and
   * `ofType()` show none of them. It says nothing of frames the server has not queued yet when
   * it is called: work still under way (an await after a REST answer, a close the server has
   * not read yet, another instance, a timer of the server's) can queue them later. For those,
   * wait for that work, or for a later frame on their own path (sentinel.ts), first.
   *
   * Why two round trips, and the wait before them (read in src/server/realtime/):
   * `heartbeat_ack` is written at once (Connection.sendRaw), while events wait in the
   * Batcher: an idle socket's until the end of the event-loop turn that queued them (the
   * Batcher's setImmediate, the check phase, after the poll phase that reads a heartbeat);
   * a busy socket's (its burst used in the window, or bytes still buffered) until the window
   * timer, `batchWindowMs` (BEACON_BATCH_WINDOW_MS) after it was armed, at most. So one ack
   * can overtake events queued before its heartbeat was read. The wait lets that timer come
   * due before the first heartbeat reaches the server (setTimeout(…, 0) is 1 ms). The second
   * heartbeat is sent once the first ack landed, so the server reads it in a later loop
   * turn than the first: by then the check phase of the first one's turn has sent every idle
   * socket's batch queued before the first was read, and the timers phase of its own turn
   * has run the window timer that was due. Its ack is written after both, on the same TCP
   * connection. Not covered: a socket above HIGH_WATER_BYTES (retried every 50 ms), which a
   * test's client reading everything never is. `batchWindowMs`: the server's window when
   * above the default (5 ms); a test server's is usually 0. The acks awaited are counted
   * (heartbeats sent through send()): an earlier heartbeat's ack still on its way is not taken
   * for the barrier's.
   */
  async settled({ batchWindowMs = 5, timeoutMs = 3000 } = {}): Promise<number> {
    await new Promise((r) => setTimeout(r, batchWindowMs + 2));
    let answer = -1;
    for (let trip = 0; trip < 2; trip++) {
      this.send({ type: 'heartbeat' });
      // The server answers heartbeats in order: this one's ack is the #heartbeats-th.
      const mine = Math.max(this.#heartbeats, this.#acks + 1);
      this.#barrierAcks.set(mine, -1);
      const from = this.frames.length;
      try {
        await this.#until(() => this.#barrierAcks.get(mine)! >= 0, timeoutMs, from, "the barrier's heartbeat_ack");
        answer = this.#barrierAcks.get(mine)!;
      } finally {
        this.#barrierAcks.delete(mine);
      }
    }
    return answer;
  }

  /** Waits until `done()`, woken by each frame landing; throws when the socket closes or the time is up (`what`: what was awaited, for the message). */
  async #until(done: () => boolean, timeoutMs: number, from: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; frames: ${JSON.stringify(this.frames.slice(from))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got since the wait began: ${JSON.stringify(this.frames.slice(from))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Where the next frame will land: take it BEFORE an action, and pass it as `from` to wait only for what the action caused. */
  mark(): number {
    return this.frames.length;
  }

  /**
   * Waits for a frame matching `pred` among those at index `from` or later. `from` defaults to
   * now, so a wait never matches a frame that arrived before it started; a frame that may
   * arrive while an awaited action runs needs `after()` or a `mark()` taken before the action.
   */
  async next(pred: (f: Frame) => boolean, { from = this.frames.length, timeoutMs = 3000 } = {}): Promise<Frame> {
    let scanned = from;
    let found: Frame | undefined;
    await this.#until(
      () => {
        found = this.frames.slice(scanned).find(pred);
        scanned = Math.max(scanned, this.frames.length);
        return found !== undefined;
      },
      timeoutMs,
      from,
      'a frame',
    );
    return found!;
  }

  /** Runs `action`, then waits for a frame matching `pred` that arrived after the action began. */
  async after(action: () => unknown, pred: (f: Frame) => boolean, opts: { timeoutMs?: number } = {}): Promise<Frame> {
    const from = this.mark();
    await action();
    return this.next(pred, { ...opts, from });
  }

  /** Frames received since `from` (a `mark()`). */
  since(from: number): Frame[] {
    return this.frames.slice(from);
  }

  /** Frames of `type` received so far. */
  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  async waitClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * A heartbeat sent as text (its only field is `type`: anything more is refused). Matched, not
 * parsed: tests spy on JSON.parse in this process to see what the server parsed.
 */
const HEARTBEAT_TEXT = /^\s*\{\s*"type"\s*:\s*"heartbeat"\s*\}\s*$/;

/** Opens a socket to `baseUrl` without authenticating (`query`: e.g. `?reconnect=1`). */
export async function openSocket(baseUrl: string, headers: Record<string, string> = {}, query = ''): Promise<TestSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/status${query}`, { headers });
  const socket = new TestSocket(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return socket;
}

/** Opens and authenticates a socket; resolves once `ready` arrived. */
export async function connect(baseUrl: string, token: string, query = ''): Promise<{ socket: TestSocket; ready: Frame }> {
  const socket = await openSocket(baseUrl, {}, query);
  socket.send({ type: 'auth', token });
  const ready = await socket.next((f) => f.type === 'ready');
  return { socket, ready };
}
