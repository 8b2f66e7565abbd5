/**
 * An address that opens sockets and never authenticates must not take the server's file
 * descriptors from everyone else: past BEACON_WS_PENDING_PER_ADDRESS such sockets its
 * upgrades get 429, while other addresses (other loopback addresses here) connect as usual.
 */
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { addressKey } from '../../../src/server/client-address.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';

type Opened = { ws: WebSocket; status: 101 } | { ws: WebSocket; status: number; body: string };

/** Opens a socket from a chosen loopback address: 101 when it upgraded, else the HTTP answer. */
function open(url: string, localAddress: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/status`, { localAddress });
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ ws, status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

function firstFrame(ws: WebSocket): Promise<{ type: string }> {
  return new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as { type: string })));
}

describe('sockets awaiting auth, per address', () => {
  let t: LiveApp;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await t.close();
  });

  async function flood(from: string, n: number): Promise<Opened[]> {
    const out: Opened[] = [];
    for (let i = 0; i < n; i++) {
      const o = await open(t.url, from);
      sockets.push(o.ws);
      out.push(o);
    }
    return out;
  }

  it('refuses an address past the cap with 429 while others connect and authenticate', async () => {
    t = await startLiveApp({ wsPendingPerAddress: 4 });
    const alice = await t.register('alice');
    const opened = await flood('127.0.0.2', 6);
    expect(opened.map((o) => o.status)).toEqual([101, 101, 101, 101, 429, 429]);
    const refused = opened[4]!;
    expect(JSON.parse('body' in refused ? refused.body : '{}')).toMatchObject({ code: 'RATE_LIMITED' });

    // Another address is not affected: it connects and gets its ready snapshot.
    const other = await open(t.url, '127.0.0.3');
    sockets.push(other.ws);
    expect(other.status).toBe(101);
    const ready = firstFrame(other.ws);
    other.ws.send(JSON.stringify({ type: 'auth', token: alice.token }));
    expect((await ready).type).toBe('ready');
  });

  it('gives a slot back when a socket authenticates, closes or is dropped, so the address is never locked out for good', async () => {
    t = await startLiveApp({ wsPendingPerAddress: 2 });
    const alice = await t.register('alice');
    const [a, b] = await flood('127.0.0.2', 2);
    expect((await flood('127.0.0.2', 1))[0]!.status).toBe(429);

    // The first authenticates: its slot is free again, and an authenticated socket holds none.
    const ready = firstFrame(a!.ws);
    a!.ws.send(JSON.stringify({ type: 'auth', token: alice.token }));
    expect((await ready).type).toBe('ready');
    const [c] = await flood('127.0.0.2', 1);
    expect(c!.status).toBe(101);
    expect((await flood('127.0.0.2', 1))[0]!.status).toBe(429);

    // The second closes, the third is dropped without a closing handshake: both slots come back.
    const bGone = closed(b!.ws);
    b!.ws.close();
    await bGone;
    c!.ws.terminate();
    await expect.poll(() => t.app.gateway.waitingToAuthenticate('127.0.0.2')).toBe(0);
    expect((await flood('127.0.0.2', 2)).map((o) => o.status)).toEqual([101, 101]);
  });

  it('keeps the slot of a socket refused for its token until its connection is really gone', async () => {
    t = await startLiveApp({ wsPendingPerAddress: 2 });
    // A flooder sends a bad token and never reads the server's close: the server then waits up to
    // 30 s for the closing handshake, holding the descriptor, so the slot must stay taken too.
    for (const o of await flood('127.0.0.2', 2)) {
      o.ws.send(JSON.stringify({ type: 'auth', token: 'not-a-token' }));
      (o.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await flood('127.0.0.2', 1))[0]!.status).toBe(429);
    expect(t.app.gateway.waitingToAuthenticate('127.0.0.2')).toBe(2);
  });

  it('keeps the slot of a socket refused for opening too often (4429) until it is gone, and drops it within seconds', async () => {
    // A valid token gets past the token check: a script opening sockets with it faster than the
    // account may (connect-rate.ts) and never answering the 4429 close held a descriptor per
    // socket for 30 s, in no count at all (600 from one address, far past the cap of 256).
    t = await startLiveApp({ wsPendingPerAddress: 2, rateLimits: true });
    const eve = await t.register('eve');
    // Eve spends her connect budget from elsewhere (the clock is held: it never refills).
    let spent = false;
    while (!spent) {
      const o = await open(t.url, '127.0.0.3');
      const first = new Promise<number | 'ready'>((resolve) => {
        o.ws.once('message', (d: Buffer) => resolve((JSON.parse(d.toString()) as { type: string }).type === 'ready' ? 'ready' : 0));
        o.ws.once('close', (code) => resolve(code));
      });
      o.ws.send(JSON.stringify({ type: 'auth', token: eve.token }));
      spent = (await first) === 4429;
      o.ws.terminate();
    }
    const refused = await flood('127.0.0.2', 2);
    // The server's closes (its sockets are this process's ws too): the count below is read once
    // both are refused, however slow the machine, not after a fixed pause it may not have used.
    const closes = vi.spyOn(WebSocket.prototype, 'close');
    const refusals = () => closes.mock.calls.filter(([code]) => code === 4429).length;
    for (const o of refused) {
      // Never reads the server's answer, so never answers its close.
      o.ws.send(JSON.stringify({ type: 'auth', token: eve.token }));
      (o.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    }
    await expect.poll(refusals, { timeout: 10_000 }).toBe(2);
    closes.mockRestore();
    expect(t.app.gateway.waitingToAuthenticate('127.0.0.2')).toBe(2);
    expect((await flood('127.0.0.2', 1))[0]!.status).toBe(429);
    // Refused as a flood (flood-close.ts): the server drops the connection a moment after its close, not 30 s later.
    await expect.poll(() => t.app.gateway.waitingToAuthenticate('127.0.0.2'), { timeout: 5000 }).toBe(0);
  });

  it('gives the slot back when the auth timeout closes a silent socket', async () => {
    t = await startLiveApp({ wsPendingPerAddress: 1 }, { gateway: { authTimeoutMs: 1000 } });
    const [silent] = await flood('127.0.0.2', 1);
    expect((await flood('127.0.0.2', 1))[0]!.status).toBe(429);
    expect(await closed(silent!.ws)).toBe(4408);
    await expect.poll(() => t.app.gateway.waitingToAuthenticate('127.0.0.2')).toBe(0);
    expect((await flood('127.0.0.2', 1))[0]!.status).toBe(101);
  });

  it('takes no slot for requests to the route that are not upgrades, on a kept-alive connection', async () => {
    t = await startLiveApp({ wsPendingPerAddress: 2 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.2' });
    try {
      for (const method of ['GET', 'GET', 'HEAD', 'GET']) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request(`${t.url}/ws/status`, { method, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
        expect(status).not.toBe(429);
      }
      expect(t.app.gateway.waitingToAuthenticate('127.0.0.2')).toBe(0);
      expect((await flood('127.0.0.2', 2)).map((o) => o.status)).toEqual([101, 101]);
    } finally {
      agent.destroy();
    }
  });

  it('lets injected sockets (a host app testing with injectWS) through: they have no address to count', async () => {
    t = await startLiveApp({ wsPendingPerAddress: 1 });
    const alice = await t.register('alice');
    const ws = await t.app.injectWS('/ws/status');
    sockets.push(ws);
    const ready = firstFrame(ws);
    ws.send(JSON.stringify({ type: 'auth', token: alice.token }));
    expect((await ready).type).toBe('ready');
  });

  it('counts IPv4 whole, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
