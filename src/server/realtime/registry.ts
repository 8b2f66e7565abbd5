/**
 * Who is connected to this instance, and whose friends they are: the fan-out's index.
 *
 * Kept compact (it holds an entry per connected user and ~50 per friendship): a user's
 * sockets are a small array, and each subject's watchers an Int32Array used as an
 * unordered set (swap-remove), ~4 bytes per watcher instead of a Set entry's ~25.
 */
import type { Connection } from './connection.js';

/** An unordered set of user ids in a growable Int32Array. */
class IdSet {
  /**
   * 16 ids fit in the array's own object (V8 keeps typed arrays up to 64 bytes on its heap,
   * with no separate buffer); starting smaller only meant more copies left behind for the
   * collector as a set grows during a connect burst.
   */
  ids = new Int32Array(16);
  size = 0;
  /**
   * What the fan-out computed for each id (`tiers[i]` for `ids[i]`) and the graph version it
   * computed them at; any change of the set voids them (-1). See Fanout.#tiersOf.
   */
  tiers: Uint8Array | null = null;
  tiersAt = -1;

  has(id: number): boolean {
    const ids = this.ids;
    for (let i = 0; i < this.size; i++) if (ids[i] === id) return true;
    return false;
  }

  add(id: number): void {
    if (!this.has(id)) this.push(id);
  }

  /** Adds an id the caller knows is absent (no scan). */
  push(id: number): void {
    this.tiersAt = -1;
    if (this.size === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.size++] = id;
  }

  delete(id: number): boolean {
    const ids = this.ids;
    for (let i = 0; i < this.size; i++) {
      if (ids[i] !== id) continue;
      ids[i] = ids[--this.size]!;
      this.tiersAt = -1;
      return true;
    }
    return false;
  }
}

/** The watchers of one subject: `ids[0 .. size)`. Read-only for callers, but for the tier cache. */
export interface Watchers {
  readonly ids: Int32Array;
  readonly size: number;
  /** The fan-out's cache of each watcher's tier, valid while `tiersAt` is the graph's version. */
  tiers: Uint8Array | null;
  tiersAt: number;
}

export class Registry {
  /** userId → that user's sockets here. */
  readonly #conns = new Map<number, Connection[]>();
  /** subjectId → viewers here who are friends of the subject. */
  readonly #watchers = new Map<number, IdSet>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The distinct users with a socket here. */
  userIds(): IterableIterator<number> {
    return this.#conns.keys();
  }

  connsOf(userId: number): readonly Connection[] | undefined {
    return this.#conns.get(userId);
  }

  watchersOf(subjectId: number): Watchers | undefined {
    return this.#watchers.get(subjectId);
  }

  all(): Connection[] {
    const out: Connection[] = [];
    for (const list of this.#conns.values()) for (const c of list) out.push(c);
    return out;
  }

  /** Adds a socket; a user's first socket starts watching their friends. */
  add(conn: Connection, friends: Iterable<number>): void {
    const userId = conn.auth.userId;
    const list = this.#conns.get(userId);
    if (!list) {
      // Sized for the one socket most users have (a push onto [] reserves room for 17).
      this.#conns.set(userId, [conn]);
      this.#size++;
      // A user with no socket here watches nobody (watch() refuses them, remove() unwatches
      // all), so their id is in no set yet: push without scanning each set (~50 × ~50 per connect).
      for (const f of friends) this.#watchersFor(f).push(userId);
      return;
    }
    if (list.includes(conn)) return;
    list.push(conn);
    this.#size++;
  }

  /** Removes a socket; true when it was the user's last one here (they stop watching). */
  remove(conn: Connection, friends: Iterable<number>): boolean {
    const userId = conn.auth.userId;
    const list = this.#conns.get(userId);
    const i = list ? list.indexOf(conn) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    this.#size--;
    if (list.length > 0) return false;
    this.#conns.delete(userId);
    for (const f of friends) this.unwatch(userId, f);
    return true;
  }

  watch(viewerId: number, subjectId: number): void {
    if (!this.#conns.has(viewerId)) return;
    this.#watchersFor(subjectId).add(viewerId);
  }

  #watchersFor(subjectId: number): IdSet {
    let set = this.#watchers.get(subjectId);
    if (!set) {
      set = new IdSet();
      this.#watchers.set(subjectId, set);
    }
    return set;
  }

  unwatch(viewerId: number, subjectId: number): void {
    const set = this.#watchers.get(subjectId);
    if (!set?.delete(viewerId)) return;
    if (set.size === 0) this.#watchers.delete(subjectId);
  }
}
