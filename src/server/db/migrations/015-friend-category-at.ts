import { sql, type Kysely, type Migration } from 'kysely';

/**
 * When each friendship row's category was last set by its user (`PATCH
 * /users/me/friends/:id`), in ms; 0 for rows never re-categorised. A category change reaches
 * the user's other devices as `friend_updated` over the event bus, which drops what it cannot
 * deliver during a Redis outage: when the bus returns, each instance re-reads the categories
 * its connected users changed since the outage began and sends them again (presence-service.ts).
 * No index: the re-read looks up each connected user's rows by the primary key's user_id.
 */
export function friendCategoryAt(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('friendships').addColumn('category_at', 'bigint', (col) => col.notNull().defaultTo(sql`0`)).execute();
    },
  };
}
