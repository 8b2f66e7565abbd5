import type { Kysely, Migration } from 'kysely';

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
    },
  };
}
