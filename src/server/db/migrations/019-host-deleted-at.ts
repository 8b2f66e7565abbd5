import type { Kysely, Migration } from 'kysely';

/**
 * `users.deleted_at` (ms): when the host deleted the user (embedded/sidecar `deleteUser`), while
 * Beacon has not seen them since. Their row is put back fresh at a deletion (it dates the
 * refusal of their old tokens), so without this mark a game event for them applied as for a
 * user Beacon knows. Cleared when they sign in again or the service API names them. Null: a
 * user Beacon knows (every row before this migration).
 */
export function hostDeletedAt(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('deleted_at', 'bigint').execute();
    },
  };
}
