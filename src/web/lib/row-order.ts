/**
 * Puts a list's rows in a new order moving as few of them as it can: the longest run of rows
 * already in order stays where it is, and only the others are moved. A row given as `pinned`
 * (the one holding keyboard focus) is never moved: the others move around it. Moving a node takes it out of the document for a moment, which drops its focus and
 * restarts its animations; a burst of 200 friends changing status must not move 1,000 rows.
 */

/**
 * Which rows must move. `oldIndex[i]` is where the row wanted at position i is now (-1: not
 * in the list yet); `pinned` is a position whose row must stay (-1: none). True: move it.
 * The rows that stay are a longest increasing run of old positions (O(n log n)), one that holds
 * the pinned row: only rows before it in both orders, or after it in both, are kept with it.
 */
export function rowsToMove(oldIndex: readonly number[], pinned = -1): boolean[] {
  const n = oldIndex.length;
  const pin = pinned >= 0 ? (oldIndex[pinned] ?? -1) : -1;
  const keepable = (i: number, old: number): boolean => {
    if (old < 0) return false;
    if (pin < 0 || i === pinned) return true;
    return i < pinned ? old < pin : old > pin;
  };
  /** tails[k]: the position ending the best run of length k + 1 found so far. */
  const tails: number[] = [];
  const before = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const old = oldIndex[i] ?? -1;
    if (!keepable(i, old)) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((oldIndex[tails[mid] ?? 0] ?? 0) < old) lo = mid + 1;
      else hi = mid;
    }
    before[i] = lo > 0 ? (tails[lo - 1] ?? -1) : -1;
    tails[lo] = i;
  }
  const move = new Array<boolean>(n).fill(true);
  for (let i = tails.at(-1) ?? -1; i >= 0; i = before[i] ?? -1) move[i] = false;
  return move;
}

/**
 * Makes `parent`'s children exactly `rows`, in that order: children not in `rows` are removed,
 * the fewest rows are moved (rowsToMove), and `pinned`, when it is among them, is not moved.
 */
export function placeRows(parent: Element, rows: readonly Element[], pinned: Element | null = null): void {
  const wanted = new Set(rows);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  const at = new Map<Element, number>();
  let i = 0;
  for (const child of parent.children) at.set(child, i++);
  const move = rowsToMove(rows.map((row) => at.get(row) ?? -1), pinned ? rows.indexOf(pinned) : -1);
  // From the end: each moved row goes right before the row that follows it, already in place.
  let next: Element | null = null;
  for (let k = rows.length - 1; k >= 0; k--) {
    const row = rows[k];
    if (!row) continue;
    if (move[k]) parent.insertBefore(row, next);
    next = row;
  }
}
