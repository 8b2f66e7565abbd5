/**
 * Transactions that hold a lock on one user, or on a pair of users, for checks that must
 * see the writes of the requests before them: a friend request's checks (blocked, declined
 * recently, asked the other way) and its answers; an account's cap on watched friends and
 * push subscriptions; and a lock on a name, for registration's look-alike check. Requests
 * sent at once, to one instance or to several on one database, then take their turns instead
 * of passing the same check together. And a user's own row, alone or shared (withUserRow,
 * withUserRowShared), for the account's deletion and changes to its password and logins.
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
 * Runs `fn` in a transaction holding the user's own row alone: on PostgreSQL `for update`, which
 * makes the locked transactions above wait (they hold their users' rows first), and rows
 * being written that refer to the user (their foreign key takes a share lock on it) wait,
 * then fail once it is deleted; on SQLite the write lock. For what changes the account or its
 * logins, checking them first: its deletion, a password change, an end of logins, a schedule
 * save. Callers for one user on this instance wait in turn (see `inTurn`), holding no database
 * connection meanwhile.
 */
export function withUserRow<T>(db: Db, userId: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return rowHeld(db, userId, 'alone', fn);
}

/**
 * Runs `fn` in a transaction holding the user's own row in share mode: on PostgreSQL `for
 * share`, which waits for (and holds off) withUserRow's `for update` and any UPDATE of the row,
 * but not the locked transactions above (`for key share`), rows referring to the user, nor
 * other share holders; on SQLite the write lock. For a login's check that the password it
 * verified is still the account's: only a change of the row conflicts with it.
 */
export function withUserRowShared<T>(db: Db, userId: number, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return rowHeld(db, userId, 'shared', fn);
}

function rowHeld<T>(db: Db, userId: number, mode: Turn, fn: (trx: Trx) => Promise<T>): Promise<T> {
  const hold = async (trx: Trx): Promise<void> => {
    if (!isPostgres(trx)) return;
    const row = trx.selectFrom('users').select('id').where('id', '=', userId);
    await (mode === 'shared' ? row.forShare() : row.forUpdate()).execute();
  };
  return heldThen(db, `row:${userId}`, mode, hold, fn);
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
  const hold = async (trx: Trx): Promise<void> => {
    if (!isPostgres(trx)) return;
    // One 64-bit key per lock, named with the schema: deployments sharing a database in schemas of their own never meet.
    await sql`select pg_advisory_xact_lock(hashtextextended(current_schema() || ${`:beacon:${key}`}, 0))`.execute(trx);
    const ids = [...new Set(users)];
    const held = ids.length === 0 ? [] : await trx.selectFrom('users').select('id').where('id', 'in', ids).orderBy('id').forKeyShare().execute();
    if (held.length !== ids.length) throw new AppError('NOT_FOUND', 'That account no longer exists');
  };
  return heldThen(db, key, 'alone', hold, fn);
}

/**
 * Runs `fn` once `hold` has taken its locks in the transaction, the call's turn for `key` on
 * this instance come (inTurn). Given a transaction (a caller's, a test's): the locks are taken
 * in it, held until it ends, without this instance's queue.
 *
 * On a database with a bound on waiting (boundLockWaits: PostgreSQL's, BEACON_DATABASE_TIMEOUT_MS),
 * everything before `fn` — the turn on this instance, a pooled
 * connection, BEGIN, `hold`'s locks in the database — must be done within it: else the call
 * fails with SERVICE_UNAVAILABLE at the bound and `fn` never runs, not even once the turn
 * comes. A request behind one stuck on a database that stopped answering is then answered
 * 503 within the bound, and within the bound again at most for the first query of `fn` that
 * hangs: inside the HTTP idle timeout (above twice the bound, config.ts checkRequestBounds),
 * however many requests of the user queue up.
 */
function heldThen<T>(db: Db, key: string, turn: Turn, hold: (trx: Trx) => Promise<void>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return hold(db as Trx).then(() => fn(db as Trx));
  const waitMs = waitBounds.get(db.getExecutor().adapter);
  if (waitMs === undefined) {
    return inTurn(db, key, () => transaction(db, async (trx) => {
      await hold(trx);
      return fn(trx);
    }), turn);
  }
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new AppError('SERVICE_UNAVAILABLE', 'The database did not answer in time; try again shortly'));
    }, waitMs);
    timer.unref();
    const gaveUp = (): Error => new Error(`gave up waiting for lock ${key} after ${waitMs} ms`);
    // Answered once late: what settles after (gaveUp, or the BEGIN that failed meanwhile) is nobody's.
    inTurn(db, key, async () => {
      if (late) throw gaveUp();
      return transaction(db, async (trx) => {
        await hold(trx);
        if (late) throw gaveUp();
        clearTimeout(timer);
        return fn(trx);
      });
    }, turn).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Each database's bound on what comes before a locked call's `fn` (heldThen), by its Kysely's adapter as `queuesOf`. */
const waitBounds = new WeakMap<object, number>();

/**
 * Bounds, on `db`'s database, the wait of each locked call for its turn, a connection and its
 * locks to `ms` (heldThen). database.ts sets it for PostgreSQL to BEACON_DATABASE_TIMEOUT_MS, the
 * bound of each of its queries; SQLite's calls have none (nothing there waits on a network).
 */
export function boundLockWaits(db: Db, ms: number): void {
  waitBounds.set(db.getExecutor().adapter, ms);
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

/** Whether a turn runs alone (after every turn before it) or shared (beside the shared turns around it, after the last one alone). */
type Turn = 'alone' | 'shared';

/** Each key's turns on this instance: the last one alone, the shared ones since, and how many are pending. */
interface Turns {
  alone: Promise<void>;
  shared: Array<Promise<void>>;
  pending: number;
}

/**
 * Each database's queues, by key: two databases in one process (two embedded Beacons, tests)
 * never wait on each other's users. Keyed by the Kysely's adapter, made once per `new Kysely`
 * (one per Database, database.ts) and shared by what derives from it (withPlugin, its
 * transactions); a key's entry goes when its last call has settled.
 */
const queuesOf = new WeakMap<object, Map<string, Turns>>();

/** Keys with calls queued or running on `db`'s database now (tests). */
export function queuedLockKeys(db: Db): number {
  return queuesOf.get(db.getExecutor().adapter)?.size ?? 0;
}

/**
 * Runs `fn` once the calls for `key` on `db` before it on this instance have settled (`shared`:
 * the last one alone before it; others shared run beside it). A call waiting here holds no
 * database connection: a burst on one key takes the pool's connections only as far as they
 * can run at once.
 */
async function inTurn<T>(db: Db, key: string, fn: () => Promise<T>, turn: Turn = 'alone'): Promise<T> {
  const database = db.getExecutor().adapter;
  let queues = queuesOf.get(database);
  if (!queues) queuesOf.set(database, (queues = new Map()));
  let turns = queues.get(key);
  if (!turns) queues.set(key, (turns = { alone: Promise.resolve(), shared: [], pending: 0 }));
  turns.pending++;
  const before = turn === 'shared' ? turns.alone : Promise.all([turns.alone, ...turns.shared]);
  const mine = before.then(() => fn());
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  if (turn === 'shared') turns.shared.push(settled);
  else [turns.alone, turns.shared] = [settled, []];
  try {
    return await mine;
  } finally {
    const t = turns;
    t.shared = t.shared.filter((p) => p !== settled);
    if (--t.pending === 0) queues.delete(key);
  }
}
