/**
 * A site adopting Beacon points BEACON_DATABASE_URL at its own database by mistake. Beacon
 * must refuse it before making any table: one whose tables clash with Beacon's failed half-way
 * ("table users already exists") after leaving Kysely's tables there, and one where the site
 * keeps its own Kysely migrations was refused as "migrated by a newer Beacon". A database that
 * merely holds other tables (none of Beacon's names) stays usable, as before.
 */
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { BEACON_TABLES } from '../../src/server/db/foreign-tables.js';
import { migrateToLatest, migrations } from '../../src/server/db/migrate.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';

describe.each(testDialects())('a database that is not Beacon’s (%s)', (dialect) => {
  let database: Database;
  let drop: () => Promise<void>;
  afterEach(async () => {
    await database.close();
    await drop();
  });
  const open = async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    database = openDatabase(fresh.url);
  };
  const tables = async () => {
    const rows =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(database.db)
        : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`.execute(database.db);
    return rows.rows.map((r) => r.name);
  };

  it('holding a table Beacon would create is refused, naming it and what to do, and no table is made', async () => {
    await open();
    await sql`create table users (id integer primary key, email text)`.execute(database.db);
    await sql`create table sessions (id integer primary key)`.execute(database.db);
    const refusal = migrateToLatest(database);
    await expect(refusal).rejects.toThrow("the database BEACON_DATABASE_URL names is not Beacon's: it already holds tables Beacon would create (users), made by another application");
    await expect(refusal).rejects.toThrow('Give Beacon a database of its own, or on PostgreSQL a schema of its own');
    expect(await tables()).toEqual(['sessions', 'users']);
  });

  it('holding another application’s Kysely migrations is refused as such, not as migrated by a newer Beacon, and left as it was', async () => {
    await open();
    await sql`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(database.db);
    await sql`insert into kysely_migration (name, timestamp) values ('2024_01_create_accounts', '2024-01-01T00:00:00.000Z')`.execute(database.db);
    const refusal = migrateToLatest(database);
    await expect(refusal).rejects.toThrow("is not Beacon's: it holds another application's Kysely migrations (2024_01_create_accounts) and none of Beacon's");
    expect(await tables()).toEqual(['kysely_migration']);
    const ran = await sql<{ name: string }>`select name from kysely_migration`.execute(database.db);
    expect(ran.rows.map((r) => r.name)).toEqual(['2024_01_create_accounts']);
  });

  /** What Kysely's migrator leaves before its first migration is recorded: its two tables, no row. */
  const kyselyTablesOnly = async () => {
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => ({}) }, ...(database.schema ? { migrationTableSchema: database.schema } : {}) });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
  };

  it('holding Kysely’s migration tables with none recorded beside another application’s table is refused (a site using Kysely, freshly), and left as it was', async () => {
    await open();
    await kyselyTablesOnly();
    await sql`create table accounts (id integer primary key)`.execute(database.db);
    const refusal = migrateToLatest(database);
    await expect(refusal).rejects.toThrow(
      "is not Beacon's: it holds Kysely's migration tables with no migration recorded, beside tables Beacon does not make (accounts): another application's Kysely migrations",
    );
    await expect(refusal).rejects.toThrow('if a Beacon start made them and stopped before its first migration finished, drop kysely_migration and kysely_migration_lock and start again');
    expect(await tables()).toEqual(['accounts', 'kysely_migration', 'kysely_migration_lock']);
    expect((await sql<{ name: string }>`select name from kysely_migration`.execute(database.db)).rows).toEqual([]);
  });

  it('holding only Kysely’s migration tables with none recorded (a Beacon start that stopped before its first migration finished) is migrated', async () => {
    await open();
    await kyselyTablesOnly();
    expect(await migrateToLatest(database)).toEqual(Object.keys(migrations(dialect)));
    expect(await migrateToLatest(database)).toEqual([]);
  });

  it('holding only tables of other names is migrated beside them, and migrated again later as Beacon’s own', async () => {
    await open();
    await sql`create table accounts (id integer primary key)`.execute(database.db);
    expect(await migrateToLatest(database)).toEqual(Object.keys(migrations(dialect)));
    // The names the guard knows are exactly the tables Beacon makes.
    expect((await tables()).filter((t) => t !== 'accounts' && !t.startsWith('kysely_') && t !== 'sqlite_sequence')).toEqual([...BEACON_TABLES].sort());
    expect(await migrateToLatest(database)).toEqual([]);
  });
});
