/** Login sessions: one `user_sessions` row per login, revoked at logout. */
import type { Role } from '../../protocol/index.js';
import type { Db } from '../db/database.js';
import { PreparedQuery } from '../db/prepared-query.js';

/** Every socket's token check reads this: compiled once (db/prepared-query.ts). */
const FIND_LIVE = new PreparedQuery(
  (db: Db, id: string, userId: number) =>
    db
      .selectFrom('user_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.role'])
      .where('s.id', '=', id)
      .where('s.user_id', '=', userId)
      .where('s.revoked_at', 'is', null),
  ['\u0000session', -1],
);

export interface SessionRow {
  id: string;
  userId: number;
  expiresAt: number;
  revokedAt: number | null;
}

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async create(s: { id: string; userId: number; now: number; expiresAt: number; userAgent: string | null }): Promise<void> {
    await this.db
      .insertInto('user_sessions')
      .values({
        id: s.id,
        user_id: s.userId,
        created_at: s.now,
        last_seen_at: s.now,
        expires_at: s.expiresAt,
        revoked_at: null,
        user_agent: s.userAgent?.slice(0, 256) ?? null,
      })
      .execute();
  }

  async find(id: string): Promise<SessionRow | null> {
    const row = await this.db
      .selectFrom('user_sessions')
      .select(['id', 'user_id', 'expires_at', 'revoked_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { id: row.id, userId: row.user_id, expiresAt: row.expires_at, revokedAt: row.revoked_at } : null;
  }

  /** A live (not revoked) session of this user, with the user's role, in one query; null otherwise. */
  async findLive(id: string, userId: number): Promise<{ role: Role } | null> {
    return (await FIND_LIVE.first(this.db, id, userId)) ?? null;
  }

  /** Deletes the sessions that expired before `before` (revoked or not); answers how many. */
  async prune(before: number): Promise<number> {
    const res = await this.db.deleteFrom('user_sessions').where('expires_at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Marks every live session of the user revoked; answers their ids. */
  async revokeAll(userId: number, now: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('user_sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** The user's session rows (id and expiry), for putting them back revoked (IdMap.recreate). */
  async ofUser(userId: number): Promise<Array<{ id: string; expiresAt: number }>> {
    const rows = await this.db.selectFrom('user_sessions').select(['id', 'expires_at']).where('user_id', '=', userId).execute();
    return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at) }));
  }

  /** Records sessions as revoked (kept until a day after their expiry, as any session row). */
  async putRevoked(userId: number, sessions: ReadonlyArray<{ id: string; expiresAt: number }>, now: number): Promise<void> {
    for (let i = 0; i < sessions.length; i += 200) {
      const part = sessions.slice(i, i + 200);
      if (part.length === 0) continue;
      await this.db
        .insertInto('user_sessions')
        .values(part.map((s) => ({ id: s.id, user_id: userId, created_at: now, last_seen_at: now, expires_at: s.expiresAt, revoked_at: now, user_agent: null })))
        .onConflict((oc) => oc.column('id').doUpdateSet({ revoked_at: now }))
        .execute();
    }
  }

  /** Whether the session was revoked (false for one never recorded). */
  async isRevoked(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('user_sessions').select('revoked_at').where('id', '=', id).executeTakeFirst();
    return row !== undefined && row.revoked_at !== null;
  }

  /** Marks the session revoked; true if it was live. */
  async revoke(id: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('user_sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
