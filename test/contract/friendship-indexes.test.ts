/**
 * Review finding: the catch-up after a bus outage (FriendRepository.categoriesSetSince) read
 * every friendship of every connected user, through the primary key, to find the few set since
 * the outage began (tens of thousands of users, millions of rows, at every bus flap). It now
 * reads the rows set since through their own index (migration 015) and keeps those of the users
 * asked about. On SQLite and PostgreSQL (PostgreSQL being down fails this suite; it never skips).
 */
import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('friendship indexes on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('reads the categories set since a moment through their index, not every friendship of the users asked about', async () => {
    const { db } = fixture.database;
    const users = new UserRepository(db);
    const friends = new FriendRepository(db);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await users.create({ username: `ix_${i}`, displayName: `Ix ${i}`, passwordHash: 'h', role: 'user', now: 1000 }))!.id);
    for (let i = 1; i < ids.length; i++) await friends.befriend(ids[0]!, ids[i]!, 1000);
    await friends.setCategory(ids[0]!, ids[3]!, 'close_friend', 50_000);
    // What it answers: only the row set since, of the users asked about; never a row never set.
    expect((await friends.categoriesSetSince(ids, 40_000)).map((r) => [r.userId, r.friend.user_id, r.friend.category])).toEqual([[ids[0], ids[3], 'close_friend']]);
    expect(await friends.categoriesSetSince(ids, 0)).toHaveLength(1);
    expect(await friends.categoriesSetSince([ids[1]!], 40_000)).toEqual([]);

    // How it reads them: the plan of the statement it runs uses friendships_category_at.
    const plan = async (text: string, params: readonly unknown[]): Promise<string> => {
      if (dialect === 'sqlite') {
        const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${text}`, [...params]));
        return rows.rows.map((r) => r.detail).join('\n');
      }
      // A table this small is read whole otherwise: say what the planner does at scale.
      return db.connection().execute(async (conn) => {
        await sql`SET enable_seqscan = off`.execute(conn);
        const rows = await conn.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${text}`, [...params]));
        await sql`SET enable_seqscan = on`.execute(conn);
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    };
    const compiled = friends.setSinceQuery(40_000).compile();
    expect(await plan(compiled.sql, compiled.parameters)).toContain('friendships_category_at');
  });
});
