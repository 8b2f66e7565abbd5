/** Blocks between users, and the record of declined friend requests (for the cooldown). */
import { MAX_PARAMS, slices } from '../db/batches.js';
import type { Db } from '../db/database.js';

export interface Blocked {
  user_id: number;
  username: string;
  display_name: string;
  since: string;
}

export class BlockRepository {
  constructor(private readonly db: Db) {}

  /**
   * Blocks `blockedId` for `blockerId`. FriendsService.block does it in the pair's
   * transaction (FriendRepository.inPair), with the requests between them dropped and the
   * friendship ended. False if the block was there already.
   */
  async block(blockerId: number, blockedId: number, now: number): Promise<boolean> {
    const rows = await this.db
      .insertInto('blocks')
      .values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now })
      .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
      .returning('blocker_id')
      .execute();
    return rows.length > 0;
  }

  async unblock(blockerId: number, blockedId: number): Promise<boolean> {
    const res = await this.db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Whether `blockerId` blocked `blockedId`. */
  async isBlocked(blockerId: number, blockedId: number): Promise<boolean> {
    const row = await this.db.selectFrom('blocks').select('blocker_id').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).executeTakeFirst();
    return row !== undefined;
  }

  /** The users who block `blockedId`. */
  async blockersOf(blockedId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('blocks').select('blocker_id').where('blocked_id', '=', blockedId).orderBy('blocker_id').execute();
    return rows.map((r) => r.blocker_id);
  }

  async list(blockerId: number): Promise<Blocked[]> {
    const rows = await this.#listed(blockerId).orderBy('u.username_lower').execute();
    return rows.map(toBlocked);
  }

  /** `blockedId` as `list(blockerId)` lists them, or undefined when not blocked. */
  async entry(blockerId: number, blockedId: number): Promise<Blocked | undefined> {
    const row = await this.#listed(blockerId).where('b.blocked_id', '=', blockedId).executeTakeFirst();
    return row && toBlocked(row);
  }

  /**
   * Each pair's block as held now: `user` as `list(viewerId)` lists `subjectId`, or null when not
   * blocked (read after a bus outage, to send block changes again). A query per MAX_PARAMS / 2
   * pairs, whatever the number of blockers (a deleted account may have many).
   */
  async held(pairs: ReadonlyArray<{ viewerId: number; subjectId: number }>): Promise<Array<{ viewerId: number; subjectId: number; user: Blocked | null }>> {
    const listed = new Map<string, Blocked>();
    for (const slice of slices([...pairs], Math.floor(MAX_PARAMS / 2))) {
      const rows = await this.db
        .selectFrom('blocks as b')
        .innerJoin('users as u', 'u.id', 'b.blocked_id')
        .select(['b.blocker_id', 'b.blocked_id', 'u.username', 'u.display_name', 'b.created_at'])
        .where('b.blocker_id', 'in', [...new Set(slice.map((p) => p.viewerId))])
        .where('b.blocked_id', 'in', [...new Set(slice.map((p) => p.subjectId))])
        .execute();
      for (const row of rows) listed.set(`${row.blocker_id}:${row.blocked_id}`, toBlocked(row));
    }
    return pairs.map(({ viewerId, subjectId }) => ({ viewerId, subjectId, user: listed.get(`${viewerId}:${subjectId}`) ?? null }));
  }

  #listed(blockerId: number) {
    return this.db
      .selectFrom('blocks as b')
      .innerJoin('users as u', 'u.id', 'b.blocked_id')
      .select(['b.blocked_id', 'u.username', 'u.display_name', 'b.created_at'])
      .where('b.blocker_id', '=', blockerId);
  }

  async recordDecline(fromUserId: number, toUserId: number, now: number): Promise<void> {
    await this.db
      .insertInto('friend_request_declines')
      .values({ from_user_id: fromUserId, to_user_id: toUserId, declined_at: now })
      .onConflict((oc) => oc.columns(['from_user_id', 'to_user_id']).doUpdateSet({ declined_at: now }))
      .execute();
  }

  /** When `toUserId` last declined a request from `fromUserId`, or null. */
  async declinedAt(fromUserId: number, toUserId: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('friend_request_declines')
      .select('declined_at')
      .where('from_user_id', '=', fromUserId)
      .where('to_user_id', '=', toUserId)
      .executeTakeFirst();
    return row?.declined_at ?? null;
  }
}

const toBlocked = (r: { blocked_id: number; username: string; display_name: string; created_at: number }): Blocked => ({
  user_id: r.blocked_id,
  username: r.username,
  display_name: r.display_name,
  since: new Date(r.created_at).toISOString(),
});
