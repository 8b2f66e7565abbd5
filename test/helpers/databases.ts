/**
 * The databases store tests run on. Both SQLite and PostgreSQL by default (pick with
 * BEACON_TEST_DIALECTS=sqlite,postgres). PostgreSQL missing is a failure, never a skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';

export type TestDialect = 'sqlite' | 'postgres';

export const PG_URL = process.env.BEACON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function testDialects(): TestDialect[] {
  const wanted = (process.env.BEACON_TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  return (['sqlite', 'postgres'] as const).filter((d) => wanted.includes(d));
}

/** A database URL with a fresh, empty database (a new PostgreSQL schema), and how to drop it. */
export async function freshDatabase(dialect: TestDialect): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') return { url: 'sqlite::memory:', drop: async () => {} };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL} (${(err as Error).message}). Start it, set BEACON_TEST_PG_URL, or run only SQLite with BEACON_TEST_DIALECTS=sqlite.`,
    );
  }
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    url: `${PG_URL}${sep}schema=${schema}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** A fresh database of `dialect`, opened and migrated to the latest schema; `drop` closes and removes it. */
export async function migratedDatabase(dialect: TestDialect): Promise<{ database: Database; drop: () => Promise<void> }> {
  const fresh = await freshDatabase(dialect);
  const database = openDatabase(fresh.url);
  await migrateToLatest(database);
  return {
    database,
    drop: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}

/**
 * In the calling `describe`: a migrated database of `dialect` for its tests, opened before
 * them and dropped after. Read `.database` inside tests (it is set once `beforeAll` has run).
 */
export function useMigratedDatabase(dialect: TestDialect): { readonly database: Database } {
  const fixture = {} as { database: Database };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ database: fixture.database, drop } = await migratedDatabase(dialect)));
  afterAll(async () => drop?.());
  return fixture;
}
