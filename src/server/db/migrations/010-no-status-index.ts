import type { Kysely, Migration } from 'kysely';

/**
 * Drops `users_online`, the index on `online_status`. Every write-behind row whose status
 * changed had to move its entry (a 250-row flush on SQLite took ~1.5–1.7 × as long with it),
 * and its only reader is the crash recovery at start (`resetGhosts`, `online_status <>
 * 'offline'`), which a B-tree index on a column of five values hardly helps: one scan of the
 * table at start is cheaper than an index update on every status change.
 */
export function noStatusIndex(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('users_online').ifExists().execute();
    },
  };
}
