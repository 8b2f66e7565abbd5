import type { Kysely, Migration } from 'kysely';

/**
 * Admin grants that cannot be squatted, blocking, and the cooldown on friend requests
 * after a decline.
 */
export function hardening(): Migration {
  const ms = 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      // Admins granted by `npm run admin -- grant <username>`, by account id.
      await db.schema
        .createTable('admin_grants')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('granted_at', ms, (c) => c.notNull())
        .execute();
      // When each BEACON_ADMINS name was first listed: it names only an account created before.
      await db.schema
        .createTable('admin_names')
        .addColumn('username_lower', 'varchar(20)', (c) => c.primaryKey())
        .addColumn('listed_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('blocks')
        .addColumn('blocker_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('blocked_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
        .execute();
      await db.schema.createIndex('blocks_blocked').on('blocks').column('blocked_id').execute();
      // The last decline of a request from → to; a new request waits out the cooldown.
      await db.schema
        .createTable('friend_request_declines')
        .addColumn('from_user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('to_user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('declined_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('friend_request_declines_pk', ['from_user_id', 'to_user_id'])
        .execute();
    },
  };
}
