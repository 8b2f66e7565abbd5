/**
 * A database a newer Beacon migrated (a rollback, an old instance restarting mid-deploy) is
 * refused at start in words that say so and what to do, and nothing is changed.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/server/db/database.js';
import { migrateToLatest, migrations } from '../../../src/server/db/migrate.js';

describe('a database migrated by a newer Beacon', () => {
  it('is refused naming the migration it has and the last this release knows, and left as it was', async () => {
    const database = openDatabase('sqlite::memory:');
    try {
      await migrateToLatest(database);
      await sql`insert into kysely_migration (name, timestamp) values ('999-from-the-future', '2027-01-01T00:00:00.000Z')`.execute(database.db);
      const last = Object.keys(migrations('sqlite')).at(-1)!;
      const refusal = migrateToLatest(database);
      await expect(refusal).rejects.toThrow(`the database was migrated by a newer Beacon (it has migration 999-from-the-future, this release stops at ${last})`);
      await expect(refusal).rejects.toThrow('restore the backup taken before the upgrade');
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
      expect(rows.rows.map((r) => r.name)).toEqual([...Object.keys(migrations('sqlite')), '999-from-the-future'].sort());
    } finally {
      await database.close();
    }
  });

  it('leaves other migration errors as they were', async () => {
    const { newerDatabase } = await import('../../../src/server/db/migrate.js');
    expect(newerDatabase(new Error('relation "users" already exists'))).toBeNull();
  });
});
