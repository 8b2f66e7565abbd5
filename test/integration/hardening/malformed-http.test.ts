/**
 * Finding (Low): requests refused before any route sees them (an undecodable URL, a control
 * character in a header, headers too large, a garbled request line) and malformed WebSocket
 * handshakes were answered with bodies of other shapes (Fastify's `{error, statusCode}`,
 * ws's plain text, an empty 404 for a plain GET of the socket's URL). Every one now gets
 * `{code, message}`, over a real connection, as a client would see it.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/** Writes `raw` on a fresh connection and reads the answer until the server closes or it is complete. */
function rawRequest(url: string, raw: string): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: Number(port) }, () => s.write(raw));
    let data = '';
    const done = () => {
      const at = data.indexOf('\r\n\r\n');
      const head = at < 0 ? data : data.slice(0, at);
      const length = /content-length: (\d+)/i.exec(head)?.[1];
      const body = at < 0 ? '' : data.slice(at + 4);
      if (length !== undefined && Buffer.byteLength(body) < Number(length)) return false;
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body });
      s.destroy();
      return true;
    };
    s.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (data.includes('\r\n\r\n')) done();
    });
    s.on('close', () => done() || resolve({ status: 0, headers: '', body: '' }));
    s.on('error', reject);
  });
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgrade = (headers: Record<string, string>) =>
  `GET /ws/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n${Object.entries({ Upgrade: 'websocket', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13', ...headers })
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('requests refused before a route sees them', () => {
  let t: LiveApp;
  beforeAll(async () => {
    t = await startLiveApp();
  });
  afterAll(() => t.close());

  const cases: Array<[string, string, number]> = [
    ['an undecodable URL', 'GET /api/v1/users/%ff HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a control character in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n', 400],
    ['a garbled request line', 'HELLO THERE\r\n\r\n', 400],
    ['headers past the size limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a plain GET of the socket URL', 'GET /ws/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 426],
    ['an upgrade with a malformed key', upgrade({ 'Sec-WebSocket-Key': 'short' }), 400],
    ['an upgrade with no key', upgrade({ 'Sec-WebSocket-Key': '' }), 400],
    ['an upgrade of an unsupported version', upgrade({ 'Sec-WebSocket-Version': '12' }), 400],
    ['an upgrade with a malformed subprotocol list', upgrade({ 'Sec-WebSocket-Protocol': 'a b, c' }), 400],
    ['an upgrade with a repeated subprotocol', upgrade({ 'Sec-WebSocket-Protocol': 'chat, chat' }), 400],
    ['an upgrade to another protocol', upgrade({ Upgrade: 'h2c' }), 400],
  ];

  it.each(cases)('answers %s with {code, message}', async (_what, raw, status) => {
    const answer = await rawRequest(t.url, raw);
    expect(answer.status).toBe(status);
    expect(answer.headers).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'message']);
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.message).toEqual(expect.any(String));
  });

  it('tells a client of an unsupported handshake version which ones are', async () => {
    const answer = await rawRequest(t.url, upgrade({ 'Sec-WebSocket-Version': '12' }));
    expect(answer.headers).toMatch(/sec-websocket-version: 13, 8/i);
  });

  it('still upgrades a well-formed handshake, with a subprotocol list', async () => {
    const answer = await rawRequest(t.url, upgrade({ 'Sec-WebSocket-Protocol': 'chat, superchat' }));
    expect(answer.status).toBe(101);
  });
});

describe('handshakes only ws checks (permessage-deflate on)', () => {
  let t: LiveApp;
  beforeAll(async () => {
    t = await startLiveApp({ wsCompression: true });
  });
  afterAll(() => t.close());

  it.each([
    ['a malformed extension list', 'permessage-deflate;;'],
    ['an unacceptable permessage-deflate parameter', 'permessage-deflate; client_max_window_bits=99'],
  ])('answers %s with {code, message} and serves the next handshake', async (_what, extensions) => {
    const answer = await rawRequest(t.url, upgrade({ 'Sec-WebSocket-Extensions': extensions }));
    expect(answer.status).toBe(400);
    expect(answer.headers).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(answer.body)).toEqual({ code: 'VALIDATION_ERROR', message: 'Invalid or unacceptable Sec-WebSocket-Extensions header' });
    const ok = await rawRequest(t.url, upgrade({ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' }));
    expect(ok.status).toBe(101);
    expect(ok.headers).toMatch(/sec-websocket-extensions: permessage-deflate/i);
  });
});
