/**
 * How this instance loads users' replicas: the bus subscribed to each user's topic, profile and
 * remembered state from the database, live state from the shared store (cluster mode), the
 * newer of the row and the stored copy winning (ReplicaVersions.loaded); an id
 * asked for twice loaded once; inputs that arrive while a replica loads held until it is
 * loaded; and the users pinned while an ensure() (or a caller between its awaits) uses them, so
 * that none is released under it. When replicas are taken up and let go is
 * replica-lifecycle.ts. Part of Replicas (replicas.ts).
 */
import type { StoredReplica } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { userTopic } from './presence-events.js';
import type { Profile, RowPresence } from './presence-repository.js';
import type { PresenceDeps } from './presence-deps.js';

/** The mark #ensure puts on an id while it gathers the ids to load (never awaited). */
const NOT_STARTED: Promise<void> = Promise.resolve();

export interface LoadingParts {
  engine: PresenceEngine;
  /** The profiles of the users replicated here: a loaded user has one. */
  profiles: Map<number, Profile>;
  /** After how long without a heartbeat an instance is dead (ClusterHeartbeat.deadAfter). */
  deadAfter(): number;
  /** The replica was loaded from the database row and the shared store's copy (if any): the newer wins (ReplicaVersions.loaded). */
  loaded(userId: number, state: StoredReplica | undefined, row: RowPresence): void;
  /** What a failed store command says in the log. */
  storeError(err: unknown): string;
}

export class ReplicaLoading {
  readonly #loading = new Map<number, Promise<void>>();
  /** Users deleted while their load was in flight (`discard`): that load keeps nothing of them. */
  readonly #discarded = new Set<number>();
  readonly #buffered = new Map<number, Array<() => void>>();
  /**
   * Users an ensure() (or a caller between its awaits) is using right now: never released
   * under it. A loaded user's count stays at 0 rather than being deleted until the replica
   * is released: every connect pins its ~50 friends, and a Map that gains and loses
   * thousands of entries a second reallocates its table each time it doubles or halves
   * (4.6 KiB per connect of old-space garbage in a 5,000-socket connect burst).
   */
  readonly #pinned = new Map<number, number>();

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'repo' | 'store' | 'now' | 'log'>,
    private readonly parts: LoadingParts,
  ) {}

  /** Runs `work` with these users pinned: no release while it awaits. */
  async pinned<T>(ids: readonly number[], work: () => Promise<T>): Promise<T> {
    for (const id of ids) this.#pinned.set(id, (this.#pinned.get(id) ?? 0) + 1);
    try {
      return await work();
    } finally {
      for (const id of ids) {
        const n = this.#pinned.get(id)! - 1;
        if (n > 0 || this.parts.profiles.has(id)) this.#pinned.set(id, n);
        else this.#pinned.delete(id);
      }
    }
  }

  /** Makes sure these users are replicated here (subscribed, loaded). */
  ensure(ids: readonly number[]): Promise<void> {
    return this.pinned(ids, () => this.#ensure(ids));
  }

  /**
   * ensure() for a viewer's friends (a connect): the rows `readsRow` picks (ReplicaLifecycle.readsRowFor:
   * a friend not held here, or held and hiding her status from the viewer) are read, those of the
   * held in the one statement a load of those not held makes, as if they were not held. Such a
   * friend is held while her socket is open here: a connect that read her row only when she was
   * gone would tell by its time that she is online. Friends the viewer may see are read only when
   * not held, as by ensure() (a connect burst reads nothing for the ~50 friends already held).
   */
  ensureFriends(ids: readonly number[], readsRow: (id: number) => boolean): Promise<void> {
    return this.pinned(ids, () => this.#ensure(ids, readsRow));
  }

  /**
   * Every connect passes its ~50 friends here, nearly all loaded already: no Set or arrays
   * are made for them (they outlived the connect's awaits and were promoted garbage).
   */
  async #ensure(ids: readonly number[], readsRow?: (id: number) => boolean): Promise<void> {
    let missing: number[] | null = null;
    let masked: number[] | null = null;
    for (const id of ids) {
      // ensureFriends: a friend whose row is not read is held here and seen by the viewer (one lookup of her, as before).
      if (readsRow?.(id) === false) continue;
      if (this.parts.profiles.has(id)) {
        // Held, and her row read anyway (ensureFriends: she hides her status from the viewer).
        if (readsRow) (masked ??= []).push(id);
        continue;
      }
      if (this.#loading.has(id)) continue;
      // Marked at once, so an id given twice is loaded once; the load's promise replaces the mark below.
      this.#loading.set(id, NOT_STARTED);
      (missing ??= []).push(id);
    }
    if (missing) {
      const p = this.#load(missing, masked ? [...missing, ...masked] : missing);
      for (const id of missing) this.#loading.set(id, p);
    } else if (masked) {
      // Nothing to load: the read a load of these would make, its rows unused (ensureFriends).
      await this.deps.bus.settled();
      await this.deps.repo.load(masked);
    }
    let waits: Promise<void>[] | null = null;
    for (const id of ids) {
      const p = this.#loading.get(id);
      if (p && !waits?.includes(p)) (waits ??= []).push(p);
    }
    if (waits) await Promise.all(waits);
  }

  /** Runs `fn` (an input for the user) now if the replica is loaded, after loading if it is loading, else never. */
  whenLoaded(userId: number, fn: () => void): void {
    if (this.#loading.has(userId)) {
      const list = this.#buffered.get(userId) ?? [];
      list.push(fn);
      this.#buffered.set(userId, list);
    } else if (this.parts.profiles.has(userId)) {
      fn();
    }
  }

  /** Whether the user's replica is loading. */
  isLoading(userId: number): boolean {
    return this.#loading.has(userId);
  }

  /** Some ensure() (or caller between its awaits) uses the user now; an entry at 0 does not count. */
  isPinned(userId: number): boolean {
    return (this.#pinned.get(userId) ?? 0) > 0;
  }

  /**
   * The user was deleted while their replica may be loading: that load, having read them before
   * the deletion, must not put them back (game events would apply to them, their row be written).
   */
  discard(userId: number): void {
    if (this.#loading.has(userId)) this.#discarded.add(userId);
  }

  /** The replica was released: its pin count at 0 goes (one still pinned keeps counting). */
  released(userId: number): void {
    if (!this.isPinned(userId)) this.#pinned.delete(userId);
  }

  /** Loads `ids`, reading the rows of `readIds` (ids and maybe more: ensureFriends) and keeping those of `ids`. */
  async #load(ids: number[], readIds: readonly number[]): Promise<void> {
    const { bus, repo, store } = this.deps;
    const { profiles, engine } = this.parts;
    try {
      for (const id of ids) bus.subscribe(userTopic(id));
      await bus.settled();
      const read = await repo.load(readIds);
      const wanted = readIds === ids ? null : new Set(ids);
      const rows = wanted === null ? read : read.filter((r) => wanted.has(r.profile.id));
      const states = store.shared
        ? await store.load(ids, await store.liveInstances(this.parts.deadAfter())).catch((err: unknown) => {
            this.deps.log.warn({ err: this.parts.storeError(err), users: ids.length }, 'shared presence store unreachable: replicas start from the database');
            return new Map();
          })
        : new Map();
      for (const { profile, persisted, version } of rows) {
        if (this.#discarded.has(profile.id)) continue; // deleted while this load read them
        profiles.set(profile.id, profile);
        engine.load(profile.id, persisted);
        const state = states.get(profile.id);
        this.parts.loaded(profile.id, state && orphanedLastSeen(state, persisted.lastSeen), { persisted, version });
      }
      const found = new Set(rows.filter((r) => !this.#discarded.has(r.profile.id)).map((r) => r.profile.id));
      for (const id of ids) if (!found.has(id)) bus.unsubscribe(userTopic(id));
    } finally {
      // Synchronously with the end of the load, so no input slips between buffer and replica.
      for (const id of ids) {
        this.#loading.delete(id);
        this.#discarded.delete(id);
        const list = this.#buffered.get(id) ?? [];
        this.#buffered.delete(id);
        if (profiles.has(id)) for (const fn of list) fn();
      }
    }
  }
}

/**
 * A stored replica some of whose sockets belonged to an instance that died, and none left: the
 * replicas that held the user ended those sessions (reap) and wrote the last_seen to the
 * user's row, never to the store, so the later of the two is the user's last_seen, as those
 * replicas show it. With no such replica (nobody wrote the row) the user was still there when
 * their fields were last saved (a socket's open is saved), so last_seen is at least then.
 */
function orphanedLastSeen(state: StoredReplica, rowLastSeen: number | null): StoredReplica {
  if (!state.orphaned || state.sessions.length > 0) return state;
  const lastSeen = Math.max(state.lastSeen ?? -Infinity, rowLastSeen ?? -Infinity, state.version?.at ?? -Infinity);
  return lastSeen === -Infinity || lastSeen === state.lastSeen ? state : { ...state, lastSeen };
}
