/**
 * A binary min-heap of (deadline, user id) pairs, so that `tick()` touches only the users
 * with something due instead of scanning everyone every 250 ms. Stored as two parallel
 * number arrays: pushing and popping allocate nothing once the arrays have grown.
 *
 * Entries are never removed early. The engine remembers, per user, the deadline of the
 * entry it counts on and ignores any popped entry that does not match (lazy deletion); a
 * deadline that moves later (an interaction postpones idleness) keeps its early entry,
 * which simply re-checks the user and schedules the real deadline.
 */
export class DeadlineQueue {
  readonly #times: number[] = [];
  readonly #ids: number[] = [];

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#times.length;
  }

  /** Deadline of the earliest entry, or Infinity when empty. */
  peekTime(): number {
    return this.#times[0] ?? Infinity;
  }

  /** Adds an entry. */
  push(time: number, id: number): void {
    this.#times.push(time);
    this.#ids.push(id);
    this.#siftUp(this.#times.length - 1);
  }

  /** Removes the earliest entry and returns its id; undefined when empty. */
  pop(): number | undefined {
    const times = this.#times;
    const ids = this.#ids;
    const top = ids[0];
    const lastTime = times.pop();
    const lastId = ids.pop();
    if (times.length > 0 && lastTime !== undefined && lastId !== undefined) {
      times[0] = lastTime;
      ids[0] = lastId;
      this.#siftDown(0);
    }
    return top;
  }

  #siftUp(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#at(parent) <= this.#at(i)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(index: number): void {
    const n = this.#times.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < n && this.#at(left) < this.#at(least)) least = left;
      if (right < n && this.#at(right) < this.#at(least)) least = right;
      if (least === i) return;
      this.#swap(i, least);
      i = least;
    }
  }

  #at(i: number): number {
    return this.#times[i] ?? Infinity;
  }

  #swap(a: number, b: number): void {
    const times = this.#times;
    const ids = this.#ids;
    const t = times[a] ?? Infinity;
    times[a] = times[b] ?? Infinity;
    times[b] = t;
    const id = ids[a] ?? 0;
    ids[a] = ids[b] ?? 0;
    ids[b] = id;
  }
}
