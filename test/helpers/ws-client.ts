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

export class TestSocket {
  readonly frames: Frame[] = [];
  /** Raw frames as received (a batch is one). */
  readonly raw: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    const land = frameDelay();
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      land(f.type === 'ready', () => {
        this.raw.push(f);
        if (f.type === 'batch') this.frames.push(...(f.messages as Frame[]));
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
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
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
    const deadline = Date.now() + timeoutMs;
    let scanned = from;
    for (;;) {
      const found = this.frames.slice(scanned).find(pred);
      if (found) return found;
      scanned = Math.max(scanned, this.frames.length);
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; frames: ${JSON.stringify(this.frames.slice(from))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; got since the wait began: ${JSON.stringify(this.frames.slice(from))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
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
