/** The watcher sets in one shared arena: set semantics, and how blocks are reused, moved and given back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WatcherSets } from '../../../src/server/realtime/watcher-sets.js';

const idsOf = (w: WatcherSets, subject: number): number[] => {
  const s = w.get(subject);
  return s ? [...w.ids.subarray(s.start, s.start + s.size)] : [];
};
const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

/**
 * How subjects `from .. to` differ from the model, or null: each set as the model has it, in a
 * block of its own (a power of two, inside the arena, overlapping no other of them), and as many
 * sets as the model has. Plain checks, not expect(): it runs after every operation.
 */
function mismatch(w: WatcherSets, model: Map<number, Set<number>>, from: number, to: number): string | null {
  const blocks: Array<[number, number]> = [];
  for (let s = from; s < to; s++) {
    const want = model.get(s) ?? new Set<number>();
    const set = w.get(s);
    if (want.size === 0) {
      if (set !== undefined) return `subject ${s}: a set, none expected`;
      continue;
    }
    if (set === undefined) return `subject ${s}: no set`;
    const got = sorted(idsOf(w, s));
    if (got.join() !== sorted(want).join()) return `subject ${s}: ${got.join()} instead of ${sorted(want).join()}`;
    const { start, capacity, size } = set;
    if (capacity & (capacity - 1) || capacity < Math.max(4, size)) return `subject ${s}: capacity ${capacity} for ${size}`;
    if (start < 0 || start + capacity > w.ids.length) return `subject ${s}: block ${start}+${capacity} outside ${w.ids.length}`;
    blocks.push([start, start + capacity]);
  }
  blocks.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < blocks.length; i++) if (blocks[i]![0] < blocks[i - 1]![1]) return `blocks overlap at ${blocks[i]![0]}`;
  const live = [...model.values()].filter((x) => x.size > 0).length;
  return w.count === live ? null : `${w.count} sets, ${live} expected`;
}

describe('WatcherSets', () => {
  it('behaves as a map of sets, with many sets growing, shrinking and emptying interleaved', () => {
    const SUBJECTS = 24;
    const op = fc.record({
      kind: fc.constantFrom('add', 'add', 'push', 'push', 'delete', 'has'),
      subject: fc.integer({ min: 0, max: SUBJECTS - 1 }),
      id: fc.integer({ min: 0, max: 90 }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 300, maxLength: 1500, size: 'max' }), fc.constantFrom(4, 64, 1024), (ops, minIds) => {
        // A small smallest arena moves the blocks often (a new arena, and after deletes).
        const w = new WatcherSets(minIds);
        const model = new Map<number, Set<number>>();
        for (const [n, { kind, subject, id }] of ops.entries()) {
          const want = model.get(subject) ?? new Set<number>();
          model.set(subject, want);
          if (kind === 'has') expect(w.has(subject, id)).toBe(want.has(id));
          else if (kind === 'delete') expect(w.delete(subject, id)).toBe(want.delete(id));
          else if (kind === 'push' && !want.has(id)) {
            w.push(subject, id);
            want.add(id);
          } else {
            w.add(subject, id);
            want.add(id);
          }
          // The touched set after each operation, every set (and their blocks) every few.
          const problem = n % 16 === 15 || n === ops.length - 1 ? mismatch(w, model, 0, SUBJECTS) : mismatch(w, model, subject, subject + 1);
          if (problem !== null) expect.fail(`after ${kind}(${subject}, ${id}): ${problem}`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives a freed block to the next set of its class, and a set that outgrows its block frees it', () => {
    const w = new WatcherSets();
    w.push(1, 10);
    const first = w.get(1)!.start;
    w.delete(1, 10);
    expect(w.get(1)).toBeUndefined();
    w.push(2, 20);
    expect(w.get(2)!.start).toBe(first);
    for (const id of [21, 22, 23, 24]) w.push(2, id);
    expect(w.get(2)!.capacity).toBe(8);
    expect(w.get(2)!.start).not.toBe(first);
    expect(idsOf(w, 2)).toEqual([20, 21, 22, 23, 24]);
    w.push(3, 30);
    expect(w.get(3)!.start).toBe(first);
    expect(idsOf(w, 2)).toEqual([20, 21, 22, 23, 24]);
  });

  it('any change of a set voids its tier cache; moving the blocks (a new arena) keeps them in order and the cache valid', () => {
    const w = new WatcherSets();
    for (const id of [1, 2, 3]) w.push(7, id);
    const set = w.get(7)!;
    set.tiersAt = 5;
    w.push(7, 4);
    expect(set.tiersAt).toBe(-1);
    set.tiersAt = 5;
    w.delete(7, 1);
    expect(set.tiersAt).toBe(-1);
    set.tiersAt = 5;
    const before = idsOf(w, 7);
    const arena = w.ids;
    // Enough other sets to outgrow the first arena.
    for (let s = 100; s < 400; s++) for (let id = 0; id < 5; id++) w.push(s, id);
    expect(w.ids).not.toBe(arena);
    expect(idsOf(w, 7)).toEqual(before);
    expect(set.tiersAt).toBe(5);
  });

  it('leaves an arena it replaced as it was (a reader holding it reads the sets as they were)', () => {
    const w = new WatcherSets();
    for (let id = 0; id < 6; id++) w.push(1, id);
    const { start, size } = w.get(1)!;
    const arena = w.ids;
    const seen = [...arena.subarray(start, start + size)];
    for (let s = 100; s < 400; s++) for (let id = 0; id < 5; id++) w.push(s, id);
    w.delete(1, 0);
    w.push(1, 99);
    expect(w.ids).not.toBe(arena);
    expect([...arena.subarray(start, start + size)]).toEqual(seen);
  });

  it('packs the sets again when most of them are gone (a mass disconnect gives the room back)', () => {
    const w = new WatcherSets();
    for (let s = 0; s < 2000; s++) for (let id = 0; id < 20; id++) w.push(s, id);
    const full = w.ids.length;
    for (let s = 0; s < 1900; s++) for (let id = 0; id < 20; id++) w.delete(s, id);
    expect(w.count).toBe(100);
    expect(w.ids.length).toBeLessThan(full / 4);
    for (let s = 1900; s < 2000; s++) expect(idsOf(w, s)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('packs after deletes exactly when 4 × minIds ids are free and they are at least half the live ones, into a quarter more than the live ones', () => {
    /** Sets of one id each (a block of 4), deleted one by one: after which deletes the arena was replaced. */
    const packedAfter = (sets: number, deletes: number): { at: number[]; length: number } => {
      const w = new WatcherSets(4);
      for (let s = 0; s < sets; s++) w.push(s, 1);
      const at: number[] = [];
      for (let k = 1; k <= deletes; k++) {
        const arena = w.ids;
        w.delete(k - 1, 1);
        if (w.ids !== arena) at.push(k);
      }
      for (let s = deletes; s < sets; s++) expect(idsOf(w, s)).toEqual([1]);
      return { at, length: w.ids.length };
    };
    // 6 blocks: half free after 2 deletes, but fewer than 16 ids free until the 4th (8 live: 1.25 × 8 = 10 ids).
    expect(packedAfter(6, 5)).toEqual({ at: [4], length: 10 });
    // 24 blocks: 16 free after 4 deletes, but not half the live ones until the 8th (32 free, 64 live: 80 ids).
    expect(packedAfter(24, 9)).toEqual({ at: [8], length: 80 });
  });

  it('fills the arena to its last id before it grows', () => {
    const w = new WatcherSets(8);
    const arena = w.ids;
    w.push(1, 10);
    w.push(2, 20);
    expect(w.ids).toBe(arena);
    w.push(3, 30);
    expect(w.ids).not.toBe(arena);
    expect([idsOf(w, 1), idsOf(w, 2), idsOf(w, 3)]).toEqual([[10], [20], [30]]);
  });

  it('copies a set into the first `size` places of the array given, and writes nothing past them', () => {
    const w = new WatcherSets();
    for (const id of [7, 8, 9]) w.push(1, id);
    const into = new Int32Array(6).fill(-1);
    w.copy(w.get(1)!, into);
    expect([...into]).toEqual([7, 8, 9, -1, -1, -1]);
  });
});
