/**
 * A site adopting Beacon may point BEACON_DATABASE_URL at its own database. Migrating there
 * would fail half-way ("table users already exists") after leaving Kysely's tables behind, or,
 * where the site keeps its own Kysely migrations, be misread as "migrated by a newer Beacon".
 * Before migrating, a database whose migrations are not Beacon's, or that holds a table
 * Beacon would create without Beacon's migrations, is refused before any table is made.
 */
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { openDatabase, type Database } from './database.js';

/** Every table Beacon's migrations create (a test checks it against a fresh migration). */
export const BEACON_TABLES = [
  'admin_grants', 'admin_names', 'blocks', 'friend_request_declines', 'friend_requests', 'friendships', 'game_invites',
  'id_counters', 'notification_settings', 'notification_watches', 'push_subscriptions', 'server_secrets', 'status_history',
  'user_calendars', 'user_sessions', 'users',
];
const MIGRATIONS_TABLE = 'kysely_migration';
/** Beacon's first migration: every Beacon database has run it. */
const FIRST = '001-initial';
/** Every table a Beacon start makes: its own and Kysely's two. */
const OURS = new Set([...BEACON_TABLES, MIGRATIONS_TABLE, 'kysely_migration_lock']);

/** The first three names, then an ellipsis. */
function listed(names: readonly string[]): string {
  return `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;
}

/** The tables of the schema Beacon uses (PostgreSQL: the current schema, `?schema=` or public). */
async function tablesOf(database: Database): Promise<string[]> {
  const rows =
    database.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(database.db)
      : // pg_catalog, not information_schema: that lists only the tables this role may use.
        await sql<{ name: string }>`select c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm', 'f')`.execute(database.db);
  return rows.rows.map((r) => r.name);
}

/** Throws, saying what to do, when the database holds another application's tables where Beacon's would go. */
export async function refuseForeignTables(database: Database): Promise<void> {
  const tables = await tablesOf(database);
  if (tables.includes(MIGRATIONS_TABLE)) {
    const ran = await sql<{ name: string }>`select name from ${sql.table(MIGRATIONS_TABLE)}`.execute(database.db);
    if (ran.rows.some((r) => r.name === FIRST)) return;
    if (ran.rows.length > 0) {
      throw foreign(`it holds another application's Kysely migrations (${listed(ran.rows.map((r) => r.name))}) and none of Beacon's`);
    }
    // None recorded: what a PostgreSQL start of an older release left when it stopped before its
    // first migration was recorded (Kysely made its tables first; a start now makes them in its
    // one transaction, migration-lock.ts), unless the schema holds tables no Beacon start makes:
    // then it is a site's own Kysely, freshly set up, and its migrator would later find Beacon's
    // rows and refuse to run.
    const others = tables.filter((t) => !OURS.has(t) && !t.startsWith('sqlite_'));
    if (others.length === 0) return;
    throw foreign(
      `it holds Kysely's migration tables with no migration recorded, beside tables Beacon does not make (${listed(others)}): another application's Kysely migrations ` +
        '(if a Beacon start made them and stopped before its first migration finished, drop kysely_migration and kysely_migration_lock and start again)',
    );
  }
  const clashing = BEACON_TABLES.filter((t) => tables.includes(t));
  if (clashing.length > 0) throw foreign(`it already holds tables Beacon would create (${clashing.join(', ')}), made by another application`);
}

function foreign(what: string): Error {
  return new Error(
    `the database BEACON_DATABASE_URL names is not Beacon's: ${what}. Give Beacon a database of its own, or on PostgreSQL a schema of its own ` +
      '(BEACON_DATABASE_URL=postgres://…/yourdb?schema=beacon); no table was made or changed',
  );
}

/**
 * The same check on an existing SQLite file, opened as it is, before the server opens it for
 * good: that switches the file to WAL, which is written into the file.
 */
export async function refuseForeignFile(url: string): Promise<void> {
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
  if (path === null || path === ':memory:' || !existsSync(path)) return;
  const asItIs = openDatabase(url, { asItIs: true });
  try {
    await refuseForeignTables(asItIs);
  } finally {
    await asItIs.close();
  }
}
