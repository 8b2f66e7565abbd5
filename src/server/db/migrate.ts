/** Runs the numbered, forward-only migrations at start. */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';
import { initial } from './migrations/001-initial.js';
import { presenceTruth } from './migrations/002-presence-truth.js';
import { hardening } from './migrations/003-hardening.js';
import { notifications } from './migrations/004-notifications.js';
import { integration } from './migrations/006-integration.js';
import { friendshipsByFriend } from './migrations/007-friendships-by-friend.js';
import { sessionsByExpiry } from './migrations/008-sessions-by-expiry.js';

/** Every migration, in order. Never edit a shipped one: add the next number. */
function migrations(dialect: Database['dialect']): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-presence-truth': presenceTruth(dialect),
    '003-hardening': hardening(),
    '004-notifications': notifications(),
    '006-integration': integration(),
    '007-friendships-by-friend': friendshipsByFriend(),
    '008-sessions-by-expiry': sessionsByExpiry(),
  };
}

export async function migrateToLatest(database: Database): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(database.dialect) };
  // Name the schema: Kysely looks for its lock table across every schema, and would find
  // another schema's and skip creating ours.
  const migrator = new Migrator({
    db: database.db,
    provider,
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
