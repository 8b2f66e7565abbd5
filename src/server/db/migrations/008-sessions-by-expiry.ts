import type { Kysely, Migration } from 'kysely';

/**
 * Login sessions past their expiry are deleted hourly (`Housekeeping`). Host tokens in the
 * integration modes make a row per token, so the table grows by every page load of every
 * user of the host site; the hourly delete finds the expired rows by this index instead of
 * reading the whole table.
 */
export function sessionsByExpiry(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('user_sessions_expiry').on('user_sessions').column('expires_at').execute();
    },
  };
}
