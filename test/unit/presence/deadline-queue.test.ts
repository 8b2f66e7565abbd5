/** The engine's min-heap of deadlines, checked against a sort on many random inputs. */
import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../../src/server/presence/deadline-queue.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('DeadlineQueue', () => {
  it('pops in deadline order whatever the push order, interleaved pushes and pops included', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      const q = new DeadlineQueue();
      const model: Array<{ time: number; id: number }> = [];
      let id = 0;
      for (let step = 0; step < 200; step++) {
        if (model.length === 0 || random() < 0.6) {
          const time = Math.floor(random() * 50);
          q.push(time, ++id);
          model.push({ time, id });
        } else {
          const earliest = Math.min(...model.map((e) => e.time));
          expect(q.peekTime()).toBe(earliest);
          const popped = q.pop();
          const i = model.findIndex((e) => e.id === popped);
          expect(model[i]?.time).toBe(earliest);
          model.splice(i, 1);
        }
        expect(q.size).toBe(model.length);
      }
      const rest: number[] = [];
      while (q.size > 0) {
        const t = q.peekTime();
        const popped = q.pop();
        expect(model.find((e) => e.id === popped)?.time).toBe(t);
        rest.push(t);
      }
      expect(rest).toEqual(model.map((e) => e.time).sort((a, b) => a - b));
    }
  });

  it('empties completely: the last pop leaves nothing behind', () => {
    const q = new DeadlineQueue();
    q.push(5, 1);
    expect(q.pop()).toBe(1);
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBeUndefined();
    q.push(7, 2);
    q.push(3, 3);
    expect([q.pop(), q.pop(), q.pop()]).toEqual([3, 2, undefined]);
    expect(q.size).toBe(0);
  });
});
