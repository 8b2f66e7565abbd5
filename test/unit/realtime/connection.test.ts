/** Per-socket batching, seq numbering and backpressure, on a fake socket. */
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { Connection, HARD_CAP_BYTES, HIGH_WATER_BYTES, STUCK_MS } from '../../../src/server/realtime/connection.js';

function fakeSocket() {
  const sent: unknown[] = [];
  const socket = { bufferedAmount: 0, send: (text: string) => sent.push(JSON.parse(text)) };
  return { socket, sent };
}

const auth: AuthContext = { userId: 1, sessionId: 's', role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
const state = (friend: number, status: string) => JSON.stringify({ type: 'friend_status_change', friend_id: friend, status });

function connection() {
  const { socket, sent } = fakeSocket();
  const conn = new Connection('c1', auth, socket as unknown as WebSocket, 0, null);
  return { conn, socket, sent };
}

describe('Connection', () => {
  it('sends one pending event alone, with seq 1', () => {
    const { conn, sent } = connection();
    conn.enqueue(state(2, 'online'), 'f2');
    expect(conn.flush(0)).toBe('sent');
    expect(sent).toEqual([{ seq: 1, type: 'friend_status_change', friend_id: 2, status: 'online' }]);
    expect(conn.flush(0)).toBe('idle');
  });

  it('sends several pending events as one batch, each with its own seq and none on the wrapper', () => {
    const { conn, sent } = connection();
    conn.enqueue(state(2, 'online'), 'f2');
    conn.enqueue(state(2, 'busy'), 'f2');
    conn.enqueue('{"type":"are_you_there"}');
    conn.flush(0);
    conn.enqueue(state(3, 'away'), 'f3');
    conn.flush(0);
    expect(sent).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'friend_status_change', friend_id: 2, status: 'online' },
          { seq: 2, type: 'friend_status_change', friend_id: 2, status: 'busy' },
          { seq: 3, type: 'are_you_there' },
        ],
      },
      { seq: 4, type: 'friend_status_change', friend_id: 3, status: 'away' },
    ]);
  });

  it('under backpressure keeps only the latest state per friend, and waits for the socket to drain', () => {
    const { conn, socket, sent } = connection();
    conn.enqueue(state(2, 'online'), 'f2');
    socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    conn.enqueue(state(3, 'online'), 'f3');
    conn.enqueue(state(2, 'busy'), 'f2');
    conn.enqueue('{"type":"are_you_there"}');
    conn.enqueue(state(2, 'away'), 'f2');
    expect(conn.flush(0)).toBe('slow');
    expect(sent).toEqual([]);
    socket.bufferedAmount = 0;
    expect(conn.flush(10)).toBe('sent');
    expect(sent).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'friend_status_change', friend_id: 3, status: 'online' },
          { seq: 2, type: 'are_you_there' },
          { seq: 3, type: 'friend_status_change', friend_id: 2, status: 'away' },
        ],
      },
    ]);
  });

  it('gives up on a socket above the hard cap, or stuck above high water too long', () => {
    const a = connection();
    a.conn.enqueue(state(2, 'online'), 'f2');
    a.socket.bufferedAmount = HARD_CAP_BYTES + 1;
    expect(a.conn.flush(0)).toBe('dead');

    const b = connection();
    b.conn.enqueue(state(2, 'online'), 'f2');
    b.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    expect(b.conn.flush(0)).toBe('slow');
    expect(b.conn.flush(STUCK_MS)).toBe('slow');
    expect(b.conn.flush(STUCK_MS + 1)).toBe('dead');
  });
});

describe('Connection direct replies (heartbeat_ack, error)', () => {
  it('sends a reply while the socket keeps up', () => {
    const { conn, sent } = connection();
    expect(conn.sendRaw('{"type":"heartbeat_ack"}', 0)).toBe('sent');
    expect(sent).toEqual([{ type: 'heartbeat_ack' }]);
  });

  it('drops replies above high water, so a socket that never reads cannot grow memory with them', () => {
    const { conn, socket, sent } = connection();
    socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    for (let i = 0; i < 100; i++) expect(conn.sendRaw('{"type":"heartbeat_ack"}', i)).toBe('dropped');
    expect(conn.sendRaw('{"type":"error","code":"VALIDATION_ERROR","message":"x"}')).toBe('dropped');
    expect(sent).toEqual([]);
  });

  it('asks for the socket to be closed past the hard cap, or when stuck above high water too long', () => {
    const { conn, socket } = connection();
    socket.bufferedAmount = HARD_CAP_BYTES + 1;
    expect(conn.sendRaw('{"type":"heartbeat_ack"}', 0)).toBe('dead');
    socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    expect(conn.sendRaw('{"type":"heartbeat_ack"}', 1000)).toBe('dropped');
    expect(conn.sendRaw('{"type":"heartbeat_ack"}', 1000 + STUCK_MS + 1)).toBe('dead');
  });
});
