/** Runs the numbered, forward-only migrations at start. */
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { openDatabase, type Database, type Db } from './database.js';
import { refuseForeignTables } from './foreign-tables.js';
import { lockHeld, underMigrationLock, type MigrationLockOptions } from './migration-lock.js';
import { initial } from './migrations/001-initial.js';
import { presenceTruth } from './migrations/002-presence-truth.js';
import { hardening } from './migrations/003-hardening.js';
import { notifications } from './migrations/004-notifications.js';
import { integration } from './migrations/006-integration.js';
import { friendshipsByFriend } from './migrations/007-friendships-by-friend.js';
import { sessionsByExpiry } from './migrations/008-sessions-by-expiry.js';
import { settingsVersion } from './migrations/009-settings-version.js';
import { noStatusIndex } from './migrations/010-no-status-index.js';
import { gameInvites } from './migrations/011-game-invites.js';
import { nameAt } from './migrations/012-name-at.js';
import { signOutCutoff } from './migrations/013-sign-out-cutoff.js';
import { contentVersions } from './migrations/014-content-versions.js';
import { friendCategoryAt } from './migrations/015-friend-category-at.js';
import { visibilityBeforeHidden } from './migrations/016-visibility-before-hidden.js';
import { idCounters } from './migrations/017-id-counters.js';
import { presenceVersion } from './migrations/018-presence-version.js';
import { hostDeletedAt } from './migrations/019-host-deleted-at.js';
import { usernameSkeleton } from './migrations/020-username-skeleton.js';
import { hiddenAudienceKnown } from './migrations/021-hidden-audience-known.js';
import { trimmedDisplayNames } from './migrations/022-trimmed-display-names.js';
import { usernameSearch } from './migrations/023-username-search.js';
import { pushSubscriptionLogin } from './migrations/024-push-subscription-login.js';
import { SILENT_MIGRATION_LOG, type MigrationLog } from './migration-log.js';

/**
 * Every migration, in order. Never edit a shipped one: add the next number. `log`: where a
 * migration that rewrites rows says how many.
 */
export function migrations(dialect: Database['dialect'], log: MigrationLog = SILENT_MIGRATION_LOG): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-presence-truth': presenceTruth(dialect),
    '003-hardening': hardening(),
    '004-notifications': notifications(),
    '006-integration': integration(),
    '007-friendships-by-friend': friendshipsByFriend(),
    '008-sessions-by-expiry': sessionsByExpiry(),
    '009-settings-version': settingsVersion(),
    '010-no-status-index': noStatusIndex(),
    '011-game-invites': gameInvites(),
    '012-name-at': nameAt(),
    '013-sign-out-cutoff': signOutCutoff(),
    '014-content-versions': contentVersions(),
    '015-friend-category-at': friendCategoryAt(),
    '016-visibility-before-hidden': visibilityBeforeHidden(),
    '017-id-counters': idCounters(),
    '018-presence-version': presenceVersion(),
    '019-host-deleted-at': hostDeletedAt(),
    '020-username-skeleton': usernameSkeleton(),
    '021-hidden-audience-known': hiddenAudienceKnown(),
    '022-trimmed-display-names': trimmedDisplayNames(log),
    '023-username-search': usernameSearch(dialect),
    '024-push-subscription-login': pushSubscriptionLogin(),
  };
}

/** Tests only: `before` runs in each migration's step, before its own work (what a migration sees of its transaction). */
export interface MigrateHooks {
  before?: (name: string, db: Parameters<Migration['up']>[0]) => Promise<unknown>;
}

/**
 * Checks the database is Beacon's, then runs every migration it lacks, all under the
 * database's migration lock and in its one transaction (migration-lock.ts): starts at once take
 * turns, and a start that dies half-way leaves nothing behind, Kysely's tables neither.
 */
export async function migrateToLatest(database: Database, log?: MigrationLog, lock?: MigrationLockOptions, hooks: MigrateHooks = {}): Promise<string[]> {
  return underMigrationLock(
    database,
    async (db) => {
      await refuseForeignTables({ ...database, db });
      await mayCreateTables(database, db);
      const provider: MigrationProvider = { getMigrations: async () => steps(database.dialect, migrations(database.dialect, log), hooks) };
      // Name the schema: Kysely looks for its lock table across every schema, and would find
      // another schema's and skip creating ours. No transaction of Kysely's: the lock's holds its
      // tables and every migration (on SQLite Kysely takes none anyway). No lock of Kysely's
      // either: it is held (its 1 h lock_timeout lasted the whole transaction; `lockHeld`).
      const migrator = new Migrator({ db: lockHeld(db), provider, disableTransactions: true, ...(database.schema ? { migrationTableSchema: database.schema } : {}) });
      const { results } = await retryingSchemaRaces(() =>
        // An attempt that failed is undone alone: the transaction goes on for the next one.
        inSavepoint(database.dialect, db, 'migrate_attempt', async () => {
          const r = await migrator.migrateToLatest();
          if (r.error) throw newerDatabase(r.error) ?? (r.error instanceof Error ? r.error : new Error(String(r.error)));
          return r;
        }),
      );
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    lock,
  );
}

/**
 * PostgreSQL, before Kysely makes its tables (a first start): a table is made where Kysely would
 * make its own, and undone at once. Kysely makes them in the start's one transaction, and when
 * that fails (a read-only database: a standby; no right to create in the schema) it asks whether
 * another start made them meanwhile, which fails too in the aborted transaction: the error said
 * was "current transaction is aborted", not why. Made here first, the refusal is the one said.
 */
async function mayCreateTables(database: Database, db: Db): Promise<void> {
  if (database.dialect !== 'postgres') return;
  const table = database.schema ? `${database.schema}.kysely_migration` : 'kysely_migration';
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(db);
  if (rows[0]?.found) return;
  await sql`savepoint may_create`.execute(db);
  try {
    if (database.schema) await sql`create schema if not exists ${sql.id(database.schema)}`.execute(db);
    await sql`create table ${database.schema ? sql.id(database.schema, 'beacon_create_check') : sql.id('beacon_create_check')} (x integer)`.execute(db);
  } finally {
    // Undone either way: nothing of the check is left, and a failed one leaves the transaction usable.
    await sql`rollback to savepoint may_create`.execute(db);
    await sql`release savepoint may_create`.execute(db);
  }
}

/**
 * Kysely refuses a database holding a migration this release lacks as "corrupted migrations:
 * previously executed migration X is missing": a newer Beacon migrated it (a rollback, or an
 * older instance restarting during a rolling deploy). Said as what it is and what to do; nothing
 * was migrated or touched.
 */
export function newerDatabase(err: unknown): Error | null {
  const missing = /previously executed migration (\S+) is missing/.exec(err instanceof Error ? err.message : String(err));
  if (!missing) return null;
  const ours = Object.keys(migrations('sqlite')).at(-1);
  return new Error(
    `the database was migrated by a newer Beacon (it has migration ${missing[1]}, this release stops at ${ours}); ` +
      'run that release or a newer one, or restore the backup taken before the upgrade (docs/operations.md, "Upgrading and rolling back"). Nothing was changed.',
  );
}

/**
 * Migrates the database `database` is open on, as `migrateToLatest`, but on PostgreSQL through
 * a connection of its own whose queries have no time bound: the migrator first waits for the
 * migration lock, an advisory lock every schema of the database shares (other instances and
 * tenants migrating at once), and a migration of a large table may run for minutes.
 * BEACON_DATABASE_TIMEOUT_MS is meant for requests: under it a start beside others migrating
 * lost its connection ("Query read timeout"). Connecting stays bounded by it.
 */
export async function migrateAtStart(database: Database, url: string, timeoutMs: number, log?: MigrationLog): Promise<string[]> {
  if (database.dialect !== 'postgres') return migrateToLatest(database, log);
  const unbounded = openDatabase(url, { timeoutMs, boundQueries: false });
  try {
    return await migrateToLatest(unbounded, log);
  } finally {
    await unbounded.close();
  }
}

/**
 * Runs `fn` in a savepoint `name` of the transaction `db` is in, on PostgreSQL: an error there
 * aborts the whole transaction unless rolled back to one. SQLite: as it is.
 */
async function inSavepoint<T>(dialect: Database['dialect'], db: Db, name: string, fn: () => Promise<T>): Promise<T> {
  if (dialect !== 'postgres') return fn();
  await sql`savepoint ${sql.id(name)}`.execute(db);
  try {
    const result = await fn();
    await sql`release savepoint ${sql.id(name)}`.execute(db);
    return result;
  } catch (err) {
    await sql`rollback to savepoint ${sql.id(name)}`.execute(db).catch(() => {});
    throw err;
  }
}

/**
 * The migrations as Kysely runs them: each in a savepoint of its own on PostgreSQL, so one that
 * fails leaves the transaction usable for what Kysely does after it and the error said is the
 * migration's; the lock's transaction then undoes everything (migration-lock.ts). `hooks.before`
 * (tests) runs first in each step.
 */
function steps(dialect: Database['dialect'], all: Record<string, Migration>, hooks: MigrateHooks): Record<string, Migration> {
  const { before } = hooks;
  if (dialect !== 'postgres' && !before) return all;
  return Object.fromEntries(
    Object.entries(all).map(([name, m]) => [name, { ...m, up: (db: Db) => inSavepoint(dialect, db, 'migration', async () => (await before?.(name, db), m.up(db))) }]),
  );
}

/** PostgreSQL's invalid_schema_name, undefined_table and undefined_column. */
const VANISHED = new Set(['3F000', '42P01', '42703']);

/**
 * Runs `fn` again (up to `attempts` times, `delayMs` apart) when PostgreSQL says a schema or a
 * table does not exist. Kysely's migrator first lists the tables of every schema in the
 * database, and a schema or table that another tenant of the database (another instance's, a
 * test's) drops during that scan fails the listing: "schema … does not exist" from
 * `has_schema_privilege`, or "relation "their_schema.table" does not exist" from
 * `pg_get_serial_sequence`, which looks the table up by name, or "column "url" of relation
 * "user_calendars" does not exist" from the same call on a table another tenant is dropping
 * (seen once in CI). The next scan does not see it. Our
 * own schema or table missing fails every attempt, and the last error is thrown.
 */
export async function retryingSchemaRaces<T>(fn: () => Promise<T>, attempts = 5, delayMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !VANISHED.has(String((err as { code?: unknown }).code))) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
