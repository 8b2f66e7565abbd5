import type { Kysely, Migration } from 'kysely';

/**
 * Game invitations made and not yet answered (games/game-invites.ts): an acceptance is only
 * sent for an invitation that exists, to the friend it was made for, once, before it expires.
 * No foreign keys: in the integration modes a user id may have no local row, and a row lives
 * minutes (expired ones are deleted hourly, by this index).
 */
export function gameInvites(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('game_invites')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('from_user_id', 'integer', (c) => c.notNull())
        .addColumn('to_user_id', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('game_invites_expiry').on('game_invites').column('expires_at').execute();
    },
  };
}
