/**
 * Refuses a host mode (embedded, sidecar) on a database that holds Beacon's own accounts.
 * Standalone and sidecar share the default database file, and a host's integer ids become
 * Beacon's ids (id-map.ts): on such a database host user 1 would get another id while
 * `/users/1/status` answered Beacon's own account 1, a stranger to the host. Beacon's own
 * accounts are the rows without a host id (`external_id`); shadow users always have one.
 * Nothing sensible can mix the two, so there is no opt-in: the fix is a database of its own.
 */
import type { Db } from '../db/database.js';
import { ConfigError } from '../config.js';

export async function refuseOwnAccounts(db: Db, mode: 'embedded' | 'sidecar'): Promise<void> {
  const { n } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('external_id', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(n) === 0) return;
  throw new ConfigError(
    'BEACON_DATABASE_URL',
    `this database holds ${Number(n)} of Beacon's own accounts (from running standalone), and ${mode} mode would mix them with the host's users ` +
      `(a host id could answer as one of them). Give ${mode} mode a database of its own (BEACON_DATABASE_URL, or \`databaseUrl\` in the plugin's config, ` +
      `e.g. sqlite:./data/beacon-${mode}.db), or start standalone to keep using these accounts.`,
  );
}
