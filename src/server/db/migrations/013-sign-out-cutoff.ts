import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A host's sign-out reaches tokens Beacon never saw, and outlives the rows of those it did:
 *   - `users.signed_out_at`: when the user was last signed out everywhere (or deleted). A host
 *     token issued (`iat`) before it is refused (integration/host-auth.ts).
 *   - `user_sessions.open_ended`: 1 for the row of a host token with no expiry of its own. Once
 *     revoked, such a row is kept (Housekeeping would otherwise delete it a day after its
 *     last use and the token, valid forever, would be accepted again).
 */
export function signOutCutoff(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('signed_out_at', 'bigint').execute();
      await db.schema.alterTable('user_sessions').addColumn('open_ended', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // Rows of host tokens written before: whether their token has an expiry is not known, so
      // they count as open-ended (a live row is corrected at its token's next use; a revoked one
      // is kept, which is what an open-ended token needs and costs an expiring one a row).
      await sql`update user_sessions set open_ended = 1 where id like 'h:%'`.execute(db);
    },
  };
}
