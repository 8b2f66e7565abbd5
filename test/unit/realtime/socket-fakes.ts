/** A fake `ws` socket and real Connections on it, for the realtime unit tests. */
import type { WebSocket } from 'ws';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { Connection } from '../../../src/server/realtime/connection.js';

export interface FakeSocket {
  bufferedAmount: number;
  /** Every frame sent, parsed. */
  sent: unknown[];
  send(text: string): void;
}

export function fakeSocket(): FakeSocket {
  const s: FakeSocket = {
    bufferedAmount: 0,
    sent: [],
    send: (text: string) => void s.sent.push(JSON.parse(text)),
  };
  return s;
}

export const authOf = (userId: number, sessionId = `login-${userId}`): AuthContext => ({
  userId,
  sessionId,
  role: 'user',
  expiresAt: Number.MAX_SAFE_INTEGER,
});

/** `openedAt`: when the socket was registered (the injected clock). */
export function connection(userId: number, id = `c${userId}`, openedAt = 0): { conn: Connection; socket: FakeSocket } {
  const socket = fakeSocket();
  const conn = new Connection(id, authOf(userId), socket as unknown as WebSocket, openedAt, null);
  return { conn, socket };
}
