/**
 * `npm start` / `npm run start:sidecar` stopped by a deploy (SIGTERM) or Ctrl-C (SIGINT): the
 * site closes Beacon with it, so the pages' sockets close with 1001 (they reconnect at once)
 * and Beacon writes the presence it holds. Without it the process died with the sockets cut
 * (1006: pages back off before reconnecting) and the last presence changes unwritten.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';

const SITE_ROOT = fileURLToPath(new URL('..', import.meta.url));

// One signal per mode (each case starts a process: a few seconds); main.ts handles both alike.
describe.each([
  ['embedded', 'SIGTERM'],
  ['sidecar', 'SIGINT'],
] as const)('the Pong site (Beacon %s) stopped by %s', (mode, signal) => {
  it('closes the sockets with 1001 and exits 0', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', mode], {
      cwd: SITE_ROOT,
      env: { ...process.env, PORT: String(port), SITE_DB: ':memory:', BEACON_DATABASE_URL: 'sqlite::memory:' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    try {
      const site = `http://127.0.0.1:${port}`;
      const beacon = mode === 'embedded' ? `${site}/beacon` : `http://127.0.0.1:${port + 1}`;
      // The site's log line says both are up (sidecar: Beacon starts after the site).
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      for (let i = 0; !err.includes('Pong site'); i++) {
        if (child.exitCode !== null || i === 150) throw new Error(`the site did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`${site}/api/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'alice', password: 'a-long-password' }),
      });
      const { token } = (await res.json()) as { token: string };
      const ws = new WebSocket(`${beacon.replace(/^http/, 'ws')}/ws/status`);
      const closed = once(ws, 'close') as Promise<[number, Buffer]>;
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
      const [ready] = (await once(ws, 'message')) as [Buffer];
      expect(JSON.parse(ready.toString())).toMatchObject({ type: 'ready' });

      child.kill(signal);
      const [code] = await closed;
      expect(code).toBe(1001);
      expect(await exited).toEqual([0, null]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
