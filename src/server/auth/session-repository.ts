/**
 * Login sessions: one `user_sessions` row per login, revoked at logout, when its user ends it
 * from another login, or by a new password. `last_seen_at` is when its token was last used
 * (noted by AuthService.authenticate, written behind by last-uses.ts).
 */
import { sql } from 'kysely';
import type { Role } from '../../protocol/index.js';
import type { Db } from '../db/database.js';
import { slices } from '../db/batches.js';
import { PreparedQuery } from '../db/prepared-query.js';
import { withUserRow, withUserRowShared } from '../db/user-locks.js';
import { endLoginPushes } from '../notifications/notification-repository.js';
import { isLive } from './live-login.js';

/** Every socket's token check reads this: compiled once (db/prepared-query.ts). */
const FIND_LIVE = new PreparedQuery(
  (db: Db, id: string, userId: number) =>
    db
      .selectFrom('user_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.role', 's.last_seen_at'])
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

/** Session ids per statement of liveAmong. */
const LIVE_AMONG_CHUNK = 500;
/** Logins per statement of recordUses (two values each). */
const USES_CHUNK = 500;

/** A live login as its user sees it (GET /users/me/sessions). */
export interface LiveSession {
  id: string;
  createdAt: number;
  /** When its token was last used, to within LAST_USED_STEP_MS (auth-service.ts). */
  lastUsedAt: number;
  userAgent: string | null;
}

/** A session row put back revoked after its user was deleted (putRevoked). */
export interface RevokedSession {
  id: string;
  expiresAt: number;
  /** A host token with no expiry of its own: its revoked row is kept for good. */
  openEnded: boolean;
}

/** A new login's row (SessionRepository.create, createIfHashStill). */
export interface NewSession {
  id: string;
  userId: number;
  now: number;
  expiresAt: number;
  userAgent: string | null;
}

async function insertSession(db: Db, s: NewSession): Promise<void> {
  await db
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

/** Dates a sign-out on the user's row: host tokens issued before it are refused. */
async function signedOut(db: Db, userId: number, now: number): Promise<void> {
  await db.updateTable('users').set({ signed_out_at: now }).where('id', '=', userId).execute();
}

/**
 * Revokes the user's sessions not revoked yet, but `keepId`; answers their ids. The push
 * subscriptions of every login but `keepId` go too, those of logins that had expired or were
 * saved before logins were recorded included (notification-repository.ts endLoginPushes).
 */
async function revokeLive(db: Db, userId: number, keepId: string | null, now: number): Promise<string[]> {
  let q = db.updateTable('user_sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keepId !== null) q = q.where('id', '!=', keepId);
  const rows = await q.returning('id').execute();
  await endLoginPushes(db, userId, { allBut: keepId });
  return rows.map((r) => r.id);
}

/** Why a password change wrote nothing (see replacePassword). */
export type PasswordNotReplaced = 'no account' | 'login ended' | 'changed meanwhile';

/** Why a login was not ended by its user (see revokeOwn): no live login of theirs by that id, or the caller's own login ended meanwhile. */
export type NotRevoked = 'not found' | 'login ended';

export class SessionRepository {
  constructor(private readonly db: Db) {}

  /** A new login's row, written as is: registration's, whose account is new (nothing to check again). */
  async create(s: NewSession): Promise<void> {
    await insertSession(this.db, s);
  }

  /**
   * A new login's row, written only if `checkedHash` (the password hash the login checked the
   * password against, read before: argon2 takes tens of ms) is still the account's, holding the
   * user's row in share mode (withUserRowShared): a password change, which holds it alone
   * (replacePassword), waits for it or it for the change, while other logins, friend requests
   * and caps on the user (key share) go on beside it. A login whose check met a change then
   * either comes first (and the change ends it) or writes nothing, never outliving the change
   * with the old password. Answers whether it was written (false also when the user is gone).
   */
  async createIfHashStill(s: NewSession, checkedHash: string): Promise<boolean> {
    return withUserRowShared(this.db, s.userId, async (trx) => {
      // The row is held: a change waiting for it writes after this login's row, and ends it.
      const still = await trx.selectFrom('users').select('id').where('id', '=', s.userId).where('password_hash', '=', checkedHash).executeTakeFirst();
      if (still === undefined) return false;
      await insertSession(trx, s);
      return true;
    });
  }

  async find(id: string): Promise<SessionRow | null> {
    const row = await this.db
      .selectFrom('user_sessions')
      .select(['id', 'user_id', 'expires_at', 'revoked_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? { id: row.id, userId: row.user_id, expiresAt: row.expires_at, revokedAt: row.revoked_at } : null;
  }

  /** A live (not revoked) session of this user, with the user's role and when it was last used, in one query; null otherwise. */
  async findLive(id: string, userId: number): Promise<{ role: Role; lastUsedAt: number } | null> {
    const row = await FIND_LIVE.first(this.db, id, userId);
    return row ? { role: row.role, lastUsedAt: Number(row.last_seen_at) } : null;
  }

  /**
   * Records when each of these logins was last used (session id → ms), USES_CHUNK a statement:
   * `UPDATE … FROM (VALUES …)`, as the presence write-behind does. A use recorded already that
   * is later stays (another instance wrote it); an id with no row is passed over.
   */
  async recordUses(uses: ReadonlyMap<string, number>): Promise<void> {
    for (const part of slices([...uses], USES_CHUNK)) {
      const values = part.map(([id, at]) => sql`(cast(${id} as varchar(64)), cast(${at} as bigint))`);
      await sql`update user_sessions set last_seen_at = v.column2
        from (values ${sql.join(values)}) as v
        where user_sessions.id = v.column1 and user_sessions.last_seen_at < v.column2`.execute(this.db);
    }
  }

  /** The user's logins neither revoked nor expired at `now`, the latest used first. */
  async listLive(userId: number, now: number): Promise<LiveSession[]> {
    const rows = await this.db
      .selectFrom('user_sessions')
      .select(['id', 'created_at', 'last_seen_at', 'user_agent'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, createdAt: Number(r.created_at), lastUsedAt: Number(r.last_seen_at), userAgent: r.user_agent }));
  }

  /*
   * The changes a user makes to their own logins (revokeOwn, revokeOthers, replacePassword with
   * a caller) each run holding the user's row (withUserRow: PostgreSQL `for update`, SQLite's
   * write lock), and check the calling login after taking it: they take their turns, and each
   * sees what the ones before it committed. A login ended by the one before (a thief's, which
   * the owner ended; the owner's, which a thief's password change ended) ends nothing and
   * changes no password, even with its request let through before it ended.
   */

  /**
   * Revokes the session if it is a live (neither revoked nor expired) login of this user, and
   * the calling login `callerId` (the same one for a logout) is still live; `true` if it did.
   */
  async revokeOwn(id: string, userId: number, callerId: string, now: number): Promise<true | NotRevoked> {
    return withUserRow(this.db, userId, async (trx) => {
      if (!(await isLive(trx, callerId, userId, now))) return 'login ended';
      const res = await trx
        .updateTable('user_sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return 'not found';
      await endLoginPushes(trx, userId, { ids: [id] });
      return true;
    });
  }

  /** Revokes every session of the user not revoked yet but `keepId`, if `keepId` is still live; answers their ids, or null when it is not. */
  async revokeOthers(userId: number, keepId: string, now: number): Promise<string[] | null> {
    return withUserRow(this.db, userId, async (trx) => ((await isLive(trx, keepId, userId, now)) ? revokeLive(trx, userId, keepId, now) : null));
  }

  /**
   * A new password: sets its hash and revokes every session of the user not revoked yet, in one
   * transaction, so no login made with the old password outlives it. Answers the revoked
   * sessions' ids.
   *
   * `caller`: the user changing their own password, from the login `sessionId`, which stays,
   * having entered the current password that `checkedHash` (read before) matched. The hash is
   * written only if it is still that one and that login is still live: a change or an end of
   * logins that came first ends this one ('login ended'; 'changed meanwhile' for two changes
   * from the same login). Without `caller` (an operator's reset) the password is replaced
   * whatever it is, and every login ends. 'no account': no such user.
   */
  async replacePassword(userId: number, passwordHash: string, now: number, caller: { sessionId: string; checkedHash: string } | null = null): Promise<string[] | PasswordNotReplaced> {
    return withUserRow(this.db, userId, async (trx) => {
      const account = async () => (await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()) !== undefined;
      // The row is held: what the checks below see stays so until the write.
      if (caller && !(await isLive(trx, caller.sessionId, userId, now))) return (await account()) ? 'login ended' : 'no account';
      let q = trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId);
      if (caller) q = q.where('password_hash', '=', caller.checkedHash);
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return (await account()) ? 'changed meanwhile' : 'no account';
      return revokeLive(trx, userId, caller?.sessionId ?? null, now);
    });
  }

  /** Which of these sessions are live (a row, not revoked), read LIVE_AMONG_CHUNK ids a statement. */
  async liveAmong(ids: readonly string[]): Promise<Set<string>> {
    const live = new Set<string>();
    for (const part of slices(ids, LIVE_AMONG_CHUNK)) {
      const rows = await this.db.selectFrom('user_sessions').select('id').where('id', 'in', part).where('revoked_at', 'is', null).execute();
      for (const r of rows) live.add(r.id);
    }
    return live;
  }

  /**
   * Deletes the sessions that expired before `before` (revoked or not), but for the revoked
   * rows of open-ended host tokens: such a token never expires, so its row is what refuses it.
   * Answers how many.
   */
  async prune(before: number): Promise<number> {
    const res = await this.db
      .deleteFrom('user_sessions')
      .where('expires_at', '<', before)
      .where((eb) => eb.or([eb('open_ended', '=', 0), eb('revoked_at', 'is', null)]))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /**
   * Marks every live session of the user revoked, and dates the sign-out on the user's row
   * (host tokens issued before it are refused, seen or not); answers the sessions' ids.
   */
  async revokeAll(userId: number, now: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      await signedOut(trx, userId, now);
      return revokeLive(trx, userId, null, now);
    });
  }

  /** The user's session rows, for putting them back revoked (IdMap.recreate). */
  async ofUser(userId: number): Promise<RevokedSession[]> {
    const rows = await this.db.selectFrom('user_sessions').select(['id', 'expires_at', 'open_ended']).where('user_id', '=', userId).execute();
    return rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at), openEnded: Number(r.open_ended) === 1 }));
  }

  /**
   * Records sessions as revoked (kept as any revoked row: until a day after their expiry, for
   * good if open-ended), and dates the sign-out on the user's row.
   */
  async putRevoked(userId: number, sessions: readonly RevokedSession[], now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await signedOut(trx, userId, now);
      for (let i = 0; i < sessions.length; i += 200) {
        const part = sessions.slice(i, i + 200);
        await trx
          .insertInto('user_sessions')
          .values(part.map((s) => ({ id: s.id, user_id: userId, created_at: now, last_seen_at: now, expires_at: s.expiresAt, revoked_at: now, user_agent: null, open_ended: s.openEnded ? 1 : 0 })))
          .onConflict((oc) => oc.column('id').doUpdateSet({ revoked_at: now }))
          .execute();
      }
    });
  }

  /**
   * Whether a host token is refused, in one query: its session (under any of the ids given: a
   * token's, and the one it had before host-token-id.ts hashed JWTs in one form) was revoked, or it was issued
   * (`issuedAt`, ms; null for a token that does not say) before the user's last sign-out.
   */
  async hostTokenRefused(sessionIds: ReadonlyArray<string | null>, userId: number, issuedAt: number | null): Promise<boolean> {
    const ids = sessionIds.filter((id): id is string => id !== null);
    const rows = await this.db
      .selectFrom('users as u')
      .leftJoin('user_sessions as s', (join) => join.on('s.id', 'in', ids))
      .select(['u.signed_out_at', 's.revoked_at'])
      .where('u.id', '=', userId)
      .execute();
    if (rows.length === 0) return false;
    if (rows.some((row) => row.revoked_at !== null)) return true;
    const signedOutAt = rows[0]!.signed_out_at;
    return issuedAt !== null && signedOutAt !== null && issuedAt < Number(signedOutAt);
  }

  /**
   * Ends one login the host logged out (signOutToken): its row is marked revoked if it was live.
   * Answers the user whose login ended, or null (no row for it, or ended already).
   */
  async revokeToken(id: string, now: number): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.updateTable('user_sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).returning('user_id').executeTakeFirst();
      if (row === undefined) return null;
      await endLoginPushes(trx, Number(row.user_id), { ids: [id] });
      return Number(row.user_id);
    });
  }

  /**
   * A revoked row for a host token Beacon has not seen yet (signOutToken), so that it is refused
   * when it comes, kept as any revoked row (until a day after its expiry, for good if
   * open-ended). A row there already is left as it is.
   */
  async putRevokedToken(session: RevokedSession & { userId: number }, now: number): Promise<void> {
    await this.db
      .insertInto('user_sessions')
      .values({ id: session.id, user_id: session.userId, created_at: now, last_seen_at: now, expires_at: session.expiresAt, revoked_at: now, user_agent: null, open_ended: session.openEnded ? 1 : 0 })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** Marks the session revoked (a logout), its push subscriptions deleted; true if it was live. */
  async revoke(id: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.updateTable('user_sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).returning('user_id').executeTakeFirst();
      if (row === undefined) return false;
      await endLoginPushes(trx, Number(row.user_id), { ids: [id] });
      return true;
    });
  }
}
