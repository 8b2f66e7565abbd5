/**
 * In-memory cache of the friend graph: for each viewer seen here, the category each friend
 * GAVE them (which decides what they see of that friend). Filled on a viewer's first
 * connect or poll and kept current by graph events (this instance stays subscribed to every
 * user it has loaded), so reconnects cost no query.
 *
 * Stored compactly (one entry per viewer, ~50 friends each, for every user ever seen here):
 * friend ids sorted in an Int32Array with the categories in a parallel Uint8Array, looked
 * up by binary search — ~5 bytes per friendship instead of a Map entry's ~30. A viewer whose
 * friends all gave `friend` (most) keeps no category array at all.
 *
 * Changes wait in a small per-viewer map and are packed together once they reach an eighth of
 * the list (or when the list is read whole), so the compact arrays stay the bulk of it: packing
 * after each one made a host's bulk replace of 5,000 friends sort the whole list 5,000 times
 * (~3.5 s with the event loop held).
 *
 * A graph with `maxAgeMs` (BEACON_FRIEND_LIST_TTL_MS) may change without a word reaching here (a
 * host's graph; Beacon's own in sidecar mode or with several instances, whose writer may die
 * between its commit and its announcement): a list read from it is read again once that old, on
 * the viewer's next connect or poll (which waits for it) and while it stays cached
 * (rereadStale, on the clock's tick), through the re-read that publishes what differs
 * (GraphViews.refresh, given with rereadWith). A single standalone instance announces every
 * change of its own graph: its lists are never read again by age.
 */
import { FRIEND_CATEGORIES, type FriendCategory, type Role } from '../../protocol/index.js';
import { tierOf } from '../presence/privacy.js';
import type { ViewerInfo, ViewerTier } from '../presence/types.js';
import type { SocialGraph } from '../ports/social-graph.js';

interface Viewer {
  /** `{ id, role }` as tierOf takes it, kept so that no call allocates one. */
  info: ViewerInfo;
  ids: Int32Array;
  /** Indices into FRIEND_CATEGORIES, parallel to `ids`; null when every friend gave `friend` (most viewers: no array kept). */
  cats: Uint8Array | null;
  /** Changes not packed into `ids`/`cats` yet: friend → index into FRIEND_CATEGORIES, or GONE (no longer friends). They win over `ids`. */
  pending: Map<number, number> | null;
}

const EMPTY_IDS = new Int32Array(0);
const FRIEND = FRIEND_CATEGORIES.indexOf('friend');
/** In `pending`: the pair is no longer friends. */
const GONE = -1;
/** Re-reads by age under way at once (a connect's own is never held back): a host port is not flooded when many lists age together. */
const REREADS_AT_ONCE = 16;

function indexOf(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Sorts `ids` (unsorted, distinct, owned) and packs each one's category index. */
function pack(ids: Int32Array, categoryOf: (id: number) => number): { ids: Int32Array; cats: Uint8Array | null } {
  if (ids.length === 0) return { ids: EMPTY_IDS, cats: null };
  ids.sort();
  const cats = new Uint8Array(ids.length);
  let plain = true;
  for (let i = 0; i < ids.length; i++) {
    cats[i] = categoryOf(ids[i]!);
    if (cats[i] !== FRIEND) plain = false;
  }
  return { ids, cats: plain ? null : cats };
}

/** The packed category index at `i` of a viewer's friends. */
function packedAt(v: Pick<Viewer, 'cats'>, i: number): number {
  return v.cats === null ? FRIEND : v.cats[i]!;
}

/** The category index `id` gives the viewer, pending changes first; GONE: not friends. */
function categoryIndex(v: Viewer, id: number): number {
  const p = v.pending?.get(id);
  if (p !== undefined) return p;
  const i = indexOf(v.ids, id);
  return i < 0 ? GONE : packedAt(v, i);
}

/** Packs the viewer's pending changes into new arrays (one handed out by friendIds stays as it was). */
function flush(v: Viewer): void {
  const pending = v.pending;
  if (pending === null) return;
  const kept = { ids: v.ids, cats: v.cats };
  const ids: number[] = [];
  for (const id of kept.ids) if (!pending.has(id)) ids.push(id);
  for (const [id, c] of pending) if (c !== GONE) ids.push(id);
  const packed = pack(Int32Array.from(ids), (id) => pending.get(id) ?? packedAt(kept, indexOf(kept.ids, id)));
  v.ids = packed.ids;
  v.cats = packed.cats;
  v.pending = null;
}

export class FriendGraph {
  #viewers = new Map<number, Viewer>();
  #roles = new Map<number, Role>();
  #version = 0;
  /** With `maxAgeMs`: when each cached list was last read (or its re-read began), oldest first. */
  readonly #readAt = new Map<number, number>();
  /** Re-reads by age under way, per viewer: a connect meanwhile waits for it rather than reading again. */
  readonly #rereads = new Map<number, Promise<void>>();
  #reread: (viewerId: number) => Promise<boolean | void> = () => Promise.resolve();
  /** The rereadStale due on the next turn of the event loop (#rereadNext), if any. */
  #next: NodeJS.Immediate | null = null;
  /** stop() was called: nothing is read again by age any more. */
  #stopped = false;
  readonly #maxAgeMs: number | null;
  readonly #now: () => number;

  /**
   * Moves on with every change that can alter a tier (a viewer loaded, forgotten, or seen
   * with another role; a category set): whoever keeps tiers computed from this graph (the
   * fan-out's watcher sets) recomputes them when it differs from theirs.
   */
  get version(): number {
    return this.#version;
  }

  constructor(
    private readonly repo: SocialGraph,
    now: () => number = Date.now,
  ) {
    this.#maxAgeMs = repo.maxAgeMs ?? null;
    this.#now = now;
  }

  /**
   * How a list older than `maxAgeMs` is read again, its differences published (GraphViews.refresh);
   * it must not reject, and answers `false` when the read failed: the next aged list then waits
   * for the tick, so a database or host port that is down is not asked for every list at once.
   */
  rereadWith(reread: (viewerId: number) => Promise<boolean | void>): void {
    this.#reread = reread;
  }

  /**
   * Loads a viewer's friends unless already cached. `role` is the viewer's on a first load;
   * once cached, the role the fan-out and the `ready` snapshot use follows the viewer's sockets
   * here (setRole, by the gateway), whatever a request's token says.
   */
  async load(viewerId: number, role: Role): Promise<void> {
    const cached = this.#viewers.get(viewerId);
    // A host's list past its age is read again first (its re-read under way, waited for).
    if (cached) return this.#maxAgeMs === null ? undefined : (this.#rereads.get(viewerId) ?? (this.#stale(viewerId) ? this.#rereadNow(viewerId) : undefined));
    this.#roles.set(viewerId, role);
    const given = await this.repo.categoriesGivenTo(viewerId);
    this.#roles.delete(viewerId);
    if (this.#viewers.has(viewerId)) return;
    const packed = pack(Int32Array.from(given.keys()), (id) => FRIEND_CATEGORIES.indexOf(given.get(id)!));
    this.#viewers.set(viewerId, { info: { id: viewerId, role }, ...packed, pending: null });
    // Dated as it is cached (not when its read began), so that #readAt stays in date order.
    if (this.#maxAgeMs !== null) this.#readAt.set(viewerId, this.#now());
    this.#version++;
  }

  /**
   * Reads again the cached lists older than `maxAgeMs` (the clock's tick), oldest first, a few
   * at a time; each is dated when its re-read begins, so a failed one is tried a TTL later.
   */
  rereadStale(): void {
    if (this.#maxAgeMs === null || this.#stopped) return;
    const due: number[] = [];
    for (const viewerId of this.#readAt.keys()) {
      if (this.#rereads.size + due.length >= REREADS_AT_ONCE || !this.#stale(viewerId)) break;
      if (!this.#rereads.has(viewerId)) due.push(viewerId);
    }
    for (const viewerId of due) void this.#rereadNow(viewerId);
  }

  /**
   * A re-read ended: the next aged list starts now, not at the next tick. Started only by the
   * tick, at most REREADS_AT_ONCE per tick (250 ms) went, ~64 a second, so an instance holding
   * more than ~19,000 lists could not keep the TTL (at 100,000, each list was ~26 minutes old
   * when read again, not 5). On the next turn of the event loop (setImmediate), so that re-reads
   * answered without I/O never chain in one turn and hold the loop.
   */
  #rereadNext(): void {
    if (this.#next || this.#stopped) return;
    this.#next = setImmediate(() => {
      this.#next = null;
      this.rereadStale();
    }).unref();
  }

  /** No more re-reads by age (the service stops): those under way end as they will. */
  stop(): void {
    this.#stopped = true;
    if (this.#next) clearImmediate(this.#next);
    this.#next = null;
  }

  #stale(viewerId: number): boolean {
    const at = this.#readAt.get(viewerId);
    return at !== undefined && this.#now() - at >= this.#maxAgeMs!;
  }

  #rereadNow(viewerId: number): Promise<void> {
    this.#readAt.delete(viewerId);
    this.#readAt.set(viewerId, this.#now());
    const done = this.#reread(viewerId).then(
      (read) => read !== false,
      () => false,
    ).then((read) => {
      this.#rereads.delete(viewerId);
      // A failure is tried again a TTL later (dated above); the next list waits for the tick.
      if (read) this.#rereadNext();
    });
    this.#rereads.set(viewerId, done);
    return done;
  }

  /**
   * The role a cached viewer's tiers use (the gateway: the least privileged of the viewer's
   * sockets here, so that a socket opened with a token that is not an admin's never receives
   * what only an admin may see because another socket of theirs was). Answers the role it had
   * when it changed (null: unchanged or not cached).
   */
  setRole(viewerId: number, role: Role): Role | null {
    const v = this.#viewers.get(viewerId);
    if (!v || v.info.role === role) return null;
    const was = v.info.role;
    v.info = { id: viewerId, role };
    this.#version++;
    return was;
  }

  /** The viewer's tier towards a subject as `viewer` (a request's own role), from the cached friend list. */
  tierAs(viewer: ViewerInfo, subjectId: number): ViewerTier {
    return tierOf(viewer, subjectId, this.category(viewer.id, subjectId));
  }

  /** Drops a viewer's cached friends (the replica lifecycle released them). */
  forget(viewerId: number): void {
    this.#readAt.delete(viewerId);
    if (this.#viewers.delete(viewerId)) this.#version++;
  }

  /** The cached viewers whose friends include `subjectId` (a scan: for a deletion, not a hot path). */
  holders(subjectId: number): number[] {
    const out: number[] = [];
    for (const [viewerId, v] of this.#viewers) if (categoryIndex(v, subjectId) !== GONE) out.push(viewerId);
    return out;
  }

  /** The viewers whose friend lists are cached here. */
  viewerIds(): number[] {
    return [...this.#viewers.keys()];
  }

  /** Viewers cached here (tests). */
  get size(): number {
    return this.#viewers.size;
  }

  has(viewerId: number): boolean {
    return this.#viewers.has(viewerId);
  }

  /**
   * The friends of a cached viewer, without a copy: read it, never write it. A change to the
   * viewer's friends replaces the array (flush), so one already handed out stays as it was.
   */
  friendIds(viewerId: number): Int32Array {
    const v = this.#viewers.get(viewerId);
    if (!v) return EMPTY_IDS;
    flush(v);
    return v.ids;
  }

  /**
   * `each(friend, the viewer's tier towards them)` for every friend of a cached viewer, as
   * friendIds and tier() give them (or tierAs with `as`, a request's own role): the viewer is
   * looked up once and each category read in place, not searched for friend by friend (a
   * connect's snapshot goes through all ~50).
   */
  eachFriend(viewerId: number, each: (friendId: number, tier: ViewerTier) => void, as?: ViewerInfo): void {
    const v = this.#viewers.get(viewerId);
    if (!v) return;
    flush(v);
    // Read as they are now, should a flush meanwhile replace the viewer's.
    const packed = { ids: v.ids, cats: v.cats };
    const info = as ?? v.info;
    for (let i = 0; i < packed.ids.length; i++) each(packed.ids[i]!, tierOf(info, packed.ids[i]!, FRIEND_CATEGORIES[packedAt(packed, i)]!));
  }

  /** The friends of a cached viewer. */
  friendsOf(viewerId: number): number[] {
    return Array.from(this.friendIds(viewerId));
  }

  isFriend(viewerId: number, subjectId: number): boolean {
    const v = this.#viewers.get(viewerId);
    return v !== undefined && categoryIndex(v, subjectId) !== GONE;
  }

  /** The category the subject gives a cached viewer, from the cache (null: not friends, or not cached). */
  category(viewerId: number, subjectId: number): FriendCategory | null {
    const v = this.#viewers.get(viewerId);
    const c = v ? categoryIndex(v, subjectId) : GONE;
    return c === GONE ? null : FRIEND_CATEGORIES[c]!;
  }

  /** The viewer's tier towards a subject, from the cache. */
  tier(viewerId: number, subjectId: number): ViewerTier {
    const v = this.#viewers.get(viewerId);
    if (!v) return tierOf({ id: viewerId, role: this.#roles.get(viewerId) ?? 'user' }, subjectId, null);
    const c = categoryIndex(v, subjectId);
    return tierOf(v.info, subjectId, c === GONE ? null : FRIEND_CATEGORIES[c]!);
  }

  /**
   * Records that `subjectId` gives `viewerId` this category (null: no longer friends). Only for
   * cached viewers. A packed friend's category changes in place when the viewer has a category
   * array; any other change waits in `pending` until an eighth of the list has changed, so that
   * n changes cost O(n log n) in all, not a sort of the whole list each.
   */
  set(viewerId: number, subjectId: number, category: FriendCategory | null): void {
    const v = this.#viewers.get(viewerId);
    if (!v) return;
    const next = category === null ? GONE : FRIEND_CATEGORIES.indexOf(category);
    // No change (a re-read after an outage sets every friend again): cached tiers stay valid.
    if (categoryIndex(v, subjectId) === next) return;
    this.#version++;
    const i = v.pending?.has(subjectId) ? -1 : indexOf(v.ids, subjectId);
    if (next !== GONE && i >= 0 && v.cats !== null) {
      v.cats[i] = next;
      return;
    }
    (v.pending ??= new Map()).set(subjectId, next);
    if (v.pending.size > v.ids.length >> 3) flush(v);
  }
}
