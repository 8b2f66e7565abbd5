/**
 * On PostgreSQL the migrations run under the lock migration-lock.ts takes, in its one
 * transaction: Kysely's migrator takes no lock of its own there. Its lock set `lock_timeout` to
 * 1 h for the rest of the transaction, every migration included (a start behind a pg_dump failed
 * after an hour), and its release, in a transaction that Kysely's own bookkeeping had aborted,
 * failed with "current transaction is aborted" and hid the error that mattered.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/server/db/database.js';
import { migrateToLatest } from '../../../src/server/db/migrate.js';
import { freshDatabase } from '../../helpers/databases.js';

/** What migration 003 does first, in its step (migrateToLatest's `before` hook: no module mock, which files sharing a worker would not see). */
const step: { before: null | ((db: Kysely<unknown>) => Promise<void>) } = { before: null };
const hooks = { before: async (name: string, db: Kysely<unknown>) => (name === '003-hardening' ? step.before?.(db) : undefined) };

describe('PostgreSQL: the migrations under the start’s migration lock', () => {
  let database: Database | null = null;
  let drop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    step.before = null;
    await database?.close();
    database = null;
    await drop?.();
    drop = null;
  });

  const fresh = async () => {
    const f = await freshDatabase('postgres');
    drop = f.drop;
    database = openDatabase(f.url);
    return database;
  };

  it('run with the connection’s lock_timeout (unbounded), not Kysely’s 1 h', async () => {
    const db = await fresh();
    const seen: string[] = [];
    step.before = async (conn) => {
      const { rows } = await sql<{ lock_timeout: string }>`show lock_timeout`.execute(conn);
      seen.push(rows[0]!.lock_timeout);
    };
    await migrateToLatest(db, undefined, undefined, hooks);
    expect(seen).toEqual(['0']);
  });

  it('a failure of Kysely’s own bookkeeping is the error said, not the aborted transaction’s', async () => {
    const db = await fresh();
    // Recording migration 003 as run fails, after its step succeeded (outside its savepoint).
    step.before = async (conn) => {
      await sql`alter table kysely_migration add constraint refuses_003 check (name <> '003-hardening')`.execute(conn);
    };
    await expect(migrateToLatest(db, undefined, undefined, hooks)).rejects.toThrow(/violates check constraint "refuses_003"/);
    // Nothing was left behind, and the lock is free: the next start migrates.
    step.before = null;
    expect((await migrateToLatest(db, undefined, undefined, hooks)).length).toBeGreaterThan(3);
  });
});
