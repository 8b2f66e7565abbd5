/**
 * SIGTERM on the real process: sockets close with 1001, presence still in the write-behind
 * reaches the database, every step is logged, and the process exits 0. A drain that cannot
 * finish ends at BEACON_SHUTDOWN_TIMEOUT_MS (exit 1); a second SIGTERM ends it at once (143).
 * One that could not write presence to the database, or save it to Redis, exits 1 too.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { exitReport, logLines, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { freshDatabase } from '../helpers/databases.js';
import { REDIS_URL, requireRedis, startRedisProxy, uniquePrefix } from '../helpers/redis.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A raw TCP connection to the server, connected, its errors (a reset at the stop) ignored. */
async function rawConnection(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** SIGTERM, then the exit code and how long after the signal the process exited. */
async function stopTimed(server: ChildServer): Promise<{ code: number | string; ms: number }> {
  const sent = Date.now();
  server.child.kill('SIGTERM');
  const { code, at } = await server.exited;
  return { code, ms: at - sent };
}

/** A request whose body never finishes: the server cannot complete it, so the drain cannot end by itself. */
async function hangingRequest(url: string): Promise<Socket> {
  const socket = await rawConnection(url);
  socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
  await new Promise((r) => setTimeout(r, 100));
  return socket;
}

const messages = (s: ChildServer) => logLines(s.stdout()).map((l) => String(l.msg));

/** Registers a user, opens a socket for them and waits for `ready`; `send` sends a frame on it. */
async function connectedUser(url: string, username: string): Promise<{ send: (frame: object) => void; frames: Array<{ type: string; status?: string }> }> {
  const res = await post(`${url}/api/v1/auth/register`, { username, password: 'pass-phrase-for-tests' });
  const { token } = (await res.json()) as { token: string };
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/status`);
  const frames: Array<{ type: string; status?: string }> = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as { type: string }));
  ws.on('error', () => {});
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'auth', token }));
  await expect.poll(() => frames.some((f) => f.type === 'ready')).toBe(true);
  return { send: (frame) => ws.send(JSON.stringify(frame)), frames };
}

// Each test starts Beacon as a child process (startChildServer waits up to 30 s for it): on a loaded
// 2-core box a start took 15-18 s, so the suite's 20 s per test timed out before that deadline could.
describe('graceful shutdown', { timeout: 60_000 }, () => {
  let server: ChildServer | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.cleanup();
    server = null;
  });

  it('on SIGTERM closes sockets with 1001, writes pending presence, closes the database, logs each step and exits 0', async () => {
    // The write-behind would not run for an hour: only the shutdown can write Alice's status.
    server = await startChildServer({ BEACON_PERSIST_INTERVAL_MS: '3600000' });
    const res = await post(`${server.url}/api/v1/auth/register`, { username: 'alice', password: 'pass-phrase-for-tests' });
    const { token, user } = (await res.json()) as { token: string; user: { id: number } };
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/status`);
    const frames: Array<{ type: string; status?: string }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as { type: string }));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'auth', token }));
    await expect.poll(() => frames.some((f) => f.type === 'ready')).toBe(true);
    ws.send(JSON.stringify({ type: 'set_status', status: 'busy', custom_message: 'written at shutdown' }));
    await expect.poll(() => frames.some((f) => f.type === 'status_update' && f.status === 'busy')).toBe(true);

    server.child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect((await server.exited).code, exitReport(server)).toBe(0);
    expect(messages(server)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^shutting down/),
        'shutdown: sockets closed with 1001',
        'shutdown: presence written to the database',
        'shutdown: database closed',
        'shutdown complete',
      ]),
    );
    const db = new SQLite(join(server.dir, 'beacon.db'), { readonly: true });
    const row = db.prepare('select custom_message from users where id = ?').get(user.id) as { custom_message: string | null };
    db.close();
    expect(row.custom_message).toBe('written at shutdown');
  });

  // One code path decides, with one instance and with the shared presence store (Redis) alike:
  // with several instances the change lives only in Redis, and no other instance writes it later.
  for (const shared of [false, true]) {
    it(`exits 1 with "shutdown failed" when the final presence write cannot reach the database${shared ? ' (shared presence store, Redis)' : ' (one instance)'}`, async () => {
      const fresh = await freshDatabase('postgres');
      const u = new URL(fresh.url);
      const proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
      const prefix = uniquePrefix();
      try {
        if (shared) (await requireRedis()).disconnect();
        server = await startChildServer({
          BEACON_DATABASE_URL: throughProxy(fresh.url, proxy),
          BEACON_PERSIST_INTERVAL_MS: '3600000',
          ...(shared ? { BEACON_REDIS_URL: REDIS_URL, BEACON_REDIS_PREFIX: prefix } : {}),
        });
        const bob = await connectedUser(server.url, 'bob');
        proxy.cut();
        bob.send({ type: 'set_status', status: 'busy', custom_message: 'only in memory' });
        await expect.poll(() => bob.frames.some((f) => f.type === 'status_update' && f.status === 'busy')).toBe(true);
        server.child.kill('SIGTERM');
        expect((await server.exited).code).toBe(1);
        const said = messages(server);
        expect(said).not.toContain('shutdown: presence written to the database');
        expect(said).not.toContain('shutdown complete');
        // The stop retries nothing and says so; one count, in both lines; what became of the
        // changes as it is (one instance: lost; several: in Redis); no stack for this expected end.
        const lines = logLines(server.stdout());
        const stopping = lines.slice(lines.findIndex((l) => String(l.msg).startsWith('shutting down')));
        expect(stopping.filter((l) => String(l.msg).includes('will retry'))).toEqual([]);
        const unwritten = stopping.filter((l) => l.msg === 'presence write-behind failing at the stop: database unreachable; not written');
        expect(unwritten).toHaveLength(1);
        expect(unwritten[0]!.users).toBe(1);
        const last = stopping.at(-1)!;
        expect(last.msg).toBe('shutdown failed');
        expect(last.err).toBeUndefined();
        expect(String(last.reason)).toMatch(
          shared
            ? /^presence not written to the database \(unreachable\): 1 users' changes are kept in the shared presence store \(Redis\)/
            : /^presence not written to the database \(unreachable\): 1 users' changes are lost, and the stop is not recorded/,
        );
      } finally {
        await proxy.close();
        await fresh.drop();
        if (shared) {
          const admin = await requireRedis();
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length > 0) await admin.del(...keys);
          admin.disconnect();
        }
      }
    });
  }

  it('exits 1 with the users Redis lacks when Redis never answers during the drain, after writing them to the database, within BEACON_SHUTDOWN_TIMEOUT_MS', async () => {
    const proxy = await startRedisProxy();
    const prefix = uniquePrefix();
    try {
      (await requireRedis()).disconnect();
      // The default bound (10 s) leaves the saves 4 s; leaving and closing Redis take ~2 s more.
      server = await startChildServer({ BEACON_REDIS_URL: proxy.url, BEACON_REDIS_PREFIX: prefix, BEACON_PERSIST_INTERVAL_MS: '3600000' });
      const bob = await connectedUser(server.url, 'bob');
      proxy.freeze();
      bob.send({ type: 'set_status', status: 'busy', custom_message: 'during-redis-freeze' });
      await expect.poll(() => bob.frames.some((f) => f.type === 'status_update' && f.status === 'busy')).toBe(true);
      const sent = Date.now();
      server.child.kill('SIGTERM');
      const { code, at } = await server.exited;
      expect(code).toBe(1);
      expect(at - sent).toBeLessThan(10_000);
      const said = messages(server);
      expect(said).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^shared presence store unreachable at the stop: 1 users' changes were not saved to it/),
          'shutdown: presence written to the database',
          'shutdown failed',
        ]),
      );
      expect(said).not.toContain('shutdown complete');
      expect(said).not.toContain('shutdown took longer than BEACON_SHUTDOWN_TIMEOUT_MS: exiting without finishing the drain');
      // The save abandoned at the drain's deadline fails when the store closes: counted above, never said after the last line.
      expect(said.at(-1)).toBe('shutdown failed');
      expect(said.slice(said.findIndex((m) => m.startsWith('shutting down')))).not.toContain('shared presence store unreachable; will resync');
      expect(logLines(server.stdout()).at(-1)).toMatchObject({ reason: expect.stringMatching(/^presence not saved to the shared store \(unreachable\): 1 users' changes/) });
      expect(logLines(server.stdout()).at(-1)!.err).toBeUndefined();
      // The bus, the presence store and the limits each give a Redis that does not answer QUIT
      // 1 s: together, not one after another (3 s).
      const loggedAt = (msg: string) => Number(logLines(server!.stdout()).find((l) => l.msg === msg)?.time);
      expect(loggedAt('shutdown: Redis connections closed') - loggedAt('shutdown: presence written to the database')).toBeLessThan(1_800);
      const db = new SQLite(join(server.dir, 'beacon.db'), { readonly: true });
      const row = db.prepare("select manual_status, custom_message, presence_version_at is not null as versioned from users where username = 'bob'").get();
      db.close();
      expect(row).toEqual({ manual_status: 'busy', custom_message: 'during-redis-freeze', versioned: 1 });
    } finally {
      await proxy.close();
      const admin = await requireRedis();
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    }
  }, 40_000);

  it('exits 0 when the database is unreachable at the stop but nothing was left to write (shared presence store, Redis)', async () => {
    const fresh = await freshDatabase('postgres');
    const u = new URL(fresh.url);
    const proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
    const prefix = uniquePrefix();
    try {
      (await requireRedis()).disconnect();
      server = await startChildServer({ BEACON_DATABASE_URL: throughProxy(fresh.url, proxy), BEACON_PERSIST_INTERVAL_MS: '100', BEACON_REDIS_URL: REDIS_URL, BEACON_REDIS_PREFIX: prefix });
      expect((await post(`${server.url}/api/v1/auth/register`, { username: 'bob', password: 'pass-phrase-for-tests' })).status).toBe(201);
      // Nobody connected, nothing to write; the database goes away (a failover) just before the
      // stop: only the instance's alive mark cannot be written, and no change is lost. (A user
      // still connected is not such a case: the stop ends their socket, a change to write.)
      await new Promise((r) => setTimeout(r, 500));
      proxy.cut();
      server.child.kill('SIGTERM');
      expect((await server.exited).code, exitReport(server)).toBe(0);
      expect(messages(server)).toContain('shutdown complete');
    } finally {
      await proxy.close();
      await fresh.drop();
      const admin = await requireRedis();
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    }
  });

  it('writes every log line before it exits, in the order they were logged, with "shutdown complete" last, even when stdout is slow', async () => {
    server = await startChildServer();
    // Logs enough to fill the pipe while the reader (a log shipper that fell behind) reads nothing.
    server.child.stdout!.pause();
    await Promise.all(Array.from({ length: 400 }, () => fetch(`${server!.url}/healthz`)));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    server.child.stdout!.resume();
    expect((await server.exited).code, exitReport(server)).toBe(0);
    const lines = logLines(server.stdout());
    expect(lines.filter((l) => l.msg === 'request completed').length).toBeGreaterThan(400); // and the start's polls of /healthz
    expect(lines.at(-1)?.msg).toBe('shutdown complete');
    const times = lines.map((l) => Number(l.time));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('stops accepting at once, and exits 1 when the drain outlasts BEACON_SHUTDOWN_TIMEOUT_MS', async () => {
    server = await startChildServer({ BEACON_SHUTDOWN_TIMEOUT_MS: '1500' });
    sockets.push(await hangingRequest(server.url));
    const sent = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const late = await fetch(`${server.url}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    const { code, at } = await server.exited;
    expect(code).toBe(1);
    expect(at - sent).toBeGreaterThanOrEqual(1400);
    expect(at - sent).toBeLessThan(5000);
    expect(messages(server)).toContain('shutdown took longer than BEACON_SHUTDOWN_TIMEOUT_MS: exiting without finishing the drain');
  });

  it('ends at once the connections that never sent a whole request (a browser\'s preconnect, a pool\'s spare), and exits 0', async () => {
    // A request under way holds the drain (above); a connection with no request must not, or a
    // stop waits out the bound and exits 1 (Node closes such a connection only after 60 s).
    server = await startChildServer({ BEACON_SHUTDOWN_TIMEOUT_MS: '60000' });
    const silent = await rawConnection(server.url);
    const halfHead = await rawConnection(server.url);
    sockets.push(silent, halfHead);
    halfHead.write('GET /healthz HTTP/1.1\r\nHo');
    const ended = Promise.all([silent, halfHead].map((s) => new Promise((resolve) => s.once('close', resolve))));
    await new Promise((r) => setTimeout(r, 200));
    const { code, ms } = await stopTimed(server);
    expect(code, exitReport(server)).toBe(0);
    expect(ms).toBeLessThan(5000);
    await ended;
    expect(messages(server)).toContain('shutdown complete');
  });

  it('ends at once a keep-alive connection whose next request has only begun, and exits 0', async () => {
    // Node's server.close() ends idle keep-alive connections, not one part-way through its next
    // request head; only the 30 s idle timeout would, past the bound.
    server = await startChildServer({ BEACON_SHUTDOWN_TIMEOUT_MS: '4000' });
    const s = await rawConnection(server.url);
    sockets.push(s);
    const answered = new Promise((resolve) => s.once('data', resolve));
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered; // answered; the connection stays open (keep-alive)
    s.write('GET /healthz HTTP/1.1\r\nHo'); // the next request, half its head
    await new Promise((r) => setTimeout(r, 200));
    const { code, ms } = await stopTimed(server);
    expect(code, exitReport(server)).toBe(0);
    expect(ms).toBeLessThan(3000);
  });

  it('drains and exits 0 when Ctrl-C reaches it twice, from the terminal and from npm', async () => {
    server = await startChildServer();
    await connectedUser(server.url, 'carol');
    server.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGINT');
    const { code } = await server.exited;
    expect(code, exitReport(server)).toBe(0);
    expect(messages(server)).toContain('shutdown complete');
    expect(messages(server)).not.toContain('second signal during shutdown: exiting now, without finishing the drain');
  });

  it('exits at once on a second SIGTERM during the drain, but not on the same stop told twice at once', async () => {
    server = await startChildServer({ BEACON_SHUTDOWN_TIMEOUT_MS: '60000' });
    sockets.push(await hangingRequest(server.url));
    // A process group's signal and npm's forwarded copy (`npm start` stopped by Ctrl-C or systemd):
    // before, the copy ended the drain at once (143).
    // (20 ms apart: two signals pending at once are one to the process.)
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1_200));
    expect(server.child.exitCode, exitReport(server)).toBeNull(); // still draining: the request holds it open
    expect(messages(server)).toContain('repeat signal within 1000 ms of the first: the same stop, the drain goes on');
    const second = Date.now();
    server.child.kill('SIGTERM');
    const { code, at } = await server.exited;
    expect(code).toBe(143);
    expect(at - second).toBeLessThan(1000);
    expect(messages(server)).toContain('second signal during shutdown: exiting now, without finishing the drain');
  });
});
