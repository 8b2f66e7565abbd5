/**
 * One start at a time migrates a database, and checks it is Beacon's (foreign-tables.ts) under
 * the same lock, so it never judges another start's half-made schema. Two processes started at
 * once on one fresh SQLite file both created the tables: Kysely takes no migration lock on
 * SQLite, and one of them failed with "table users already exists" or "duplicate column name".
 *
 * - SQLite: the file's write lock (BEGIN IMMEDIATE) on the one connection, held from the check to
 *   the last migration, which all run in that transaction: a second start waits (bounded), then
 *   finds the file migrated; a start that dies half-way leaves nothing behind.
 * - PostgreSQL: the advisory lock Kysely's migrator takes (the same key, so Beacon releases that
 *   only check the lock inside the migrator wait too), taken here on the connection the check and
 *   the migrator then use (a session's advisory lock is re-entrant). Unbounded: migrate.ts. Then
 *   one transaction, as on SQLite, from the check to the last migration, Kysely's own tables
 *   included: Kysely made those first, on their own, so a first start killed half-way (a
 *   migration that failed, a connection dropped) left them empty, and beside a site's own
 *   tables every later start refused the schema as another application's (foreign-tables.ts).
 *   PostgreSQL's DDL is transactional: a start that dies half-way now leaves nothing behind.
 *   Kysely's migrator is given the connection as one whose lock is held (`lockHeld`): its own
 *   taking of the lock set lock_timeout to 1 h for the rest of the transaction, every migration
 *   included, and its release failed in a transaction its own bookkeeping had aborted, saying
 *   "current transaction is aborted" for the error that mattered.
 */
import { sql, type DialectAdapter } from 'kysely';
import { SQLITE_BUSY_TIMEOUT_MS, type Db, type Database } from './database.js';

/** How long a start waits for another process migrating the same SQLite file. */
export const SQLITE_MIGRATION_WAIT_MS = 60_000;

/** Kysely's PostgresAdapter migration lock key (not exported by Kysely). */
const KYSELY_PG_LOCK_ID = BigInt('3853314791062309107');

export interface MigrationLockOptions {
  /** SQLite: how long to wait for the file's write lock; default SQLITE_MIGRATION_WAIT_MS. */
  sqliteWaitMs?: number;
}

/** Runs `fn` holding the database's migration lock, on the one connection that holds it. */
export async function underMigrationLock<T>(database: Database, fn: (db: Db) => Promise<T>, opts: MigrationLockOptions = {}): Promise<T> {
  const waitMs = opts.sqliteWaitMs ?? SQLITE_MIGRATION_WAIT_MS;
  return database.db.connection().execute((conn) => (database.dialect === 'sqlite' ? inSqliteWriteLock(conn, fn, waitMs) : inAdvisoryLock(conn, fn)));
}

async function inSqliteWriteLock<T>(conn: Db, fn: (db: Db) => Promise<T>, waitMs: number): Promise<T> {
  await sql.raw(`pragma busy_timeout = ${Math.max(0, Math.round(waitMs))}`).execute(conn);
  try {
    await sql`begin immediate`.execute(conn);
  } catch (err) {
    if (!isBusy(err)) throw err;
    throw new Error(
      `another process held the SQLite file's write lock for ${waitMs / 1000} s (most likely another Beacon start migrating it, or a long write); ` +
        'nothing was migrated: start this process again once the other has started (docs/operations.md, "Several processes on one database")',
      { cause: err },
    );
  } finally {
    await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(conn);
  }
  return committed(conn, fn);
}

/**
 * Runs `fn` in the transaction begun on `conn`: committed if it resolves, rolled back if it
 * throws. The rollback may fail and that is fine: SQLite ends the transaction itself on some
 * errors, and a PostgreSQL connection that dropped rolled back with it.
 */
async function committed<T>(conn: Db, fn: (db: Db) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn(conn);
  } catch (err) {
    await sql`rollback`.execute(conn).catch(() => {});
    throw err;
  }
  await sql`commit`.execute(conn);
  return result;
}

/**
 * `db` (the connection `underMigrationLock` gave) as Kysely's migrator should see it: its
 * adapter's migration lock is the one already held, so taking and releasing it do nothing. The
 * lock is released by `underMigrationLock`, every hold of it; SQLite's adapter takes none anyway.
 */
export function lockHeld(db: Db): Db {
  const executor = db.getExecutor();
  const adapter: DialectAdapter = Object.create(executor.adapter, {
    acquireMigrationLock: { value: async () => {} },
    releaseMigrationLock: { value: async () => {} },
  });
  const heldExecutor = boundProxy(executor, { adapter });
  return boundProxy(db, { getExecutor: () => heldExecutor });
}

/** `target` with `overrides`, its own methods called on itself (they read private fields). */
function boundProxy<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, p) {
      if (Object.hasOwn(overrides, p)) return (overrides as Record<PropertyKey, unknown>)[p];
      const value: unknown = Reflect.get(t, p, t);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

async function unlockAll(conn: Db): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ released: boolean }>`select pg_advisory_unlock(${sql.lit(KYSELY_PG_LOCK_ID)}) as released`.execute(conn);
    if (!rows[0]?.released) return;
  }
}

function isBusy(err: unknown): boolean {
  return /^SQLITE_BUSY/.test(String((err as { code?: unknown }).code ?? ''));
}

async function inAdvisoryLock<T>(conn: Db, fn: (db: Db) => Promise<T>): Promise<T> {
  await sql`select pg_advisory_lock(${sql.lit(KYSELY_PG_LOCK_ID)})`.execute(conn);
  try {
    await sql`begin`.execute(conn);
    return await committed(conn, fn);
  } finally {
    // Every hold of it this session has (a session's advisory lock outlives a rollback, and the
    // connection goes back to the pool); Kysely takes none of its own here (lockHeld). A
    // connection that dropped has lost the lock with it; the error that matters is fn's.
    await unlockAll(conn).catch(() => {});
  }
}
