/**
 * The same server started twice (same port, same database): the second start fails before it
 * touches anything. It used to migrate, take the running instance's stop record and write its
 * connected users offline in the database, and only then fail to listen (EADDRINUSE).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { SERVER_ENTRY } from '../helpers/server-entry.js';

let server: ChildServer | null = null;
afterEach(async () => {
  await server?.cleanup();
  server = null;
});

it('a second start on a port in use exits 1 saying so, and leaves the running instance’s rows alone', async () => {
  // Rows are written at once, so the database says what the running instance knows.
  server = await startChildServer({ BEACON_PERSIST_INTERVAL_MS: '50' });
  const res = await fetch(`${server.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'pass-phrase-for-tests' }),
  });
  const { token, user } = (await res.json()) as { token: string; user: { id: number } };
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/status`);
  const frames: Array<{ type: string }> = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as { type: string }));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'auth', token }));
  await expect.poll(() => frames.some((f) => f.type === 'ready')).toBe(true);
  const db = new SQLite(join(server.dir, 'beacon.db'), { readonly: true });
  const row = () => db.prepare('SELECT online_status FROM users WHERE id = ?').get(user.id) as { online_status: string };
  try {
    await expect.poll(() => row().online_status).toBe('online');

    const second = spawn(process.execPath, [...SERVER_ENTRY], {
      env: { ...process.env, BEACON_PORT: new URL(server.url).port, BEACON_HOST: '127.0.0.1', BEACON_DATABASE_URL: `sqlite:${join(server.dir, 'beacon.db')}`, BEACON_WEB_ROOT: 'off', BEACON_REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    second.stdout.on('data', (d: Buffer) => (out += d.toString()));
    second.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/BEACON_PORT \d+ on BEACON_HOST 127\.0\.0\.1 is in use/);
    expect(out).not.toMatch(/reset users left online|migrat/i);
    expect(row().online_status).toBe('online');
    // The running instance still serves her.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  } finally {
    db.close();
    ws.close();
  }
});
