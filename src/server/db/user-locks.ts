/**
 * Transactions that hold a lock on one user, or on a pair of users, for checks that must
 * see the writes of the requests before them: a friend request's checks (blocked, declined
 * recently, asked the other way) and its answers; an account's cap on watched friends and
 * push subscriptions; and a lock on a name, for registration's look-alike check. Requests
 * sent at once, to one instance or to several on one database, then take their turns instead
 * of passing the same check together.
 *
 * - PostgreSQL: a transaction-scoped advisory lock named for the pair (low id, high id), the
 *   user or the name, and the schema; then the users' rows in key-share mode (see `locked`).
 *   Under READ COMMITTED every statement after the lock sees what the previous holder
 *   committed. Only these transactions take the advisory locks; nothing else waits on them.
 * - SQLite: the transaction's first statement is a write that changes nothing, so it takes
 *   the database's one write lock at once: other processes on the file wait (busy_timeout)
 *   before reading, instead of failing later with SQLITE_BUSY when the transaction writes
 *   after reading. In one process Kysely's one connection runs the transaction alone anyway.
 *
 * `fn` must use only the transaction it is given (on SQLite the main handle waits for it).
 */
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import { AppError } from '../errors.js';
import type { Db } from './database.js';
import type { DatabaseSchema } from './schema.js';

export type Trx = Transaction<DatabaseSchema>;

/** Runs `fn` in a transaction holding the lock of the pair {a, b} (a ≠ b). */
export function withPairLock<T>(db: Db, a: number, b: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return locked(db, `pair:${Math.min(a, b)}:${Math.max(a, b)}`, [a, b], fn);
}

/** Runs `fn` in a transaction holding the lock of one user; `others`: users `fn` writes rows about, held too (see below). */
export function withUserLock<T>(db: Db, userId: number, fn: (trx: Trx) => Promise<T>, others: readonly number[] = []): Promise<T> {
  return locked(db, `user:${userId}`, [userId, ...others], fn);
}

/**
 * Runs `fn` in a transaction holding the lock of a name (a username's skeleton): two
 * registrations of look-alike usernames, on one instance or several, take their turns, and
 * the second sees the first's user (users/user-repository.ts register()).
 */
export function withNameLock<T>(db: Db, name: string, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return locked(db, `name:${name}`, [], fn);
}

/** Whether `db` (or a transaction of it) is PostgreSQL's: row locks (`for share`) exist there only. */
export const isPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Runs `fn` in a transaction holding the user's own row: on PostgreSQL `for update`, which
 * makes the locked transactions above wait (they hold their users' rows first), and rows
 * being written that refer to the user (their foreign key takes a share lock on it) wait,
 * then fail once it is deleted; on SQLite the write lock. For an account's deletion.
 */
export function withUserRow<T>(db: Db, userId: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return transaction(db, async (trx) => {
    if (isPostgres(db)) await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
    return fn(trx);
  });
}

/**
 * The lock of `key`, then (PostgreSQL) the rows of `users` in key-share mode, before `fn`
 * touches any row that refers to them. An account's deletion takes its row first too
 * (withUserRow), so the two never hold each other's rows: one waits for the other, and a
 * user deleted meanwhile is NOT_FOUND instead of a deadlock.
 * Requests for one key on this instance wait here in turn, each holding no database
 * connection meanwhile: a burst on one key takes one connection of the pool, not all.
 */
function locked<T>(db: Db, key: string, users: readonly number[], fn: (trx: Trx) => Promise<T>): Promise<T> {
  const holding = async (trx: Trx): Promise<T> => {
    if (isPostgres(trx)) {
      // One 64-bit key per lock, named with the schema: deployments sharing a database in schemas of their own never meet.
      await sql`select pg_advisory_xact_lock(hashtextextended(current_schema() || ${`:beacon:${key}`}, 0))`.execute(trx);
      const ids = [...new Set(users)];
      const held = ids.length === 0 ? [] : await trx.selectFrom('users').select('id').where('id', 'in', ids).orderBy('id').forKeyShare().execute();
      if (held.length !== ids.length) throw new AppError('NOT_FOUND', 'That account no longer exists');
    }
    return fn(trx);
  };
  // Given a transaction (a caller's, a test's): the lock is taken in it, held until it ends, without this instance's queue.
  if (db.isTransaction) return holding(db as Trx);
  return inTurn(key, () => transaction(db, holding));
}

/**
 * A transaction whose reads see what the transactions before it committed: READ COMMITTED
 * on PostgreSQL (said, not assumed from the server's default); on SQLite a first statement
 * that writes nothing but takes the database's one write lock at once, so that another
 * process on the file waits (busy_timeout) before reading instead of failing with
 * SQLITE_BUSY when the transaction writes after reading.
 */
function transaction<T>(db: Db, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (isPostgres(db)) return db.transaction().setIsolationLevel('read committed').execute(fn);
  return db.transaction().execute(async (trx) => {
    await sql`update users set role = role where 0 = 1`.execute(trx);
    return fn(trx);
  });
}

/** The tail of each key's queue on this instance. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` once the calls for `key` before it on this instance have settled. */
async function inTurn<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key);
  const mine = (before ?? Promise.resolve()).then(fn, fn);
  const tail = mine.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await mine;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}
