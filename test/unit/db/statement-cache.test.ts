import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../src/server/db/database.js';
import { cachingSqlite } from '../../../src/server/db/statement-cache.js';

describe('cachingSqlite', () => {
  let conn: SQLite.Database | undefined;
  afterEach(() => {
    if (conn?.open) conn.close();
    conn = undefined;
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

  it('runs a query prepared once across parameters, through Kysely', async () => {
    conn = new SQLite(':memory:');
    const prepare = vi.spyOn(conn, 'prepare');
    const db = new Kysely<{ t: { id: number; name: string } }>({ dialect: new SqliteDialect({ database: cachingSqlite(conn) }) });
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (const [id, name] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await db.insertInto('t').values({ id, name }).execute();
    const byId = (id: number) => db.selectFrom('t').select('name').where('id', '=', id).execute();
    expect(await byId(3)).toEqual([{ name: 'c' }]);
    expect(await byId(1)).toEqual([{ name: 'a' }]);
    expect(await byId(9)).toEqual([]);
    const prepared = (text: string) => prepare.mock.calls.filter(([s]) => s === text).length;
    expect(prepared(byIdSql(db))).toBe(1);
    expect(prepared('insert into "t" ("id", "name") values (?, ?)')).toBe(1);
    await db.destroy();
  });

  it('streams a select through a cached statement, and runs it again after a stream left early', async () => {
    conn = new SQLite(':memory:');
    const db = new Kysely<{ t: { id: number } }>({ dialect: new SqliteDialect({ database: cachingSqlite(conn) }) });
    await sql`create table t (id integer primary key)`.execute(db);
    await db.insertInto('t').values([{ id: 1 }, { id: 2 }, { id: 3 }]).execute();
    const all = () => db.selectFrom('t').select('id').orderBy('id');
    const seen: number[] = [];
    for await (const row of all().stream()) {
      seen.push(row.id);
      if (seen.length === 2) break; // leaves the statement's iteration early
    }
    expect(seen).toEqual([1, 2]);
    // The same SQL, the same cached statement: it must not still be busy iterating.
    expect(await all().execute()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const again: number[] = [];
    for await (const row of all().stream()) again.push(row.id);
    expect(again).toEqual([1, 2, 3]);
    await db.destroy();
  });

  it("is what Beacon's SQLite database prepares through: a query run twice is prepared once", async () => {
    const prepare = vi.spyOn(SQLite.prototype, 'prepare');
    const database = openDatabase('sqlite::memory:');
    try {
      const text = 'select ? + 1 as n';
      expect((await sql<{ n: number }>`select ${1} + 1 as n`.execute(database.db)).rows).toEqual([{ n: 2 }]);
      expect((await sql<{ n: number }>`select ${41} + 1 as n`.execute(database.db)).rows).toEqual([{ n: 42 }]);
      expect(prepare.mock.calls.filter(([s]) => s === text).length).toBe(1);
    } finally {
      prepare.mockRestore();
      await database.close();
    }
  });
});

function byIdSql(db: Kysely<{ t: { id: number; name: string } }>): string {
  return db.selectFrom('t').select('name').where('id', '=', 0).compile().sql;
}
