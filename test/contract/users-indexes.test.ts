/**
 * The users table carries no index on a column the write-behind writes (its indexes are the
 * primary key, the names (unique; skeletons; on PostgreSQL in byte order too, for the search) and
 * host ids), so no status change has an index entry to move. On SQLite and PostgreSQL
 * (PostgreSQL being down fails this suite; it never skips).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/server/db/database.js';
import { PresenceRepository } from '../../src/server/status/presence-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

/** The columns of every index on `users`, one string per index. */
async function userIndexColumns(database: Database): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const list = await sql<{ name: string }>`select name from pragma_index_list('users')`.execute(database.db);
    const out: string[] = [];
    for (const { name } of list.rows) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${name})`.execute(database.db);
      out.push(cols.rows.map((c) => c.name).join(','));
    }
    return out;
  }
  const rows = await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = 'users' and schemaname = current_schema()`.execute(database.db);
  return rows.rows.map((r) => /\(([^)]*)\)/.exec(r.indexdef)?.[1]?.replace(/\s|"/g, '') ?? r.indexdef);
}

describe.each(testDialects())('users indexes on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('has no index on a column the write-behind writes', async () => {
    const written = ['online_status', 'activity_type', 'manual_status', 'custom_message', 'custom_message_expires_at', 'last_seen', 'last_activity', 'server_games'];
    const indexed = (await userIndexColumns(fixture.database)).flatMap((cols) => cols.split(','));
    expect(indexed.length).toBeGreaterThan(0);
    expect(indexed.filter((c) => written.includes(c))).toEqual([]);
  });

  it('still turns ghosts offline at start without the index', async () => {
    const users = new UserRepository(fixture.database.db);
    const a = (await users.create({ username: 'ghost', displayName: 'Ghost', passwordHash: 'h', role: 'user', now: 1000 }))!;
    const b = (await users.create({ username: 'quiet', displayName: 'Quiet', passwordHash: 'h', role: 'user', now: 1000 }))!;
    await sql`update users set online_status = 'busy' where id = ${a.id}`.execute(fixture.database.db);
    expect(await new PresenceRepository(fixture.database.db).resetGhosts(5000, 6000)).toBe(1);
    const rows = await fixture.database.db.selectFrom('users').select(['id', 'online_status', 'last_seen']).where('id', 'in', [a.id, b.id]).orderBy('id').execute();
    expect(rows.map((r) => r.online_status)).toEqual(['offline', 'offline']);
    expect(rows[0]!.last_seen).toBe(5000);
  });
});
