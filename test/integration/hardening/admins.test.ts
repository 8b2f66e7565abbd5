/**
 * Finding (High): admin-name squatting. A name in BEACON_ADMINS that nobody had
 * registered became admin for whoever registered it first, in any letter case. Now a
 * listed name names only an account that existed when it was listed, and other admins
 * are granted by command, by account. On SQLite and PostgreSQL.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../../src/server/admin-cli.js';
import { testConfig } from '../../helpers/config.js';
import { createTestApp, bearer, type TestApp } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';

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
    expect(lines.at(-1)).toBe("helper's admin grant is withdrawn");
    expect(await role(t, helper.token)).toBe('user');
    // Nothing to withdraw, and a listed admin stays one: the command says so, not "withdrawn".
    expect(await runAdminCommand(['revoke', 'helper'], config, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe('helper had no admin grant; not an admin');
    expect(await runAdminCommand(['revoke', 'boss'], config, (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toBe('boss had no admin grant; boss stays admin through BEACON_ADMINS: remove the name there on every instance and restart them');
    expect(await role(t, boss.token)).toBe('admin');
    expect(await runAdminCommand(['frobnicate'], config, (l) => lines.push(l))).toBe(2);
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
