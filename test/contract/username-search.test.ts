/**
 * Audit finding: the username search (`GET /users?query=`, a route every user calls while typing
 * a friend's name) matched `username_lower LIKE 'p%'`, which neither database bounds by an index
 * (SQLite's LIKE ignores case, its index does not; PostgreSQL's is in the database's collation):
 * every search read the whole users table, ~9 ms at 200,000 accounts. It now reads a range of an
 * index of the lower-case names in byte order (migration 023), and answers exactly what the LIKE
 * did, in the same order. On SQLite and PostgreSQL (PostgreSQL being down fails this suite; it
 * never skips).
 */
import fc from 'fast-check';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';
import { migratedTo } from '../helpers/migrated-to.js';

/** The search as it was before the index (the LIKE it ran), to compare answers with. */
async function searchedByLike(db: Db, prefix: string, limit: number): Promise<string[]> {
  const escaped = prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = await db
    .selectFrom('users')
    .select('username')
    .where(sql<boolean>`username_lower like ${`${escaped}%`} escape '\\'`)
    .orderBy('username_lower')
    .limit(limit)
    .execute();
  return rows.map((r) => r.username);
}

/** Rows as sign-up stores them (username_lower is JavaScript's toLowerCase), inserted directly. */
async function insertUsers(db: Db, names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 500) {
    const part = names.slice(i, i + 500);
    await sql`insert into users (username, username_lower, username_skeleton, display_name, password_hash, role, created_at, online_status, status_visibility, activity_visibility, last_seen_visibility, custom_message_visibility)
      values ${sql.join(part.map((n) => sql`(${n}, ${n.toLowerCase()}, ${n.toLowerCase()}, ${n}, 'h', 'user', 1000, 'offline', 'friends', 'friends', 'friends', 'friends')`))}`.execute(db);
  }
}

/**
 * The plan of `text`: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN with a read of the whole
 * table, a bitmap of rows and a sort all disfavoured, as at scale: what is left is an index that
 * both bounds the rows and gives their order, if there is one (a small table is read whole otherwise).
 */
async function planOf(database: Database, text: string, params: readonly unknown[]): Promise<string> {
  const { db } = database;
  if (database.dialect === 'sqlite') {
    const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${text}`, [...params]));
    return rows.rows.map((r) => r.detail).join('\n');
  }
  return db.connection().execute(async (conn) => {
    await sql`SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off`.execute(conn);
    const rows = await conn.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${text}`, [...params]));
    await sql`RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort`.execute(conn);
    return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

const NAME_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'];
/** Usernames as registration takes them (CONTRACT: 3 to 20 of A–Z, a–z, 0–9, _), few letters so prefixes are shared. */
const username = fc.string({ unit: fc.constantFrom(...'aAbB_0zZ'), minLength: 3, maxLength: 20 });
/** A host user's shadow row (integration/id-map.ts): `~` and 12 hex digits. */
const shadowName = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 12, maxLength: 12 }).map((h) => `~${h}`);
/** What a searcher may send: any 1 to 20 characters, among them LIKE's own, non-ASCII, and ones toLowerCase() makes ASCII (K, the Kelvin sign). */
const anyQuery = fc.string({ unit: fc.constantFrom(...NAME_CHARS.slice(0, 8), '_', '%', '\\', '~', '\u212a', 'é', 'İ', '\uffff', '😀', ' '), minLength: 1, maxLength: 20 });

describe.each(testDialects())('username search on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);
  let drop: () => Promise<void> = async () => {};
  afterAll(async () => drop());

  it('reads a range of an index of the names in byte order, not the whole users table', async () => {
    // A database as the release before left it, with accounts, then this release's migrations.
    const { database, ...made } = await migratedTo(dialect, '022-trimmed-display-names');
    drop = made.drop;
    await insertUsers(database.db, Array.from({ length: 2000 }, (_, i) => `User_${i.toString(36)}`));
    expect(await migrateToLatest(database)).toContain('023-username-search');
    const users = new UserRepository(database.db);
    expect((await users.searchByPrefix('USER_1', 3)).map((u) => u.username)).toEqual(['User_1', 'User_10', 'User_100']);

    const compiled = users.searchQuery('user_1', 20).compile();
    const plan = await planOf(database, compiled.sql, compiled.parameters);
    if (dialect === 'sqlite') {
      // SEARCH: a range of the index, in its order; SCAN would read every row, a TEMP B-TREE sort every match.
      expect(plan).toMatch(/SEARCH users USING (COVERING )?INDEX \S+ \(username_lower>\? AND username_lower<\?\)/);
      expect(plan).not.toMatch(/SCAN|TEMP B-TREE/);
    } else {
      expect(plan).toMatch(/Index Scan using users_username_lower_bytewise on users/);
      // The bounds are of the index (its collation, "C"); nothing is filtered or sorted after it.
      expect(plan).toMatch(/Index Cond: \(\(\(username_lower\)::text >= '[^']+'::text\) AND \(\(username_lower\)::text < '[^']+'::text\)\)/);
      expect(plan).not.toMatch(/Seq Scan|Sort|Filter/);
    }
  });

  it('answers exactly what the LIKE did, in the same order, for names of mixed case and any query', async () => {
    const { db } = fixture.database;
    const users = new UserRepository(db);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.oneof({ weight: 6, arbitrary: username }, { weight: 1, arbitrary: shadowName }), { maxLength: 60, selector: (n) => n.toLowerCase(), size: 'max' }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.array(fc.boolean(), { minLength: 20, maxLength: 20 })), { maxLength: 6 }),
        fc.array(anyQuery, { maxLength: 4 }),
        fc.constantFrom(20, 3),
        async (names, cuts, others, limit) => {
          await db.deleteFrom('users').execute();
          await insertUsers(db, names);
          // Prefixes of stored names, letters' case flipped at random, and anything else a searcher may type.
          const cutQueries = names.length === 0 ? [] : cuts.map(([which, length, flips]) => {
            const name = names[which % names.length]!;
            return [...name.slice(0, Math.max(1, length))].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join('');
          });
          for (const query of [...cutQueries, ...others]) {
            expect((await users.searchByPrefix(query, limit)).map((u) => u.username), query).toEqual(await searchedByLike(db, query, limit));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
