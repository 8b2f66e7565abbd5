/**
 * Refuses to mix Beacon's own accounts and a host's users in one database, both ways:
 *   - a host mode (embedded, sidecar) on a database that holds Beacon's own accounts.
 *     Standalone and sidecar share the default database file, and a host's integer ids become
 *     Beacon's ids (id-map.ts): on such a database host user 1 would get another id while
 *     `/users/1/status` answered Beacon's own account 1, a stranger to the host;
 *   - standalone on a database that holds a host's users: registrations would take ids a host
 *     user may map to later, and the host's friendships would show in Beacon's own friend
 *     lists under names like `~3f9a…`. The host mode would refuse the database from then on.
 * Beacon's own accounts are the rows without a host id (`external_id`); shadow users always
 * have one. Nothing sensible can mix the two, so there is no opt-in: the fix is a database of
 * its own. Runs before anything is written.
 */
import type { Db } from '../db/database.js';
import { ConfigError } from '../config.js';

export async function refuseMixedAccounts(db: Db, mode: 'standalone' | 'embedded' | 'sidecar'): Promise<void> {
  const { n } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('external_id', mode === 'standalone' ? 'is not' : 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(n) === 0) return;
  if (mode === 'standalone') {
    throw new ConfigError(
      'BEACON_DATABASE_URL',
      `this database holds ${Number(n)} users of a host site (from running in sidecar or embedded mode), and standalone mode would mix Beacon's own accounts with them. ` +
        `Give standalone Beacon a database of its own (BEACON_DATABASE_URL, e.g. sqlite:./data/beacon-standalone.db), or start it in the host mode again ` +
        `(BEACON_AUTH_JWT_SECRET or BEACON_AUTH_JWKS_URL for sidecar).`,
    );
  }
  throw new ConfigError(
    'BEACON_DATABASE_URL',
    `this database holds ${Number(n)} of Beacon's own accounts (from running standalone), and ${mode} mode would mix them with the host's users ` +
      `(a host id could answer as one of them). Give ${mode} mode a database of its own (BEACON_DATABASE_URL, ` +
      `e.g. sqlite:./data/beacon-${mode}.db), or start standalone to keep using these accounts.`,
  );
}
