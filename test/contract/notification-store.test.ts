/**
 * The notification store on every dialect: subscriptions move between accounts and are
 * capped, watches cascade with accounts, and the period claim lets exactly one caller win.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { SessionRepository } from '../../src/server/auth/session-repository.js';
import { MAX_SUBSCRIPTIONS_PER_USER, NotificationRepository } from '../../src/server/notifications/notification-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const sub = (n: string) => ({ endpoint: `https://push.example.com/${n}`, keys: { p256dh: `p${n}`.padEnd(87, 'A'), auth: 'a'.repeat(22) } });

describe.each(testDialects())('notification store on %s', (dialect) => {
  let database: Database;
  let drop: () => Promise<void>;
  let users: UserRepository;
  let repo: NotificationRepository;
  let sessions: SessionRepository;
  const mk = async (username: string) => (await users.create({ username, displayName: username, passwordHash: 'h', role: 'user', now: T0 }))!.id;
  /** A login of the user (made on first use), saving subscriptions for it. */
  const login = async (userId: number, id = `login-${userId}`) => {
    if (!(await sessions.find(id))) await sessions.create({ id, userId, now: T0, expiresAt: T0 + 60 * MIN, userAgent: null });
    return id;
  };
  const save = async (userId: number, s: ReturnType<typeof sub>, at: number, loginId?: string) =>
    repo.saveSubscription(userId, s, at, await login(userId, loginId));

  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    database = openDatabase(fresh.url);
    await migrateToLatest(database);
    users = new UserRepository(database.db);
    repo = new NotificationRepository(database.db);
    sessions = new SessionRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('lets exactly one of many simultaneous claims win, then none until the period has passed', async () => {
    const a = await mk('claim_a');
    const b = await mk('claim_b');
    await repo.addWatch(a, b, T0);
    const wins = await Promise.all(Array.from({ length: 8 }, () => repo.claim(a, b, T0, 30 * MIN)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await repo.claim(a, b, T0 + 30 * MIN - 1, 30 * MIN)).toBe(false);
    expect(await repo.claim(a, b, T0 + 30 * MIN, 30 * MIN)).toBe(true);
    expect(await repo.claim(b, a, T0, 30 * MIN)).toBe(false); // no watch, no claim
  });

  it('moves an endpoint to the account that saves it last, and keeps the newest few per user', async () => {
    const a = await mk('sub_a');
    const b = await mk('sub_b');
    await save(a, sub('shared'), T0);
    await save(b, sub('shared'), T0 + 1);
    expect(await repo.subscriptionsOf(a)).toEqual([]);
    expect((await repo.subscriptionsOf(b)).map((s) => s.endpoint)).toEqual([sub('shared').endpoint]);
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_USER + 2; i++) await save(a, sub(`a${i}`), T0 + 10 + i);
    const kept = (await repo.subscriptionsOf(a)).map((s) => s.endpoint).sort();
    expect(kept).toHaveLength(MAX_SUBSCRIPTIONS_PER_USER);
    expect(kept).not.toContain(sub('a0').endpoint);
    expect(await repo.deleteSubscription(b, [sub('a5').endpoint])).toBe(false);
    expect(await repo.deleteSubscription(a, [sub('a5').endpoint])).toBe(true);
  });

  it('ends a subscription with the login that saved it, and refuses a save from a login that ended', async () => {
    const a = await mk('login_a');
    const endpoints = async () => (await repo.subscriptionsOf(a)).map((s) => s.endpoint).sort();
    for (const name of ['laptop', 'library', 'phone', 'tablet']) await save(a, sub(`login_a_${name}`), T0 + 1, `a-${name}`);
    // One saved before logins were recorded (migration 024).
    await database.db.insertInto('push_subscriptions').values({ endpoint: sub('login_a_old').endpoint, user_id: a, p256dh: 'p', auth: 'a', created_at: T0 }).execute();
    expect(await endpoints()).toHaveLength(5);

    // A logout, and a login ended from another one, take their own subscriptions only.
    expect(await sessions.revoke('a-library', T0 + 2)).toBe(true);
    expect(await sessions.revokeOwn('a-tablet', a, 'a-laptop', T0 + 2)).toBe(true);
    expect(await endpoints()).toEqual([sub('login_a_laptop').endpoint, sub('login_a_old').endpoint, sub('login_a_phone').endpoint].sort());
    // An ended login saves nothing (its request was let in before it ended).
    await expect(save(a, sub('login_a_late'), T0 + 3, 'a-library')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Every other login ended: only the caller's stays, the one from before logins were recorded goes too.
    expect(await sessions.revokeOthers(a, 'a-laptop', T0 + 4)).toEqual(['a-phone']);
    expect(await endpoints()).toEqual([sub('login_a_laptop').endpoint]);
    // A reset (no caller) ends them all.
    expect(await sessions.replacePassword(a, 'h2', T0 + 5)).toEqual(['a-laptop']);
    expect(await endpoints()).toEqual([]);
  });

  it('lists watchers with their period, and forgets everything about a deleted account', async () => {
    const a = await mk('w_a');
    const b = await mk('w_b');
    await repo.addWatch(a, b, T0);
    await repo.setPeriodMinutes(a, 5);
    await save(a, sub('w_a'), T0);
    expect(await repo.watchersOf([b])).toEqual([{ friendId: b, watcherId: a, role: 'user', periodMinutes: 5 }]);
    const c = await mk('w_c');
    await repo.addWatch(c, a, T0);
    await repo.addWatch(c, b, T0);
    expect(await repo.watchersOf([a, b, c])).toEqual([
      { friendId: a, watcherId: c, role: 'user', periodMinutes: 30 },
      { friendId: b, watcherId: a, role: 'user', periodMinutes: 5 },
      { friendId: b, watcherId: c, role: 'user', periodMinutes: 30 },
    ]);
    // More ids than one query takes: still every watcher, once.
    const many = [...Array.from({ length: 1200 }, (_, i) => 1_000_000 + i), b];
    expect(await repo.watchersOf(many)).toEqual([
      { friendId: b, watcherId: a, role: 'user', periodMinutes: 5 },
      { friendId: b, watcherId: c, role: 'user', periodMinutes: 30 },
    ]);
    await database.db.deleteFrom('users').where('id', '=', a).execute();
    expect(await repo.watchersOf([b])).toEqual([{ friendId: b, watcherId: c, role: 'user', periodMinutes: 30 }]);
    expect(await repo.subscriptionsOf(a)).toEqual([]);
    expect(await repo.periodMinutes(a)).toBe(30);
  });
});
