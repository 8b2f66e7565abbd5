import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A version of each user's privacy settings, moved on by every save. Two devices saving
 * different settings at the same moment through two instances made each instance announce
 * the settings it had merged itself, and an instance could keep the older one: its friends'
 * views then followed settings the user no longer had. Each save now answers the settings
 * stored with their version, and a replica takes only a newer version.
 */
export function settingsVersion(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('settings_version', 'integer', (col) => col.notNull().defaultTo(sql`0`)).execute();
    },
  };
}
