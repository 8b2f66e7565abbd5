/**
 * Sidecar mode's social graph store: the friendships a host pushes through the service API,
 * kept in Beacon's own `friendships` table (one row per direction, each with the category
 * that side gives the other), between shadow users. Every change is announced so connected
 * friends see it live.
 */
import type { FriendCategory } from '../../protocol/index.js';
import { MAX_PARAMS, slices } from '../db/batches.js';
import type { Db } from '../db/database.js';
import type { FriendRepository } from '../friends/friend-repository.js';
import type { HostUserId } from '../ports/identity.js';
import type { HostProfile, ProfilesPort } from '../ports/profiles.js';
import type { HostFriend, SocialGraphPort } from '../ports/social-graph.js';
import { hostId, type IdMap } from './id-map.js';

/**
 * One friendship: `a_category` is what a gives b (what b may see of a), and the other way round.
 * A category left out keeps the value it has (a host changing one side must not widen what the
 * other side shares); on a pair not yet there it is `friend`.
 */
export interface HostPair {
  a: HostUserId;
  b: HostUserId;
  a_category?: FriendCategory;
  b_category?: FriendCategory;
}

/** Friendship rows per insert: 4 parameters each (user, friend, category, created_at). */
const ROWS_PER_INSERT = Math.floor(MAX_PARAMS / 4);
/** Pairs per delete of `remove` (4 parameters each). */
const PAIRS_PER_DELETE = 250;
/** Friends per delete of `replace`: each is bound twice, once per direction. */
const IDS_PER_DELETE = Math.floor(MAX_PARAMS / 2) - 2;

type Direction = { user: number; friend: number; category: FriendCategory | undefined };
type Pair = readonly [number, number];

export class SidecarFriendships {
  constructor(
    private readonly db: Db,
    private readonly ids: IdMap,
    private readonly now: () => number,
    /**
     * Tells Beacon these pairs changed (each re-read, views updated), all at once after the
     * write committed: Services.friendshipsChanged.
     */
    private readonly changed: (pairs: readonly Pair[]) => Promise<void>,
  ) {}

  /**
   * Creates or updates friendships (both directions, patch semantics); unchanged pairs announce
   * nothing. Written in one transaction of a few statements whatever the number of pairs (a list
   * of 5,000 took one statement per direction, 9 s on PostgreSQL), as if applied one after
   * another: for a direction named twice, its last category given wins.
   */
  async upsert(pairs: readonly HostPair[]): Promise<number> {
    const map = await this.ids.internal(pairs.flatMap((p) => [p.a, p.b]));
    const wanted = new Map<string, Direction>();
    const order: Array<[number, number]> = [];
    const want = (user: number, friend: number, category: FriendCategory | undefined) => {
      const key = `${user}:${friend}`;
      const had = wanted.get(key);
      if (!had) wanted.set(key, { user, friend, category });
      else if (category !== undefined) had.category = category;
    };
    for (const p of pairs) {
      const a = map.get(hostId(p.a))!;
      const b = map.get(hostId(p.b))!;
      if (a === b) continue;
      want(a, b, p.a_category);
      want(b, a, p.b_category);
      order.push([a, b]);
    }
    const written = await this.db.transaction().execute((trx) => this.#putAll(trx, [...wanted.values()]));
    const touched = pairsIn(order, written);
    await this.#announce(touched);
    return touched.length;
  }

  /**
   * Ends friendships (both directions). Ids Beacon never saw cannot be friends: they are
   * skipped, not created (a delete must not leave permanent shadow rows behind).
   */
  async remove(pairs: ReadonlyArray<{ a: HostUserId; b: HostUserId }>): Promise<number> {
    const map = await this.ids.internal(pairs.flatMap((p) => [p.a, p.b]), { create: false });
    const known = pairs.flatMap((p): Array<[number, number]> => {
      const a = map.get(hostId(p.a));
      const b = map.get(hostId(p.b));
      return a === undefined || b === undefined || a === b ? [] : [[a, b]];
    });
    const gone = new Set<string>();
    for (const part of slices(known, PAIRS_PER_DELETE)) {
      const done = await this.db
        .deleteFrom('friendships')
        .where((eb) => eb.or(part.flatMap(([a, b]) => [eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)])])))
        .returning(['user_id', 'friend_id'])
        .execute();
      for (const r of done) gone.add(`${r.user_id}:${r.friend_id}`);
    }
    const removed = pairsIn(known, gone);
    await this.#announce(removed);
    return removed.length;
  }

  /**
   * Replaces a user's whole friend list: friends not listed are removed, listed ones
   * created or updated (`category` is what the user gives each friend, `friend` when left out:
   * the list is the whole truth; the friend's side keeps its category, `friend` when new).
   * Beacon's own accounts (no host id) are never removed by it.
   *
   * Set-based, in one transaction: the current list is read once, the friends no longer listed
   * are deleted (both directions) in one statement, and the listed ones written in one insert
   * per kind of row (ROWS_PER_INSERT); then every changed pair is announced at once, re-read in
   * a few statements. Before, 5,000 new friends took one re-read per pair (10,000 queries): ~2 s
   * on PostgreSQL.
   */
  async replace(user: HostUserId, friends: ReadonlyArray<{ id: HostUserId; category?: FriendCategory }>): Promise<{ added: number; removed: number }> {
    // An empty list for a user never seen is what Beacon already holds: nothing is created.
    const map = await this.ids.internal([user, ...friends.map((f) => f.id)], { create: friends.length > 0 });
    const me = map.get(hostId(user));
    if (me === undefined) return { added: 0, removed: 0 };
    // A friend listed twice: the last category wins, as if the list were applied in order.
    const listed = new Map<number, FriendCategory>();
    for (const f of friends) {
      const id = map.get(hostId(f.id))!;
      if (id !== me) listed.set(id, f.category ?? 'friend');
    }
    const rows: Direction[] = [];
    // The friend's side has no category: it keeps the one it has (`friend` on a new pair).
    for (const [friend, category] of listed) rows.push({ user: me, friend, category }, { user: friend, friend: me, category: undefined });
    const { gone, deleted, written } = await this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('friendships as f')
        .innerJoin('users as u', 'u.id', 'f.friend_id')
        .select(['f.friend_id', 'u.external_id'])
        .where('f.user_id', '=', me)
        .execute();
      const gone = current.filter((r) => r.external_id !== null && !listed.has(r.friend_id)).map((r) => r.friend_id);
      const deleted = new Set<string>();
      for (const part of slices(gone, IDS_PER_DELETE)) {
        const done = await trx
          .deleteFrom('friendships')
          .where((eb) => eb.or([eb.and([eb('user_id', '=', me), eb('friend_id', 'in', part)]), eb.and([eb('friend_id', '=', me), eb('user_id', 'in', part)])]))
          .returning(['user_id', 'friend_id'])
          .execute();
        for (const r of done) deleted.add(`${r.user_id}:${r.friend_id}`);
      }
      return { gone, deleted, written: await this.#putAll(trx, rows) };
    });
    const removed = pairsIn(
      gone.map((id) => [me, id] as const),
      deleted,
    );
    const added = pairsIn(
      [...listed.keys()].map((id) => [me, id] as const),
      written,
    );
    await this.#announce([...removed, ...added]);
    return { added: added.length, removed: removed.length };
  }

  /**
   * Writes directions (each once) in statements of ROWS_PER_INSERT rows, on the caller's
   * transaction; answers the `user:friend` keys that changed. Each statement is an insert that
   * updates on conflict, never a read then a write: that lost the category of the second of
   * two requests creating the same pair at once, while both answered `changed`. Without a
   * category, an existing row is left as it is and a new one is `friend`. Rows go in key order,
   * so two transactions writing the same rows lock them in the same order (no deadlock).
   */
  async #putAll(db: Db, rows: readonly Direction[]): Promise<Set<string>> {
    const changed = new Set<string>();
    const now = this.now();
    const sorted = [...rows].sort((x, y) => x.user - y.user || x.friend - y.friend);
    // Rows naming a category set it (an unchanged one writes nothing); the others only create.
    for (const named of [true, false]) {
      const these = sorted.filter((r) => (r.category !== undefined) === named);
      for (const part of slices(these, ROWS_PER_INSERT)) {
        const done = await db
          .insertInto('friendships')
          .values(part.map((r) => ({ user_id: r.user, friend_id: r.friend, category: r.category ?? 'friend', created_at: now })))
          .onConflict((oc) => {
            const on = oc.columns(['user_id', 'friend_id']);
            return named ? on.doUpdateSet({ category: (eb) => eb.ref('excluded.category') }).where('friendships.category', '<>', (eb) => eb.ref('excluded.category')) : on.doNothing();
          })
          .returning(['user_id', 'friend_id'])
          .execute();
        for (const r of done) changed.add(`${r.user_id}:${r.friend_id}`);
      }
    }
    return changed;
  }

  /** Tells Beacon of changed pairs, all at once (they are re-read together). */
  async #announce(pairs: readonly Pair[]): Promise<void> {
    if (pairs.length > 0) await this.changed(pairs);
  }
}

/** The pairs (each once, in order) with a direction among the `user:friend` keys written. */
function pairsIn(pairs: ReadonlyArray<readonly [number, number]>, written: ReadonlySet<string>): Array<[number, number]> {
  const seen = new Set<string>();
  return pairs.flatMap(([a, b]): Array<[number, number]> => {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (seen.has(key) || !(written.has(`${a}:${b}`) || written.has(`${b}:${a}`))) return [];
    seen.add(key);
    return [[a, b]];
  });
}

/** The sidecar store as a social graph port (host ids in and out), for the contract suite. */
export function sidecarSocialGraph(friends: FriendRepository, ids: IdMap): SocialGraphPort {
  return {
    async friendsOf(userId): Promise<HostFriend[]> {
      const me = (await ids.internal([userId])).get(hostId(userId))!;
      const given = await friends.categoriesGivenTo(me);
      const external = await ids.external([...given.keys()]);
      return [...given].filter(([id]) => external.has(id)).map(([id, category]) => ({ id: external.get(id)!, category }));
    },
  };
}

/** Names of shadow users as last given by the host (JWT name claim, users upsert). */
export function storedNames(db: Db): (ids: readonly number[]) => Promise<Map<number, string>> {
  return async (ids) => {
    const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', [...ids]).where('external_id', 'is not', null).execute();
    return new Map(rows.map((r) => [r.id, r.display_name]));
  };
}

type SyncEvent = { kind: 'unfriended'; a: number; b: number } | { kind: 'category_changed'; userId: number; friendId: number; category: FriendCategory };

/** What one re-read pair means: both sides there, a friendship (each side's category); else none. */
function syncPair(a: number, b: number, ab: FriendCategory | null, ba: FriendCategory | null, emit: (e: SyncEvent) => void, oneWay: (a: number, b: number) => void): void {
  if ((ab === null) !== (ba === null)) oneWay(a, b);
  if (ab === null || ba === null) return emit({ kind: 'unfriended', a, b });
  emit({ kind: 'category_changed', userId: a, friendId: b, category: ab });
  emit({ kind: 'category_changed', userId: b, friendId: a, category: ba });
}

/**
 * Re-reads one friendship through the graph port and tells presence (the same path as
 * Beacon's own friend events), so connected friends see it appear, change or end live.
 */
export function friendshipSync(
  graph: { categoryGiven(subjectId: number, viewerId: number): Promise<FriendCategory | null> },
  emit: (e: SyncEvent) => void,
  /** A host graph that lists the pair on one side only (friendsOf must list both): said, with the pair. */
  oneWay: (a: number, b: number) => void = () => undefined,
): (a: number, b: number) => Promise<void> {
  return async (a, b) => {
    if (a === b) return;
    const [ab, ba] = await Promise.all([graph.categoryGiven(a, b), graph.categoryGiven(b, a)]);
    syncPair(a, b, ab, ba, emit, oneWay);
  };
}

/**
 * friendshipSync for many pairs at once (sidecar mode, whose graph is Beacon's own table): both
 * sides of every pair re-read in a few statements, not two queries per pair.
 */
export function friendshipsSync(
  graph: { categoriesOf(pairs: ReadonlyArray<readonly [number, number]>): Promise<ReadonlyMap<string, FriendCategory>> },
  emit: (e: SyncEvent) => void,
  oneWay: (a: number, b: number) => void = () => undefined,
): (pairs: ReadonlyArray<readonly [number, number]>) => Promise<void> {
  return async (pairs) => {
    const distinct = pairs.filter(([a, b]) => a !== b);
    if (distinct.length === 0) return;
    const held = await graph.categoriesOf(distinct);
    for (const [a, b] of distinct) syncPair(a, b, held.get(`${a}:${b}`) ?? null, held.get(`${b}:${a}`) ?? null, emit, oneWay);
  };
}

/** The names of the host's users as Beacon stores them in sidecar mode, as a profiles port (for the contract suite). */
export function sidecarProfiles(db: Db, ids: IdMap): ProfilesPort {
  const names = storedNames(db);
  return {
    async profiles(wanted): Promise<HostProfile[]> {
      if (wanted.length === 0) return [];
      const map = await ids.internal(wanted, { create: false });
      const found = await names([...map.values()]);
      return [...map].filter(([, id]) => found.has(id)).map(([external, id]) => ({ id: external, name: found.get(id)! }));
    },
  };
}
