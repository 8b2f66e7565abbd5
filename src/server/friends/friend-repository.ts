/** Friend requests and the friend graph (one friendships row per direction). */
import type { Friend, FriendCategory, FriendRequest } from '../../protocol/index.js';
import { MAX_PARAMS, slices } from '../db/batches.js';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared-query.js';
import { withPairLock } from '../db/user-locks.js';
import { BlockRepository } from './block-repository.js';

/**
 * Pairs grouped by their first user, at most this many groups in one statement (categoriesOf):
 * SQLite refuses an expression tree deeper than 1000 ("Expression tree is too large"), and each
 * group adds two OR terms.
 */
const MAX_OR_GROUPS = 200;

interface RequestRow {
  id: number;
  from_user_id: number;
  to_user_id: number;
  created_at: number;
}

const toRequest = (r: RequestRow): FriendRequest => ({
  id: r.id,
  from_user_id: r.from_user_id,
  to_user_id: r.to_user_id,
  created_at: new Date(r.created_at).toISOString(),
});

const REQUEST_COLUMNS = ['id', 'from_user_id', 'to_user_id', 'created_at'] as const;

/** Every viewer's load reads this: compiled once (db/prepared-query.ts). */
const CATEGORIES_GIVEN_TO = new PreparedQuery(
  (db: Db, viewerId: number) => db.selectFrom('friendships').select(['user_id', 'category']).where('friend_id', '=', viewerId),
  [-1],
);

export class FriendRepository {
  constructor(private readonly db: Db) {}

  /**
   * Runs `fn` with this repository and the blocks' on one transaction that holds the lock of
   * the pair {a, b} (db/user-locks.ts): what `fn` reads about the two stays true until it
   * commits, whatever other requests about them run at once, here or on another instance.
   */
  inPair<T>(a: number, b: number, fn: (friends: FriendRepository, blocks: BlockRepository) => Promise<T>): Promise<T> {
    return withPairLock(this.db, a, b, (trx) => fn(new FriendRepository(trx), new BlockRepository(trx)));
  }

  async findRequest(id: number): Promise<FriendRequest | null> {
    const row = await this.db.selectFrom('friend_requests').select(REQUEST_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toRequest(row) : null;
  }

  async findPending(fromUserId: number, toUserId: number): Promise<FriendRequest | null> {
    const row = await this.db
      .selectFrom('friend_requests')
      .select(REQUEST_COLUMNS)
      .where('from_user_id', '=', fromUserId)
      .where('to_user_id', '=', toUserId)
      .executeTakeFirst();
    return row ? toRequest(row) : null;
  }

  /** Creates a request; null if one is already pending in that direction. */
  async createRequest(fromUserId: number, toUserId: number, now: number): Promise<FriendRequest | null> {
    const row = await this.db
      .insertInto('friend_requests')
      .values({ from_user_id: fromUserId, to_user_id: toUserId, created_at: now })
      .onConflict((oc) => oc.columns(['from_user_id', 'to_user_id']).doNothing())
      .returning(REQUEST_COLUMNS)
      .executeTakeFirst();
    return row ? toRequest(row) : null;
  }

  /** Which of these requests are still pending (a closed request's row is gone). */
  async pendingAmong(ids: readonly number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (const part of slices([...new Set(ids)], MAX_PARAMS)) {
      const rows = await this.db.selectFrom('friend_requests').select('id').where('id', 'in', part).execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** Deletes a request; false if it was not pending (any more). */
  async deleteRequest(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('friend_requests').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Deletes the requests between a and b (either direction); answers those it deleted. */
  async deleteRequestsBetween(a: number, b: number): Promise<FriendRequest[]> {
    const rows = await this.db
      .deleteFrom('friend_requests')
      .where((eb) =>
        eb.or([
          eb.and([eb('from_user_id', '=', a), eb('to_user_id', '=', b)]),
          eb.and([eb('from_user_id', '=', b), eb('to_user_id', '=', a)]),
        ]),
      )
      .returning(REQUEST_COLUMNS)
      .execute();
    return rows.map(toRequest);
  }

  /**
   * The user's pending requests as they see them: those they sent, and those they received but
   * from someone they block (shadowed requests, which only their sender knows of).
   */
  async listRequests(userId: number): Promise<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }> {
    const { incoming, outgoing, shadowed } = await this.requestsOf(userId);
    return { incoming: incoming.filter((r) => !shadowed.includes(r.id)), outgoing };
  }

  /**
   * Every pending request the user sent or received, and `shadowed`: the ids of those whose
   * recipient blocks their sender (sent to the blocker while blocked: FriendsService.sendRequest),
   * which only their sender is told of.
   */
  async requestsOf(userId: number): Promise<{ incoming: FriendRequest[]; outgoing: FriendRequest[]; shadowed: number[] }> {
    const rows = await this.db
      .selectFrom('friend_requests as r')
      .leftJoin('blocks as b', (join) => join.onRef('b.blocker_id', '=', 'r.to_user_id').onRef('b.blocked_id', '=', 'r.from_user_id'))
      .select(['r.id', 'r.from_user_id', 'r.to_user_id', 'r.created_at', 'b.blocker_id'])
      .where((eb) => eb.or([eb('r.from_user_id', '=', userId), eb('r.to_user_id', '=', userId)]))
      .orderBy('r.created_at', 'desc')
      .orderBy('r.id', 'desc')
      .execute();
    return {
      incoming: rows.filter((r) => r.to_user_id === userId).map(toRequest),
      outgoing: rows.filter((r) => r.from_user_id === userId).map(toRequest),
      shadowed: rows.filter((r) => r.blocker_id !== null).map((r) => r.id),
    };
  }

  /** Makes a and b friends (both directions, category `friend`) and drops requests between them, atomically (in the caller's transaction, if any). */
  async befriend(a: number, b: number, now: number): Promise<void> {
    const run = async (trx: Db) => {
      await new FriendRepository(trx).deleteRequestsBetween(a, b);
      await trx
        .insertInto('friendships')
        .values([
          { user_id: a, friend_id: b, category: 'friend', created_at: now },
          { user_id: b, friend_id: a, category: 'friend', created_at: now },
        ])
        .onConflict((oc) => oc.columns(['user_id', 'friend_id']).doNothing())
        .execute();
    };
    await (this.db.isTransaction ? run(this.db) : this.db.transaction().execute(run));
  }

  /** Removes both directions; false if they were not friends. */
  async unfriend(a: number, b: number): Promise<boolean> {
    const res = await this.db
      .deleteFrom('friendships')
      .where((eb) =>
        eb.or([
          eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]),
          eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)]),
        ]),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** `now`: when it was set (category_at: what a catch-up after a bus outage re-reads). */
  async setCategory(userId: number, friendId: number, category: FriendCategory, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('friendships')
      .set({ category, category_at: now })
      .where('user_id', '=', userId)
      .where('friend_id', '=', friendId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async getFriend(userId: number, friendId: number): Promise<Friend | null> {
    const rows = await this.#friendQuery(userId).where('f.friend_id', '=', friendId).execute();
    return rows[0] ? toFriend(rows[0]) : null;
  }

  /**
   * Each pair's friend as `listFriends(userId)` lists `friendId` now; pairs no longer friends
   * are left out (read where a `friend_updated` sent again after a bus outage arrives:
   * repeated-states.ts). A query per MAX_PARAMS / 2 pairs.
   */
  async listedAmong(pairs: ReadonlyArray<{ userId: number; friendId: number }>): Promise<Array<{ userId: number; friend: Friend }>> {
    const wanted = new Set(pairs.map((p) => `${p.userId}:${p.friendId}`));
    const out: Array<{ userId: number; friend: Friend }> = [];
    for (const slice of slices([...pairs], Math.floor(MAX_PARAMS / 2))) {
      const rows = await this.#listed()
        .where('f.user_id', 'in', [...new Set(slice.map((p) => p.userId))])
        .where('f.friend_id', 'in', [...new Set(slice.map((p) => p.friendId))])
        .execute();
      for (const r of rows) if (wanted.delete(`${r.user_id}:${r.friend_id}`)) out.push({ userId: r.user_id, friend: toFriend(r) });
    }
    return out;
  }

  /** The user's friends with the category the user gave each, by display name. */
  async listFriends(userId: number): Promise<Friend[]> {
    const rows = await this.#friendQuery(userId).orderBy('u.username_lower').execute();
    return rows.map(toFriend);
  }

  /**
   * For a viewer: each friend's id and the category THAT FRIEND gave the viewer, which
   * decides what the viewer may see of them.
   */
  async categoriesGivenTo(viewerId: number): Promise<Map<number, FriendCategory>> {
    const rows = await CATEGORIES_GIVEN_TO.rows(this.db, viewerId);
    return new Map(rows.map((r) => [r.user_id, r.category]));
  }

  /** The category `subjectId` gave `viewerId`, or null if they are not friends. */
  async categoryGiven(subjectId: number, viewerId: number): Promise<FriendCategory | null> {
    const row = await this.db
      .selectFrom('friendships')
      .select('category')
      .where('user_id', '=', subjectId)
      .where('friend_id', '=', viewerId)
      .executeTakeFirst();
    return row?.category ?? null;
  }

  /**
   * Both directions of many pairs in a few statements (grouped by each pair's first user):
   * `a:b` → the category `a` gives `b`, for the directions that exist.
   */
  async categoriesOf(pairs: ReadonlyArray<readonly [number, number]>): Promise<Map<string, FriendCategory>> {
    const byFirst = new Map<number, number[]>();
    for (const [a, b] of pairs) {
      const list = byFirst.get(a);
      if (list) list.push(b);
      else byFirst.set(a, [b]);
    }
    // Each group binds its user twice and its list twice, and adds two terms to one OR chain,
    // which SQLite parses into a tree as deep as the chain (at most 1000): MAX_OR_GROUPS a statement.
    const groups = [...byFirst].flatMap(([a, bs]) => slices(bs, MAX_PARAMS / 2 - 2).map((part) => ({ a, bs: part })));
    const statements: Array<typeof groups> = [];
    let params = Infinity;
    for (const g of groups) {
      const cost = 2 * (g.bs.length + 1);
      if (params + cost > MAX_PARAMS || statements.at(-1)!.length >= MAX_OR_GROUPS) {
        statements.push([]);
        params = 0;
      }
      statements.at(-1)!.push(g);
      params += cost;
    }
    const out = new Map<string, FriendCategory>();
    for (const part of statements) {
      const rows = await this.db
        .selectFrom('friendships')
        .select(['user_id', 'friend_id', 'category'])
        .where((eb) =>
          eb.or(
            part.flatMap(({ a, bs }) => [
              eb.and([eb('user_id', '=', a), eb('friend_id', 'in', bs)]),
              eb.and([eb('friend_id', '=', a), eb('user_id', 'in', bs)]),
            ]),
          ),
        )
        .execute();
      for (const r of rows) out.set(`${r.user_id}:${r.friend_id}`, r.category);
    }
    return out;
  }

  /**
   * The friends (as `listFriends` gives them) whose category one of these users set at `since`
   * or later, with the user who gave it: what a `friend_updated` dropped during a bus outage
   * told (outage-catch-up.ts).
   */
  async categoriesSetSince(userIds: readonly number[], since: number): Promise<Array<{ userId: number; friend: Friend }>> {
    if (userIds.length === 0) return [];
    // The rows set since (few: those of an outage) through their index, then those of these
    // users: not every friendship of every connected user through the primary key.
    const wanted = new Set(userIds);
    const rows = await this.setSinceQuery(since).execute();
    return rows.filter((r) => wanted.has(r.user_id)).map((r) => ({ userId: r.user_id, friend: toFriend(r) }));
  }

  /** The rows whose category was set at `since` or later, with the friend's names (categoriesSetSince; its plan is tested). */
  setSinceQuery(since: number) {
    // A row never re-categorised holds 0: never "set since", whatever `since` is.
    return this.#listed().where('f.category_at', '>=', Math.max(since, 1));
  }

  #friendQuery(userId: number) {
    return this.#listed().where('f.user_id', '=', userId);
  }

  /** Friendships as a friend list shows them (toFriend), with whose list each is on (`user_id`). */
  #listed() {
    return this.db
      .selectFrom('friendships as f')
      .innerJoin('users as u', 'u.id', 'f.friend_id')
      .select(['f.user_id', 'f.friend_id', 'u.username', 'u.display_name', 'f.category', 'f.created_at']);
  }
}

function toFriend(r: { friend_id: number; username: string; display_name: string; category: FriendCategory; created_at: number }): Friend {
  return {
    user_id: r.friend_id,
    username: r.username,
    display_name: r.display_name,
    category: r.category,
    since: new Date(r.created_at).toISOString(),
  };
}
