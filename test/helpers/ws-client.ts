/** A real `ws` client for integration tests: records frames (batches unpacked) and waits for them. */
import WebSocket from 'ws';

export interface Frame {
  type: string;
  seq?: number;
  [k: string]: unknown;
}

export class TestSocket {
  readonly frames: Frame[] = [];
  /** Raw frames as received (a batch is one). */
  readonly raw: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      this.raw.push(f);
      if (f.type === 'batch') this.frames.push(...(f.messages as Frame[]));
      else this.frames.push(f);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    ws.on('error', () => {});
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for a frame matching `pred` that arrives after index `from` (default: any). */
  async next(pred: (f: Frame) => boolean, { from = 0, timeoutMs = 3000 } = {}): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(pred);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; frames: ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
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

/** Opens a socket to `baseUrl` without authenticating. */
export async function openSocket(baseUrl: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/status`, { headers });
  const socket = new TestSocket(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return socket;
}

/** Opens and authenticates a socket; resolves once `ready` arrived. */
export async function connect(baseUrl: string, token: string): Promise<{ socket: TestSocket; ready: Frame }> {
  const socket = await openSocket(baseUrl);
  socket.send({ type: 'auth', token });
  const ready = await socket.next((f) => f.type === 'ready');
  return { socket, ready };
}
