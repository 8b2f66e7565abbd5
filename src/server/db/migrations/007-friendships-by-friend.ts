import type { Kysely, Migration } from 'kysely';

/**
 * Every socket that connects asks which category each of its friends gave it
 * (`friendships where friend_id = ?`). With an index on friend_id alone each of the ~50
 * rows was a second lookup into the table (about 95 µs per viewer on 10,000 × 50 in
 * SQLite); an index that also holds user_id and category answers from the index alone
 * (about 38 µs). It replaces the narrower index, which it covers.
 */
export function friendshipsByFriend(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('friendships_friend_cover').on('friendships').columns(['friend_id', 'user_id', 'category']).execute();
      await db.schema.dropIndex('friendships_friend').execute();
    },
  };
}
