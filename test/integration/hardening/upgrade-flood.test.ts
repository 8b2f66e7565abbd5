/**
 * An address that opens sockets and never authenticates must not take the server's file
 * descriptors from everyone else: past BEACON_WS_PENDING_PER_ADDRESS such sockets its
 * upgrades get 429, while other addresses (other loopback addresses here) connect as usual.
 */
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { addressKey } from '../../../src/server/client-address.js';
import { defaultMaxSockets } from '../../../src/server/realtime/open-sockets.js';
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

/**
 * Open sockets, authenticated or not: one address with a few hundred accounts (16 sockets each)
 * must not take every file descriptor either; past BEACON_WS_SOCKETS_PER_ADDRESS its upgrades
 * get 429, and past BEACON_WS_MAX_SOCKETS everyone's get 503 while HTTP still answers.
 */
describe('open sockets, per address and in all', () => {
  let t: LiveApp;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await t.close();
  });

  /** Opens a socket from `from` and authenticates it as `token`: its first frame's type, or the HTTP status that refused the upgrade. */
  async function connect(from: string, token: string): Promise<Opened & { first?: string }> {
    const o = await open(t.url, from);
    sockets.push(o.ws);
    if (o.status !== 101) return o;
    const first = firstFrame(o.ws);
    o.ws.send(JSON.stringify({ type: 'auth', token }));
    return { ...o, first: (await first).type };
  }

  it('refuses an address past its open sockets with 429, whichever accounts they are signed in to, while other addresses connect', async () => {
    t = await startLiveApp({ wsSocketsPerAddress: 3, rateLimits: true });
    const users = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => t.register(n)));
    const mine = [];
    for (const u of users.slice(0, 3)) mine.push(await connect('127.0.0.2', u.token));
    expect(mine.map((o) => o.first)).toEqual(['ready', 'ready', 'ready']);

    const refused = await connect('127.0.0.2', users[3]!.token);
    expect(refused.status).toBe(429);
    expect(JSON.parse('body' in refused ? refused.body : '{}')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(t.app.gateway.openSocketsFrom('127.0.0.2')).toBe(3);
    // Another address is not affected.
    expect((await connect('127.0.0.3', users[3]!.token)).first).toBe('ready');

    // A socket that goes gives its slot back.
    const gone = closed(mine[0]!.ws);
    mine[0]!.ws.close();
    await gone;
    await expect.poll(() => t.app.gateway.openSocketsFrom('127.0.0.2')).toBe(2);
    expect((await connect('127.0.0.2', users[0]!.token)).first).toBe('ready');
  });

  it('refuses every upgrade past the instance cap with 503 while logins and REST still answer', async () => {
    t = await startLiveApp({ wsMaxSockets: 2 });
    const alice = await t.register('alice');
    const first = await connect('127.0.0.2', alice.token);
    expect(first.first).toBe('ready');
    expect((await connect('127.0.0.3', alice.token)).first).toBe('ready');

    const full = await connect('127.0.0.4', alice.token);
    expect(full.status).toBe(503);
    expect(JSON.parse('body' in full ? full.body : '{}')).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    // HTTP is served: a new account registers, and reads its friends' statuses (the SDK's polling).
    const bob = await t.register('bob');
    const polled = await fetch(`${t.url}/api/v1/users/me/friends/status`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(polled.status).toBe(200);

    const gone = closed(first.ws);
    first.ws.close();
    await gone;
    await expect.poll(() => t.app.gateway.openSocketsFrom('127.0.0.2')).toBe(0);
    expect((await connect('127.0.0.4', bob.token)).first).toBe('ready');
  });

  it('an upgrade refused for open sockets holds no slot of the sockets awaiting auth', async () => {
    t = await startLiveApp({ wsSocketsPerAddress: 1, wsPendingPerAddress: 1, rateLimits: true });
    const alice = await t.register('alice');
    expect((await connect('127.0.0.2', alice.token)).first).toBe('ready');
    expect((await open(t.url, '127.0.0.2')).status).toBe(429);
    expect(t.app.gateway.waitingToAuthenticate('127.0.0.2')).toBe(0);
    expect(t.app.gateway.openSocketsFrom('127.0.0.2')).toBe(1);
  });

  it('lifts the cap per address, not the instance cap, with BEACON_RATE_LIMITS=off (a load test from one machine)', async () => {
    t = await startLiveApp({ wsSocketsPerAddress: 1, wsMaxSockets: 3, rateLimits: false });
    const alice = await t.register('alice');
    const opened = [];
    for (let i = 0; i < 4; i++) opened.push(await connect('127.0.0.2', alice.token));
    expect(opened.map((o) => o.first ?? o.status)).toEqual(['ready', 'ready', 'ready', 503]);
  });

  it('by default leaves 2,000 of the open-files limit to HTTP, the database and files (half of a small limit)', () => {
    expect(defaultMaxSockets(20_000)).toBe(18_000);
    expect(defaultMaxSockets(1_048_576)).toBe(1_046_576);
    expect(defaultMaxSockets(1024)).toBe(512);
    expect(defaultMaxSockets(null)).toBe(Infinity);
  });
});
