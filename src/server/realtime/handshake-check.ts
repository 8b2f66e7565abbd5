/**
 * The WebSocket handshake's headers, checked before ws sees them: ws refuses a bad one
 * with a plain-text 400, where every other bad request gets `{code, message}`. The checks
 * are ws's own (RFC 6455 §4.2.1): `Upgrade: websocket`, a 16-byte base64 key, version 13
 * (or 8), and a subprotocol list of tokens without repeats. A request that is not an
 * upgrade passes (the route answers it 426). What only ws checks past these (with
 * permessage-deflate on, a malformed or unacceptable Sec-WebSocket-Extensions header) is
 * answered by `refuseHandshake`, ws's `wsClientError` listener, in the same shape.
 */
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** RFC 7230 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** preValidation hook of the upgrade route: 400 `VALIDATION_ERROR` when the handshake is malformed. */
export async function handshakeCheck(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!(req as { ws?: boolean }).ws) return;
  const problem = handshakeProblem(req.headers);
  if (!problem) return;
  if (problem.includes('Version')) reply.header('sec-websocket-version', '13, 8');
  await reply.status(400).send({ code: 'VALIDATION_ERROR', message: problem });
}

/** What is wrong with an upgrade request's handshake headers, or null. */
export function handshakeProblem(headers: FastifyRequest['headers']): string | null {
  const upgrade = headers.upgrade;
  if (typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') return 'Invalid Upgrade header: expected "websocket"';
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key)) return 'Missing or invalid Sec-WebSocket-Key header';
  // String(): an injected request (`injectWS`) carries the version as a number.
  const version = String(headers['sec-websocket-version']);
  if (version !== '13' && version !== '8') return 'Missing or unsupported Sec-WebSocket-Version header (13 is supported)';
  const protocols = headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const list = protocols.split(',').map((p) => p.trim());
    if (!list.every((p) => TOKEN.test(p)) || new Set(list).size !== list.length) return 'Invalid Sec-WebSocket-Protocol header';
  }
  return null;
}

/**
 * ws's `wsClientError` listener (Beacon's own WebSocket server): the handshakes ws refuses after
 * the checks above get a 400 `{code: 'VALIDATION_ERROR', message}`, not ws's plain text.
 */
export function refuseHandshake(err: Error, socket: Duplex): void {
  const body = JSON.stringify({ code: 'VALIDATION_ERROR', message: err.message });
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
