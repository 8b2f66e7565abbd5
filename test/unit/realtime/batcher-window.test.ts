/**
 * The batch window for busy sockets, slow-socket retries and the slow-consumer close, on fake
 * timers. Every socket here has just had its window's burst (one frame), so events are gathered; the
 * idle-socket fast path is in batcher.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from '../../../src/server/realtime/batcher.js';
import { HARD_CAP_BYTES, HIGH_WATER_BYTES, STUCK_MS, type Connection } from '../../../src/server/realtime/connection.js';
import { connection as idleConnection } from './socket-fakes.js';

/** A connection that has just had its one frame of the window, so the batcher gathers its events for the window. */
function connection(userId: number) {
  const c = idleConnection(userId);
  c.conn.burstStart = 0;
  c.conn.burstFrames = 1;
  return c;
}

const WINDOW_MS = 20;
const ev = (n: number) => JSON.stringify({ type: 'friend_status_change', friend_id: n });

describe('Batcher', () => {
  let now = 0;
  let closed: Connection[];
  let batcher: Batcher;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    closed = [];
    batcher = new Batcher(WINDOW_MS, 1, () => now, (c) => closed.push(c));
  });
  afterEach(() => {
    batcher.stop();
    vi.useRealTimers();
  });

  it('sends what a socket gathered during one window as one frame, when the window ends', () => {
    const { conn, socket } = connection(1);
    conn.enqueue(ev(2), 'f2');
    batcher.mark(conn);
    vi.advanceTimersByTime(WINDOW_MS / 2);
    conn.enqueue(ev(3), 'f3');
    batcher.mark(conn);
    vi.advanceTimersByTime(WINDOW_MS / 2 - 1);
    expect(socket.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(socket.sent).toEqual([{ type: 'batch', messages: [{ seq: 1, ...JSON.parse(ev(2)) }, { seq: 2, ...JSON.parse(ev(3)) }] }]);
    expect(conn.dirty).toBe(false);
  });

  it('marks a connection once however many events it gets, and one timer serves every socket', () => {
    const a = connection(1);
    const b = connection(2);
    a.conn.enqueue(ev(5));
    batcher.mark(a.conn);
    batcher.mark(a.conn);
    vi.advanceTimersByTime(WINDOW_MS / 2);
    b.conn.enqueue(ev(6));
    batcher.mark(b.conn);
    expect(a.conn.dirty && b.conn.dirty).toBe(true);
    // b was marked half a window later but goes out with the same timer.
    vi.advanceTimersByTime(WINDOW_MS / 2);
    expect(a.socket.sent).toHaveLength(1);
    expect(b.socket.sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts a new window for events after a flush', () => {
    const { conn, socket } = connection(1);
    conn.enqueue(ev(2));
    batcher.mark(conn);
    vi.advanceTimersByTime(WINDOW_MS);
    conn.enqueue(ev(3));
    batcher.mark(conn);
    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(socket.sent).toHaveLength(2);
  });

  it('flush() sends at once and cancels the pending window', () => {
    const { conn, socket } = connection(1);
    conn.enqueue(ev(2));
    batcher.mark(conn);
    batcher.flush();
    expect(socket.sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forget() drops a closed socket from the pending list, leaving the others', () => {
    const a = connection(1);
    const b = connection(2);
    a.conn.enqueue(ev(5));
    b.conn.enqueue(ev(6));
    batcher.mark(a.conn);
    batcher.mark(b.conn);
    batcher.forget(a.conn);
    expect(a.conn.dirty).toBe(false);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(a.socket.sent).toEqual([]);
    expect(b.socket.sent).toHaveLength(1);
    // Forgetting a socket that is not pending changes nothing for the others.
    b.conn.enqueue(ev(7));
    batcher.mark(b.conn);
    batcher.forget(a.conn);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(b.socket.sent).toHaveLength(2);
  });

  it('a socket closed after several events were marked for it gets nothing', () => {
    const { conn, socket } = connection(1);
    conn.enqueue(ev(2));
    batcher.mark(conn);
    conn.enqueue(ev(3));
    batcher.mark(conn);
    batcher.forget(conn);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(socket.sent).toEqual([]);
  });

  it('keeps a backed-up socket pending and retries it every 50 ms until it drains', () => {
    const slow = connection(1);
    const fast = connection(2);
    slow.conn.enqueue(ev(5));
    fast.conn.enqueue(ev(6));
    slow.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    batcher.mark(slow.conn);
    batcher.mark(fast.conn);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(fast.socket.sent).toHaveLength(1);
    expect(slow.socket.sent).toEqual([]);
    expect(slow.conn.dirty).toBe(true);
    vi.advanceTimersByTime(50);
    expect(slow.socket.sent).toEqual([]);
    slow.socket.bufferedAmount = 0;
    vi.advanceTimersByTime(49);
    expect(slow.socket.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(slow.socket.sent).toHaveLength(1);
    expect(slow.conn.dirty).toBe(false);
    expect(fast.socket.sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(closed).toEqual([]);
  });

  it('closes a socket past the hard cap, and one stuck above high water for too long', () => {
    const capped = connection(1);
    capped.conn.enqueue(ev(5));
    capped.socket.bufferedAmount = HARD_CAP_BYTES + 1;
    batcher.mark(capped.conn);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(closed).toEqual([capped.conn]);
    expect(capped.conn.dirty).toBe(false);

    const stuck = connection(2);
    stuck.conn.enqueue(ev(6));
    stuck.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    batcher.mark(stuck.conn);
    vi.advanceTimersByTime(WINDOW_MS);
    now = STUCK_MS + 1;
    vi.advanceTimersByTime(50);
    expect(closed).toEqual([capped.conn, stuck.conn]);
    // Given up: no more retries.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() cancels the window and forgets every pending socket', () => {
    const { conn, socket } = connection(1);
    conn.enqueue(ev(2));
    batcher.mark(conn);
    batcher.stop();
    expect(conn.dirty).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(WINDOW_MS * 10);
    expect(socket.sent).toEqual([]);
    // A later mark works again.
    batcher.mark(conn);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(socket.sent).toHaveLength(1);
  });
});
