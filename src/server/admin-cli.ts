/**
 * `npm run admin -- grant <username> | revoke <username> | list`: grants the admin role to
 * an existing account, by its id, in the database named by BEACON_DATABASE_URL. Running
 * instances see the change on the account's next request (roles are read per request).
 */
import { pathToFileURL } from 'node:url';
import { loadConfigOrExit, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateAtStart } from './db/migrate.js';
import { AdminRoles } from './users/admin-roles.js';

const USAGE = 'usage: npm run admin -- grant <username> | revoke <username> | list';

/** Runs one admin command; returns the exit code. */
export async function runAdminCommand(args: readonly string[], config: Readonly<Config>, out: (line: string) => void, now = Date.now): Promise<number> {
  const [command, username] = args;
  const needsName = command === 'grant' || command === 'revoke';
  if (!(needsName || command === 'list') || (needsName && !username)) {
    out(USAGE);
    return 2;
  }
  const database = openDatabase(config.databaseUrl, { timeoutMs: config.databaseTimeoutMs });
  try {
    await migrateAtStart(database, config.databaseUrl, config.databaseTimeoutMs);
    const roles = new AdminRoles(database.db);
    if (command === 'list') {
      for (const a of await roles.apply()) out(`${a.id}\t${a.username}`);
      return 0;
    }
    const done = command === 'grant' ? await roles.grant(username!, now()) : await roles.revoke(username!);
    if (!done) {
      out(`no account named "${username}"`);
      return 1;
    }
    out(command === 'grant' ? `${username} is now an admin` : `${username}'s admin grant is withdrawn`);
    return 0;
  } finally {
    await database.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runAdminCommand(process.argv.slice(2), loadConfigOrExit(), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
