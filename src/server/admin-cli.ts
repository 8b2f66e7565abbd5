/**
 * `npm run admin -- grant <username> | revoke <username> | list`: grants the admin role to
 * an existing account, by its id, in the database named by BEACON_DATABASE_URL. Running
 * instances see a grant on the account's next request (roles are read per request); a revoke
 * also ends every login of the account, since an open socket keeps the role it connected with.
 * `reset-password <username>`: a new random password, printed once (auth/password-reset.ts).
 * It never creates nor migrates a database: a wrong URL (a typo in a SQLite path or a schema
 * name) is refused, naming BEACON_DATABASE_URL, instead of answering from a new empty one,
 * and a file that is not a Beacon database is refused without a byte of it changed.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { ConfigError, loadConfigOrExit, shown, type Config } from './config.js';
import { openDatabase, type Database, type Db } from './db/database.js';
import { migrations } from './db/migrate.js';
import { unopenableSqlite } from './db/start-errors.js';
import { isDatabaseUnreachable } from './errors.js';
import { announceEnded, clearFailedLogins, liveInstanceCount, resetPassword } from './auth/password-reset.js';
import { SessionRepository } from './auth/session-repository.js';
import { ALONE_RECHECK_MS } from './status/ended-logins.js';
import { AdminRoles } from './users/admin-roles.js';

const USAGE = 'usage: npm run admin -- grant <username> | revoke <username> | list | reset-password <username>';

/**
 * Runs one admin command; returns the exit code. Results go to `out` (stdout), remarks about
 * them to `note` (stderr: `list`'s database and "no admins", so stdout holds only its rows).
 * A database it cannot use rejects: a ConfigError (exit 2) when BEACON_DATABASE_URL names no
 * Beacon database, else an Error saying what to do (exit 1).
 */
export async function runAdminCommand(args: readonly string[], config: Readonly<Config>, out: (line: string) => void, now = Date.now, note: (line: string) => void = out): Promise<number> {
  const [command, username] = args;
  const needsName = command === 'grant' || command === 'revoke' || command === 'reset-password';
  // One name per command: `grant alice bob` granted alice and dropped bob without a word.
  const arity = needsName ? 2 : 1;
  if (!(needsName || command === 'list') || (needsName && !username) || args.length > arity) {
    out(USAGE);
    return 2;
  }
  const database = await openExisting(config);
  try {
    if (command === 'reset-password') return await reset(database.db, config, username!, out, now());
    const roles = new AdminRoles(database.db);
    if (command === 'list') {
      note(`database: ${shown(config.databaseUrl)} (BEACON_DATABASE_URL)`);
      const admins = await roles.apply();
      for (const a of admins) out(`${a.id}\t${a.username}`);
      if (admins.length === 0) note('no admins');
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
    if (!revoked.hadGrant) {
      out(`${username} had no admin grant; not an admin`);
      return 0;
    }
    // An open socket keeps the role it connected with: left open, an ex-admin's sockets would go on
    // seeing hidden users and every field of their friends. Every login of the account ends, as
    // at a password reset: its sockets close, and the account signs in again as a user.
    const sessionIds = await new SessionRepository(database.db).revokeAll(revoked.userId, now());
    out(`${username}'s admin grant is withdrawn, and every login of the account ended (${sessionIds.length}): it signs in again as a user.`);
    await tellEnded(config, revoked.userId, sessionIds, out, false);
    return 0;
  } catch (err) {
    throw unreachable(err, config) ?? err;
  } finally {
    await database.close();
  }
}

/**
 * The database BEACON_DATABASE_URL names, open, once it is known to be a Beacon database this
 * release can use: an existing SQLite file, a PostgreSQL schema with Beacon's tables, migrated
 * to this release. Nothing is created or migrated (the server migrates at its start).
 */
async function openExisting(config: Readonly<Config>): Promise<Database> {
  const url = config.databaseUrl;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === ':memory:') throw new ConfigError('BEACON_DATABASE_URL', `names an in-memory SQLite database (${url}), which holds no accounts: name the database the instances use`);
    if (!existsSync(path)) {
      throw new ConfigError('BEACON_DATABASE_URL', `no SQLite database at ${resolve(path)} (${url}); the admin command never creates one: name the file the instances use`);
    }
  }
  let database: Database;
  try {
    // A SQLite file is opened as it is: one that is not Beacon's is refused unchanged (no switch to WAL).
    database = openDatabase(url, { timeoutMs: config.databaseTimeoutMs, asItIs: true });
  } catch (err) {
    throw notSqlite(err, config) ?? unopenableSqlite(err, config.databaseUrl) ?? err;
  }
  try {
    await checkMigrated(database, config);
    return database;
  } catch (err) {
    await database.close().catch(() => {});
    throw unreachable(err, config) ?? unopenableSqlite(err, config.databaseUrl) ?? err;
  }
}

/** Refuses a database with no Beacon tables, or migrated by another release than this one. */
async function checkMigrated(database: Database, config: Readonly<Config>): Promise<void> {
  const where = shown(config.databaseUrl);
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(database.db);
    applied = rows.map((r) => r.name);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const notADatabase = notSqlite(err, config);
    if (notADatabase) throw notADatabase;
    if (e.code !== '42P01' && !/no such table/i.test(e.message ?? '')) throw err;
    const inSchema = database.schema ? ` in schema "${database.schema}"` : '';
    throw new ConfigError('BEACON_DATABASE_URL', `${where} holds no Beacon database (no Beacon tables${inSchema}); the admin command never creates one: name the database the instances use`);
  }
  const ours = Object.keys(migrations(database.dialect));
  const newer = applied.filter((m) => !ours.includes(m)).sort();
  if (newer.length > 0) {
    throw new Error(`the database ${where} was migrated by a newer Beacon (it has migration ${newer.at(-1)}, this release stops at ${ours.at(-1)}): run that release's admin command`);
  }
  const missing = ours.filter((m) => !applied.includes(m));
  if (missing.length > 0) {
    throw new Error(
      `the database ${where} is older than this release (it lacks migration ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}); ` +
        "the admin command never migrates: start this release's server once (it migrates at its start), then run the command again",
    );
  }
}

/** A SQLite file that is no database at all (its first read fails), said as a wrong setting, else null. */
function notSqlite(err: unknown, config: Readonly<Config>): ConfigError | null {
  const e = err as { code?: string; message?: string };
  if (e?.code !== 'SQLITE_NOTADB') return null;
  return new ConfigError('BEACON_DATABASE_URL', `${shown(config.databaseUrl)} is not a SQLite database (${e.message}): name the database the instances use`);
}

/** A database out of reach, said as such (naming the setting), else null. */
function unreachable(err: unknown, config: Readonly<Config>): Error | null {
  if (!(err instanceof Error) || !isDatabaseUnreachable(err as Error & { code?: string })) return null;
  return new Error(`cannot reach the database BEACON_DATABASE_URL names (${shown(config.databaseUrl)}): ${err.message}`);
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
  const told = await tellEnded(config, result.userId, result.sessionIds, out, true);
  if (!config.redisUrl) {
    if (config.rateLimits) {
      out("If wrong passwords locked the account, it opens 15 min after the first of them, or at the instance's restart (without Redis the failed-login budget is kept in the instance's memory).");
    }
    return 0;
  }
  if (config.rateLimits) {
    const cleared = await clearFailedLogins(config, result.username);
    if (!cleared) out('Redis could not be reached: its failed-login budget is not cleared; if wrong passwords locked the account, it opens 15 min after the first of them.');
    else if (told) out('Its failed-login budget is cleared: it can sign in at once.');
    else out(`Its failed-login budget under BEACON_REDIS_PREFIX "${config.redisPrefix}" is cleared: instances started under it let it sign in at once.`);
  }
  return 0;
}

/**
 * Tells the running instances that these logins of the account ended (a reset, an admin grant
 * withdrawn), and says to `out` when their sockets close: at once over Redis; without it within
 * ALONE_RECHECK_MS, as an instance alone reads its logins again that often (status/ended-logins.ts).
 * `budget`: the command also clears the failed-login budget (reset-password), which the line for
 * instances under another prefix names too. Answers whether a running instance beats in Redis.
 */
async function tellEnded(config: Readonly<Config>, userId: number, sessionIds: readonly string[], out: (line: string) => void, budget: boolean): Promise<boolean> {
  if (!config.redisUrl) {
    const s = ALONE_RECHECK_MS / 1000;
    out(`Its sockets open on a running instance close within ${s} s (the instance reads its logins again every ${s} s).`);
    return false;
  }
  // null: Redis did not answer; the announcement below says so.
  const told = (await liveInstanceCount(config)) !== 0;
  if (!told) {
    // None running now (nothing of the account is open), or they use another prefix: the budget
    // under this one is cleared all the same, for instances that start under it.
    out(
      `No running instance beats in this Redis under BEACON_REDIS_PREFIX "${config.redisPrefix}", so none was told: if the instances run with another prefix, ` +
        `set theirs and run the command again (their open sockets of this account stay open until then${budget ? ", and the account's failed-login budget under their prefix is not cleared" : ''}).`,
    );
  } else if (sessionIds.length > 0) {
    out(
      (await announceEnded(config, userId, sessionIds))
        ? 'Its open sockets on the running instances were told to close.'
        : 'Redis could not be reached: sockets it has open stay open until they reconnect (refused then); restart the instances to close them now.',
    );
  }
  return told;
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
  const write = (stream: NodeJS.WriteStream) => (line: string) => void stream.write(`${line}\n`);
  runAdminCommand(process.argv.slice(2), loadConfigOrExit(process.env, { serves: false }), write(process.stdout), Date.now, write(process.stderr)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // One line, as the server's own refusals: a setting that names no Beacon database exits 2, as any wrong setting.
      console.error(`beacon admin: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    },
  );
}
