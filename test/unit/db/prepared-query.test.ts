import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/server/db/database.js';
import { PreparedQuery } from '../../../src/server/db/prepared-query.js';
import { UserRepository } from '../../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../../helpers/databases.js';

const T0 = 1_700_000_000_000;

describe.each(testDialects())('PreparedQuery on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  async function user(db: Db, name: string): Promise<number> {
    const u = await new UserRepository(db).create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: T0 });
    return u!.id;
  }

  it('runs the query compiled once with each call’s values, in the places the SQL puts them', async () => {
    const db = fixture.database.db;
    const a = await user(db, 'pq_a');
    const b = await user(db, 'pq_b');
    // The values appear in the SQL in the other order than the function takes them.
    const byNameAndId = new PreparedQuery(
      (d: Db, id: number, name: string) => d.selectFrom('users').select(['id', 'username']).where('username', '=', name).where('id', '=', id),
      [-1, '\u0000name'],
    );
    expect(await byNameAndId.rows(db, a, 'pq_a')).toEqual([{ id: a, username: 'pq_a' }]);
    expect(await byNameAndId.rows(db, b, 'pq_b')).toEqual([{ id: b, username: 'pq_b' }]);
    expect(await byNameAndId.rows(db, a, 'pq_b')).toEqual([]);
    expect(await byNameAndId.first(db, b, 'pq_b')).toEqual({ id: b, username: 'pq_b' });
    expect(await byNameAndId.first(db, -5, 'nobody')).toBeUndefined();
  });

  it('compiles for a transaction of its own and sees the transaction’s writes', async () => {
    const db = fixture.database.db;
    const byName = new PreparedQuery((d: Db, name: string) => d.selectFrom('users').select('username').where('username', '=', name), ['\u0000n']);
    expect(await byName.rows(db, 'pq_trx')).toEqual([]);
    await db.transaction().execute(async (trx) => {
      await user(trx, 'pq_trx');
      expect(await byName.rows(trx, 'pq_trx')).toEqual([{ username: 'pq_trx' }]);
    });
    expect(await byName.rows(db, 'pq_trx')).toEqual([{ username: 'pq_trx' }]);
  });

  it('refuses a sample value that is missing from the parameters or appears twice', async () => {
    const db = fixture.database.db;
    const missing = new PreparedQuery((d: Db, _id: number) => d.selectFrom('users').select('id').where('id', '=', 7), [-1]);
    await expect(missing.rows(db, 1)).rejects.toThrow(/sample value 0 must appear exactly once/);
    const twice = new PreparedQuery(
      (d: Db, id: number) => d.selectFrom('users').select('id').where('id', '=', id).where('created_at', '=', -1),
      [-1],
    );
    await expect(twice.rows(db, 1)).rejects.toThrow(/exactly once/);
  });
});
