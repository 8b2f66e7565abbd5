/**
 * docs/integration.md's queries that find, before an upgrade, the host ids the rule of
 * 2026-12-04 refuses (isHostId) and the rule before it (U+0000-U+001F only) took. The doc gave a
 * PostgreSQL query only, so a host on SQLite (Beacon's default database) had none. Each query
 * is run as written on its database, over every character up to U+3000 in an id: it must find
 * exactly the ids the new rule refuses and the old one took.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHostId } from '../../../src/protocol/integration.js';
import { docBlock } from '../../helpers/doc-blocks.js';
import { PG_URL } from '../../helpers/databases.js';

/** An id around each character from U+0020 (the old rule refused those below) to U+3000, surrogates left out. */
const ids = Array.from({ length: 0x3000 - 0x20 }, (_, i) => i + 0x20)
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => `id-${String.fromCodePoint(c)}-x`);
const refusedNow = ids.filter((id) => !isHostId(id)).sort();

describe("docs/integration.md's queries for host ids refused since 2026-12-04", () => {
  it('SQLite: finds exactly those ids', () => {
    const db = new Database(':memory:');
    db.exec('create table users (id integer primary key, external_id text)');
    const insert = db.prepare('insert into users (external_id) values (?)');
    db.transaction(() => ids.forEach((id) => insert.run(id)))();
    const found = (db.prepare(docBlock('upgrade-ids-sqlite')).all() as Array<{ external_id: string }>).map((r) => r.external_id).sort();
    db.close();
    expect(refusedNow.length).toBeGreaterThan(40);
    expect(found).toEqual(refusedNow);
  });

  describe('PostgreSQL', () => {
    const client = new pg.Client({ connectionString: PG_URL });
    beforeAll(async () => {
      await client.connect();
      await client.query('create temp table users (id serial primary key, external_id text)');
      await client.query('insert into users (external_id) select unnest($1::text[])', [ids]);
    });
    afterAll(() => client.end());

    it('finds exactly those ids', async () => {
      const found = (await client.query<{ external_id: string }>(docBlock('upgrade-ids-postgres'))).rows.map((r) => r.external_id).sort();
      expect(found).toEqual(refusedNow);
    });
  });
});
