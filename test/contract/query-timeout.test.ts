/**
 * One slow query must not fail the next request. A PostgreSQL query past the bound
 * (BEACON_DATABASE_TIMEOUT_MS) drops its connection, as it may still be running there; but the
 * pool took the connection back before it noticed the drop, and handed it to the next query,
 * which failed at once ("Connection terminated unexpectedly") on a healthy database.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { freshDatabase } from '../helpers/databases.js';

describe('a query past the database timeout (PostgreSQL)', () => {
  let database: Database | null = null;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await database?.close();
    await drop();
  });

  it('fails alone: the queries after it, on the same pool, are answered', async () => {
    const fresh = await freshDatabase('postgres');
    drop = fresh.drop;
    const db = (database = openDatabase(fresh.url, { timeoutMs: 300 })).db;
    await sql`select 1`.execute(db);
    await expect(sql`select pg_sleep(2)`.execute(db)).rejects.toThrow('Query read timeout');
    for (let i = 0; i < 3; i++) expect((await sql<{ n: number }>`select 1 as n`.execute(db)).rows).toEqual([{ n: 1 }]);
  });
});
