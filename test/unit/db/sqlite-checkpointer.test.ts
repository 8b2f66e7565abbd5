/**
 * The SQLite write-ahead log is checkpointed by a worker, never by a commit on the event loop;
 * when the worker cannot run, commits checkpoint again (the log stays bounded).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, WAL_SIZE_LIMIT_BYTES } from '../../../src/server/db/database.js';
import type { Checkpointer } from '../../../src/server/db/checkpointer.js';
import { DEFAULT_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../../src/server/db/sqlite-checkpointer.js';

let dir: string;
let file: string;
let conn: SQLite.Database;
let checkpointer: Checkpointer | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'beacon-checkpoint-'));
  file = join(dir, 'db.sqlite');
  conn = new SQLite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.exec('create table blobs (id integer primary key, data blob)');
  conn.pragma('wal_checkpoint(TRUNCATE)');
  checkpointer = null;
});

afterEach(async () => {
  await checkpointer?.close();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

/** ~1,500 pages of log in 15 commits: past SQLite's 1,000-page auto-checkpoint. */
function writeManyPages(): void {
  const insert = conn.prepare('insert into blobs (data) values (randomblob(4000))');
  for (let c = 0; c < 15; c++) conn.transaction(() => { for (let i = 0; i < 100; i++) insert.run(); })();
}

/** Rows the database file holds by itself, without its log: what checkpoints have copied in. */
function rowsInFile(): number {
  const copy = join(dir, `copy-${Date.now()}-${Math.random()}.sqlite`);
  copyFileSync(file, copy);
  const reader = new SQLite(copy, { readonly: true });
  try {
    return (reader.prepare('select count(*) as n from blobs').get() as { n: number }).n;
  } finally {
    reader.close();
  }
}

const autocheckpoint = (): number => conn.pragma('wal_autocheckpoint', { simple: true }) as number;

describe('SQLite checkpointer', () => {
  it('takes checkpoints away from commits: 1,500 pages of commits leave the database file as it was', async () => {
    checkpointer = startCheckpointer(conn, file, { intervalMs: 60_000 });
    const before = statSync(file).size;
    writeManyPages();
    expect(autocheckpoint()).toBe(0);
    expect(statSync(file).size).toBe(before);
    expect(rowsInFile()).toBe(0);
    // The worker's checkpoint copies everything in.
    const result = await checkpointer.checkpointNow();
    expect(result.busy).toBe(false);
    expect(result.logFrames).toBeGreaterThan(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(result.checkpointedFrames).toBe(result.logFrames);
    expect(rowsInFile()).toBe(1500);
  });

  it('checkpoints on its own every interval', async () => {
    checkpointer = startCheckpointer(conn, file, { intervalMs: 50 });
    writeManyPages();
    await expect.poll(rowsInFile, { timeout: 10_000, interval: 50 }).toBe(1500);
  });

  it('hands checkpoints back to commits when the worker cannot open the file, and says why', async () => {
    const stopped: Error[] = [];
    checkpointer = startCheckpointer(conn, join(dir, 'missing', 'db.sqlite'), { onStop: (err) => stopped.push(err) });
    await expect.poll(() => stopped.length, { timeout: 10_000 }).toBe(1);
    expect(checkpointer.running).toBe(false);
    expect(autocheckpoint()).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    await expect(checkpointer.checkpointNow()).rejects.toThrow();
    // Commits checkpoint again: the file takes the rows in without any worker.
    writeManyPages();
    expect(rowsInFile()).toBeGreaterThan(0);
  });

  it('close() hands checkpoints back to commits', async () => {
    checkpointer = startCheckpointer(conn, file, { intervalMs: 60_000 });
    expect(checkpointer.running).toBe(true);
    await checkpointer.close();
    expect(checkpointer.running).toBe(false);
    expect(autocheckpoint()).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    writeManyPages();
    expect(rowsInFile()).toBeGreaterThan(0);
  });
});

describe('openDatabase', () => {
  it('runs a checkpointer for a database on disk, none in memory; closing stops it', async () => {
    const onDisk = openDatabase(`sqlite:${join(dir, 'beacon.db')}`);
    const inMemory = openDatabase('sqlite::memory:');
    try {
      expect(onDisk.checkpointer).not.toBeNull();
      expect(inMemory.checkpointer).toBeNull();
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(onDisk.db);
      expect(rows[0]?.wal_autocheckpoint).toBe(0);
      await expect(onDisk.checkpointer!.checkpointNow()).resolves.toMatchObject({ busy: false });
    } finally {
      await onDisk.close();
      await inMemory.close();
    }
    await expect(onDisk.checkpointer!.checkpointNow()).rejects.toThrow('closed');
  });

  it('cuts the log file back after a burst once it is checkpointed', async () => {
    const database = openDatabase(`sqlite:${join(dir, 'burst.db')}`);
    try {
      await sql`create table blobs (id integer primary key, data blob)`.execute(database.db);
      // One transaction of ~32 MB: the log file grows past the limit, as in a migration or a seed.
      await database.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 8000; i++) await sql`insert into blobs (data) values (randomblob(4000))`.execute(trx);
      });
      const wal = join(dir, 'burst.db-wal');
      expect(statSync(wal).size).toBeGreaterThan(1.5 * WAL_SIZE_LIMIT_BYTES);
      await expect(database.checkpointer!.checkpointNow()).resolves.toMatchObject({ busy: false });
      // The next write restarts the log from its start, and the file is cut back.
      await sql`insert into blobs (data) values (x'00')`.execute(database.db);
      expect(statSync(wal).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    } finally {
      await database.close();
    }
  });

  it('close() finishes in a process that has nothing else to do (the worker never keeps it alive, but the wait does)', () => {
    const script = join(dir, 'close.mts');
    const database = resolve('src/server/db/database.ts');
    writeFileSync(script, `import { openDatabase } from ${JSON.stringify(database)};\nconst d = openDatabase(${JSON.stringify(`sqlite:${join(dir, 'other.db')}`)});\nawait d.close();\nconsole.log('closed');\n`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stdout.trim()).toBe('closed');
    expect(run.status).toBe(0);
  });
});
