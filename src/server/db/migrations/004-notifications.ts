import type { Kysely, Migration } from 'kysely';

/**
 * Issue 13 remainder: who may see a user's weekly pattern, Web Push subscriptions,
 * "tell me when X comes online" watches and each user's notification settings.
 */
export function notifications(): Migration {
  const ms = 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('pattern_visibility', 'varchar(16)', (c) => c.notNull().defaultTo('nobody'))
        .execute();
      // One row per browser that accepted push; the endpoint is the push service's URL for it.
      await db.schema
        .createTable('push_subscriptions')
        .addColumn('endpoint', 'varchar(2048)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('p256dh', 'varchar(256)', (c) => c.notNull())
        .addColumn('auth', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('push_subscriptions_user').on('push_subscriptions').column('user_id').execute();
      // watcher_id wants to hear when friend_id comes online; last_sent_at enforces the period.
      await db.schema
        .createTable('notification_watches')
        .addColumn('watcher_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('friend_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_sent_at', ms)
        .addPrimaryKeyConstraint('notification_watches_pk', ['watcher_id', 'friend_id'])
        .execute();
      await db.schema.createIndex('notification_watches_friend').on('notification_watches').column('friend_id').execute();
      await db.schema
        .createTable('notification_settings')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('period_minutes', 'integer', (c) => c.notNull())
        .execute();
    },
  };
}
