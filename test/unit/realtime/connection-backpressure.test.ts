/**
 * Backpressure on one socket, against a reference model: under backpressure a new state of a
 * friend replaces the older pending one; nothing else is ever dropped or reordered.
 */
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { Connection, HARD_CAP_BYTES, HIGH_WATER_BYTES, STUCK_MS } from '../../../src/server/realtime/connection.js';
import { authOf, fakeSocket } from './socket-fakes.js';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function conn() {
  const socket = fakeSocket();
  return { c: new Connection('c', authOf(1), socket as unknown as WebSocket, 0, null), socket };
}

/** The frames one flush sends, unwrapped from a batch, as [seq, n]. */
function unwrap(sent: unknown[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const f of sent as Array<{ type: string; seq: number; n: number; messages?: Array<{ seq: number; n: number }> }>) {
    if (f.type === 'batch') {
      expect(f.seq).toBeUndefined();
      expect(f.messages!.length).toBeGreaterThan(1);
      for (const m of f.messages!) out.push([m.seq, m.n]);
    } else out.push([f.seq, f.n]);
  }
  return out;
}

describe('Connection backpressure (model-checked)', () => {
  it('sends exactly what the model keeps, in order, with consecutive seq numbers', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = rng(seed);
      const { c, socket } = conn();
      const keys = ['f1', 'f2', 'f3', undefined] as const;
      // Model: pending entries with their key; `null` once replaced.
      let model: Array<{ n: number; key: string | undefined } | null> = [];
      let n = 0;
      let seq = 0;
      const expected: Array<[number, number]> = [];
      for (let step = 0; step < 120; step++) {
        const r = random();
        if (r < 0.15) socket.bufferedAmount = HIGH_WATER_BYTES + 1;
        else if (r < 0.3) socket.bufferedAmount = random() < 0.5 ? 0 : HIGH_WATER_BYTES;
        else if (r < 0.45) {
          const result = c.flush(step);
          const live = model.filter((e) => e !== null);
          if (live.length === 0) expect(result).toBe('idle');
          else if (socket.bufferedAmount > HIGH_WATER_BYTES) expect(result).toBe('slow');
          else {
            expect(result).toBe('sent');
            for (const e of live) expected.push([++seq, e.n]);
            model = [];
          }
        } else {
          const key = keys[Math.floor(random() * keys.length)];
          const backedUp = socket.bufferedAmount > HIGH_WATER_BYTES;
          if (backedUp && key !== undefined) {
            for (let i = model.length - 1; i >= 0; i--) {
              const e = model[i];
              if (e && e.key === key) {
                model[i] = null;
                break;
              }
            }
          }
          n++;
          c.enqueue(JSON.stringify({ type: 'x', n }), key);
          model.push({ n, key });
        }
      }
      socket.bufferedAmount = 0;
      c.flush(10_000);
      for (const e of model) if (e) expected.push([++seq, e.n]);
      expect(unwrap(socket.sent), `seed ${seed}`).toEqual(expected);
    }
  });

  it('does not coalesce while the socket keeps up, even with a little buffered', () => {
    const { c, socket } = conn();
    socket.bufferedAmount = 1024;
    c.enqueue('{"type":"x","n":1}', 'f2');
    c.enqueue('{"type":"x","n":2}', 'f2');
    expect(c.flush(0)).toBe('sent');
    expect(unwrap(socket.sent)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('is backed up only above high water, and dead only above the hard cap', () => {
    const a = conn();
    a.c.enqueue('{"type":"x","n":1}', 'f2');
    a.socket.bufferedAmount = HIGH_WATER_BYTES;
    a.c.enqueue('{"type":"x","n":2}', 'f2');
    expect(a.c.flush(0)).toBe('sent');
    expect(unwrap(a.socket.sent)).toHaveLength(2);

    const b = conn();
    b.c.enqueue('{"type":"x","n":1}');
    b.socket.bufferedAmount = HARD_CAP_BYTES;
    expect(b.c.flush(0)).toBe('slow');
  });

  it('counts the stuck time from when the socket first backed up, and afresh after it drained', () => {
    const { c, socket } = conn();
    const t0 = 1_000_000;
    c.enqueue('{"type":"x","n":1}');
    socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    expect(c.flush(t0)).toBe('slow');
    expect(c.flush(t0 + STUCK_MS)).toBe('slow');
    socket.bufferedAmount = 0;
    expect(c.flush(t0 + STUCK_MS)).toBe('sent');
    c.enqueue('{"type":"x","n":2}');
    socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    expect(c.flush(t0 + 2 * STUCK_MS)).toBe('slow');
    expect(c.flush(t0 + 3 * STUCK_MS)).toBe('slow');
    expect(c.flush(t0 + 3 * STUCK_MS + 1)).toBe('dead');
  });

  it('a connection starts clean: not in the batcher, not a logout close', () => {
    const { c } = conn();
    expect(c.dirty).toBe(false);
    expect(c.immediateClose).toBe(false);
    expect(c.flush(0)).toBe('idle');
  });

  it('sendRaw goes out at once, outside the batch and without seq', () => {
    const { c, socket } = conn();
    c.enqueue('{"type":"x","n":1}');
    c.sendRaw('{"type":"heartbeat_ack"}');
    c.sendRaw('{"type":"ready"}');
    expect(socket.sent).toEqual([{ type: 'heartbeat_ack' }, { type: 'ready' }]);
    c.flush(0);
    expect(socket.sent[2]).toEqual({ seq: 1, type: 'x', n: 1 });
  });
});
