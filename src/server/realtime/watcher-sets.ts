/**
 * Every subject's watchers (the viewers here who are their friends), each an unordered set of
 * user ids (swap-remove) in one block of one shared Int32Array, the arena.
 *
 * There is a set per replicated user. One with an Int32Array of its own cost, once past V8's
 * 64-byte on-heap typed arrays (17 watchers), an object of 56 B, the array's 96 B, its
 * ArrayBuffer's 88 B and the buffer's off-heap store. Here a set is a small object of Smis and a
 * block of 4, 8, 16, … ids (its size class). A freed block goes on its class's free list for the
 * next set of that class; a set that outgrows its block moves to one of the next class and frees
 * the old one.
 *
 * A full arena is not doubled but compacted: the live blocks are copied, in order, into a new
 * arena a quarter larger than they need, and the free blocks left behind. A connect burst grows
 * every set through the small classes at once, so by its end most blocks of 4, 8 and 16 are free
 * and no set needs them; and where a burst ends a doubled arena has up to half its room unused.
 * (Replaying the census's bursts, 2,000–10,000 users with 50 friends, one instance or half of
 * two: arenas of 1.1–1.25 × the live blocks this way, 1.3–2.0 × doubling and keeping free blocks.)
 * Each growth copies the live ids once and is followed by at least a quarter as many new ones:
 * amortised, a handful of copies per id.
 *
 * Whoever reads a set's ids must do so before anything can change the sets (a freed block is
 * soon another set's, and the arena is replaced when it grows): `copy` is the one way out for
 * them (the fan-out's, through Registry.copyWatchers).
 */

/** The smallest block, 2^2 = 4 ids (most sets start with one watcher and grow in a burst). */
const MIN_CLASS = 2;
/** The smallest arena, in ids; fewer than 4 × as many free ids are not worth compacting for after deletes. */
const MIN_IDS = 1024;

/** The watchers of one subject: `ids[start .. start + size)` of the arena. Read-only for callers, but for the tier cache. */
export interface Watchers {
  readonly start: number;
  /** Ids the set's block holds; it moves to a larger one when full. */
  readonly capacity: number;
  readonly size: number;
  /**
   * What the fan-out computed for each id (`tiers[i]` for `ids[start + i]`) and the graph
   * version it computed them at; any change of the set voids them (-1). See Fanout.#tiersOf.
   */
  tiers: Uint8Array | null;
  tiersAt: number;
}

class WatcherSet implements Watchers {
  size = 0;
  tiers: Uint8Array | null = null;
  tiersAt = -1;

  constructor(
    public start: number,
    public capacity: number,
  ) {}
}

const classOf = (capacity: number): number => 31 - Math.clz32(capacity);

export class WatcherSets {
  /** Every set's block; replaced (the old one never written again) when it is compacted. */
  #ids: Int32Array;
  /** The arena's first never-allocated id: blocks are cut from `[top, length)`. */
  #top = 0;
  /** `#free[k]`: the starts of the free blocks of 2^k ids. */
  #free: number[][] = [];
  /** Ids in free blocks. */
  #freeIds = 0;
  readonly #sets = new Map<number, WatcherSet>();
  readonly #minIds: number;

  /** `minIds`: the smallest arena (tests make it small, to move the blocks often). */
  constructor(minIds = MIN_IDS) {
    this.#minIds = minIds;
    this.#ids = new Int32Array(minIds);
  }

  /** The arena: set `w`'s ids are `ids[w.start .. w.start + w.size)`, valid until the sets next change. */
  get ids(): Int32Array {
    return this.#ids;
  }

  /** Subjects with at least one watcher. */
  get count(): number {
    return this.#sets.size;
  }

  /**
   * Copies set `w`'s ids into `into[0 .. w.size)` (at least that long): a copy is what a reader
   * that may change the sets while it goes through them (the fan-out) must go through.
   */
  copy(w: Watchers, into: Int32Array): void {
    // By hand: a subarray would be an object per delivery.
    const ids = this.#ids;
    for (let i = 0; i < w.size; i++) into[i] = ids[w.start + i]!;
  }

  get(subjectId: number): Watchers | undefined {
    return this.#sets.get(subjectId);
  }

  has(subjectId: number, id: number): boolean {
    const set = this.#sets.get(subjectId);
    return set !== undefined && this.#indexOf(set, id) >= 0;
  }

  add(subjectId: number, id: number): void {
    if (!this.has(subjectId, id)) this.push(subjectId, id);
  }

  /** Adds an id the caller knows is absent (no scan). */
  push(subjectId: number, id: number): void {
    let set = this.#sets.get(subjectId);
    if (!set) {
      set = new WatcherSet(this.#alloc(MIN_CLASS), 1 << MIN_CLASS);
      this.#sets.set(subjectId, set);
    } else if (set.size === set.capacity) this.#moveUp(set);
    set.tiersAt = -1;
    this.#ids[set.start + set.size++] = id;
  }

  /** Removes an id; a set left empty is dropped and its block freed. */
  delete(subjectId: number, id: number): boolean {
    const set = this.#sets.get(subjectId);
    if (!set) return false;
    const i = this.#indexOf(set, id);
    if (i < 0) return false;
    const ids = this.#ids;
    ids[set.start + i] = ids[set.start + --set.size]!;
    set.tiersAt = -1;
    if (set.size === 0) {
      this.#sets.delete(subjectId);
      this.#release(set.start, set.capacity);
      // Many users gone (a mass disconnect): give the room back.
      if (this.#freeIds >= 4 * this.#minIds && 2 * this.#freeIds >= this.#top - this.#freeIds) this.#compact(0);
    }
    return true;
  }

  #indexOf(set: WatcherSet, id: number): number {
    const ids = this.#ids;
    for (let i = 0; i < set.size; i++) if (ids[set.start + i] === id) return i;
    return -1;
  }

  /** Moves a full set to a block of the next class. */
  #moveUp(set: WatcherSet): void {
    const k = classOf(set.capacity) + 1;
    // Allocated before the old block is freed, so that the copy cannot land on itself.
    const start = this.#alloc(k);
    this.#ids.copyWithin(start, set.start, set.start + set.size);
    this.#release(set.start, set.capacity);
    set.start = start;
    set.capacity = 1 << k;
  }

  /** A block of 2^k ids: a free one of that class, else one cut from the arena's end. */
  #alloc(k: number): number {
    const free = this.#free[k];
    if (free !== undefined && free.length > 0) {
      this.#freeIds -= 1 << k;
      return free.pop()!;
    }
    const n = 1 << k;
    if (this.#top + n > this.#ids.length) this.#compact(n);
    const start = this.#top;
    this.#top += n;
    return start;
  }

  #release(start: number, capacity: number): void {
    (this.#free[classOf(capacity)] ??= []).push(start);
    this.#freeIds += capacity;
  }

  /**
   * How the arena grows (and shrinks after a mass disconnect): every live block is copied, in
   * order, into a new arena a quarter larger than they and `extra` more ids need, and the free
   * lists start empty (a free block is worth keeping only until then: it is no class's next
   * set's when every set has grown past it). Each block keeps its order (so the tier caches stay
   * valid) and its size class; the old arena is never written again.
   */
  #compact(extra: number): void {
    const live = this.#top - this.#freeIds;
    const length = Math.max(this.#minIds, Math.ceil((live + extra) * 1.25));
    const old = this.#ids;
    const ids = new Int32Array(length);
    let top = 0;
    for (const set of this.#sets.values()) {
      // By hand: a subarray per set would be an object per set.
      for (let i = 0, from = set.start; i < set.size; i++) ids[top + i] = old[from + i]!;
      set.start = top;
      top += set.capacity;
    }
    this.#ids = ids;
    this.#top = top;
    this.#free = [];
    this.#freeIds = 0;
  }
}
