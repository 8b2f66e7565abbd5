/**
 * Look-alike usernames (users/username-skeleton.ts): with "lilyxxxx" registered, "IiIyxxxx"
 * read the same in the web app's font and registered fine, so an impostor named "Lily" passed
 * for the real one. Registration refuses a username whose skeleton an existing user's has;
 * the skeleton is stored (`users.username_skeleton`, migration 020, filled for existing rows)
 * and checked under a lock, so two look-alikes registered at once never both win. On SQLite
 * and PostgreSQL (PostgreSQL being down fails this suite; it never skips).
 */
import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { IdMap } from '../../src/server/integration/id-map.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { usernameSkeleton } from '../../src/server/users/username-skeleton.js';
import { PG_URL, testDialects, useMigratedDatabase } from '../helpers/databases.js';
import { migratedTo } from '../helpers/migrated-to.js';

const T0 = Date.UTC(2026, 0, 1);
const newUser = (username: string) => ({ username, displayName: 'Lily', passwordHash: 'h', role: 'user' as const, now: T0 });

/** The columns of each index on `users` that holds `username_skeleton`, and whether it is unique. */
async function skeletonIndexes(database: Database): Promise<Array<{ columns: string; unique: boolean }>> {
  if (database.dialect === 'sqlite') {
    const list = await sql<{ name: string; unique: number }>`select name, "unique" from pragma_index_list('users')`.execute(database.db);
    const out = [];
    for (const { name, unique } of list.rows) {
      const cols = await sql<{ name: string }>`select name from pragma_index_info(${name})`.execute(database.db);
      out.push({ columns: cols.rows.map((c) => c.name).join(','), unique: unique === 1 });
    }
    return out.filter((i) => i.columns.includes('username_skeleton'));
  }
  const rows = await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = 'users' and schemaname = current_schema()`.execute(database.db);
  return rows.rows
    .filter((r) => r.indexdef.includes('username_skeleton'))
    .map((r) => ({ columns: /\(([^)]*)\)/.exec(r.indexdef)?.[1]?.replace(/\s|"/g, '') ?? r.indexdef, unique: /create unique/i.test(r.indexdef) }));
}

/**
 * UserRepository as a second instance of Beacon loads it: its own module graph, so its own
 * queue of lock holders (db/user-locks.ts), and only the database between the two.
 */
async function anotherInstancesRepository(): Promise<typeof UserRepository> {
  vi.resetModules();
  return (await import('../../src/server/users/user-repository.js')).UserRepository;
}

/**
 * A plugin that holds the first look-alike lookup's answer (a select of `username_lower` by `username_skeleton`)
 * until `release()`: the registration is then inside its transaction, checked and not inserted.
 */
function holdAfterSkeletonLookup() {
  const queries = new WeakSet<object>();
  let reachedIt!: () => void;
  const reached = new Promise<void>((r) => (reachedIt = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let held = false;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      // The look-alike lookup (it reads username_lower), not the fill of missing skeletons before it.
      const text = JSON.stringify(args.node);
      if (args.node.kind === 'SelectQueryNode' && text.includes('username_skeleton') && text.includes('username_lower')) queries.add(args.queryId);
      return args.node;
    },
    transformResult: async (args) => {
      if (!held && queries.has(args.queryId)) {
        held = true;
        reachedIt();
        await released;
      }
      return args.result;
    },
  };
  return { plugin, reached, release };
}

/**
 * Whether a registration of `username` is waiting for its name's lock: on PostgreSQL its
 * advisory lock not yet granted; on SQLite (one handle, one connection) a transaction waits
 * for the connection, which cannot be seen: after a few milliseconds, yes.
 */
async function waitingForTheNameLock(database: Database, username: string): Promise<boolean> {
  if (database.dialect === 'sqlite') {
    await new Promise((r) => setTimeout(r, 50));
    return true;
  }
  // db/user-locks.ts names the lock of a skeleton so (other tests may be waiting for locks of their own).
  const key = sql`hashtextextended(current_schema() || ${`:beacon:name:${usernameSkeleton(username)}`}, 0)`;
  const rows = await sql<{ n: number }>`select count(*)::int as n from pg_locks
    where locktype = 'advisory' and not granted and objsubid = 1 and ((classid::bigint << 32) | objid::bigint) = ${key}`.execute(database.db);
  return rows.rows[0]!.n > 0;
}

describe.each(testDialects())('look-alike usernames on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('refuses a username that reads as a taken one, and tells it from the same username taken', async () => {
    const users = new UserRepository(fixture.database.db);
    const real = await users.create(newUser('lilyxxxx'));
    expect(real).not.toBeNull();
    for (const fake of ['IiIyxxxx', '1ilyxxxx', 'lilyxxxX', 'LILYXXXX']) expect(await users.create(newUser(fake))).toBeNull();
    expect(await users.register(newUser('IiIyxxxx'))).toBe('lookalike');
    expect(await users.register(newUser('LilyXXXX'))).toBe('taken');
    expect(await users.register(newUser('b0rnxxxx'))).toMatchObject({ username: 'b0rnxxxx' });
    expect(await users.register(newUser('BOmxxxx'))).toBe('lookalike');
    // Only the real user holds the name.
    const rows = await fixture.database.db.selectFrom('users').select('username').where('username_skeleton', '=', usernameSkeleton('lilyxxxx')).execute();
    expect(rows.map((r) => r.username)).toEqual(['lilyxxxx']);
  });

  it('stores the skeleton of every user it makes, host users’ shadow rows too, on an index that is not unique', async () => {
    const users = new UserRepository(fixture.database.db);
    await users.create(newUser('Wilma_0'));
    const ids = new IdMap(fixture.database.db, () => T0);
    await ids.internal([9001, 'auth0|host-user']);
    // Several shadow rows at once (PostgreSQL inserts them as arrays).
    await ids.internal(Array.from({ length: 5 }, (_, i) => `bulk|${i}`));
    const rows = await fixture.database.db.selectFrom('users').select(['username', 'username_skeleton']).execute();
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const r of rows) expect(r.username_skeleton).toBe(usernameSkeleton(r.username));
    expect(await skeletonIndexes(fixture.database)).toEqual([{ columns: 'username_skeleton', unique: false }]);
  });

  it('a user an older Beacon registered during a rolling deploy (no skeleton) is given one, and refuses look-alikes and its own name as taken', async () => {
    const users = new UserRepository(fixture.database.db);
    // What an instance of the release before migration 020 inserts: every column but the skeleton.
    await fixture.database.db
      .insertInto('users')
      .values({ username: 'victorxx', username_lower: 'victorxx', display_name: 'Victor', password_hash: 'h', role: 'user', created_at: T0, online_status: 'offline', status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' })
      .execute();
    expect(await users.register(newUser('vict0rxx'))).toBe('lookalike');
    expect(await users.register(newUser('VictorXX'))).toBe('taken');
    const row = await fixture.database.db.selectFrom('users').select('username_skeleton').where('username_lower', '=', 'victorxx').executeTakeFirstOrThrow();
    expect(row.username_skeleton).toBe(usernameSkeleton('victorxx'));
  });

  it('a look-alike registered on another instance while the first registration is between its check and its insert waits, then is refused', async () => {
    const second = dialect === 'postgres' ? openDatabase(`${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${fixture.database.schema}`) : fixture.database;
    try {
      // The first registration is held once its look-alike check has answered (nothing found).
      const hold = holdAfterSkeletonLookup();
      const mine = new UserRepository(fixture.database.db.withPlugin(hold.plugin));
      const theirs = new (await anotherInstancesRepository())(second.db);
      const first = mine.register(newUser('held_lily'));
      await hold.reached;
      let secondDone = false;
      const again = theirs.register(newUser('held_IiIy')).finally(() => (secondDone = true));
      // Until the second has answered (no lock: it looked, found nothing and inserted) or is seen waiting for the lock.
      while (!secondDone && !(await waitingForTheNameLock(second, 'held_IiIy'))) await new Promise((r) => setTimeout(r, 5));
      hold.release();
      expect(await first).toMatchObject({ username: 'held_lily' });
      expect(await again).toBe('lookalike');
    } finally {
      if (second !== fixture.database) await second.close();
    }
  });

  it('two look-alikes registered at once on two instances: one wins, the other is refused', async () => {
    // PostgreSQL: each instance has its own pool. SQLite: one file per process, one handle.
    const second = dialect === 'postgres' ? openDatabase(`${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${fixture.database.schema}`) : fixture.database;
    try {
      const Other = await anotherInstancesRepository();
      const mine = new UserRepository(fixture.database.db);
      const theirs = new Other(second.db);
      const pairs = Array.from({ length: 8 }, (_, k) => [`race${k}_lily`, `race${k}_IiIy`] as const);
      // Started together, and a few turns of the event loop or a millisecond apart.
      const waits = [0, 0, 1, 1, 2, 4, 0, 1];
      const results = await Promise.all(
        pairs.map(async ([a, b], k) => {
          const first = mine.create(newUser(a));
          for (let i = 0; i < waits[k]!; i++) await new Promise((r) => setImmediate(r));
          const again = theirs.create(newUser(b));
          return [await first, await again];
        }),
      );
      for (const [k, [a, b]] of results.entries()) {
        expect([a, b].filter((u) => u !== null), `pair ${k}`).toHaveLength(1);
        const held = await fixture.database.db.selectFrom('users').select('username').where('username_skeleton', '=', usernameSkeleton(pairs[k]![0])).execute();
        expect(held, `pair ${k}`).toHaveLength(1);
      }
    } finally {
      if (second !== fixture.database) await second.close();
    }
  });

});

describe.each(testDialects())('migration 020 (username skeletons) on %s', (dialect) => {
  let drop: () => Promise<void> = async () => {};
  afterAll(async () => drop());

  it('fills the skeleton of every existing user, look-alikes already there kept, and later ones refused', async () => {
    // Throws if a migration up to 019 fails.
    const { database, ...fixture } = await migratedTo(dialect, '019-host-deleted-at');
    drop = fixture.drop;
    // Rows as an older Beacon left them: two look-alikes already (both stay), mixed case, every fold, a host's shadow row.
    const names = ['lilyxxxx', 'IiIyxxxx', 'Marnie_01', 'WOW_VvV', 'plain', '~0a1b2c3d4e5f'];
    await sql`insert into users (username, username_lower, display_name, password_hash, role, created_at, online_status, status_visibility, activity_visibility, last_seen_visibility, custom_message_visibility)
      values ${sql.join(names.map((n) => sql`(${n}, ${n.toLowerCase()}, ${n}, 'h', 'user', ${T0}, 'offline', 'friends', 'friends', 'friends', 'friends')`))}`.execute(database.db);

    expect(await migrateToLatest(database)).toContain('020-username-skeleton');

    const rows = await database.db.selectFrom('users').select(['username', 'username_skeleton']).orderBy('id').execute();
    expect(rows).toEqual(names.map((username) => ({ username, username_skeleton: usernameSkeleton(username) })));
    expect(await skeletonIndexes(database)).toEqual([{ columns: 'username_skeleton', unique: false }]);
    const users = new UserRepository(database.db);
    expect(await users.register(newUser('1ilyxxxx'))).toBe('lookalike');
    expect(await users.register(newUser('rnarnie_Ol'))).toBe('lookalike');
    expect(await users.register(newUser('vvovv_wv'))).toBe('lookalike');
    expect(await users.register(newUser('plain_too'))).toMatchObject({ username: 'plain_too' });
  });
});
