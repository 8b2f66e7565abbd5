import type { Kysely, Migration } from 'kysely';

/**
 * The version of the shared presence (cluster mode: ports/presence-store.ts, `Version`) a
 * user's row was written at: `presence_version_at` (ms, a hybrid logical clock) and
 * `presence_version_by` (the instance id, the tie-break). An instance stopped while Redis did
 * not answer wrote a change it had accepted to the row but never to the shared store, and the
 * others took the older Redis copy over the row (and then wrote it over the row). A replica is
 * now loaded from whichever of the two is newer. Null: written without one (one instance, or
 * before this migration): the stored copy wins, as before.
 */
export function presenceVersion(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('presence_version_at', 'bigint').execute();
      await db.schema.alterTable('users').addColumn('presence_version_by', 'text').execute();
    },
  };
}
