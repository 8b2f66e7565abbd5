/**
 * Outside privacy audit: `npm run admin -- revoke` withdrew the role in the database, which REST
 * reads per request, but an open socket keeps the role it connected with. The ex-admin's socket
 * went on getting a hidden friend's every change, true status, message and exact times, for as
 * long as it stayed open (a token lasts 7 days), while REST already showed that friend offline.
 * A revoke now ends every login of the account, as a password reset does: its sockets close
 * (over Redis at once; an instance alone reads its logins again within 30 s), and the account
 * signs in again as a user, who sees what everyone else does.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../../src/server/admin-cli.js';
import type { Config } from '../../../src/server/config.js';
import { bearer } from '../../helpers/app.js';
import { testConfig } from '../../helpers/config.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../../helpers/redis.js';
import type { Frame } from '../../helpers/ws-client.js';

const PASSWORD = 'pass-phrase-for-tests';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/** A running instance and the command's config, on one database both open. */
async function setUp(dialect: string, config: Partial<Config> = {}): Promise<{ t: LiveApp; config: Config }> {
  let db: { url: string; drop: () => Promise<void> };
  if (dialect === 'postgres') db = await freshDatabase('postgres');
  else {
    const file = join(tmpdir(), `beacon-revoke-${randomBytes(4).toString('hex')}.db`);
    db = { url: `sqlite:${file}`, drop: async () => rmSync(file, { force: true }) };
  }
  cleanup.push(db.drop);
  const t = await startLiveApp({ databaseUrl: db.url, ...config });
  cleanup.push(() => t.close());
  return { t, config: testConfig({ databaseUrl: db.url, ...config }) };
}

const admin = async (config: Config, ...args: string[]) => {
  const lines: string[] = [];
  const code = await runAdminCommand(args, config, (l) => lines.push(l));
  return { code, lines };
};

const friendNamed = (ready: Frame, id: number) => (ready.friends as Array<{ user_id: number; status: string }>).find((f) => f.user_id === id);

/** Alice, hidden; Carol, her friend and an admin, connected (she sees Alice online through hiding). */
async function hiddenFriendOfAnAdmin(t: LiveApp, config: Config) {
  const alice = await t.register('alice');
  const carol = await t.register('carol');
  await t.befriend(alice, carol);
  expect((await admin(config, 'grant', 'carol')).code).toBe(0);
  const alices = await t.connect(alice.token);
  const hide = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { status_visibility: 'hidden' } });
  expect(hide.statusCode, hide.body).toBe(200);
  const carols = await t.connect(carol.token);
  expect(friendNamed(carols.ready, alice.id)?.status).toBe('online');
  return { alice, alices, carol, carols };
}

/** Carol signs in again: a user now, she sees hidden Alice offline, as everyone does. */
async function signsInAsAUser(t: LiveApp, aliceId: number) {
  const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'carol', password: PASSWORD } });
  expect(login.json<{ user: { role: string } }>().user.role).toBe('user');
  const again = await t.connect(login.json<{ token: string }>().token);
  expect(friendNamed(again.ready, aliceId)?.status).toBe('offline');
  return again;
}

describe.each(testDialects())('npm run admin -- revoke without Redis, on %s', (dialect) => {
  it("closes the ex-admin's open sockets within 30 s, so they stop seeing a hidden friend; signed in again, she sees her offline", async () => {
    const { t, config } = await setUp(dialect);
    const { alice, carols } = await hiddenFriendOfAnAdmin(t, config);
    // The instance has read its logins once already (at its first tick).
    await t.advance(1000);
    const run = await admin(config, 'revoke', 'carol');
    await t.advance(30_000);
    expect(await carols.socket.waitClosed(2000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(run).toEqual({
      code: 0,
      lines: [
        "carol's admin grant is withdrawn, and every login of the account ended (1): it signs in again as a user.",
        'Its sockets open on a running instance close within 30 s (the instance reads its logins again every 30 s).',
      ],
    });
    await signsInAsAUser(t, alice.id);
  });

  it('ends no login when there was no grant to withdraw', async () => {
    const { t, config } = await setUp(dialect);
    const bob = await t.register('bob');
    const run = await admin(config, 'revoke', 'bob');
    expect(run).toEqual({ code: 0, lines: ['bob had no admin grant; not an admin'] });
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(bob.token) })).statusCode).toBe(200);
  });
});

describe('npm run admin -- revoke with Redis configured', () => {
  it("closes the ex-admin's open sockets on a running instance at once; other users' stay", async () => {
    (await requireRedis()).disconnect();
    const { t, config } = await setUp('sqlite', { redisUrl: REDIS_URL, redisPrefix: uniquePrefix() });
    const { alice, alices, carols } = await hiddenFriendOfAnAdmin(t, config);
    const bob = await t.connect((await t.register('bob')).token);
    const run = await admin(config, 'revoke', 'carol');
    expect(await carols.socket.waitClosed(2000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(run.code).toBe(0);
    expect(run.lines).toContain('Its open sockets on the running instances were told to close.');
    expect(bob.socket.closed).toBeNull();
    const again = await signsInAsAUser(t, alice.id);
    // Closed before the stop: a clean stop does not wait for the shares of closes that come while it drains (left alone, not privacy).
    for (const s of [bob, alices, again]) s.socket.close();
    while (t.app.gateway.registry.size > 0) await new Promise((r) => setTimeout(r, 5));
  });
});
