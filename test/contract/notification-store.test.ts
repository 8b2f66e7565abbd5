/**
 * The notification store on every dialect: subscriptions move between accounts and are
 * capped, watches cascade with accounts, and the period claim lets exactly one caller win.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
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
  const mk = async (username: string) => (await users.create({ username, displayName: username, passwordHash: 'h', role: 'user', now: T0 }))!.id;

  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    database = openDatabase(fresh.url);
    await migrateToLatest(database);
    users = new UserRepository(database.db);
    repo = new NotificationRepository(database.db);
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
    await repo.saveSubscription(a, sub('shared'), T0);
    await repo.saveSubscription(b, sub('shared'), T0 + 1);
    expect(await repo.subscriptionsOf(a)).toEqual([]);
    expect((await repo.subscriptionsOf(b)).map((s) => s.endpoint)).toEqual([sub('shared').endpoint]);
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_USER + 2; i++) await repo.saveSubscription(a, sub(`a${i}`), T0 + 10 + i);
    const kept = (await repo.subscriptionsOf(a)).map((s) => s.endpoint).sort();
    expect(kept).toHaveLength(MAX_SUBSCRIPTIONS_PER_USER);
    expect(kept).not.toContain(sub('a0').endpoint);
    expect(await repo.deleteSubscription(b, [sub('a5').endpoint])).toBe(false);
    expect(await repo.deleteSubscription(a, [sub('a5').endpoint])).toBe(true);
  });

  it('lists watchers with their period, and forgets everything about a deleted account', async () => {
    const a = await mk('w_a');
    const b = await mk('w_b');
    await repo.addWatch(a, b, T0);
    await repo.setPeriodMinutes(a, 5);
    await repo.saveSubscription(a, sub('w_a'), T0);
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
