/**
 * Closing a socket that floods. ws sends the close frame and then waits up to 30 s for the
 * client's, parsing every frame the client still sends meanwhile: a flooding client that never
 * answers would keep the parser busy and hold a descriptor for those 30 s. Here the server stops
 * reading it at once (what arrives is discarded unread, so the kernel's buffer does not fill)
 * and drops the connection FLOOD_LINGER_MS after the close frame was written out (at most
 * FLOOD_LINGER_MAX_MS after the close), when it has long reached the client.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** How long the close frame has to reach the client, once written out, before the connection is dropped. */
export const FLOOD_LINGER_MS = 1_000;
/** The longest a flooding client's connection stands after its close, written out or not (a client that reads nothing). */
const FLOOD_LINGER_MAX_MS = 5_000;

const discard = (): void => {};

/** Sends the close frame (`code`), stops reading the client, and drops the connection FLOOD_LINGER_MS after the close frame is written out. */
export function closeFlood(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  // ws's own TCP socket (a private field, stable across ws 8): its 'data' listener feeds the parser.
  const tcp = (socket as unknown as { _socket?: Socket | null })._socket;
  if (!tcp || tcp.destroyed) return;
  tcp.removeAllListeners('data');
  tcp.on('data', discard);
  const drop = () => socket.terminate();
  // Frames queued before the close frame go out first (a client with a backlog still reads 4429).
  if (tcp.writableLength === 0) setTimeout(drop, FLOOD_LINGER_MS).unref();
  else {
    tcp.once('drain', () => setTimeout(drop, FLOOD_LINGER_MS).unref());
    setTimeout(drop, FLOOD_LINGER_MAX_MS).unref();
  }
}
