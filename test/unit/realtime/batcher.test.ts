/** Adaptive batching: at the end of the turn for an idle socket, gathered for the window once a socket has had its burst or has bytes buffered. */
import type { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { Batcher } from '../../../src/server/realtime/batcher.js';
import { Connection, HIGH_WATER_BYTES } from '../../../src/server/realtime/connection.js';

const auth: AuthContext = { userId: 1, sessionId: 's', role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
const WINDOW = 5;
/** Frames a socket gets at once per window. */
const BURST = 2;

function setup() {
  let t = 1_000;
  const sent: Array<{ type: string; seq?: number; messages?: unknown[] }> = [];
  const socket = { bufferedAmount: 0, send: (text: string) => sent.push(JSON.parse(text)) };
  const conn = new Connection('c', auth, socket as unknown as WebSocket, t, null);
  const closed: Connection[] = [];
  const batcher = new Batcher(WINDOW, BURST, () => t, (c) => closed.push(c));
  const event = (n: number) => {
    conn.enqueue(JSON.stringify({ type: 'friend_status_change', friend_id: n }), `f${n}`);
    batcher.mark(conn);
  };
  const advance = (ms: number) => {
    t += ms;
    vi.advanceTimersByTime(ms);
  };
  /** Ends the event-loop turn (runs the immediates, no time passes). */
  const endTurn = () => vi.advanceTimersByTime(0);
  return { conn, socket, sent, batcher, event, advance, endTurn, closed };
}

describe('Batcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends an event for an idle socket at the end of its turn, without waiting for the window', () => {
    const { sent, event, endTurn } = setup();
    event(2);
    expect(sent).toEqual([]);
    endTurn();
    expect(sent).toEqual([{ seq: 1, type: 'friend_status_change', friend_id: 2 }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends everything one turn makes for an idle socket as one frame', () => {
    const { sent, event, endTurn } = setup();
    event(2);
    event(3);
    event(4);
    endTurn();
    expect(sent).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'friend_status_change', friend_id: 2 },
          { seq: 2, type: 'friend_status_change', friend_id: 3 },
          { seq: 3, type: 'friend_status_change', friend_id: 4 },
        ],
      },
    ]);
  });

  it('sends a window\u2019s first frames at the end of their turns, and gathers what follows its burst into one batch at the window\u2019s end', () => {
    const { sent, event, advance, endTurn } = setup();
    event(2);
    endTurn();
    advance(1);
    event(3);
    endTurn();
    // Within the burst: out at the end of its turn, without waiting for the window.
    expect(sent.map((f) => f.seq)).toEqual([1, 2]);
    advance(1);
    event(4);
    event(5);
    endTurn();
    expect(sent).toHaveLength(2);
    advance(WINDOW - 1);
    expect(sent).toHaveLength(2);
    advance(1);
    expect(sent[2]).toMatchObject({ type: 'batch', messages: [{ seq: 3, friend_id: 4 }, { seq: 4, friend_id: 5 }] });
  });

  it('gives a socket its burst again once a window passed since the window began', () => {
    const { sent, event, advance, endTurn } = setup();
    event(2);
    endTurn();
    event(3);
    endTurn();
    advance(WINDOW);
    event(4);
    endTurn();
    event(5);
    endTurn();
    expect(sent.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
  });

  it('starts a window with the first frame after a quiet one: not a sliding window behind the last frame', () => {
    const { sent, event, advance, endTurn } = setup();
    event(2); // t=0: a window begins
    endTurn();
    advance(WINDOW - 1);
    event(3); // t=4: the window's second frame
    endTurn();
    advance(2);
    event(4); // t=6: the first window is over (a sliding one behind t=4 would still gather); a new one begins
    endTurn();
    advance(1);
    event(5); // t=7: the new window's second frame
    endTurn();
    expect(sent.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    event(6); // past the burst of the window that began at t=6: gathered until its timer
    endTurn();
    expect(sent).toHaveLength(4);
    advance(WINDOW);
    expect(sent.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('counts a frame the window timer sent in the window it went out in', () => {
    const { sent, event, advance, endTurn } = setup();
    event(2);
    endTurn();
    event(3);
    endTurn();
    event(4); // gathered: the burst is used up
    advance(WINDOW); // the timer sends it, at t=5, the first frame of a new window
    expect(sent.map((f) => f.seq)).toEqual([1, 2, 3]);
    advance(1);
    event(5); // the new window's second frame: at once
    endTurn();
    expect(sent.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    event(6); // past its burst: gathered
    endTurn();
    expect(sent).toHaveLength(4);
  });

  it('batches while the socket has bytes buffered, however long ago it last sent', () => {
    const { sent, event, advance, socket } = setup();
    socket.bufferedAmount = 10;
    event(2);
    expect(sent).toEqual([]);
    advance(WINDOW);
    expect(sent).toHaveLength(1);
  });

  it('keeps a slow socket\u2019s backlog and closes it when stuck past the cap', () => {
    const { sent, event, advance, socket, closed, conn } = setup();
    socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    event(2);
    advance(WINDOW);
    expect(sent).toEqual([]);
    advance(31_000);
    expect(closed).toEqual([conn]);
  });
});

describe('Batcher.deliver (the fan-out entry)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const body = (n: number) => JSON.stringify({ type: 'friend_status_change', friend_id: n });

  it('writes an event for an idle socket alone at the end of its turn, leaving nothing queued', () => {
    const { conn, sent, batcher, endTurn } = setup();
    batcher.deliver(conn, body(2), 'f2');
    endTurn();
    expect(sent).toEqual([{ seq: 1, type: 'friend_status_change', friend_id: 2 }]);
    expect(conn.pendingCount).toBe(0);
    expect(conn.dirty).toBe(false);
  });

  it('queues an event for a socket past its burst or with bytes buffered, and sends it with the window', () => {
    const { conn, socket, sent, batcher, advance, endTurn } = setup();
    batcher.deliver(conn, body(2), 'f2');
    endTurn();
    batcher.deliver(conn, body(3), 'f3');
    endTurn();
    batcher.deliver(conn, body(4), 'f4');
    endTurn();
    expect(sent).toHaveLength(2);
    advance(WINDOW);
    expect(sent).toEqual([
      { seq: 1, type: 'friend_status_change', friend_id: 2 },
      { seq: 2, type: 'friend_status_change', friend_id: 3 },
      { seq: 3, type: 'friend_status_change', friend_id: 4 },
    ]);
    advance(WINDOW);
    socket.bufferedAmount = 10;
    batcher.deliver(conn, body(5), 'f5');
    endTurn();
    expect(sent).toHaveLength(3);
    expect(conn.dirty).toBe(true);
  });

  it('never lets an event overtake one still queued, even once the window has passed', () => {
    const { conn, sent, batcher } = setup();
    let t = 1_000;
    const late = new Batcher(WINDOW, BURST, () => t, () => {});
    late.deliver(conn, body(1), 'f1');
    vi.advanceTimersByTime(0);
    late.deliver(conn, body(2), 'f2');
    vi.advanceTimersByTime(0);
    // Past the burst: 3 waits for the window.
    late.deliver(conn, body(3), 'f3');
    // The clock moves past the window but the timer has not run yet: 3 still waits, and 4 with it.
    t += WINDOW * 2;
    late.deliver(conn, body(4), 'f4');
    vi.advanceTimersByTime(0);
    expect(sent).toHaveLength(2);
    late.flush();
    expect(sent[2]).toEqual({
      type: 'batch',
      messages: [
        { seq: 3, type: 'friend_status_change', friend_id: 3 },
        { seq: 4, type: 'friend_status_change', friend_id: 4 },
      ],
    });
    late.stop();
    batcher.stop();
  });
});
