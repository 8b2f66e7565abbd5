/**
 * Transactions that hold a lock on one user, or on a pair of users, for checks that must
 * see the writes of the requests before them: a friend request's checks (blocked, declined
 * recently, asked the other way) and its answers; an account's cap on watched friends and
 * push subscriptions. Requests sent at once, to one instance or to several on one
 * database, then take their turns instead of passing the same check together.
 *
 * - PostgreSQL: a transaction-scoped advisory lock, two 32-bit keys: (low id, high id) for a
 *   pair, (id, id) for one user (a pair never has equal ids). Under READ COMMITTED every
 *   statement after the lock sees what the previous holder committed. Only these
 *   transactions take the locks; nothing waits on them otherwise.
 * - SQLite: the transaction's first statement is a write that changes nothing, so it takes
 *   the database's one write lock at once: other processes on the file wait (busy_timeout)
 *   before reading, instead of failing later with SQLITE_BUSY when the transaction writes
 *   after reading. In one process Kysely's one connection runs the transaction alone anyway.
 *
 * `fn` must use only the transaction it is given (on SQLite the main handle waits for it).
 */
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Db } from './database.js';
import type { DatabaseSchema } from './schema.js';

export type Trx = Transaction<DatabaseSchema>;

/** Runs `fn` in a transaction holding the lock of the pair {a, b} (a ≠ b). */
export function withPairLock<T>(db: Db, a: number, b: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return locked(db, Math.min(a, b), Math.max(a, b), fn);
}

/** Runs `fn` in a transaction holding the lock of one user. */
export function withUserLock<T>(db: Db, userId: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return locked(db, userId, userId, fn);
}

/** Whether `db` (or a transaction of it) is PostgreSQL's: row locks (`for share`) exist there only. */
export const isPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Runs `fn` in a transaction holding the user's own row: on PostgreSQL `for update`, which
 * also makes rows being written that refer to the user (a friendship, a request: their
 * foreign key takes a share lock on it) wait for the transaction, and then fail if it
 * deleted the user; on SQLite the write lock, as above. For an account's deletion.
 */
export function withUserRow<T>(db: Db, userId: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  const postgres = isPostgres(db);
  return db.transaction().execute(async (trx) => {
    if (postgres) await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
    else await sql`update users set role = role where 0 = 1`.execute(trx);
    return fn(trx);
  });
}

function locked<T>(db: Db, k1: number, k2: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  const postgres = isPostgres(db);
  return db.transaction().execute(async (trx) => {
    if (postgres) await sql`select pg_advisory_xact_lock(${k1}::int4, ${k2}::int4)`.execute(trx);
    else await sql`update users set role = role where 0 = 1`.execute(trx);
    return fn(trx);
  });
}
