/**
 * A full SQLite disk is said as SQLite says it. SQLite ends the transaction itself on
 * SQLITE_FULL, and Kysely's rollback after it failed with "cannot rollback - no transaction is
 * active", which replaced the real error: every write answered 500 and logged "cannot rollback",
 * and a start said `refused the start: cannot rollback …`, never that the disk was full
 * (db/sqlite-dialect.ts). `max_page_count` fills the file as a full disk does, without one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/server/db/database.js';
import { migrateToLatest } from '../../../src/server/db/migrate.js';

const FULL = { code: 'SQLITE_FULL', message: 'database or disk is full' };

describe('SQLite with its disk full', () => {
  let dir: string;
  let database: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-full-'));
    database = openDatabase(`sqlite:${join(dir, 'beacon.db')}`);
    await migrateToLatest(database);
  });
  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** No page more for the file: the next write that needs one fails as on a full disk. */
  async function fillDisk(): Promise<void> {
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(database.db);
    await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(database.db);
  }

  it('a transaction SQLite ended itself on SQLITE_FULL rejects with that error, not "cannot rollback", and the connection goes on', async () => {
    await fillDisk();
    // One row, one statement: SQLite rolls the whole transaction back when it fails (no statement journal).
    const write = (i: number) =>
      database.db.transaction().execute(async (trx) => {
        await trx.insertInto('admin_names').values({ username_lower: `name_${i}_${'x'.repeat(2000)}`, listed_at: 1 }).execute();
      });
    await expect(write(1)).rejects.toMatchObject(FULL);
    // Nothing is left open on the one connection: with room again, the same write is made.
    await sql`pragma max_page_count = 1073741823`.execute(database.db);
    await write(1);
    const { rows } = await sql<{ n: number }>`select count(*) as n from admin_names`.execute(database.db);
    expect(rows[0]!.n).toBe(1);
  });
});
