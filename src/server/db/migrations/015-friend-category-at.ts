import { sql, type Kysely, type Migration } from 'kysely';

/**
 * When each friendship row's category was last set by its user (`PATCH
 * /users/me/friends/:id`), in ms; 0 for rows never re-categorised. A category change reaches
 * the user's other devices as `friend_updated` over the event bus, which drops what it cannot
 * deliver during a Redis outage: when the bus returns, each instance re-reads the categories
 * its connected users changed since the outage began and sends them again (presence-service.ts).
 * Indexed: that re-read asks for the few rows set since the outage began, among every
 * friendship of every connected user (tens of thousands of users, millions of rows).
 */
export function friendCategoryAt(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('friendships').addColumn('category_at', 'bigint', (col) => col.notNull().defaultTo(sql`0`)).execute();
      await db.schema.createIndex('friendships_category_at').on('friendships').column('category_at').execute();
    },
  };
}
