import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingSqlite } from '../../../src/server/db/statement-cache.js';

describe('cachingSqlite', () => {
  let conn: SQLite.Database;
  afterEach(() => {
    if (conn.open) conn.close();
  });

  it('prepares a query once and reuses the statement', () => {
    conn = new SQLite(':memory:');
    const db = cachingSqlite(conn);
    const a = db.prepare('select 1 as x');
    const b = db.prepare('select 1 as x');
    expect(b).toBe(a);
    expect(db.size).toBe(1);
  });

  it('keeps at most `max` statements, dropping the least recently used', () => {
    conn = new SQLite(':memory:');
    const db = cachingSqlite(conn, { max: 2 });
    const one = db.prepare('select 1');
    db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(one); // now the most recently used
    db.prepare('select 3'); // evicts `select 2`
    expect(db.size).toBe(2);
    expect(db.prepare('select 1')).toBe(one);
    const two = db.prepare('select 2');
    expect(db.prepare('select 2')).toBe(two);
    expect(db.size).toBe(2);
  });

  it('never keeps SQL longer than maxSqlLength', () => {
    conn = new SQLite(':memory:');
    const db = cachingSqlite(conn, { maxSqlLength: 20 });
    const long = `select 1 as ${'x'.repeat(30)}`;
    expect(db.prepare(long)).not.toBe(db.prepare(long));
    expect(db.size).toBe(0);
  });

  it('serves Kysely queries with parameters, and sees a schema change made after caching', async () => {
    conn = new SQLite(':memory:');
    const db = new Kysely<{ t: { id: number; name: string } }>({ dialect: new SqliteDialect({ database: cachingSqlite(conn) }) });
    await sql`create table t (id integer primary key, name text)`.execute(db);
    await db.insertInto('t').values({ id: 1, name: 'a' }).execute();
    await db.insertInto('t').values({ id: 2, name: 'b' }).execute();
    expect(await db.selectFrom('t').selectAll().where('id', '=', 2).execute()).toEqual([{ id: 2, name: 'b' }]);
    expect(await db.selectFrom('t').selectAll().where('id', '=', 1).execute()).toEqual([{ id: 1, name: 'a' }]);
    await sql`alter table t add column extra text default 'z'`.execute(db);
    expect(await db.selectFrom('t').selectAll().where('id', '=', 1).execute()).toEqual([{ id: 1, name: 'a', extra: 'z' }]);
    await db.destroy();
    expect(conn.open).toBe(false);
  });
});
