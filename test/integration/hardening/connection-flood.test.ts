/**
 * An address that opens TCP connections and never sends a request must not take the server's
 * file descriptors from everyone else (Node keeps such a connection for ever): past
 * BEACON_HTTP_CONNECTIONS_PER_ADDRESS its connections are closed at once, an idle one is
 * closed after BEACON_HTTP_IDLE_TIMEOUT_MS, and other addresses (other loopback addresses
 * here) are served as usual. Upgraded sockets stop counting; a trusted proxy is not capped.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';

/** A connection from `localAddress` that sends nothing; resolves once the client side is connected. */
function silent(url: string, localAddress: string): Promise<net.Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: Number(port), localAddress }, () => resolve(s));
    s.once('error', reject);
  });
}

/** GET /healthz from `localAddress` on a fresh connection: the status, or the error's code. */
function healthz(url: string, localAddress: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { agent: false, localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** An authenticated WebSocket from `localAddress`, once its `ready` arrived. */
function signedInSocket(url: string, token: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/status`, { localAddress });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.once('message', (d: Buffer) => ((JSON.parse(d.toString()) as { type: string }).type === 'ready' ? resolve(ws) : reject(new Error(d.toString()))));
    ws.once('error', reject);
  });
}

function closedWithin(s: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.closed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.resume();
  });
}

/** A connection from 127.0.0.2 that asked once (GET /healthz) and then went quiet: its answer's text, and when it came. */
async function answeredOnce(t: LiveApp, sockets: net.Socket[]): Promise<{ s: net.Socket; answer: string; answeredAt: number }> {
  const s = await silent(t.url, '127.0.0.2');
  sockets.push(s);
  let answer = '';
  s.on('data', (d: Buffer) => (answer += d.toString()));
  s.write('GET /healthz HTTP/1.1\r\nHost: beacon\r\n\r\n');
  await expect.poll(() => answer.includes('"status":"ok"')).toBe(true);
  return { s, answer, answeredAt: Date.now() };
}

describe('open HTTP connections, per address', () => {
  let t: LiveApp;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await t.close();
  });

  async function hold(from: string, n: number): Promise<net.Socket[]> {
    const out: net.Socket[] = [];
    for (let i = 0; i < n; i++) out.push(await silent(t.url, from));
    sockets.push(...out);
    return out;
  }

  it('closes an address\'s connections past the cap at once, while other addresses are served', async () => {
    t = await startLiveApp({ httpConnectionsPerAddress: 3 });
    const held = await hold('127.0.0.2', 3);
    await expect.poll(() => t.app.connectionGuard.open('127.0.0.2')).toBe(3);

    const [extra] = await hold('127.0.0.2', 1);
    expect(await closedWithin(extra!, 2000)).toBe(true);
    expect(await healthz(t.url, '127.0.0.2')).not.toBe(200);
    expect(await closedWithin(held[0]!, 200)).toBe(false); // the ones within the cap stay

    // Another address is served, and a user there signs in and connects as usual.
    expect(await healthz(t.url, '127.0.0.3')).toBe(200);
    const alice = await t.register('alice');
    await t.connect(alice.token);

    // A held connection goes: its slot comes back.
    held[0]!.destroy();
    await expect.poll(() => t.app.connectionGuard.open('127.0.0.2')).toBe(2);
    expect(await healthz(t.url, '127.0.0.2')).toBe(200);
  });

  it('closes a connection that sends nothing after the idle timeout, but never an upgraded socket', async () => {
    t = await startLiveApp({ httpIdleTimeoutMs: 300 });
    const alice = await t.register('alice');
    const { socket } = await t.connect(alice.token);
    const [quiet] = await hold('127.0.0.2', 1);
    const started = Date.now();
    expect(await closedWithin(quiet!, 5000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect.poll(() => t.app.connectionGuard.open('127.0.0.2')).toBe(0);

    // The WebSocket has been quiet for longer than that, and still answers.
    await new Promise((r) => setTimeout(r, 600));
    const mark = socket.mark();
    socket.send({ type: 'heartbeat' });
    expect((await socket.next((f) => f.type === 'heartbeat_ack', { from: mark })).type).toBe('heartbeat_ack');
  });

  it('answers 408 {code, message} and closes a request whose body never stops trickling in, after twice the idle timeout', async () => {
    t = await startLiveApp({ httpIdleTimeoutMs: 300 });
    const s = await silent(t.url, '127.0.0.2');
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{');
    // A byte every 100 ms: never idle for the 300 ms the idle timeout waits.
    const drip = setInterval(() => s.writable && s.write(' '), 100);
    const started = Date.now();
    try {
      expect(await closedWithin(s, 5000)).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"message":"The request took too long to arrive"');
    expect(await healthz(t.url, '127.0.0.3')).toBe(200);
  });

  it('closes a keep-alive connection idle after its last answer within the same timeout, and says so in Keep-Alive', async () => {
    t = await startLiveApp({ httpIdleTimeoutMs: 300 });
    const { s, answer, answeredAt } = await answeredOnce(t, sockets);
    expect(answer.toLowerCase()).toContain('keep-alive: timeout=0'); // whole seconds of 300 ms, not Fastify's 72
    expect(await closedWithin(s, 3000)).toBe(true);
    expect(Date.now() - answeredAt).toBeLessThan(2000);
  });

  it('keeps Fastify’s keep-alive (72 s) behind a trusted proxy, longer than proxies keep their pooled connections', async () => {
    t = await startLiveApp({ httpIdleTimeoutMs: 300, trustProxy: ['127.0.0.2'] });
    const { s, answer } = await answeredOnce(t, sockets);
    expect(answer.toLowerCase()).toContain('keep-alive: timeout=72');
    expect(await closedWithin(s, 1000)).toBe(false);
  });

  it('stops counting a connection once it is upgraded to a WebSocket', async () => {
    t = await startLiveApp({ httpConnectionsPerAddress: 2 });
    const alice = await t.register('alice');
    const upgraded: WebSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) upgraded.push(await signedInSocket(t.url, alice.token, '127.0.0.2'));
      expect(t.app.connectionGuard.open('127.0.0.2')).toBe(0);
      expect(await healthz(t.url, '127.0.0.2')).toBe(200);
    } finally {
      for (const ws of upgraded) ws.terminate();
    }
  });

  it('does not cap a trusted proxy, whose connections carry every client', async () => {
    t = await startLiveApp({ httpConnectionsPerAddress: 1, trustProxy: ['127.0.0.2'] });
    await hold('127.0.0.2', 3);
    expect(await healthz(t.url, '127.0.0.2')).toBe(200);
    expect(t.app.connectionGuard.open('127.0.0.2')).toBe(0);
    // Any other peer is still capped.
    await hold('127.0.0.3', 1);
    await expect.poll(() => t.app.connectionGuard.open('127.0.0.3')).toBe(1);
    expect(await healthz(t.url, '127.0.0.3')).not.toBe(200);
  });
});
