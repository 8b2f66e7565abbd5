import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * What presence must remember across restarts to stay true:
 * - `hidden_last_seen`: the last_seen a hidden user shows (fixed at the moment they hid);
 * - `server_games`: games declared by game servers and not yet ended (JSON), so a restart
 *   neither forgets a match in progress nor keeps one beyond BEACON_MAX_GAME_MS;
 * - `status_schedule`: the user's recurring status rules and time zone (JSON);
 * - `status_history`: one row per change of a user's effective status, for patterns;
 * - `last_seen_approximate_visibility`: who sees "recently"/"within a week"… instead of nothing;
 * - `user_calendars`: a private calendar feed per user and the busy intervals last read from it;
 * - `custom_message` widened to 1,024 code points (PostgreSQL; SQLite does not enforce lengths).
 */
export function presenceTruth(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // 128 characters as people see them (emoji sequences) can take up to 1,024 code points.
      if (dialect === 'postgres') await sql`alter table users alter column custom_message type varchar(1024)`.execute(db);
      await db.schema
        .createTable('status_history')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('status_history_user_at').on('status_history').columns(['user_id', 'at']).execute();
      await db.schema.createIndex('status_history_at').on('status_history').column('at').execute();
      await db.schema
        .createTable('user_calendars')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('share_titles', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('busy', 'text')
        .addColumn('refreshed_at', 'bigint')
        .addColumn('error', 'varchar(200)')
        .execute();
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
