/**
 * A database that fails the start is named as the setting to look at: every database error
 * during the start says BEACON_DATABASE_URL and shows the URL without its user and password
 * (stderr ends up in the logs), whether the server cannot be reached, drops the connection
 * mid-start, refuses TLS, or refuses what the start does. PostgreSQL missing fails these tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startChildServer } from '../helpers/child-server.js';
import { freshDatabase, PG_URL } from '../helpers/databases.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const PASSWORD = 'db-pass-SENTINEL-7Qx';

/** `url` with a password, which the message must never show (the test server trusts every login). */
function withPassword(url: string, host = '127.0.0.1', port?: number): string {
  const u = new URL(url);
  u.password = PASSWORD;
  u.hostname = host;
  if (port !== undefined) u.port = String(port);
  return u.toString();
}

/** What stopping the start printed: `exit <code>: <stderr>`. */
async function startFailure(env: Record<string, string>): Promise<string> {
  return startChildServer(env).then(
    async (s) => {
      await s.cleanup();
      return 'started';
    },
    (err: Error) => err.message,
  );
}

describe('database errors at start', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('name BEACON_DATABASE_URL when PostgreSQL refuses the TLS the URL asks for', async () => {
    const url = withPassword(`${PG_URL}?sslmode=require`);
    const failed = await startFailure({ BEACON_DATABASE_URL: url });
    expect(failed).toMatch(/^server exited with 1:[\s\S]*beacon: failed to start: cannot reach the database BEACON_DATABASE_URL names: The server does not support SSL connections \(postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/test\?sslmode=require\)/);
    expect(failed).not.toContain(PASSWORD);
  });

  it('name BEACON_DATABASE_URL when the connection drops in the middle of the start, after the migrations', async () => {
    const fresh = await freshDatabase('postgres');
    cleanups.push(fresh.drop);
    const pgPort = Number(new URL(PG_URL).port || 5432);
    const nowhere = await freePort();
    // The migrations' connection passes; every later one is dropped as it opens. The proxy
    // destroys the client's side, which the driver reads as a close or, when the startup
    // message is still unread there, as a reset: both are the drop this case is about.
    let connections = 0;
    const proxy = await startTcpProxy('127.0.0.1', () => (++connections === 1 ? pgPort : nowhere));
    cleanups.push(() => proxy.close());
    const failed = await startFailure({ BEACON_DATABASE_URL: withPassword(fresh.url, '127.0.0.1', proxy.port) });
    expect(failed).toMatch(/^server exited with 1:[\s\S]*beacon: failed to start: cannot reach the database BEACON_DATABASE_URL names: (?:Connection terminated unexpectedly|read ECONNRESET) \(postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/test\?schema=t_[0-9a-f]+\)/);
    expect(failed).not.toContain(PASSWORD);
  });

  it('name BEACON_DATABASE_URL when PostgreSQL refuses what the start does (a read-only database: a standby, say)', async () => {
    const name = `beacon_ro_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    const u = new URL(withPassword(PG_URL));
    u.pathname = `/${name}`;
    const failed = await startFailure({ BEACON_DATABASE_URL: u.toString() });
    expect(failed).toMatch(new RegExp(`^server exited with 1:[\\s\\S]*beacon: failed to start: the database BEACON_DATABASE_URL names refused the start: cannot execute CREATE TABLE in a read-only transaction \\(postgres://\\*\\*\\*@127\\.0\\.0\\.1:\\d+/${name}\\)`));
    expect(failed).not.toContain(PASSWORD);
  });

  it('name BEACON_DATABASE_URL when its SQLite file cannot be made (its folder is a file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-not-a-folder-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const notAFolder = join(dir, 'site.txt');
    writeFileSync(notAFolder, 'a file where the database folder should be');
    const file = join(notAFolder, 'beacon.db');
    const failed = await startFailure({ BEACON_DATABASE_URL: `sqlite:${file}` });
    expect(failed).toMatch(/^server exited with 1:[\s\S]*beacon: failed to start: cannot open the SQLite file BEACON_DATABASE_URL names: E[A-Z]+: [^\n]*\(sqlite:/);
    expect(failed).toContain(`(sqlite:${file})`);
  });

  // A read-only folder (or file system) said `refused the start: unable to open database file`,
  // which sent operators to the database rather than to the folder. A folder where the -wal file
  // must go fails the same way (SQLITE_CANTOPEN), whoever runs the test (root writes anywhere).
  it('name BEACON_DATABASE_URL and its folder when SQLite cannot make its -wal beside the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-no-wal-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'beacon.db');
    const made = new SQLite(file);
    made.pragma('journal_mode = WAL');
    made.exec('create table t (x integer)');
    made.close();
    mkdirSync(`${file}-wal`);
    const failed = await startFailure({ BEACON_DATABASE_URL: `sqlite:${file}` });
    expect(failed).toContain(
      `beacon: failed to start: cannot open the SQLite file BEACON_DATABASE_URL names: unable to open database file; Beacon must be able to write ${file} and make beacon.db-wal and beacon.db-shm in its folder (${dir}): check that both are writable by this process and that the file system is not mounted read-only (sqlite:${file})`,
    );
  });

  it('name BEACON_DATABASE_URL when its SQLite file is no database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-not-a-db-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'beacon.db');
    writeFileSync(file, 'this is a text file, not a database, at least 512 bytes long. '.repeat(16));
    const failed = await startFailure({ BEACON_DATABASE_URL: `sqlite:${file}` });
    expect(failed).toContain(`beacon: failed to start: the database BEACON_DATABASE_URL names refused the start: file is not a database (sqlite:${file})`);
  });
});

describe('a SQLite file of another application at start', () => {
  it('is refused as it is: no table made, its journal mode unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-foreign-'));
    try {
      const file = join(dir, 'site.db');
      const site = new SQLite(file);
      site.exec('create table users (id integer primary key, email text)');
      site.close();
      const failed = await startFailure({ BEACON_DATABASE_URL: `sqlite:${file}` });
      expect(failed).toMatch(/^server exited with 1:[\s\S]*beacon: failed to start: the database BEACON_DATABASE_URL names is not Beacon's: it already holds tables Beacon would create \(users\)/);
      const after = new SQLite(file, { readonly: true });
      try {
        expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
        expect(after.prepare("select name from sqlite_master where type = 'table'").all()).toEqual([{ name: 'users' }]);
      } finally {
        after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
