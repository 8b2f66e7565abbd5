/**
 * Whether a login (a `user_sessions` row) is live, read inside the transactions that must not
 * act for a login ended meanwhile: ending other logins (auth/session-repository.ts) and saving a
 * push subscription (notifications/notification-repository.ts).
 */
import type { Db } from '../db/database.js';

/** Whether `id` is a live (neither revoked nor expired at `now`) login of the user. */
export async function isLive(db: Db, id: string, userId: number, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('user_sessions')
    .select('id')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}
