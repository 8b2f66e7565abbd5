/**
 * Finding (High): admin-name squatting. A name in BEACON_ADMINS that nobody had
 * registered became admin for whoever registered it first, in any letter case. Now a
 * listed name names only an account that existed when it was listed, and other admins
 * are granted by command, by account. On SQLite and PostgreSQL.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../../src/server/admin-cli.js';
import { ConfigError } from '../../../src/server/config.js';
import { openDatabase } from '../../../src/server/db/database.js';
import { migrateToLatest, migrations } from '../../../src/server/db/migrate.js';
import { testConfig } from '../../helpers/config.js';
import { createTestApp, bearer, type TestApp } from '../../helpers/app.js';
import { PG_URL, freshDatabase, testDialects } from '../../helpers/databases.js';

/** A database that outlives one app, so a restart can be tested. */
async function durableDatabase(dialect: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'postgres') return freshDatabase('postgres');
  const file = join(tmpdir(), `beacon-admins-${randomBytes(4).toString('hex')}.db`);
  return { url: `sqlite:${file}`, drop: async () => rmSync(file, { force: true }) };
}

describe.each(testDialects())('admins on %s', (dialect) => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
    await db.drop();
  });

  const role = async (app: TestApp, token: string) => (await app.app.inject({ url: '/api/v1/users/me', headers: bearer(token) })).json<{ role: string }>().role;
  const seesHidden = async (app: TestApp, viewer: string, subject: { id: number }) =>
    (await app.app.inject({ url: `/api/v1/users/${subject.id}/status`, headers: bearer(viewer) })).json<{ status: string }>().status !== 'offline';

  it('never makes admin whoever registers a listed name first, in any letter case, even after a restart', async () => {
    db = await durableDatabase(dialect);
    t = await createTestApp({ databaseUrl: db.url, admins: ['root_admin'] });
    const squatter = await t.register('ROOT_Admin');
    expect(await role(t, squatter.token)).toBe('user');
    const victim = await t.register('victim');
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(victim.token), payload: { status_visibility: 'hidden' } });
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(victim.token), payload: { status: 'busy' } });
    expect(await seesHidden(t, squatter.token, victim)).toBe(false);
    await t.close();
    t = await createTestApp({ databaseUrl: db.url, admins: ['root_admin'] });
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'root_admin', password: 'pass-phrase-for-tests' } });
    expect(again.json<{ user: { role: string } }>().user.role).toBe('user');
  });

  it('makes admin an account that existed when its name was listed, and grants by command', async () => {
    db = await durableDatabase(dialect);
    t = await createTestApp({ databaseUrl: db.url });
    const boss = await t.register('boss');
    const helper = await t.register('helper');
    await t.close();
    await new Promise((r) => setTimeout(r, 5)); // the listing is strictly later than the registration
    t = await createTestApp({ databaseUrl: db.url, admins: ['BOSS'] });
    expect(await role(t, boss.token)).toBe('admin');
    expect(await role(t, helper.token)).toBe('user');

    const lines: string[] = [];
    const config = testConfig({ databaseUrl: db.url });
    expect(await runAdminCommand(['grant', 'helper'], config, (l) => lines.push(l))).toBe(0);
    expect(await role(t, helper.token)).toBe('admin'); // roles are read per request
    expect(await runAdminCommand(['grant', 'nobody'], config, (l) => lines.push(l))).toBe(1);
    expect(await runAdminCommand(['list'], config, (l) => lines.push(l))).toBe(0);
    expect(lines).toContain(`${helper.id}\thelper`);
    expect(await runAdminCommand(['revoke', 'helper'], config, (l) => lines.push(l))).toBe(0);
    expect(lines.slice(-2)).toEqual([
      "helper's admin grant is withdrawn, and every login of the account ended (1): it signs in again as a user.",
      'Its sockets open on a running instance close within 30 s (the instance reads its logins again every 30 s).',
    ]);
    // Its logins ended (an open socket keeps the role it connected with: admin-revoke.test.ts); signed in again, a user.
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(helper.token) })).statusCode).toBe(401);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'helper', password: 'pass-phrase-for-tests' } });
    expect(await role(t, again.json<{ token: string }>().token)).toBe('user');
    // Nothing to withdraw, and a listed admin stays one: the command says so, not "withdrawn".
    expect(await runAdminCommand(['revoke', 'helper'], config, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe('helper had no admin grant; not an admin');
    expect(await runAdminCommand(['revoke', 'boss'], config, (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toBe('boss had no admin grant; boss stays admin through BEACON_ADMINS: remove the name there on every instance and restart them');
    expect(await role(t, boss.token)).toBe('admin');
    expect(await runAdminCommand(['frobnicate'], config, (l) => lines.push(l))).toBe(2);
  });
});

/**
 * Finding (Low–medium): with a wrong BEACON_DATABASE_URL (a typo in a SQLite path or a schema
 * name) the command made a new database, migrated it, and answered `list` with nothing, exit 0:
 * "no admins" and "wrong database" looked the same, and it never said which database it used.
 * Now it never creates nor migrates one, and `list` names its database and says "no admins".
 */
describe.each(testDialects())('the admin command on a database it must not create or migrate, on %s', (dialect) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A Beacon database as the server leaves it; `older`: as a release before this one left it (its last migration not run). */
  async function beaconDatabase(older = false): Promise<string> {
    const made = await durableDatabase(dialect);
    cleanups.push(made.drop);
    const database = openDatabase(made.url);
    try {
      await migrateToLatest(database);
      if (older) await database.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', Object.keys(migrations('sqlite')).at(-1) as never).execute();
    } finally {
      await database.close();
    }
    return made.url;
  }

  const run = async (args: string[], url: string) => {
    const lines: string[] = [];
    const notes: string[] = [];
    const outcome = await runAdminCommand(args, testConfig({ databaseUrl: url }), (l) => lines.push(l), Date.now, (l) => notes.push(l)).then(
      (code) => ({ code, err: null as Error | null }),
      (err: Error) => ({ code: null, err }),
    );
    return { ...outcome, lines, notes };
  };

  it('refuses a database that does not exist, naming BEACON_DATABASE_URL, and creates nothing', async () => {
    let url: string;
    let exists: () => Promise<boolean>;
    if (dialect === 'sqlite') {
      const file = join(tmpdir(), `beacon-typo-${randomBytes(4).toString('hex')}`, 'typo.db');
      url = `sqlite:${file}`;
      exists = async () => existsSync(file) || existsSync(dirname(file));
    } else {
      const schema = `t_typo_${randomBytes(4).toString('hex')}`;
      url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
      exists = async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        const { rowCount } = await c.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
        await c.end();
        return (rowCount ?? 0) > 0;
      };
    }
    for (const args of [['list'], ['grant', 'someone'], ['reset-password', 'someone']]) {
      const r = await run(args, url);
      expect(r.err).toBeInstanceOf(ConfigError);
      expect(r.err!.message).toMatch(/^Invalid BEACON_DATABASE_URL: /);
      expect(r.err!.message).toMatch(dialect === 'sqlite' ? /no SQLite database at .*typo\.db/ : /holds no Beacon database \(no Beacon tables in schema "t_typo_/);
      expect(r.lines).toEqual([]);
      expect(await exists()).toBe(false);
    }
  });

  it('refuses a database with no Beacon tables, and creates none', async () => {
    let url: string;
    if (dialect === 'sqlite') {
      const file = join(tmpdir(), `beacon-other-${randomBytes(4).toString('hex')}.db`);
      writeFileSync(file, '');
      cleanups.push(async () => rmSync(file, { force: true }));
      url = `sqlite:${file}`;
    } else {
      const fresh = await freshDatabase('postgres');
      cleanups.push(fresh.drop);
      url = fresh.url;
    }
    const r = await run(['list'], url);
    expect(r.err).toBeInstanceOf(ConfigError);
    expect(r.err!.message).toMatch(/holds no Beacon database/);
    const database = openDatabase(url);
    try {
      // PostgreSQL lists every schema's tables (other tests' too): this one's only.
      const tables = (await database.db.introspection.getTables()).filter((t) => (t.schema ?? null) === database.schema);
      expect(tables.map((t) => t.name)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('refuses a database older than this release, saying to start the server once, and migrates nothing', async () => {
    const url = await beaconDatabase(true);
    const r = await run(['list'], url);
    expect(r.err?.message).toMatch(/is older than this release \(it lacks migration \S+\); the admin command never migrates: start this release's server once/);
    expect(r.err).not.toBeInstanceOf(ConfigError);
    const database = openDatabase(url);
    try {
      const names = (await database.db.selectFrom('kysely_migration' as never).select('name' as never).execute()).map((row) => (row as { name: string }).name);
      expect(names).not.toContain(Object.keys(migrations('sqlite')).at(-1));
    } finally {
      await database.close();
    }
  });

  it('list names its database (masked) and says "no admins" when there is none, apart from its rows', async () => {
    const url = await beaconDatabase();
    const r = await run(['list'], url);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([]);
    expect(r.notes).toEqual([`database: ${url.replace(/^([^:/\s]+:\/\/)(.*)@/, '$1***@')} (BEACON_DATABASE_URL)`, 'no admins']);
  });
});

// Finding (outside audit): the command switched an existing SQLite file that is not Beacon's to
// WAL (journal_mode, written into the file) before it refused it.
describe('the admin command on a SQLite file that is not a Beacon database', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses it, naming BEACON_DATABASE_URL, and leaves the file as it was: same bytes, same journal mode, no -wal or -shm beside it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-not-ours-'));
    const other = join(dir, 'other.db');
    const conn = new SQLite(other);
    conn.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('kept')");
    expect(conn.pragma('journal_mode', { simple: true })).toBe('delete');
    conn.close();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, randomBytes(4096));
    for (const file of [other, empty, junk]) {
      const before = readFileSync(file);
      const err = await runAdminCommand(['grant', 'someone'], testConfig({ databaseUrl: `sqlite:${file}` }), () => {}).then(
        () => null,
        (e: Error) => e,
      );
      expect(err, file).toBeInstanceOf(ConfigError);
      expect(err!.message).toMatch(file === junk ? /^Invalid BEACON_DATABASE_URL: sqlite:\S+junk\.db is not a SQLite database/ : /holds no Beacon database/);
      expect(readFileSync(file).equals(before), file).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['empty.db', 'junk.db', 'other.db']);
    }
    const after = new SQLite(other, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });
});

describe('npm run admin with a database it cannot use', () => {
  const admin = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', 'tsx', 'src/server/admin-cli.ts', 'list'], { env: { ...process.env, ...env }, encoding: 'utf8' });

  it('says in one line that it cannot reach the database BEACON_DATABASE_URL names (masked), exit 1', () => {
    const run = admin({ BEACON_DATABASE_URL: 'postgres://beacon:secret-pw@127.0.0.1:1/beacon' });
    expect(run.stderr.trim()).toBe('beacon admin: cannot reach the database BEACON_DATABASE_URL names (postgres://***@127.0.0.1:1/beacon): connect ECONNREFUSED 127.0.0.1:1');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
  });

  // Review 162: the server's bound between the database and HTTP idle timeouts stopped the admin
  // command too, which has no HTTP server: an emergency reset-password waited on that setting.
  it('is not stopped by the server-only bound between the database and HTTP idle timeouts', () => {
    const run = admin({ BEACON_DATABASE_URL: 'postgres://beacon:secret-pw@127.0.0.1:1/beacon', BEACON_DATABASE_TIMEOUT_MS: '30000', BEACON_HTTP_IDLE_TIMEOUT_MS: '30000' });
    expect(run.stderr.trim()).toBe('beacon admin: cannot reach the database BEACON_DATABASE_URL names (postgres://***@127.0.0.1:1/beacon): connect ECONNREFUSED 127.0.0.1:1');
    expect(run.status).toBe(1);
  });

  // A read-only folder (or file system) said only `beacon admin: unable to open database file`.
  // A folder where the -wal must go fails the same way (SQLITE_CANTOPEN), whoever runs the test.
  it('names the file and its folder when SQLite cannot make its -wal beside a Beacon database, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-admin-no-wal-'));
    try {
      const file = join(dir, 'beacon.db');
      const made = openDatabase(`sqlite:${file}`);
      await migrateToLatest(made);
      await made.close();
      mkdirSync(`${file}-wal`);
      const run = admin({ BEACON_DATABASE_URL: `sqlite:${file}` });
      expect(run.stderr.trim()).toBe(
        `beacon admin: cannot open the SQLite file BEACON_DATABASE_URL names: unable to open database file; Beacon must be able to write ${file} and make beacon.db-wal and beacon.db-shm in its folder (${dir}): check that both are writable by this process and that the file system is not mounted read-only (sqlite:${file})`,
      );
      expect(run.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a SQLite path with no database, exit 2, as a wrong setting, and creates no file', () => {
    const file = join(tmpdir(), `beacon-typo-${randomBytes(4).toString('hex')}.db`);
    const run = admin({ BEACON_DATABASE_URL: `sqlite:${file}` });
    expect(run.stderr.trim()).toBe(`beacon admin: Invalid BEACON_DATABASE_URL: no SQLite database at ${file} (sqlite:${file}); the admin command never creates one: name the file the instances use`);
    expect(run.status).toBe(2);
    expect(existsSync(file)).toBe(false);
  });
});

describe('the admin command started through a symlinked path (a `current -> releases/N` layout)', () => {
  it('runs: prints its usage and exits 2 without arguments, instead of doing nothing and exiting 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-admin-'));
    try {
      symlinkSync(resolve('src'), join(dir, 'current'));
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'current/server/admin-cli.ts')], { encoding: 'utf8' });
      expect(run.stdout.trim()).toBe('usage: npm run admin -- grant <username> | revoke <username> | list | reset-password <username>');
      expect(run.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run admin with a bad setting', () => {
  it('says which variable is wrong in one line and exits 2, as the server does (no stack trace)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/admin-cli.ts', 'list'], { env: { ...process.env, BEACON_PORT: 'abc' }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('beacon: Invalid BEACON_PORT: expected a whole number, got "abc"');
  });
});
