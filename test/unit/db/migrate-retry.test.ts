/**
 * Kysely's migrator lists the tables of every schema of the database before migrating, and a
 * schema another tenant drops during that scan failed the start with `schema "…" does not
 * exist` (seen once in CI: a cluster test's instance beside the unit suite, whose tests create
 * and drop schemas), and once with `relation "t_….kysely_migration" does not exist` (the scan
 * looks each table up by name; a unit test's schema was dropped meanwhile). The start retries
 * both; the errors here are PostgreSQL's own.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryingSchemaRaces } from '../../../src/server/db/migrate.js';
import { PG_URL } from '../../helpers/databases.js';

describe('retryingSchemaRaces', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
  });
  afterAll(() => client.end());
  const missingSchema = () => client.query(`select 'no_such_schema_${Date.now()}'::regnamespace`);

  it('tries again when a schema vanished under the scan, and returns the next answer', async () => {
    let calls = 0;
    const answer = await retryingSchemaRaces(async () => {
      calls++;
      if (calls < 3) await missingSchema();
      return 'migrated';
    }, 5, 1);
    expect(answer).toBe('migrated');
    expect(calls).toBe(3);
  });

  it('tries again when a table vanished under the scan (looked up by name)', async () => {
    let calls = 0;
    const answer = await retryingSchemaRaces(async () => {
      calls++;
      if (calls < 2) await client.query(`select pg_get_serial_sequence('public.gone_${Date.now()}', 'name')`);
      return 'migrated';
    }, 5, 1);
    expect(answer).toBe('migrated');
    expect(calls).toBe(2);
  });

  it('tries again when a column vanished under the scan (a table another tenant is dropping)', async () => {
    let calls = 0;
    const answer = await retryingSchemaRaces(async () => {
      calls++;
      if (calls < 2) await client.query(`select pg_get_serial_sequence('pg_catalog.pg_class', 'gone_${Date.now()}')`);
      return 'migrated';
    }, 5, 1);
    expect(answer).toBe('migrated');
    expect(calls).toBe(2);
  });

  it('gives up after the attempts with the last error, and never retries another error', async () => {
    let calls = 0;
    await expect(retryingSchemaRaces(async () => {
      calls++;
      await missingSchema();
    }, 3, 1)).rejects.toMatchObject({ code: '3F000' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryingSchemaRaces(async () => {
      calls++;
      await client.query('select * from no_such_table_anywhere');
    }, 3, 1)).rejects.toMatchObject({ code: '42P01' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryingSchemaRaces(async () => {
      calls++;
      await client.query('selec 1');
    }, 3, 1)).rejects.toMatchObject({ code: '42601' });
    expect(calls).toBe(1);
  });
});
