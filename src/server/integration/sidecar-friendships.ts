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

/** Rows per statement (4 parameters each: well under every dialect's limit). */
const CHUNK = 500;
/** Changed pairs re-read at once (each reads both sides through the pool). */
const ANNOUNCE_AT_ONCE = 16;

export class SidecarFriendships {
  constructor(
    private readonly db: Db,
    private readonly ids: IdMap,
    private readonly now: () => number,
    /** Tells Beacon a pair changed (re-read, views updated): Services.friendshipChanged. */
    private readonly changed: (a: number, b: number) => Promise<void>,
  ) {}

  /**
   * Creates or updates friendships (both directions, patch semantics); unchanged pairs announce
   * nothing. Written in a few statements whatever the number of pairs (a list of 5,000 took one
   * statement per direction, 9 s on PostgreSQL), as if applied one after another: for a
   * direction named twice, its last category given wins.
   */
  async upsert(pairs: readonly HostPair[]): Promise<number> {
    const map = await this.ids.internal(pairs.flatMap((p) => [p.a, p.b]));
    const wanted = new Map<string, { user: number; friend: number; category: FriendCategory | undefined }>();
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
    const touched = pairsIn(order, await this.#putAll([...wanted.values()]));
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
    for (let i = 0; i < known.length; i += CHUNK / 2) {
      const part = known.slice(i, i + CHUNK / 2);
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
   * Writes directions (each once) in statements of CHUNK rows; answers the `user:friend` keys
   * that changed. Each statement is an insert that updates on conflict, never a read then a
   * write: that lost the category of the second of two requests creating the same pair at once,
   * while both answered `changed`. Without a category, an existing row is left as it is and a
   * new one is `friend`.
   */
  async #putAll(rows: ReadonlyArray<{ user: number; friend: number; category: FriendCategory | undefined }>): Promise<Set<string>> {
    const changed = new Set<string>();
    const now = this.now();
    // Rows naming a category set it (an unchanged one writes nothing); the others only create.
    for (const named of [true, false]) {
      const these = rows.filter((r) => (r.category !== undefined) === named);
      for (let i = 0; i < these.length; i += CHUNK) {
        const done = await this.db
          .insertInto('friendships')
          .values(these.slice(i, i + CHUNK).map((r) => ({ user_id: r.user, friend_id: r.friend, category: r.category ?? 'friend', created_at: now })))
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

  /** Tells Beacon of changed pairs, a few at a time (each re-reads both sides). */
  async #announce(pairs: ReadonlyArray<readonly [number, number]>): Promise<void> {
    for (let i = 0; i < pairs.length; i += ANNOUNCE_AT_ONCE) {
      await Promise.all(pairs.slice(i, i + ANNOUNCE_AT_ONCE).map(([a, b]) => this.changed(a, b)));
    }
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
