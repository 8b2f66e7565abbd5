/**
 * Writes a server's text frame to a socket as one buffer: the WebSocket header (RFC 6455 §5.2,
 * unmasked, FIN, opcode 1) and the UTF-8 payload, made in one allocation and handed to the TCP
 * socket in one `write`.
 *
 * `ws`'s own `send` writes a text frame as two chunks (a header buffer, then the string) under
 * `cork`/`uncork`, so every frame goes through the stream's `writev` path: a corked-request
 * object, the chunk list and a write request per frame. At tens of thousands of frames a second
 * those are most of what the server allocates, and young-generation collections (pauses every
 * ~125 ms under the ejabberd workload) follow the allocation rate.
 *
 * This path is taken only for frames that fit Node's buffer pool (DIRECT_MAX_BYTES), and only
 * when `ws` itself would write straight to the socket: the socket is open and no
 * permessage-deflate was negotiated (with compression, `ws` queues frames behind
 * the deflate stream, so it must write them). Anything else goes through `ws.send`, which also
 * keeps its own errors for sends after close. Ordering with `ws`'s own writes (pings, close) is
 * kept: both write to the same socket, in call order.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** The fields of `ws`'s WebSocket this module reads (not part of its typed API). */
interface WsInternals {
  _socket?: Socket | null;
  _extensions?: Record<string, unknown>;
}

const OPEN = 1;
/**
 * Frames up to this size come from Node's shared buffer pool (`Buffer.allocUnsafe` slices its
 * 8 KiB slabs below half a slab). Larger ones (a `ready` snapshot of fifty views is ~14 KB)
 * go through `ws.send`: their own buffer per frame would stay in memory until the next
 * collection, and a connect burst of them raised RSS per socket; the stream encodes the
 * string into a buffer it frees when the write completes.
 */
const DIRECT_MAX_BYTES = Buffer.poolSize >>> 1;

/** The TCP socket to write to directly, or null when `ws` must write the frame itself. */
function rawSocket(ws: WebSocket): Socket | null {
  if (ws.readyState !== OPEN) return null;
  const w = ws as unknown as WsInternals;
  const ext = w._extensions;
  if (ext === undefined || ext['permessage-deflate'] !== undefined) return null;
  const s = w._socket;
  return s && s.writable ? s : null;
}

/** Writes the header for a payload of at most DIRECT_MAX_BYTES at the start of `buf`; returns its length. */
function writeHeader(buf: Buffer, payload: number): number {
  buf[0] = 0x81; // FIN + text
  if (payload < 126) {
    buf[1] = payload;
    return 2;
  }
  buf[1] = 126; // 16-bit length follows
  buf.writeUInt16BE(payload, 2);
  return 4;
}

const headerLength = (payload: number): number => (payload < 126 ? 2 : 4);

/** Sends `text` as one text frame. */
export function sendText(ws: WebSocket, text: string): void {
  const socket = rawSocket(ws);
  if (socket === null) {
    ws.send(text);
    return;
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > DIRECT_MAX_BYTES) {
    ws.send(text);
    return;
  }
  const buf = Buffer.allocUnsafe(headerLength(bytes) + bytes);
  buf.write(text, writeHeader(buf, bytes));
  socket.write(buf);
}

/**
 * Sends the JSON object `body` with `"seq":seq` as its first member, i.e. the text
 * `{"seq":<seq>,` followed by `body` without its opening brace, without building that string.
 */
export function sendStamped(ws: WebSocket, seq: number, body: string): void {
  const prefix = `{"seq":${seq},`;
  const socket = rawSocket(ws);
  if (socket === null) {
    ws.send(prefix + body.slice(1));
    return;
  }
  // The prefix is ASCII; the body's first byte is its `{`, which the prefix's last byte replaces.
  const bytes = prefix.length - 1 + Buffer.byteLength(body);
  if (bytes > DIRECT_MAX_BYTES) {
    ws.send(prefix + body.slice(1));
    return;
  }
  const buf = Buffer.allocUnsafe(headerLength(bytes) + bytes);
  const at = writeHeader(buf, bytes);
  buf.write(body, at + prefix.length - 1);
  buf.write(prefix, at, 'latin1');
  socket.write(buf);
}
