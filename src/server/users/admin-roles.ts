/**
 * Who is admin. Admin sees hidden users, so it must never be claimable by registering a
 * name. Two sources, both bound to accounts, never to names free for the taking:
 * - grants by account id, made with `npm run admin -- grant <username>` (admin-cli.ts);
 * - BEACON_ADMINS names, each of which names only an account created BEFORE the name was
 *   first listed (remembered in `admin_names`). A name listed before anyone registered it
 *   never becomes admin, in any letter case, and neither does a later registration.
 * `users.role` is recomputed from both at start and after each grant or revoke.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export class AdminRoles {
  constructor(private readonly db: Db) {}

  /**
   * Records the BEACON_ADMINS names (new ones listed now, dropped ones forgotten) and
   * recomputes roles. Returns the listed names that match no eligible account.
   */
  async sync(namesLower: readonly string[], now: number): Promise<string[]> {
    const names = [...new Set(namesLower.map((n) => n.toLowerCase()))];
    await this.db.transaction().execute(async (trx) => {
      let drop = trx.deleteFrom('admin_names');
      if (names.length > 0) drop = drop.where('username_lower', 'not in', names);
      await drop.execute();
      if (names.length > 0) {
        await trx
          .insertInto('admin_names')
          .values(names.map((username_lower) => ({ username_lower, listed_at: now })))
          .onConflict((oc) => oc.column('username_lower').doNothing())
          .execute();
      }
    });
    const admins = await this.apply();
    const matched = new Set(admins.map((a) => a.username.toLowerCase()));
    return names.filter((n) => !matched.has(n));
  }

  /** Grants admin to the account named `username`; false if there is no such account. */
  async grant(username: string, now: number): Promise<boolean> {
    const user = await this.#find(username);
    if (!user) return false;
    await this.db
      .insertInto('admin_grants')
      .values({ user_id: user.id, granted_at: now })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    await this.apply();
    return true;
  }

  /**
   * Withdraws a grant. A BEACON_ADMINS listing, if any, still holds: `stillAdmin` says so.
   * null if there is no such account. `userId`: the account's id.
   */
  async revoke(username: string): Promise<{ userId: number; hadGrant: boolean; stillAdmin: boolean } | null> {
    const user = await this.#find(username);
    if (!user) return null;
    const { numDeletedRows } = await this.db.deleteFrom('admin_grants').where('user_id', '=', user.id).executeTakeFirst();
    const admins = await this.apply();
    return { userId: user.id, hadGrant: numDeletedRows > 0n, stillAdmin: admins.some((a) => a.id === user.id) };
  }

  /**
   * Sets `users.role` of Beacon's own accounts from grants and eligible listings; returns
   * those admins. A host's users (shadow rows, `external_id` set) are left alone: their role is
   * what the host's identity port last said (its admin claim), which a restart must not undo.
   */
  async apply(): Promise<Array<{ id: number; username: string }>> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ role: sql`case when ${isAdmin()} then 'admin' else 'user' end` })
        .where('external_id', 'is', null)
        .execute();
    });
    return this.db.selectFrom('users').select(['id', 'username']).where('role', '=', 'admin').where('external_id', 'is', null).orderBy('id').execute();
  }

  #find(username: string) {
    return this.db.selectFrom('users').select(['id']).where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
  }
}

function isAdmin() {
  return sql<boolean>`(
    exists (select 1 from admin_grants g where g.user_id = users.id)
    or exists (select 1 from admin_names n where n.username_lower = users.username_lower and users.created_at < n.listed_at)
  )`;
}
