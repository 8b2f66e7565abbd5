/**
 * db/user-locks.ts queues the callers of one lock on this instance (inTurn) so that they wait
 * holding no database connection. The queues were keyed by the lock's name alone, so two
 * databases in one process (two embedded Beacons, or tests) shared them: a user's row held on
 * database A held the same user id on database B too. Now each database has its own queues:
 * the same id on another database runs at once, while on the same database it still waits,
 * and a database's queue of a key goes once its calls have settled.
 * Two SQLite files, each with its own user 1. And (PostgreSQL) the bound on a call's wait for its turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { freshDatabase } from '../helpers/databases.js';
import { queuedLockKeys, withPairLock, withUserLock, withUserRow, type Trx } from '../../src/server/db/user-locks.js';
import { UserRepository } from '../../src/server/users/user-repository.js';

const T0 = Date.UTC(2026, 0, 1);
/** How long a call that should run at once may take before the test calls it held. */
const AT_ONCE_MS = 2_000;
/** How long a call that should wait is watched not running (it would run within milliseconds). */
const WATCH_MS = 200;

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** What `p` gave, or 'still waiting' if it has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> =>
  Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms).unref())]);

type Lock = (db: Database['db'], fn: (trx: Trx) => Promise<string>) => Promise<string>;

describe('per-user lock queues are per database', () => {
  let dir: string;
  let a: Database;
  let b: Database;
  let alice: number;
  let bob: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-user-locks-'));
    [a, b] = [openDatabase(`sqlite:${join(dir, 'a.db')}`), openDatabase(`sqlite:${join(dir, 'b.db')}`)];
    for (const database of [a, b]) {
      await migrateToLatest(database);
      const users = new UserRepository(database.db);
      for (const username of ['alice', 'bob']) await users.create({ username, displayName: username, passwordHash: 'h', role: 'user', now: T0 });
    }
    const ids = async (database: Database) => (await database.db.selectFrom('users').select('id').orderBy('id').execute()).map((r) => r.id);
    const [onA, onB] = [await ids(a), await ids(b)];
    expect(onA).toEqual(onB); // one id, one user on each database
    [alice, bob] = onA as [number, number];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const locks: Array<[string, Lock]> = [
    ['a user’s row (withUserRow)', (db, fn) => withUserRow(db, alice, fn)],
    ['a user’s lock (withUserLock)', (db, fn) => withUserLock(db, alice, fn)],
    ['a pair’s lock (withPairLock)', (db, fn) => withPairLock(db, alice, bob, fn)],
  ];

  it.each(locks)('%s held on one database does not hold the same ids on another, and still holds them on its own', async (_name, lock) => {
    const release = gate();
    const entered = gate();
    const order: string[] = [];
    const holder = lock(a.db, async () => {
      entered.open();
      await release.opened;
      order.push('holder');
      return 'holder';
    });
    // Let go however the test ends: a holder left waiting would hold database A for the next test.
    const done = holder.finally(() => {});
    try {
      await entered.opened;

      expect([queuedLockKeys(a.db), queuedLockKeys(b.db)]).toEqual([1, 0]);
      // The same ids on database B: no turn to wait for there.
      const other = lock(b.db, async () => 'other database');
      expect(await within(other, AT_ONCE_MS)).toBe('other database');

      // The same ids on database A: waits for the holder.
      const next = lock(a.db, async () => {
        order.push('next');
        return 'next';
      });
      expect(await within(next, WATCH_MS)).toBe('still waiting');
      expect(order).toEqual([]);
      release.open();
      expect(await Promise.all([holder, next])).toEqual(['holder', 'next']);
      expect(order).toEqual(['holder', 'next']);
      // Nothing kept once the queues emptied: no entry per user ever locked.
      expect([queuedLockKeys(a.db), queuedLockKeys(b.db)]).toEqual([0, 0]);
    } finally {
      release.open();
      await done;
    }
  });
});

/**
 * Finding: a call waiting its turn behind one stuck on PostgreSQL waited for as long as that
 * one took, past the HTTP idle timeout. On a database opened with a bound (PostgreSQL's
 * BEACON_DATABASE_TIMEOUT_MS) a call not started within it fails SERVICE_UNAVAILABLE at the
 * bound, and its work never runs, not even once its turn comes; one started in time is not cut.
 */
describe('waiting for a lock is bounded by the database timeout (PostgreSQL)', () => {
  const BOUND_MS = 300;
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let bounded: Database;
  let alice: number;

  beforeAll(async () => {
    fresh = await freshDatabase('postgres');
    // The schema and alice on a connection without the bound, as a start migrates
    // (migrateAtStart): under a loaded CI box a migration statement took longer than 300 ms
    // and failed the whole file with "Query read timeout" before any case ran.
    const setup = openDatabase(fresh.url);
    try {
      await migrateToLatest(setup);
      alice = (await new UserRepository(setup.db).create({ username: 'alice', displayName: 'alice', passwordHash: 'h', role: 'user', now: T0 }))!.id;
    } finally {
      await setup.close();
    }
    bounded = openDatabase(fresh.url, { timeoutMs: BOUND_MS });
  });
  afterAll(async () => {
    await bounded?.close();
    await fresh?.drop();
  });

  it.each<[string, Lock]>([
    ['a user’s row (withUserRow)', (db, fn) => withUserRow(db, alice, fn)],
    ['a user’s lock (withUserLock)', (db, fn) => withUserLock(db, alice, fn)],
  ])('%s: a call still waiting at the bound fails 503 and never runs; the holder is not cut', async (_name, lock) => {
    const release = gate();
    const entered = gate();
    const ran: string[] = [];
    // Holds the turn past the bound without a query running (a query would hit its own bound).
    const holder = lock(bounded.db, async () => {
      entered.open();
      await release.opened;
      ran.push('holder');
      return 'holder';
    });
    const done = holder.finally(() => {});
    try {
      await entered.opened;
      const started = Date.now();
      const waiter = lock(bounded.db, async () => {
        ran.push('waiter');
        return 'waiter';
      });
      const failed = waiter.then(
        () => 'ran',
        (err: { code?: string; statusCode?: number }) => `${err.statusCode} ${err.code}`,
      );
      expect(await within(failed, BOUND_MS + AT_ONCE_MS)).toBe('503 SERVICE_UNAVAILABLE');
      expect(Date.now() - started).toBeGreaterThanOrEqual(BOUND_MS - 5);
      release.open();
      expect(await holder).toBe('holder');
      await until(() => queuedLockKeys(bounded.db) === 0);
      expect(ran).toEqual(['holder']);
    } finally {
      release.open();
      await done;
    }
  });
});

/** Polls `ok` until it holds, for up to AT_ONCE_MS. */
async function until(ok: () => boolean): Promise<void> {
  for (const end = Date.now() + AT_ONCE_MS; !ok(); ) {
    if (Date.now() > end) throw new Error('never held');
    await new Promise((r) => setTimeout(r, 5));
  }
}
