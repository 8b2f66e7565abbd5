/**
 * Closing a socket the server gives up on, without waiting 30 s for the client's close frame.
 * ws sends the close frame and then waits up to 30 s for the client's, holding the connection
 * (and what it still has buffered for it) meanwhile.
 *
 * - A flood (closeFlood): ws would go on parsing every frame the client still sends, and a
 *   flooding client that never answers would keep the parser busy and hold a descriptor for those
 *   30 s. Here the server stops reading it at once (what arrives is discarded unread, so the
 *   kernel's buffer does not fill).
 * - A slow consumer (closeDropping, 1013): a client that reads nothing never reads the close
 *   frame either, and its backlog (up to 4 MiB) stayed in the server's memory for those 30 s,
 *   outside any limit (buffer-budget.ts). It is still read, so a slow client that reads its
 *   backlog and answers the close ends as usual.
 *
 * Either way the connection is dropped FLOOD_LINGER_MS after the close frame was written out (at
 * most FLOOD_LINGER_MAX_MS after the close), when it has long reached the client.
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
  const tcp = tcpOf(socket);
  if (!tcp) return;
  tcp.removeAllListeners('data');
  tcp.on('data', discard);
  dropAfterLinger(socket, tcp);
}

/** Sends the close frame (`code`) and drops the connection FLOOD_LINGER_MS after it is written out, at most FLOOD_LINGER_MAX_MS after the close. */
export function closeDropping(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  const tcp = tcpOf(socket);
  if (tcp) dropAfterLinger(socket, tcp);
}

/** ws's own TCP socket (a private field, stable across ws 8), unless it is gone already. */
function tcpOf(socket: WebSocket): Socket | null {
  const tcp = (socket as unknown as { _socket?: Socket | null })._socket;
  return tcp && !tcp.destroyed ? tcp : null;
}

function dropAfterLinger(socket: WebSocket, tcp: Socket): void {
  const drop = () => socket.terminate();
  // Frames queued before the close frame go out first (a client with a backlog still reads its close code).
  if (tcp.writableLength === 0) setTimeout(drop, FLOOD_LINGER_MS).unref();
  else {
    tcp.once('drain', () => setTimeout(drop, FLOOD_LINGER_MS).unref());
    setTimeout(drop, FLOOD_LINGER_MAX_MS).unref();
  }
}
