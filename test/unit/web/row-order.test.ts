/**
 * The order of a friend list's rows after a change: the fewest rows move, and the row holding
 * keyboard focus never does. Moving a row takes it out of the document for a moment (focus
 * drops, animations restart, and every element in it runs its callbacks again): a burst of 200
 * status changes in a list of 1,000 must move about 200 rows, not most of them.
 */
import { describe, expect, it } from 'vitest';
import { placeRows, rowsToMove } from '../../../src/web/lib/row-order.js';

/** A parent with the few DOM calls placeRows makes; counts the rows it moves. */
class FakeParent {
  kids: FakeRow[] = [];
  moved: string[] = [];
  get children(): FakeRow[] {
    return this.kids;
  }
  insertBefore(row: FakeRow, next: FakeRow | null): void {
    this.moved.push(row.id);
    if (row.parent) row.remove();
    row.parent = this;
    const at = next ? this.kids.indexOf(next) : this.kids.length;
    this.kids.splice(at, 0, row);
  }
}
class FakeRow {
  parent: FakeParent | null = null;
  constructor(readonly id: string) {}
  remove(): void {
    if (!this.parent) return;
    this.parent.kids.splice(this.parent.kids.indexOf(this), 1);
    this.parent = null;
  }
}

function list(ids: string[]): { parent: FakeParent; rows: Map<string, FakeRow> } {
  const parent = new FakeParent();
  const rows = new Map(ids.map((id) => [id, new FakeRow(id)]));
  for (const id of ids) parent.insertBefore(rows.get(id)!, null);
  parent.moved = [];
  return { parent, rows };
}

function place(ids: string[], wanted: string[], pinned?: string): FakeParent {
  const { parent, rows } = list(ids);
  const row = (id: string): FakeRow => rows.get(id) ?? rows.set(id, new FakeRow(id)).get(id)!;
  placeRows(parent as unknown as Element, wanted.map(row) as unknown as Element[], pinned ? (row(pinned) as unknown as Element) : null);
  expect(parent.kids.map((r) => r.id)).toEqual(wanted);
  return parent;
}

/** Longest run of rows kept in order (with the pinned one), by brute force: the fewest moves are n minus it. */
function longestKept(oldIndex: number[], pinned: number): number {
  const n = oldIndex.length;
  const best = new Array<number>(n).fill(0);
  let top = 0;
  for (let i = 0; i < n; i++) {
    if (oldIndex[i]! < 0) continue;
    best[i] = 1;
    for (let j = 0; j < i; j++) if (oldIndex[j]! >= 0 && oldIndex[j]! < oldIndex[i]! && best[j]! + 1 > best[i]!) best[i] = best[j]! + 1;
  }
  if (pinned < 0) return Math.max(0, ...best);
  // Through the pinned row: the best run ending there, plus the best after it above its old place.
  const after = new Array<number>(n).fill(0);
  for (let i = n - 1; i > pinned; i--) {
    if (oldIndex[i]! <= oldIndex[pinned]!) continue;
    after[i] = 1;
    for (let j = i + 1; j < n; j++) if (oldIndex[j]! > oldIndex[i]! && after[j]! + 1 > after[i]!) after[i] = after[j]! + 1;
    top = Math.max(top, after[i]!);
  }
  return best[pinned]! + top;
}

describe('placeRows', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('moves nothing when the order is the same', () => {
    expect(place(ids, ids).moved).toEqual([]);
  });

  it('moves one row when one row changed place (first to last, last to first)', () => {
    expect(place(ids, ['b', 'c', 'd', 'e', 'f', 'a']).moved).toEqual(['a']);
    expect(place(ids, ['f', 'a', 'b', 'c', 'd', 'e']).moved).toEqual(['f']);
  });

  it('adds new rows and removes the ones no longer wanted, moving no other', () => {
    expect(place(ids, ['a', 'x', 'b', 'd', 'e', 'f', 'y']).moved).toEqual(['y', 'x']);
  });

  it('never moves the pinned row: the others move around it', () => {
    // Unpinned, moving "a" to the end is the one move; pinned, the five others move before it.
    expect(place(ids, ['b', 'c', 'd', 'e', 'f', 'a'], 'a').moved.sort()).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(place(ids, ['f', 'e', 'd', 'c', 'b', 'a'], 'c').moved).not.toContain('c');
  });

  it('moves the fewest rows for any reordering, the pinned one never (200 random lists)', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 30);
      const old = Array.from({ length: n }, (_, i) => `r${i}`);
      const wanted = [...old, 'new1', 'new2'].filter(() => random() > 0.1).sort(() => random() - 0.5);
      // A burst: most rows keep their order, a few change place.
      const pinnedAt = wanted.length > 0 && random() > 0.3 ? Math.floor(random() * wanted.length) : -1;
      const pinned = pinnedAt >= 0 ? wanted[pinnedAt] : undefined;
      const parent = place(old, wanted, pinned);
      if (pinned && old.includes(pinned)) expect(parent.moved).not.toContain(pinned);
      const kept = wanted.map((id) => old.filter((o) => wanted.includes(o)).indexOf(id));
      const pin = pinned && old.includes(pinned) ? pinnedAt : -1;
      expect(parent.moved.length).toBe(wanted.length - longestKept(kept, pin));
    }
  });
});

describe('rowsToMove', () => {
  it('keeps 800 of 1,000 rows in place when 200 of them change place', () => {
    const old = Array.from({ length: 1_000 }, (_, i) => i);
    // Every fifth row goes to the end (200 friends turned busy, sorted after the online ones).
    const wanted = [...old.filter((i) => i % 5 !== 0), ...old.filter((i) => i % 5 === 0)];
    const move = rowsToMove(wanted);
    expect(move.filter(Boolean).length).toBe(200);
    // With the 143rd row pinned (keyboard focus on its menu), it stays and still about 200 move.
    const pinned = wanted.indexOf(142);
    const pinnedMove = rowsToMove(wanted, pinned);
    expect(pinnedMove[pinned]).toBe(false);
    expect(pinnedMove.filter(Boolean).length).toBe(200);
  });
});
