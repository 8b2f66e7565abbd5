/**
 * Who is connected to this instance, and whose friends they are: the fan-out's index.
 *
 * Kept compact (it holds an entry per connected user and ~50 per friendship): a user's
 * sockets are a small array, and each subject's watchers a block of one shared Int32Array
 * used as an unordered set (watcher-sets.ts), ~4 bytes per watcher instead of a Set entry's ~25.
 */
import type { Connection } from './connection.js';
import { WatcherSets, type Watchers } from './watcher-sets.js';

export type { Watchers } from './watcher-sets.js';

export class Registry {
  /** userId → that user's sockets here. */
  readonly #conns = new Map<number, Connection[]>();
  /** subjectId → viewers here who are friends of the subject. */
  readonly #watchers = new WatcherSets();
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

  /** The subject's watchers (their ids through copyWatchers); undefined when nobody here watches them. */
  watchersOf(subjectId: number): Watchers | undefined {
    return this.#watchers.get(subjectId);
  }

  /**
   * Copies the ids of `w` (from watchersOf, unchanged since) into `into[0 .. w.size)`. The sets
   * share one array in which a freed block is soon another subject's: a caller that may change
   * them while going through the ids (a delivery closing a socket) goes through the copy.
   */
  copyWatchers(w: Watchers, into: Int32Array): void {
    this.#watchers.copy(w, into);
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
      for (const f of friends) this.#watchers.push(f, userId);
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
    this.#watchers.add(subjectId, viewerId);
  }

  /** A set left empty is dropped (watchersOf is then undefined). */
  unwatch(viewerId: number, subjectId: number): void {
    this.#watchers.delete(subjectId, viewerId);
  }
}
