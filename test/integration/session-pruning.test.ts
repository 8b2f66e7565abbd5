/**
 * Login session rows are deleted a day after they expire (hourly, `Housekeeping`): native
 * logins and the rows host tokens get in the integration modes, whose tables otherwise grow
 * by a row per page load. A host token without an expiry keeps its row while it is in use, and
 * for good once the host signed its user out: that row is what refuses it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { SESSION_KEEP_AFTER_EXPIRY_MS } from '../../src/server/db/housekeeping.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { MemoryHost } from '../helpers/memory-host.js';

/** The production token lifetime, so the day of grace keeps its real proportion to it. */
const TTL_S = testConfig().tokenTtlS;
let t: TestApp | null = null;
let drop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  await drop?.();
  drop = null;
});

const rows = (app: TestApp) => app.app.services.database.db.selectFrom('user_sessions').select(['id', 'expires_at']).orderBy('expires_at').execute();

describe.each(testDialects())('expired login sessions are deleted (%s)', (dialect) => {
  const database = async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    return fresh.url;
  };

  it('deletes a login a day after its token expired, and keeps a live one whose token still works', async () => {
    const clock = new FakeClock();
    t = await createTestApp({ tokenTtlS: TTL_S, databaseUrl: await database() }, { now: clock.now });
    await t.register('old_login');
    const pruned = async () => (await t!.app.services.housekeeping.run()).sessions;
    // Expired just now, then a day later to the millisecond: kept.
    clock.advance(TTL_S * 1000);
    expect(await pruned()).toBe(0);
    clock.advance(SESSION_KEEP_AFTER_EXPIRY_MS);
    expect(await pruned()).toBe(0);
    clock.advance(1);
    const fresh = await t.register('new_login');
    expect(await pruned()).toBe(1);
    expect(await rows(t)).toHaveLength(1);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${fresh.token}` } });
    expect(me.statusCode).toBe(200);
  });

  it('deletes a host token row a day after the token expired; a token without expiry moves its row on while in use', async () => {
    const clock = new FakeClock();
    const host = new MemoryHost();
    t = await createTestApp({ tokenTtlS: TTL_S, databaseUrl: await database() }, { now: clock.now, host: { identity: host.identity, friends: host.friends, profiles: host.profiles } });
    const auth = t.app.services.auth;
    const used = host.addUser('alice', 'Alice');
    const dropped = host.addUser('bob', 'Bob');
    expect(await auth.authenticate(used)).not.toBeNull();
    expect(await auth.authenticate(dropped)).not.toBeNull();
    const t0 = clock.now();
    expect((await rows(t)).map((r) => r.expires_at)).toEqual([t0 + TTL_S * 1000, t0 + TTL_S * 1000]);

    // Alice's page keeps using her token: within half the TTL nothing is written, after it the row's expiry moves on.
    clock.advance((TTL_S * 1000) / 4);
    await auth.authenticate(used);
    expect((await rows(t)).map((r) => r.expires_at)).toEqual([t0 + TTL_S * 1000, t0 + TTL_S * 1000]);
    for (let k = 0; k < 200; k++) {
      clock.advance((TTL_S * 1000) / 4);
      expect(await auth.authenticate(used)).not.toBeNull();
    }
    const after = await rows(t);
    expect(after).toHaveLength(2);
    expect(after[1]!.expires_at).toBeGreaterThan(clock.now());

    // Bob's token was last used 50 TTLs ago: its row goes, Alice's stays.
    expect((await t.app.services.housekeeping.run()).sessions).toBe(1);
    const left = await rows(t);
    expect(left).toHaveLength(1);
    expect(left[0]!.expires_at).toBe(after[1]!.expires_at);
    expect(await auth.authenticate(used)).toMatchObject({ sessionId: left[0]!.id });
  });

  it('keeps the revoked row of a host token without expiry for good (the token stays refused); deletes revoked rows of expiring tokens', async () => {
    const clock = new FakeClock();
    const host = new MemoryHost();
    t = await createTestApp({ tokenTtlS: TTL_S, databaseUrl: await database() }, { now: clock.now, host: { identity: host.identity, friends: host.friends, profiles: host.profiles } });
    const auth = t.app.services.auth;
    const forever = host.addUser('alice', 'Alice');
    expect(await auth.authenticate(forever)).not.toBeNull();
    // A session of hers with an expiry of its own (a native-style row), revoked by the same sign-out.
    const aliceId = (await t.app.beacon.userIds(['alice'])).get('alice')!;
    await t.app.services.database.db.insertInto('user_sessions').values({ id: 'expiring', user_id: aliceId, created_at: clock.now(), last_seen_at: clock.now(), expires_at: clock.now() + 3_600_000, revoked_at: null, user_agent: null }).execute();
    expect(await t.app.beacon.signOut('alice')).toBe(2);
    expect(await auth.authenticate(forever)).toBeNull();
    // The host's identity port still takes the token (it never expires); long after, Beacon still refuses it.
    clock.advance(10 * TTL_S * 1000 + SESSION_KEEP_AFTER_EXPIRY_MS);
    expect((await t.app.services.housekeeping.run()).sessions).toBe(1);
    expect((await rows(t)).map((r) => r.id)).toHaveLength(1);
    expect(await auth.authenticate(forever)).toBeNull();
  });

  it('keeps refusing an open-ended token whose row was written before the rows knew it (migration 013)', async () => {
    const clock = new FakeClock();
    const host = new MemoryHost();
    const url = dialect === 'sqlite' ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'beacon-prune-')), 'beacon.db')}` : await database();
    const start = async () => (t = await createTestApp({ tokenTtlS: TTL_S, databaseUrl: url }, { now: clock.now, host: { identity: host.identity, friends: host.friends, profiles: host.profiles } }));
    await start();
    const forever = host.addUser('alice', 'Alice');
    expect(await t!.app.services.auth.authenticate(forever)).not.toBeNull();
    // The row as an older Beacon wrote it: the column's default.
    await t!.app.services.database.db.updateTable('user_sessions').set({ open_ended: 0 }).execute();
    await t!.close();
    // The upgraded server: the token's next use tells the row.
    await start();
    expect(await t!.app.services.auth.authenticate(forever)).not.toBeNull();
    expect(await t!.app.beacon.signOut('alice')).toBe(1);
    clock.advance(10 * TTL_S * 1000 + SESSION_KEEP_AFTER_EXPIRY_MS);
    await t!.app.services.housekeeping.run();
    expect(await t!.app.services.auth.authenticate(forever)).toBeNull();
  });
});
