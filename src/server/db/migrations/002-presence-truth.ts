import type { Kysely, Migration } from 'kysely';

/**
 * What presence must remember across restarts to stay true:
 * - `hidden_last_seen`: the last_seen a hidden user shows (fixed at the moment they hid);
 * - `server_games`: games declared by game servers and not yet ended (JSON), so a restart
 *   neither forgets a match in progress nor keeps one beyond BEACON_MAX_GAME_MS;
 * - `status_schedule`: the user's recurring status rules and time zone (JSON);
 * - `status_history`: one row per change of a user's effective status, for patterns;
 * - `last_seen_approximate_visibility`: who sees "recently"/"within a week"… instead of nothing.
 */
export function presenceTruth(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('status_history')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('status_history_user_at').on('status_history').columns(['user_id', 'at']).execute();
      await db.schema.createIndex('status_history_at').on('status_history').column('at').execute();
      await db.schema.alterTable('users').addColumn('hidden_last_seen', 'bigint').execute();
      await db.schema.alterTable('users').addColumn('server_games', 'text').execute();
      await db.schema.alterTable('users').addColumn('status_schedule', 'text').execute();
      await db.schema
        .alterTable('users')
        .addColumn('last_seen_approximate_visibility', 'varchar(16)', (c) => c.notNull().defaultTo('nobody'))
        .execute();
    },
  };
}
