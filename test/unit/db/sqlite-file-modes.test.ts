/**
 * The SQLite database holds the signing secret and live session ids: a new one, its folder and
 * its write-ahead files are readable by the server's account only, whatever the umask.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/server/db/database.js';

describe('a new SQLite database on disk', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created 0600 in a folder made 0700, and its -wal and -shm files follow the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-modes-'));
    const previous = process.umask(0o022);
    try {
      const path = join(dir, 'data', 'beacon.db');
      const database = openDatabase(`sqlite:${path}`);
      await sql`create table t (x integer)`.execute(database.db);
      await sql`insert into t values (1)`.execute(database.db);
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(join(dir, 'data'))).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      await database.close();
    } finally {
      process.umask(previous);
    }
  });
});
