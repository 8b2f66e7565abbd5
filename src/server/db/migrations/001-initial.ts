import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/** Users with presence columns, login sessions, friend requests and friendships. */
export function initial(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const ms = 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('username', 'varchar(20)', (c) => c.notNull())
        .addColumn('username_lower', 'varchar(20)', (c) => c.notNull().unique())
        .addColumn('display_name', 'varchar(40)', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'varchar(10)', (c) => c.notNull().defaultTo('user'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_seen', ms)
        .addColumn('online_status', 'varchar(10)', (c) => c.notNull().defaultTo('offline'))
        .addColumn('activity_type', 'varchar(20)')
        .addColumn('last_activity', ms)
        .addColumn('manual_status', 'varchar(10)')
        .addColumn('custom_message', 'varchar(128)')
        .addColumn('custom_message_expires_at', ms)
        .addColumn('status_visibility', 'varchar(16)', (c) => c.notNull().defaultTo('friends'))
        .addColumn('activity_visibility', 'varchar(16)', (c) => c.notNull().defaultTo('friends'))
        .addColumn('last_seen_visibility', 'varchar(16)', (c) => c.notNull().defaultTo('friends'))
        .addColumn('custom_message_visibility', 'varchar(16)', (c) => c.notNull().defaultTo('friends'))
        .addCheckConstraint('users_online_status', sql`online_status in ('online','offline','away','in_game','busy')`)
        .addCheckConstraint('users_status_visibility', sql`status_visibility in ('public','friends','close_friends','hidden')`)
        .execute();
      await db.schema.createIndex('users_online').on('users').column('online_status').execute();

      await db.schema
        .createTable('user_sessions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_seen_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .addColumn('revoked_at', ms)
        .addColumn('user_agent', 'varchar(256)')
        .execute();
      await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();

      await db.schema
        .createTable('friend_requests')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('from_user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('to_user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addUniqueConstraint('friend_requests_pair', ['from_user_id', 'to_user_id'])
        .execute();
      await db.schema.createIndex('friend_requests_to').on('friend_requests').column('to_user_id').execute();

      await db.schema
        .createTable('friendships')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('friend_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('category', 'varchar(16)', (c) => c.notNull().defaultTo('friend'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('friendships_pk', ['user_id', 'friend_id'])
        .execute();
      await db.schema.createIndex('friendships_friend').on('friendships').column('friend_id').execute();

      await db.schema
        .createTable('server_secrets')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
