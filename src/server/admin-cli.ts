/**
 * `npm run admin -- grant <username> | revoke <username> | list`: grants the admin role to
 * an existing account, by its id, in the database named by BEACON_DATABASE_URL. Running
 * instances see the change on the account's next request (roles are read per request).
 * `reset-password <username>`: a new random password, printed once (auth/password-reset.ts).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfigOrExit, type Config } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { migrateAtStart } from './db/migrate.js';
import { announceEnded, clearFailedLogins, resetPassword } from './auth/password-reset.js';
import { ALONE_RECHECK_MS } from './status/ended-logins.js';
import { AdminRoles } from './users/admin-roles.js';

const USAGE = 'usage: npm run admin -- grant <username> | revoke <username> | list | reset-password <username>';

/** Runs one admin command; returns the exit code. */
export async function runAdminCommand(args: readonly string[], config: Readonly<Config>, out: (line: string) => void, now = Date.now): Promise<number> {
  const [command, username] = args;
  const needsName = command === 'grant' || command === 'revoke' || command === 'reset-password';
  if (!(needsName || command === 'list') || (needsName && !username)) {
    out(USAGE);
    return 2;
  }
  const database = openDatabase(config.databaseUrl, { timeoutMs: config.databaseTimeoutMs });
  try {
    await migrateAtStart(database, config.databaseUrl, config.databaseTimeoutMs);
    if (command === 'reset-password') return await reset(database.db, config, username!, out, now());
    const roles = new AdminRoles(database.db);
    if (command === 'list') {
      for (const a of await roles.apply()) out(`${a.id}\t${a.username}`);
      return 0;
    }
    if (command === 'grant') {
      if (!(await roles.grant(username!, now()))) return noAccount(username!, out);
      out(`${username} is now an admin`);
      return 0;
    }
    const revoked = await roles.revoke(username!);
    if (!revoked) return noAccount(username!, out);
    const listed = `${username} stays admin through BEACON_ADMINS: remove the name there on every instance and restart them`;
    if (revoked.stillAdmin) {
      out(revoked.hadGrant ? `${username}'s admin grant is withdrawn, but ${listed}` : `${username} had no admin grant; ${listed}`);
      return 1;
    }
    out(revoked.hadGrant ? `${username}'s admin grant is withdrawn` : `${username} had no admin grant; not an admin`);
    return 0;
  } finally {
    await database.close();
  }
}

/** The new password goes to `out` (stdout) alone, once: never to a log. */
async function reset(db: Db, config: Readonly<Config>, username: string, out: (line: string) => void, now: number): Promise<number> {
  const result = await resetPassword(db, username, now);
  if (result.kind === 'no account') return noAccount(username, out);
  if (result.kind === 'host user') {
    out(`${result.username} has no Beacon password (a user of the host site): their password is the host's`);
    return 1;
  }
  out(`${result.username}'s password is reset, and every login of the account ended (${result.sessionIds.length}).`);
  out(`New password: ${result.password}`);
  out('Give it to its owner by a private channel; it is shown only now. They can change it on the Account page.');
  if (!config.redisUrl) {
    // One instance alone reads its logins again every ALONE_RECHECK_MS (status/ended-logins.ts).
    const s = ALONE_RECHECK_MS / 1000;
    out(`Its sockets open on a running instance close within ${s} s (the instance reads its logins again every ${s} s).`);
    if (config.rateLimits) {
      out("If wrong passwords locked the account, it opens 15 min after the first of them, or at the instance's restart (without Redis the failed-login budget is kept in the instance's memory).");
    }
    return 0;
  }
  if (result.sessionIds.length > 0) {
    out(
      (await announceEnded(config, result.userId, result.sessionIds))
        ? 'Its open sockets on the running instances were told to close.'
        : 'Redis could not be reached: sockets it has open stay open until they reconnect (refused then); restart the instances to close them now.',
    );
  }
  if (config.rateLimits) {
    out(
      (await clearFailedLogins(config, result.username))
        ? 'Its failed-login budget is cleared: it can sign in at once.'
        : 'Redis could not be reached: its failed-login budget is not cleared; if wrong passwords locked the account, it opens 15 min after the first of them.',
    );
  }
  return 0;
}

function noAccount(username: string, out: (line: string) => void): number {
  out(`no account named "${username}"`);
  return 1;
}

/** Run as a program: Node resolves symlinks in this module's URL, so the path it was started by is resolved too (a `current -> releases/N` layout). */
function isMain(): boolean {
  const started = process.argv[1];
  if (!started) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(started)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runAdminCommand(process.argv.slice(2), loadConfigOrExit(), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
