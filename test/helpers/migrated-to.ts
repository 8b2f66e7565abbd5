/**
 * For a migration's test: a fresh database of `dialect` migrated up to `name` and no further, as
 * the release before left it. Insert rows the way that release wrote them, then run
 * `migrateToLatest` and check what the migrations after `name` made of them.
 */
import { Migrator } from 'kysely';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { migrations } from '../../src/server/db/migrate.js';
import { freshDatabase, type TestDialect } from './databases.js';

/** `drop` closes the database and removes it. Throws (after dropping it) if a migration up to `name` fails. */
export async function migratedTo(dialect: TestDialect, name: string): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (!(name in migrations('sqlite'))) throw new Error(`no migration named ${name}`);
  const fresh = await freshDatabase(dialect);
  const database = openDatabase(fresh.url);
  const drop = async () => {
    await database.close();
    await fresh.drop();
  };
  // As migrateToLatest builds its migrator: the schema named, or Kysely may find another schema's lock table.
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations(database.dialect) },
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error } = await migrator.migrateTo(name);
  if (error !== undefined) {
    await drop();
    throw new Error(`migrating to ${name} failed`, { cause: error });
  }
  return { database, drop };
}
