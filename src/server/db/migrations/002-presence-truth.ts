import type { Kysely, Migration } from 'kysely';

/**
 * What presence must remember across restarts to stay true:
 * - `hidden_last_seen`: the last_seen a hidden user shows (fixed at the moment they hid);
 * - `server_games`: games declared by game servers and not yet ended (JSON), so a restart
 *   neither forgets a match in progress nor keeps one beyond BEACON_MAX_GAME_MS.
 */
export function presenceTruth(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('hidden_last_seen', 'bigint').execute();
      await db.schema.alterTable('users').addColumn('server_games', 'text').execute();
    },
  };
}
