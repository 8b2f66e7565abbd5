/**
 * Starts migrating one database take turns (db/migration-lock.ts). SQLite: a start waits for
 * the file's write lock, bounded, and says so when the bound passes, having changed nothing.
 * PostgreSQL: two starts at once both succeed, one of them migrating (Kysely's advisory lock,
 * taken before the foreign-table check too); a first start that stops half-way, in a migration
 * or with its connection dropped, leaves nothing, Kysely's tables neither, and the next migrates.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/server/db/database.js';
import { migrateToLatest, migrations } from '../../../src/server/db/migrate.js';
import { freshDatabase, PG_URL } from '../../helpers/databases.js';

describe('SQLite: a start while another process holds the file’s write lock', () => {
  let dir: string;
  let database: Database | null = null;
  afterEach(async () => {
    await database?.close();
    database = null;
    rmSync(dir, { recursive: true, force: true });
  });

  const tables = (file: string) => {
    const raw = new SQLite(file, { readonly: true });
    try {
      return (raw.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name);
    } finally {
      raw.close();
    }
  };

  it('waits for it and migrates once it is released', async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-lock-'));
    const file = join(dir, 'beacon.db');
    database = openDatabase(`sqlite:${file}`);
    // Another thread, as another process would: SQLite's busy wait blocks this one.
    const other = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData.file);
       db.exec('begin immediate');
       parentPort.postMessage('held');
       setTimeout(() => { db.exec('commit'); db.close(); }, workerData.holdMs);`,
      { eval: true, workerData: { file, holdMs: 400 } },
    );
    try {
      await once(other, 'message');
      const started = Date.now();
      expect(await migrateToLatest(database, undefined, { sqliteWaitMs: 10_000 })).toEqual(Object.keys(migrations('sqlite')));
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await other.terminate();
    }
  });

  it('past the bound fails saying another process holds the lock, and nothing was migrated', async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-lock-'));
    const file = join(dir, 'beacon.db');
    database = openDatabase(`sqlite:${file}`);
    const other = new SQLite(file);
    other.exec('begin immediate');
    try {
      const started = Date.now();
      await expect(migrateToLatest(database, undefined, { sqliteWaitMs: 300 })).rejects.toThrow(
        /another process held the SQLite file's write lock for 0\.3 s \(most likely another Beacon start migrating it, or a long write\); nothing was migrated/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      other.exec('commit');
      other.close();
    }
    expect(tables(file)).toEqual([]);
    // The connection's usual busy wait is back, and the next start migrates.
    expect(await migrateToLatest(database)).toEqual(Object.keys(migrations('sqlite')));
  });

  it('a migration that fails leaves none of the start’s tables behind (one transaction)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-lock-'));
    const file = join(dir, 'beacon.db');
    // An index of the name migration 007 creates: 001 to 006 run, then 007 fails.
    const other = new SQLite(file);
    other.exec('create table probe (x integer); create index friendships_friend_cover on probe (x)');
    other.close();
    database = openDatabase(`sqlite:${file}`);
    await expect(migrateToLatest(database)).rejects.toThrow(/friendships_friend_cover already exists/);
    expect(tables(file)).toEqual(['probe']);
  });
});

describe('PostgreSQL: two starts at once on one fresh schema', () => {
  const opened: Database[] = [];
  let drop: (() => Promise<void>) | null = null;
  let holder: pg.Client | null = null;
  afterEach(async () => {
    await holder?.end();
    holder = null;
    await Promise.all(opened.splice(0).map((d) => d.close()));
    await drop?.();
    drop = null;
  });

  /** Kysely's migration lock key as pg_locks shows it (a bigint key: its high and low halves). */
  const KEY = BigInt('3853314791062309107');
  const waiting = async () => {
    const { rows } = await holder!.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and classid = $1 and objid = $2 and objsubid = 1`,
      [String(KEY >> 32n), String(KEY & 0xffffffffn)],
    );
    return rows[0]!.n;
  };

  it('both succeed beside a site’s table; one runs every migration, the other finds them run', async () => {
    const fresh = await freshDatabase('postgres');
    drop = fresh.drop;
    const a = openDatabase(fresh.url);
    const b = openDatabase(fresh.url);
    opened.push(a, b);
    await sql`create table accounts (id integer primary key)`.execute(a.db);
    // Another start holds the lock (another tenant of the database migrating): the first start
    // waits for it, and the second comes meanwhile. The check that the schema is Beacon's waits
    // too: made before the lock, the second saw the first's Kysely tables with no migration
    // recorded yet beside this table, and refused the schema.
    holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    await holder.query(`select pg_advisory_lock(${KEY})`);
    const first = migrateToLatest(a);
    await expect.poll(waiting).toBeGreaterThanOrEqual(1);
    let settled = false;
    const second = migrateToLatest(b).finally(() => (settled = true));
    await expect.poll(async () => settled || (await waiting()) >= 2).toBe(true);
    await holder.query(`select pg_advisory_unlock(${KEY})`);
    const ran = await Promise.all([first, second]);
    expect(ran.map((r) => r.length)).toEqual([Object.keys(migrations('postgres')).length, 0]);
  });
});

describe('PostgreSQL: a first start that stops half-way, on a schema shared with a site’s own tables', () => {
  let database: Database | null = null;
  let drop: (() => Promise<void>) | null = null;
  let site: pg.Client | null = null;
  afterEach(async () => {
    await site?.end();
    site = null;
    await database?.close();
    database = null;
    await drop?.();
    drop = null;
  });

  /** A fresh schema holding the site's table `accounts`, the site's client on it, and Beacon's database. */
  const sharedSchema = async () => {
    const fresh = await freshDatabase('postgres');
    drop = fresh.drop;
    database = openDatabase(fresh.url);
    const schema = database.schema!;
    site = new pg.Client({ connectionString: PG_URL });
    await site.connect();
    await site.query(`set search_path to "${schema}"`);
    await site.query('create table accounts (id integer primary key)');
    return fresh.url;
  };
  const tables = async () => {
    const { rows } = await site!.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`);
    return rows.map((r) => r.name);
  };

  it('a migration that fails leaves none of the start’s tables, Kysely’s neither, and the next start migrates', async () => {
    const url = await sharedSchema();
    // The site's index has the name migration 007 gives one of Beacon's: 001 to 006 run, then 007 fails.
    await site!.query('create index friendships_friend_cover on accounts (id)');
    await expect(migrateToLatest(database!)).rejects.toThrow(/friendships_friend_cover" already exists/);
    expect(await tables()).toEqual(['accounts']);
    // The operator renames the index; the next start (another process: it would wait for ever on
    // a migration lock the first left held) is no "foreign database".
    await site!.query('alter index friendships_friend_cover rename to accounts_by_id');
    const next = openDatabase(url);
    try {
      expect(await migrateToLatest(next)).toEqual(Object.keys(migrations('postgres')));
      expect(await migrateToLatest(next)).toEqual([]);
    } finally {
      await next.close();
    }
  });

  it('a start whose connection is dropped mid-way leaves nothing, and the next start migrates', async () => {
    await sharedSchema();
    // The site creates an index of the name migration 007 uses, in a transaction it keeps open:
    // Beacon's migration 007 waits on it, half-way, and its connection is then ended (as a
    // process killed, or a database restarted, would end it).
    await site!.query('begin');
    await site!.query('create index friendships_friend_cover on accounts (id)');
    const start = migrateToLatest(database!).then(
      () => null,
      (err: unknown) => err,
    );
    // Read apart from the site's transaction, where pg_stat_activity would stay as first read.
    const watcher = new pg.Client({ connectionString: PG_URL });
    await watcher.connect();
    const blocked = async () => {
      const { rows } = await watcher.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%create index "friendships_friend_cover"%'`);
      return rows[0]?.pid ?? null;
    };
    try {
      await expect.poll(blocked, { timeout: 10_000 }).not.toBeNull();
      await watcher.query('select pg_terminate_backend($1)', [await blocked()]);
    } finally {
      await watcher.end();
    }
    expect(await start).toBeInstanceOf(Error);
    await site!.query('rollback');
    expect(await tables()).toEqual(['accounts']);
    expect(await migrateToLatest(database!)).toEqual(Object.keys(migrations('postgres')));
  });
});
