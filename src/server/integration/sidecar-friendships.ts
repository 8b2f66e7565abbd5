/**
 * Sidecar mode's social graph store: the friendships a host pushes through the service API,
 * kept in Beacon's own `friendships` table (one row per direction, each with the category
 * that side gives the other), between shadow users. Every change is announced so connected
 * friends see it live.
 */
import type { FriendCategory } from '../../protocol/index.js';
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

export class SidecarFriendships {
  constructor(
    private readonly db: Db,
    private readonly ids: IdMap,
    private readonly now: () => number,
    /** Tells Beacon a pair changed (re-read, views updated): Services.friendshipChanged. */
    private readonly changed: (a: number, b: number) => Promise<void>,
  ) {}

  /** Creates or updates friendships (both directions, patch semantics); unchanged pairs announce nothing. */
  async upsert(pairs: readonly HostPair[]): Promise<number> {
    const map = await this.ids.internal(pairs.flatMap((p) => [p.a, p.b]));
    const touched: Array<[number, number]> = [];
    for (const p of pairs) {
      const a = map.get(hostId(p.a))!;
      const b = map.get(hostId(p.b))!;
      if (a === b) continue;
      const changedAB = await this.#put(a, b, p.a_category);
      const changedBA = await this.#put(b, a, p.b_category);
      if (changedAB || changedBA) touched.push([a, b]);
    }
    for (const [a, b] of touched) await this.changed(a, b);
    return touched.length;
  }

  /**
   * Ends friendships (both directions). Ids Beacon never saw cannot be friends: they are
   * skipped, not created (a delete must not leave permanent shadow rows behind).
   */
  async remove(pairs: ReadonlyArray<{ a: HostUserId; b: HostUserId }>): Promise<number> {
    const map = await this.ids.internal(pairs.flatMap((p) => [p.a, p.b]), { create: false });
    let n = 0;
    for (const p of pairs) {
      const a = map.get(hostId(p.a));
      const b = map.get(hostId(p.b));
      if (a === undefined || b === undefined) continue;
      const res = await this.db
        .deleteFrom('friendships')
        .where((eb) => eb.or([eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)])]))
        .executeTakeFirst();
      if (Number(res.numDeletedRows) > 0) {
        n++;
        await this.changed(a, b);
      }
    }
    return n;
  }

  /**
   * Replaces a user's whole friend list: friends not listed are removed, listed ones
   * created or updated (`category` is what the user gives each friend, `friend` when left out:
   * the list is the whole truth; the friend's side keeps its category, `friend` when new).
   */
  async replace(user: HostUserId, friends: ReadonlyArray<{ id: HostUserId; category?: FriendCategory }>): Promise<{ added: number; removed: number }> {
    // An empty list for a user never seen is what Beacon already holds: nothing is created.
    const map = await this.ids.internal([user, ...friends.map((f) => f.id)], { create: friends.length > 0 });
    const me = map.get(hostId(user));
    if (me === undefined) return { added: 0, removed: 0 };
    const current = await this.db.selectFrom('friendships').select(['friend_id']).where('user_id', '=', me).execute();
    const wanted = new Set(friends.map((f) => map.get(hostId(f.id))!));
    const external = await this.ids.external(current.map((r) => r.friend_id));
    const gone = current.filter((r) => !wanted.has(r.friend_id) && external.has(r.friend_id));
    const removed = await this.remove(gone.map((r) => ({ a: user, b: external.get(r.friend_id)! })));
    const keep: HostPair[] = [];
    // The friend's side is left out, so it keeps its category (upsert's patch semantics).
    for (const f of friends) keep.push({ a: user, b: f.id, a_category: f.category ?? 'friend' });
    const added = await this.upsert(keep);
    return { added, removed };
  }

  /**
   * Writes one direction in one statement; true when it changed. A read, then an insert that
   * did nothing on conflict, lost the category of the second of two requests creating the same
   * pair at once, while both answered `changed`. Without a category, an existing row is left as
   * it is and a new one is `friend`.
   */
  async #put(userId: number, friendId: number, category: FriendCategory | undefined): Promise<boolean> {
    const res = await this.db
      .insertInto('friendships')
      .values({ user_id: userId, friend_id: friendId, category: category ?? 'friend', created_at: this.now() })
      .onConflict((oc) => {
        const on = oc.columns(['user_id', 'friend_id']);
        return category === undefined ? on.doNothing() : on.doUpdateSet({ category }).where('friendships.category', '<>', category);
      })
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
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

/**
 * Re-reads one friendship through the graph port and tells presence (the same path as
 * Beacon's own friend events), so connected friends see it appear, change or end live.
 */
export function friendshipSync(
  graph: { categoryGiven(subjectId: number, viewerId: number): Promise<FriendCategory | null> },
  emit: (e: { kind: 'unfriended'; a: number; b: number } | { kind: 'category_changed'; userId: number; friendId: number; category: FriendCategory }) => void,
  /** A host graph that lists the pair on one side only (friendsOf must list both): said, with the pair. */
  oneWay: (a: number, b: number) => void = () => undefined,
): (a: number, b: number) => Promise<void> {
  return async (a, b) => {
    if (a === b) return;
    const [ab, ba] = await Promise.all([graph.categoryGiven(a, b), graph.categoryGiven(b, a)]);
    if ((ab === null) !== (ba === null)) oneWay(a, b);
    if (ab === null || ba === null) return emit({ kind: 'unfriended', a, b });
    emit({ kind: 'category_changed', userId: a, friendId: b, category: ab });
    emit({ kind: 'category_changed', userId: b, friendId: a, category: ba });
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
