import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A version of each user's status schedule and of their calendar feed's busy intervals, moved
 * on by every write of them (as settings_version is for settings). A command saved the
 * schedule, then applied it to the presence engine; two replacements at once (two tabs, or two
 * instances) could save in one order and apply in the other, leaving the database on one
 * schedule and what friends saw on the other until a restart swapped them. Each write now
 * answers the version it stored, the input carries it, and a replica takes only a newer one.
 * The calendar's version lives on `users`, not on `user_calendars`, whose row a removal deletes.
 */
export function contentVersions(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('schedule_version', 'integer', (col) => col.notNull().defaultTo(sql`0`)).execute();
      await db.schema.alterTable('users').addColumn('calendar_version', 'integer', (col) => col.notNull().defaultTo(sql`0`)).execute();
    },
  };
}
