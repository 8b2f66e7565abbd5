/**
 * Finding (CI, 2026-12-06): a migration on PostgreSQL failed with `schema "t_…" does not exist`,
 * naming a schema that was not its own. Kysely's introspector, which its migrator asks whether
 * `kysely_migration` exists, read every schema of the database and looked each up again by
 * name, so a schema dropped meanwhile by another tenant (here another test file) failed the
 * start. And with no `?schema=`, the migrator took another schema's `kysely_migration` for its
 * own. Beacon's introspector (db/scoped-introspector.ts) reads its own schema only.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/server/db/database.js';
import { migrateToLatest } from '../../../src/server/db/migrate.js';
import { PG_URL, freshDatabase } from '../../helpers/databases.js';

describe('the PostgreSQL introspector reads Beacon’s own schema only', () => {
  const name = `beacon_scope_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client;
  let url: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    // Another tenant of the database, in a schema of its own, with its own Kysely migrations.
    const tenant = new pg.Client({ connectionString: url });
    await tenant.connect();
    await tenant.query('CREATE SCHEMA tenant');
    await tenant.query('CREATE TABLE tenant.kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)');
    await tenant.query('CREATE TABLE tenant.kysely_migration_lock (id varchar(255) primary key, is_locked integer not null default 0)');
    await tenant.query('CREATE TABLE tenant.orders (id serial primary key, total integer)');
    await tenant.end();
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
  });

  it('migrates into public beside another schema’s kysely_migration, and lists only its own tables', async () => {
    const database = openDatabase(url);
    try {
      const applied = await migrateToLatest(database);
      expect(applied.length).toBeGreaterThan(0);
      const tables = await database.db.introspection.getTables();
      expect(tables.length).toBeGreaterThan(0);
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set(['public']));
      expect(tables.map((t) => t.name)).not.toContain('orders');
      expect(tables.map((t) => t.name)).not.toContain('kysely_migration');
      const users = tables.find((t) => t.name === 'users');
      expect(users?.columns.find((c) => c.name === 'id')).toMatchObject({ isAutoIncrementing: true, isNullable: false });
      const withKysely = await database.db.introspection.getTables({ withInternalKyselyTables: true });
      expect(withKysely.filter((t) => t.name.startsWith('kysely_')).map((t) => `${t.schema}.${t.name}`).sort()).toEqual([
        'public.kysely_migration',
        'public.kysely_migration_lock',
      ]);
    } finally {
      await database.close();
    }
  });

  it('with ?schema=, lists that schema’s tables while other schemas are dropped around it', async () => {
    let database: Database | undefined;
    const fresh = await freshDatabase('postgres');
    try {
      database = openDatabase(fresh.url);
      await migrateToLatest(database);
      const own = new URL(fresh.url).searchParams.get('schema');
      // Schemas created and dropped while the tables are listed, as other test files do: the
      // old introspector looked every listed schema up by name and failed on one gone.
      const churn = new pg.Client({ connectionString: PG_URL });
      await churn.connect();
      let stop = false;
      const dropping = (async () => {
        for (let i = 0; !stop; i++) {
          const s = `gone_${randomBytes(4).toString('hex')}`;
          await churn.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.t (id serial primary key, a int, b int, c int)`);
          await churn.query(`DROP SCHEMA ${s} CASCADE`);
        }
      })();
      try {
        for (let i = 0; i < 40; i++) {
          const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
          expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([own]));
        }
      } finally {
        stop = true;
        await dropping;
        await churn.end();
      }
    } finally {
      await database?.close();
      await fresh.drop();
    }
  });
});
