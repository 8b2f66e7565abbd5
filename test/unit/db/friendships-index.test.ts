/** The per-connect query "which category did each friend give me" is answered from an index alone. */
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../../src/server/db/database.js';
import { migrateToLatest } from '../../../src/server/db/migrate.js';
import type { DatabaseSchema } from '../../../src/server/db/schema.js';
import { FriendRepository } from '../../../src/server/friends/friend-repository.js';

it('reads a viewer’s categories through the covering friendships index', async () => {
  const seen: Array<{ sql: string; params: readonly unknown[] }> = [];
  const db = new Kysely<DatabaseSchema>({
    dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
    log: (e) => void seen.push({ sql: e.query.sql, params: e.query.parameters }),
  });
  await migrateToLatest({ db, dialect: 'sqlite', schema: null } as Database);
  seen.length = 0;
  await new FriendRepository(db).categoriesGivenTo(1);
  expect(seen).toHaveLength(1);
  const plan = await sql.raw<{ detail: string }>(`explain query plan ${seen[0]!.sql.replace('?', '1')}`).execute(db);
  expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/COVERING INDEX friendships_friend_cover/);
  await db.destroy();
});
