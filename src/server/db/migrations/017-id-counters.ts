import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Counters that only move one way, shared by every instance: `host` hands out the ids of host
 * users whose own id cannot be Beacon's (a string, an integer past 2,147,483,647, an id taken),
 * counted down from 2,147,483,647 (integration/id-map.ts). One atomic `UPDATE … RETURNING` per
 * batch: two requests never get the same id, and an id once handed out is never handed out
 * again, even after its user is deleted. Starts below any such id a database already holds.
 */
export function idCounters(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('id_counters')
        .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('next', 'bigint', (c) => c.notNull())
        .execute();
      await sql`INSERT INTO id_counters (name, next)
        SELECT 'host', COALESCE(MIN(id), 2147483648) FROM users
        WHERE id >= 1073741824 AND external_id IS NOT NULL AND external_id <> CAST(id AS TEXT)`.execute(db);
    },
  };
}
