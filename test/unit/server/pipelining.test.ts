/** oneRequestAtATime: the app sees a connection's requests one at a time, and a deep pipeline closes it. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_WAITING, oneRequestAtATime } from '../../../src/server/pipelining.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = null;
});

/** A server whose app answers each request after 5 ms, counting how many it holds at once. */
async function slowApp(): Promise<{ port: number; seen: string[]; most: () => number; refused: IncomingMessage[] }> {
  const seen: string[] = [];
  const refused: IncomingMessage[] = [];
  let now = 0;
  let most = 0;
  server = createServer(
    oneRequestAtATime((req, res) => {
      seen.push(req.url!);
      most = Math.max(most, ++now);
      setTimeout(() => {
        now--;
        res.end(req.url);
      }, 5);
    }, (req) => void refused.push(req)),
  );
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, seen, most: () => most, refused };
}

function pipeline(port: number, n: number): { received: () => string; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.write(Array.from({ length: n }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
  setTimeout(() => socket.destroy(), 3_000).unref();
  return { received: () => received, closed };
}

describe('oneRequestAtATime', () => {
  it('hands a pipelined connection\'s requests to the app one at a time, and answers all in order', async () => {
    const app = await slowApp();
    const c = pipeline(app.port, MAX_WAITING + 1);
    await expect.poll(() => app.seen.length, { timeout: 2_000 }).toBe(MAX_WAITING + 1);
    expect(app.most()).toBe(1);
    expect(app.seen).toEqual(Array.from({ length: MAX_WAITING + 1 }, (_, i) => `/${i}`));
    await expect.poll(() => c.received().match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(MAX_WAITING + 1);
    expect(app.refused).toEqual([]);
  });

  it('closes a connection with more than MAX_WAITING waiting; the app never sees the rest', async () => {
    const app = await slowApp();
    const c = pipeline(app.port, 1_000);
    await c.closed;
    expect(app.refused).toHaveLength(1);
    // The one being answered, perhaps; never the 1,000.
    expect(app.seen.length).toBeLessThanOrEqual(1);
    expect(app.most()).toBe(1);
  });
});
