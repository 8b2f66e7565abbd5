/**
 * HTTP pipelining from one address, with no account (found by the attacker audit): a client
 * writes ~1,800 GETs back to back in one 64 KiB write and never reads. Node hands every one to
 * the app at once; the app built each answer and kept it behind the unread one (24 such
 * connections held 2 GB and stopped the server for minutes), and answers queued behind an
 * unread one are never closed by Node when the connection goes, so each kept the file it
 * served open (18 connections took 19,998 of 20,000 descriptors until a restart). Now a
 * connection's requests reach the app one at a time and one with more than 16 waiting is closed
 * (src/server/pipelining.ts). The real process: its descriptors and memory are read from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { logLines, startChildServer, type ChildServer } from '../../helpers/child-server.js';

const openFiles = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** A connection that writes `path` requested back to back, filling one 64 KiB write, and never reads. */
async function pipeliner(url: string, path: string): Promise<net.Socket> {
  const { port } = new URL(url);
  const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  const one = `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
  socket.write(one.repeat(Math.floor(65_536 / one.length)));
  return socket;
}

/** GET /healthz on a fresh connection: the status (or error code) and how long it took. */
function healthz(url: string): Promise<{ status: number | string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: err.code ?? 'error', ms: Date.now() - started }));
  });
}

describe('HTTP pipelining from one address', () => {
  let server: ChildServer | null = null;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.cleanup();
    server = null;
  });

  it('costs no file per queued request and little memory, keeps everyone else served, and gives every descriptor back', async () => {
    server = await startChildServer();
    const pid = server.child.pid!;
    const css = await fetch(`${server.url}/docs/static/swagger-ui.css`);
    expect(css.status).toBe(200); // a file served by @fastify/static, opened per answer
    await css.arrayBuffer();
    const files = openFiles(pid);
    const rss = rssMb(pid);

    // 12 connections of ~1,600 static-file GETs and 4 of ~1,800 GETs of the 60 KB OpenAPI document.
    for (let i = 0; i < 12; i++) sockets.push(await pipeliner(server.url, '/docs/static/swagger-ui.css'));
    for (let i = 0; i < 4; i++) sockets.push(await pipeliner(server.url, '/docs/json'));
    await new Promise((r) => setTimeout(r, 2_000));
    const during = { files: openFiles(pid), rssMb: rssMb(pid) };
    const honest = await healthz(server.url);
    const seen = `${files} → ${during.files} open files, ${rss.toFixed(0)} → ${during.rssMb.toFixed(0)} MB RSS`;
    // Before: 2,478 more files (one per queued answer) and /healthz timed out; here 0 and ~30 MB.
    expect(during.files - files, seen).toBeLessThan(40);
    expect(during.rssMb - rss, seen).toBeLessThan(120);
    expect(honest.status).toBe(200);
    expect(honest.ms).toBeLessThan(2_000);

    for (const s of sockets.splice(0)) s.destroy();
    await expect.poll(() => openFiles(pid), { timeout: 5_000, interval: 100 }).toBeLessThanOrEqual(files + 2);
    const said = logLines(server.stdout()).map((l) => String(l.msg));
    expect(said).toContain('connections closed: more than 16 requests sent ahead of their answers (pipelining)');
  });

  it('still answers a client that pipelines a few requests, every one in order', async () => {
    server = await startChildServer();
    const { port } = new URL(server.url);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    const paths = ['/healthz', '/docs/json', '/nope', '/healthz'];
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    // Each status line follows the answer before it, with no line break after a body.
    const statuses = () => received.match(/HTTP\/1\.1 \d{3} /g) ?? [];
    await expect.poll(() => statuses().length, { timeout: 5_000 }).toBe(4);
    expect(statuses()).toEqual(['HTTP/1.1 200 ', 'HTTP/1.1 200 ', 'HTTP/1.1 404 ', 'HTTP/1.1 200 ']);
  });
});
