/**
 * Audit finding (medium): a user who forgot their password had no way back in, and the operator
 * no tool to help (nor to end the logins of a leaked token but by deleting the account). Now
 * `npm run admin -- reset-password <username>` sets a new random password, shown once on
 * stdout, and ends every login of the account; with Redis configured, the running instances
 * close those logins' sockets with 4000 at once.
 */
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../../src/server/admin-cli.js';
import type { Config } from '../../../src/server/config.js';
import { testConfig } from '../../helpers/config.js';
import { bearer } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../../helpers/redis.js';

const PASSWORD = 'pass-phrase-for-tests';

/** A database the app and the command both open. */
async function sharedDatabase(dialect: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'postgres') return freshDatabase('postgres');
  const file = join(tmpdir(), `beacon-reset-${randomBytes(4).toString('hex')}.db`);
  return { url: `sqlite:${file}`, drop: async () => rmSync(file, { force: true }) };
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setUp(dialect: string, config: Partial<Config> = {}): Promise<{ t: LiveApp; config: Config }> {
  const db = await sharedDatabase(dialect);
  cleanup.push(db.drop);
  const t = await startLiveApp({ databaseUrl: db.url, ...config });
  cleanup.push(() => t.close());
  return { t, config: testConfig({ databaseUrl: db.url, ...config }) };
}

const login = (t: LiveApp, username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
const me = async (t: LiveApp, token: string) => (await t.app.inject({ url: '/api/v1/users/me', headers: bearer(token) })).statusCode;

/** Runs the command; answers its exit code, its lines, and the password it printed (if any). */
async function reset(config: Config, username: string): Promise<{ code: number; lines: string[]; password: string | null }> {
  const lines: string[] = [];
  const code = await runAdminCommand(['reset-password', username], config, (l) => lines.push(l));
  const password = lines.map((l) => /^New password: (\S+)$/.exec(l)?.[1]).find((p) => p !== undefined) ?? null;
  return { code, lines, password };
}

describe.each(testDialects())('npm run admin -- reset-password on %s', (dialect) => {
  it('sets a new random password, shown once, and ends every login of the account', async () => {
    const { t, config } = await setUp(dialect);
    const alice = await t.register('alice');
    const phone = (await login(t, 'alice', PASSWORD)).json<{ token: string }>().token;
    const bob = await t.register('bob');

    const first = await reset(config, 'ALICE');
    expect(first.code).toBe(0);
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // Printed once, on its own line; no other line holds it.
    expect(first.lines.filter((l) => l.includes(first.password!))).toEqual([`New password: ${first.password}`]);
    expect(first.lines[0]).toBe("alice's password is reset, and every login of the account ended (2).");
    expect(await me(t, alice.token)).toBe(401);
    expect(await me(t, phone)).toBe(401);
    expect(await me(t, bob.token)).toBe(200);
    expect((await login(t, 'alice', PASSWORD)).statusCode).toBe(401);
    expect((await login(t, 'alice', first.password!)).statusCode).toBe(200);
    // Each run a new one.
    const second = await reset(config, 'alice');
    expect(second.password).not.toBe(first.password);
    expect((await login(t, 'alice', first.password!)).statusCode).toBe(401);
    expect((await login(t, 'alice', second.password!)).statusCode).toBe(200);
  });

  it('says so for an unknown username and exits 1, changing nothing', async () => {
    const { t, config } = await setUp(dialect);
    const alice = await t.register('alice');
    const run = await reset(config, 'nobody');
    expect(run).toEqual({ code: 1, lines: ['no account named "nobody"'], password: null });
    expect(await me(t, alice.token)).toBe(200);
  });

  it("refuses a host site's user (no password of Beacon's), changing nothing", async () => {
    const { t, config } = await setUp(dialect);
    const carol = await t.register('carol');
    // As the integration modes store their users (integration/id-map.ts): no password.
    await t.app.services.database.db.updateTable('users').set({ password_hash: '' }).where('id', '=', carol.id).execute();
    const run = await reset(config, 'carol');
    expect(run).toEqual({ code: 1, lines: ['carol has no Beacon password (a user of the host site): their password is the host\'s'], password: null });
    expect(await me(t, carol.token)).toBe(200);
  });
});

describe('reset-password with Redis configured', () => {
  it('closes the account’s open sockets on a running instance with 4000, at once; other users’ stay', async () => {
    (await requireRedis()).disconnect();
    const { t, config } = await setUp('sqlite', { redisUrl: REDIS_URL, redisPrefix: uniquePrefix() });
    const alice = await t.register('alice');
    const bob = await t.register('bob');
    const own = await t.connect(alice.token);
    const bobs = await t.connect(bob.token);
    const run = await reset(config, 'alice');
    expect(run.code).toBe(0);
    expect(run.lines).toContain('Its open sockets on the running instances were told to close.');
    expect(await own.socket.waitClosed(2000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(bobs.socket.closed).toBeNull();
  });

  it('run with a BEACON_REDIS_PREFIX the instances do not use, says no running instance was told, rather than that the sockets close', async () => {
    (await requireRedis()).disconnect();
    const { t, config } = await setUp('sqlite', { redisUrl: REDIS_URL, redisPrefix: uniquePrefix() });
    const alice = await t.register('alice');
    const own = await t.connect(alice.token);
    // The operator's machine lacks the instances' BEACON_REDIS_PREFIX: the command tells the default prefix's channels.
    const elsewhere = uniquePrefix();
    const run = await reset({ ...config, redisPrefix: elsewhere }, 'alice');
    expect(run.code).toBe(0);
    expect(run.lines).not.toContain('Its open sockets on the running instances were told to close.');
    expect(run.lines).not.toContain('Its failed-login budget is cleared: it can sign in at once.');
    expect(run.lines).toContain(
      `No running instance beats in this Redis under BEACON_REDIS_PREFIX "${elsewhere}", so none was told: if the instances run with another prefix, ` +
        "set theirs and run the command again (their open sockets of this account stay open until then, and the account's failed-login budget under their prefix is not cleared).",
    );
    expect(own.socket.closed).toBeNull();
  });

  it('with every instance stopped, still clears the failed-login budget: the account opens when they start again', async () => {
    (await requireRedis()).disconnect();
    const prefix = uniquePrefix();
    const { t, config } = await setUp('sqlite', { redisUrl: REDIS_URL, redisPrefix: prefix, rateLimits: true });
    await t.register('alice');
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: `guess-${i}-xxxx` }, remoteAddress: `10.3.0.${i}` });
      expect(res.statusCode).toBe(401);
    }
    await t.close(); // maintenance: no instance runs
    const run = await reset(config, 'alice');
    expect(run.code).toBe(0);
    expect(run.lines).toContain(`Its failed-login budget under BEACON_REDIS_PREFIX "${prefix}" is cleared: instances started under it let it sign in at once.`);
    const again = await startLiveApp({ databaseUrl: config.databaseUrl, redisUrl: REDIS_URL, redisPrefix: prefix, rateLimits: true });
    cleanup.push(() => again.close());
    const res = await again.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: run.password }, remoteAddress: '10.3.1.1' });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('clears the account’s failed-login budget in Redis: locked by guesses, its owner signs in with the new password at once', async () => {
    (await requireRedis()).disconnect();
    const { t, config } = await setUp('sqlite', { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), rateLimits: true });
    await t.register('alice');
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: `guess-${i}-xxxx` }, remoteAddress: `10.2.0.${i}` });
      expect(res.statusCode).toBe(401);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD }, remoteAddress: '10.2.1.1' })).statusCode).toBe(429);
    const run = await reset(config, 'Alice');
    expect(run.lines).toContain('Its failed-login budget is cleared: it can sign in at once.');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: run.password }, remoteAddress: '10.2.1.2' });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe.each(testDialects())('reset-password without Redis, on %s', (dialect) => {
  it('the running instance closes the account’s open sockets with 4000 within 30 s of its clock (it reads its logins again); other users’ stay', async () => {
    const { t, config } = await setUp(dialect);
    const alice = await t.register('alice');
    const bob = await t.register('bob');
    const own = await t.connect(alice.token);
    const bobs = await t.connect(bob.token);
    // The instance has read its logins once already (at its first tick).
    await t.advance(1000);
    const run = await reset(config, 'alice');
    expect(run.code).toBe(0);
    expect(run.lines).toContain('Its sockets open on a running instance close within 30 s (the instance reads its logins again every 30 s).');
    await t.advance(28_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(own.socket.closed).toBeNull();
    await t.advance(2000);
    expect(await own.socket.waitClosed(2000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(bobs.socket.closed).toBeNull();
  });

  it('says that the failed-login budget, in the instance’s memory, is not cleared', async () => {
    const { t, config } = await setUp(dialect, { rateLimits: true });
    await t.register('alice');
    const run = await reset(config, 'alice');
    expect(run.code).toBe(0);
    expect(run.lines.at(-1)).toBe(
      "If wrong passwords locked the account, it opens 15 min after the first of them, or at the instance's restart (without Redis the failed-login budget is kept in the instance's memory).",
    );
  });
});

describe('the command’s usage', () => {
  it('names reset-password, and refuses it without a username', async () => {
    const lines: string[] = [];
    expect(await runAdminCommand(['reset-password'], testConfig(), (l) => lines.push(l))).toBe(2);
    expect(lines).toEqual(['usage: npm run admin -- grant <username> | revoke <username> | list | reset-password <username>']);
  });

  // `grant alice bob` granted alice and said nothing of bob, who stayed no admin; `list extra` listed.
  it.each([[['grant', 'alice', 'bob']], [['revoke', 'alice', 'bob']], [['reset-password', 'alice', 'bob']], [['list', 'extra']]])(
    'refuses more arguments than the command takes (%j): usage, exit 2, nothing done',
    async (args) => {
      const { t, config } = await setUp('sqlite');
      const alice = await t.register('alice');
      await t.register('bob');
      const lines: string[] = [];
      expect(await runAdminCommand(args, config, (l) => lines.push(l))).toBe(2);
      expect(lines).toEqual(['usage: npm run admin -- grant <username> | revoke <username> | list | reset-password <username>']);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(alice.token) });
      expect(me.json()).toMatchObject({ username: 'alice', role: 'user' });
    },
  );
});
