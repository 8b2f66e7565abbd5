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

/**
 * Sends `body` as one text frame. With a `head` (ASCII: the connection's `{"seq":N,`), the
 * head takes the place of the body's first character, its `{`, without building that string.
 */
export function sendText(ws: WebSocket, body: string, head = ''): void {
  const socket = rawSocket(ws);
  const skip = head === '' ? 0 : 1;
  const bytes = socket === null ? 0 : head.length - skip + Buffer.byteLength(body);
  if (socket === null || bytes > DIRECT_MAX_BYTES) {
    ws.send(skip === 0 ? body : head + body.slice(1));
    return;
  }
  // Header (RFC 6455 §5.2): FIN + text, then a 7-bit length or 126 and a 16-bit one.
  const at = bytes < 126 ? 2 : 4;
  const buf = Buffer.allocUnsafe(at + bytes);
  buf[0] = 0x81;
  if (at === 2) buf[1] = bytes;
  else {
    buf[1] = 126;
    buf.writeUInt16BE(bytes, 2);
  }
  buf.write(body, at + head.length - skip);
  // Written last, over the body's `{`.
  if (skip === 1) buf.write(head, at, 'latin1');
  socket.write(buf);
}
