/** Who is connected to this instance, and whose friends they are: the fan-out's index. */
import type { Connection } from './connection.js';

export class Registry {
  /** userId → that user's sockets here. */
  readonly #conns = new Map<number, Set<Connection>>();
  /** subjectId → viewers here who are friends of the subject. */
  readonly #watchers = new Map<number, Set<number>>();

  get size(): number {
    let n = 0;
    for (const set of this.#conns.values()) n += set.size;
    return n;
  }

  connsOf(userId: number): ReadonlySet<Connection> | undefined {
    return this.#conns.get(userId);
  }

  watchersOf(subjectId: number): ReadonlySet<number> | undefined {
    return this.#watchers.get(subjectId);
  }

  all(): Connection[] {
    return [...this.#conns.values()].flatMap((s) => [...s]);
  }

  /** Adds a socket; a user's first socket starts watching their friends. */
  add(conn: Connection, friends: readonly number[]): void {
    const userId = conn.auth.userId;
    let set = this.#conns.get(userId);
    if (!set) {
      set = new Set();
      this.#conns.set(userId, set);
      for (const f of friends) this.watch(userId, f);
    }
    set.add(conn);
  }

  /** Removes a socket; true when it was the user's last one here (they stop watching). */
  remove(conn: Connection, friends: readonly number[]): boolean {
    const userId = conn.auth.userId;
    const set = this.#conns.get(userId);
    if (!set?.delete(conn)) return false;
    if (set.size > 0) return false;
    this.#conns.delete(userId);
    for (const f of friends) this.unwatch(userId, f);
    return true;
  }

  watch(viewerId: number, subjectId: number): void {
    if (!this.#conns.has(viewerId)) return;
    let set = this.#watchers.get(subjectId);
    if (!set) {
      set = new Set();
      this.#watchers.set(subjectId, set);
    }
    set.add(viewerId);
  }

  unwatch(viewerId: number, subjectId: number): void {
    const set = this.#watchers.get(subjectId);
    if (!set?.delete(viewerId)) return;
    if (set.size === 0) this.#watchers.delete(subjectId);
  }
}
