/**
 * One store suite, run on every dialect: SQLite and the machine's PostgreSQL.
 * PostgreSQL being down fails this suite (it never skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionRepository } from '../../src/server/auth/session-repository.js';
import { CalendarRepository } from '../../src/server/calendar/calendar-repository.js';
import { openDatabase, type Database } from '../../src/server/db/database.js';
import { withPairLock } from '../../src/server/db/user-locks.js';
import { migrateToLatest } from '../../src/server/db/migrate.js';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { HistoryRepository } from '../../src/server/history/history-repository.js';
import { PresenceRepository, type ScheduleSave } from '../../src/server/status/presence-repository.js';
import { IdMap } from '../../src/server/integration/id-map.js';
import { AdminRoles } from '../../src/server/users/admin-roles.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { behindHeldRow, untilBlocked } from '../helpers/held-row.js';

const T0 = Date.UTC(2026, 0, 1);
/** A password change's ended logins, in order (or why it wrote nothing). */
const sorted = <T>(r: T[] | string): T[] | string => (Array.isArray(r) ? [...r].sort() : r);
/** 128 characters as people see them, 896 code points: must fit on every dialect. */
const LONG_MESSAGE = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'.repeat(128);

describe.each(testDialects())('store on %s', (dialect) => {
  let database: Database;
  let drop: () => Promise<void>;
  let users: UserRepository;
  let sessions: SessionRepository;
  let friends: FriendRepository;
  const mk = (username: string) =>
    users.create({ username, displayName: username.toUpperCase(), passwordHash: 'h', role: 'user', now: T0 });

  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    database = openDatabase(fresh.url);
    await migrateToLatest(database);
    users = new UserRepository(database.db);
    sessions = new SessionRepository(database.db);
    friends = new FriendRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('runs migrations once: a second run applies nothing', async () => {
    expect(await migrateToLatest(database)).toEqual([]);
  });

  it('creates users and refuses a username taken in another case', async () => {
    const alice = await mk('Alice');
    expect(alice).toMatchObject({ username: 'Alice', display_name: 'ALICE', role: 'user' });
    expect(await mk('alice')).toBeNull();
    expect((await users.findByUsername('ALICE'))?.id).toBe(alice?.id);
    expect(await users.findById(999_999)).toBeNull();
  });

  it('gives new users friends-only privacy settings, and updates them partially', async () => {
    const u = await mk('settings_user');
    expect(await users.getSettings(u!.id)).toEqual({
      status_visibility: 'friends',
      activity_visibility: 'friends',
      last_seen_visibility: 'friends',
      custom_message_visibility: 'friends',
      last_seen_approximate_visibility: 'nobody',
      pattern_visibility: 'nobody',
    });
    await users.updateSettings(u!.id, { status_visibility: 'hidden', last_seen_visibility: 'nobody' }, T0);
    expect(await users.getSettings(u!.id)).toMatchObject({ status_visibility: 'hidden', last_seen_visibility: 'nobody', activity_visibility: 'friends' });
  });

  it('fixes the hidden last_seen at the write that hides, whatever another device read before it', async () => {
    const u = await mk('hide_race');
    const hid = await users.updateSettings(u!.id, { status_visibility: 'hidden' }, T0);
    expect(hid).toMatchObject({ hiddenLastSeen: T0 });
    // Another device, which had not seen the hide, saves another setting (and would hide again):
    // the moment of the first hide stays.
    expect(await users.updateSettings(u!.id, { activity_visibility: 'nobody' }, T0 + 50)).toMatchObject({ hiddenLastSeen: T0, settings: { status_visibility: 'hidden' } });
    expect(await users.updateSettings(u!.id, { status_visibility: 'hidden' }, T0 + 90)).toMatchObject({ hiddenLastSeen: T0 });
    // Unhiding and hiding again fixes a new moment.
    await users.updateSettings(u!.id, { status_visibility: 'friends' }, T0 + 100);
    expect(await users.updateSettings(u!.id, { status_visibility: 'hidden' }, T0 + 200)).toMatchObject({ hiddenLastSeen: T0 + 200 });
  });

  it('remembers the status audience of the moment the user hid, until they unhide', async () => {
    const u = await mk('hide_aud');
    expect(await users.visibilityBeforeHidden(u!.id)).toBeNull();
    await users.updateSettings(u!.id, { status_visibility: 'close_friends' }, T0);
    // Each save answers it with the settings: replicas decide with it who sees the hidden last_seen.
    expect(await users.updateSettings(u!.id, { status_visibility: 'hidden' }, T0)).toMatchObject({ visibilityBeforeHidden: 'close_friends' });
    expect(await users.visibilityBeforeHidden(u!.id)).toBe('close_friends');
    // Other settings, and hiding again (another device), keep it.
    expect(await users.updateSettings(u!.id, { pattern_visibility: 'friends' }, T0 + 10)).toMatchObject({ visibilityBeforeHidden: 'close_friends' });
    expect(await users.updateSettings(u!.id, { status_visibility: 'hidden' }, T0 + 20)).toMatchObject({ visibilityBeforeHidden: 'close_friends' });
    expect(await users.visibilityBeforeHidden(u!.id)).toBe('close_friends');
    // Unhiding forgets it; hiding from another audience remembers that one.
    expect(await users.updateSettings(u!.id, { status_visibility: 'public' }, T0 + 30)).toMatchObject({ visibilityBeforeHidden: null });
    expect(await users.visibilityBeforeHidden(u!.id)).toBeNull();
    await users.updateSettings(u!.id, { status_visibility: 'hidden' }, T0 + 40);
    expect(await users.visibilityBeforeHidden(u!.id)).toBe('public');
    expect(await users.visibilityBeforeHidden(999_999)).toBeNull();
  });

  it('searches by username prefix, case-insensitively, treating % and _ literally', async () => {
    await mk('pre_one');
    await mk('PreTwo');
    await mk('prexx');
    await mk('other');
    const names = (await users.searchByPrefix('pre', 20)).map((u) => u.username);
    expect(names).toEqual(['pre_one', 'PreTwo', 'prexx']);
    expect((await users.searchByPrefix('pre_', 20)).map((u) => u.username)).toEqual(['pre_one']);
    expect(await users.searchByPrefix('%', 20)).toEqual([]);
    expect(await users.searchByPrefix('pre', 2)).toHaveLength(2);
  });

  it('syncs admin roles to the configured list, for accounts that existed when their name was listed', async () => {
    const admins = new AdminRoles(database.db);
    const boss = await mk('boss'); // created at T0
    expect(await admins.sync(['boss', 'later'], T0 + 1)).toEqual(['later']);
    expect((await users.findById(boss!.id))?.role).toBe('admin');
    // A name listed before anyone had it never makes its later owner admin, in any case.
    const later = await users.create({ username: 'LATER', displayName: 'x', passwordHash: 'h', role: 'user', now: T0 + 2 });
    expect(await admins.sync(['boss', 'later'], T0 + 3)).toEqual(['later']);
    expect((await users.findById(later!.id))?.role).toBe('user');
    // A grant is by account, and survives a sync with an empty list.
    expect(await admins.grant('Later', T0 + 4)).toBe(true);
    expect(await admins.grant('nobody_here', T0 + 4)).toBe(false);
    await admins.sync([], T0 + 5);
    expect((await users.findById(boss!.id))?.role).toBe('user');
    expect((await users.findById(later!.id))?.role).toBe('admin');
    await admins.revoke('later');
    expect((await users.findById(later!.id))?.role).toBe('user');
    // A host's admin (a shadow row its identity port made admin) stays admin through a sync (a restart).
    const host = new IdMap(database.db, () => T0);
    const hostAdmin = await host.one('host-admin-1');
    await host.describe(hostAdmin, undefined, 'admin', null);
    await admins.sync([], T0 + 6);
    expect((await users.findById(hostAdmin))?.role).toBe('admin');
  });

  it('stores login sessions and revokes each once', async () => {
    const u = await mk('sess_user');
    await sessions.create({ id: 's-1', userId: u!.id, now: T0, expiresAt: T0 + 1000, userAgent: 'x'.repeat(400) });
    expect(await sessions.find('s-1')).toEqual({ id: 's-1', userId: u!.id, expiresAt: T0 + 1000, revokedAt: null });
    const other = await mk('sess_other');
    await sessions.create({ id: 's-2', userId: other!.id, now: T0, expiresAt: T0 + 1000, userAgent: null });
    expect(await sessions.findLive('s-1', u!.id)).toEqual({ role: 'user', lastUsedAt: T0 });
    expect(await sessions.findLive('s-2', other!.id)).toEqual({ role: 'user', lastUsedAt: T0 });
    expect(await sessions.findLive('s-1', other!.id)).toBeNull();
    expect(await sessions.findLive('nope', u!.id)).toBeNull();
    expect(await sessions.revoke('s-1', T0 + 5)).toBe(true);
    expect(await sessions.findLive('s-1', u!.id)).toBeNull();
    expect(await sessions.findLive('s-2', other!.id)).toEqual({ role: 'user', lastUsedAt: T0 });
    expect(await sessions.revoke('s-1', T0 + 6)).toBe(false);
    expect((await sessions.find('s-1'))?.revokedAt).toBe(T0 + 5);
    expect(await sessions.find('nope')).toBeNull();
  });

  it("lists a user's live logins (latest used first), ends one of theirs only, or all but one", async () => {
    const u = (await mk('own_sess'))!.id;
    const other = (await mk('own_sess_other'))!.id;
    await sessions.create({ id: 'own-1', userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: 'Phone' });
    await sessions.create({ id: 'own-2', userId: u, now: T0 + 1, expiresAt: T0 + 10_000, userAgent: null });
    await sessions.create({ id: 'own-3', userId: u, now: T0 + 2, expiresAt: T0 + 10_000, userAgent: 'Tablet' });
    await sessions.create({ id: 'own-old', userId: u, now: T0, expiresAt: T0 + 50, userAgent: 'Expired' });
    await sessions.create({ id: 'own-gone', userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: 'Revoked' });
    await sessions.revoke('own-gone', T0 + 3);
    await sessions.create({ id: 'theirs', userId: other, now: T0, expiresAt: T0 + 10_000, userAgent: 'Theirs' });
    await sessions.recordUses(new Map([['own-1', T0 + 1000]]));
    expect(await sessions.findLive('own-1', u)).toEqual({ role: 'user', lastUsedAt: T0 + 1000 });

    expect(await sessions.listLive(u, T0 + 100)).toEqual([
      { id: 'own-1', createdAt: T0, lastUsedAt: T0 + 1000, userAgent: 'Phone' },
      { id: 'own-3', createdAt: T0 + 2, lastUsedAt: T0 + 2, userAgent: 'Tablet' },
      { id: 'own-2', createdAt: T0 + 1, lastUsedAt: T0 + 1, userAgent: null },
    ]);
    // Another user's, a missing, a revoked or an expired login is not theirs to end.
    for (const id of ['theirs', 'missing', 'own-gone', 'own-old']) expect(await sessions.revokeOwn(id, u, 'own-1', T0 + 100), id).toBe('not found');
    expect(await sessions.findLive('theirs', other)).not.toBeNull();
    expect(await sessions.revokeOwn('own-2', u, 'own-1', T0 + 100)).toBe(true);
    expect((await sessions.find('own-2'))?.revokedAt).toBe(T0 + 100);
    expect((await sessions.revokeOthers(u, 'own-1', T0 + 200))?.sort()).toEqual(['own-3', 'own-old']);
    expect((await sessions.listLive(u, T0 + 200)).map((s) => s.id)).toEqual(['own-1']);
    expect(await sessions.findLive('theirs', other)).not.toBeNull();
  });

  it('records many logins’ last uses at once, never moving one back; ids with no row are passed over', async () => {
    const u = (await mk('uses_user'))!.id;
    const ids = Array.from({ length: 1201 }, (_, i) => `use-${i}`);
    for (const part of [ids.slice(0, 600), ids.slice(600)]) {
      await database.db
        .insertInto('user_sessions')
        .values(part.map((id) => ({ id, user_id: u, created_at: T0, last_seen_at: T0, expires_at: T0 + 10_000, revoked_at: null, user_agent: null })))
        .execute();
    }
    await sessions.recordUses(new Map([['use-7', T0 + 500]]));
    // 1201 logins (three statements' worth), one of them with a later use recorded already, and one with no row.
    await sessions.recordUses(new Map([...ids.map((id, i): [string, number] => [id, T0 + 100 + i]), ['no-such-login', T0 + 9]]));
    const rows = await database.db.selectFrom('user_sessions').select(['id', 'last_seen_at']).where('user_id', '=', u).execute();
    const at = new Map(rows.map((r) => [r.id, Number(r.last_seen_at)]));
    expect(at.size).toBe(1201);
    expect(at.get('use-0')).toBe(T0 + 100);
    expect(at.get('use-7')).toBe(T0 + 500);
    expect(at.get('use-8')).toBe(T0 + 108);
    expect(at.get('use-1200')).toBe(T0 + 1300);
    expect(await sessions.find('no-such-login')).toBeNull();
  });

  it('replaces a password and ends the logins but the one kept, in one go; none kept: every one', async () => {
    const u = (await mk('pw_user'))!.id;
    const other = (await mk('pw_other'))!.id;
    for (const id of ['pw-1', 'pw-2', 'pw-3']) await sessions.create({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null });
    await sessions.create({ id: 'pw-theirs', userId: other, now: T0, expiresAt: T0 + 10_000, userAgent: null });
    expect((await users.findRecordById(u))?.passwordHash).toBe('h');
    expect(sorted(await sessions.replacePassword(u, 'h2', T0 + 5, { sessionId: 'pw-2', checkedHash: 'h' }))).toEqual(['pw-1', 'pw-3']);
    expect(await users.findRecordById(u)).toMatchObject({ id: u, username: 'pw_user', passwordHash: 'h2' });
    expect((await users.findByUsername('pw_user'))?.passwordHash).toBe('h2');
    expect((await sessions.listLive(u, T0 + 5)).map((s) => s.id)).toEqual(['pw-2']);
    expect(await sessions.replacePassword(u, 'h3', T0 + 6)).toEqual(['pw-2']);
    expect(await sessions.listLive(u, T0 + 6)).toEqual([]);
    expect((await users.findRecordById(other))?.passwordHash).toBe('h');
    expect(await sessions.findLive('pw-theirs', other)).not.toBeNull();
    expect(await sessions.replacePassword(999_999, 'h4', T0)).toBe('no account');
    expect(await users.findRecordById(999_999)).toBeNull();
  });

  it('a password change by a login writes only if the password is still the one it checked and that login is still live', async () => {
    const u = (await mk('pw_check'))!.id;
    for (const id of ['pc-1', 'pc-2']) await sessions.create({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null });
    await sessions.create({ id: 'pc-old', userId: u, now: T0, expiresAt: T0 + 50, userAgent: null });
    // Checked against a password that is no longer the account's: nothing written, nothing ended.
    expect(await sessions.replacePassword(u, 'h2', T0 + 5, { sessionId: 'pc-1', checkedHash: 'stale' })).toBe('changed meanwhile');
    // From an expired login, or one ended meanwhile: the same.
    expect(await sessions.replacePassword(u, 'h2', T0 + 100, { sessionId: 'pc-old', checkedHash: 'h' })).toBe('login ended');
    await sessions.revoke('pc-2', T0 + 6);
    expect(await sessions.replacePassword(u, 'h2', T0 + 7, { sessionId: 'pc-2', checkedHash: 'h' })).toBe('login ended');
    expect(await sessions.replacePassword(u, 'h2', T0 + 7, { sessionId: 'nope', checkedHash: 'h' })).toBe('login ended');
    expect(await sessions.replacePassword(999_999, 'h2', T0 + 7, { sessionId: 'pc-1', checkedHash: 'h' })).toBe('no account');
    expect((await users.findRecordById(u))?.passwordHash).toBe('h');
    expect((await sessions.listLive(u, T0 + 100)).map((s) => s.id)).toEqual(['pc-1']);
  });

  it('an ended login ends no other login (revokeOthers, revokeOwn)', async () => {
    const u = (await mk('end_check'))!.id;
    for (const id of ['ec-1', 'ec-2', 'ec-3']) await sessions.create({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null });
    await sessions.revoke('ec-1', T0 + 1);
    expect(await sessions.revokeOthers(u, 'ec-1', T0 + 2)).toBeNull();
    expect(await sessions.revokeOwn('ec-2', u, 'ec-1', T0 + 2)).toBe('login ended');
    expect(await sessions.revokeOthers(u, 'ec-2', T0 + 20_000)).toBeNull(); // ec-2 expired by then
    expect((await sessions.listLive(u, T0 + 2)).map((s) => s.id).sort()).toEqual(['ec-2', 'ec-3']);
    // A live login ends itself (a logout by its id).
    expect(await sessions.revokeOwn('ec-3', u, 'ec-3', T0 + 3)).toBe(true);
  });

  it('two password changes from two logins at once: one lands and ends the other login, the other writes nothing', async () => {
    for (let round = 0; round < 5; round++) {
      const u = (await mk(`pw_race_${round}`))!.id;
      const [owner, thief] = [`race-owner-${round}`, `race-thief-${round}`];
      for (const id of [owner, thief]) await sessions.create({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null });
      const [a, b] = await Promise.all([
        sessions.replacePassword(u, 'h-owner', T0 + 5, { sessionId: owner, checkedHash: 'h' }),
        sessions.replacePassword(u, 'h-thief', T0 + 5, { sessionId: thief, checkedHash: 'h' }),
      ]);
      const won = Array.isArray(a) ? 'owner' : 'thief';
      expect([a, b].filter((r) => Array.isArray(r))).toHaveLength(1);
      expect(won === 'owner' ? [a, b] : [b, a]).toEqual([[won === 'owner' ? thief : owner], 'login ended']);
      expect((await users.findRecordById(u))?.passwordHash).toBe(`h-${won}`);
      expect((await sessions.listLive(u, T0 + 5)).map((s) => s.id)).toEqual([won === 'owner' ? owner : thief]);
    }
  });

  it('a password change and an end of the other logins at once, from two logins: the first ends the other’s login, and the other does nothing', async () => {
    for (let round = 0; round < 5; round++) {
      const u = (await mk(`end_race_${round}`))!.id;
      const [owner, thief, tablet] = [`er-owner-${round}`, `er-thief-${round}`, `er-tablet-${round}`];
      for (const id of [owner, thief, tablet]) await sessions.create({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null });
      const [ended, changed] = await Promise.all([
        sessions.revokeOthers(u, owner, T0 + 5),
        sessions.replacePassword(u, 'h-thief', T0 + 5, { sessionId: thief, checkedHash: 'h' }),
      ]);
      if (ended !== null) {
        expect(ended.sort()).toEqual([thief, tablet].sort());
        expect(changed).toBe('login ended');
        expect((await users.findRecordById(u))?.passwordHash).toBe('h');
        expect((await sessions.listLive(u, T0 + 5)).map((s) => s.id)).toEqual([owner]);
      } else {
        expect(sorted(changed)).toEqual([owner, tablet].sort());
        expect((await users.findRecordById(u))?.passwordHash).toBe('h-thief');
        expect((await sessions.listLive(u, T0 + 5)).map((s) => s.id)).toEqual([thief]);
      }
    }
  });

  it('keeps one pending request per direction', async () => {
    const a = await mk('req_a');
    const b = await mk('req_b');
    const r = await friends.createRequest(a!.id, b!.id, T0);
    expect(r).toMatchObject({ from_user_id: a!.id, to_user_id: b!.id, created_at: new Date(T0).toISOString() });
    expect(await friends.createRequest(a!.id, b!.id, T0)).toBeNull();
    expect(await friends.findPending(a!.id, b!.id)).toEqual(r);
    const lists = await friends.listRequests(b!.id);
    expect(lists.incoming.map((x) => x.id)).toEqual([r!.id]);
    expect(lists.outgoing).toEqual([]);
  });

  it('answers which requests are still pending (a closed one leaves no row)', async () => {
    const a = await mk('pend_a');
    const b = await mk('pend_b');
    const c = await mk('pend_c');
    const open = await friends.createRequest(a!.id, b!.id, T0);
    const gone = await friends.createRequest(c!.id, b!.id, T0);
    expect(await friends.deleteRequest(gone!.id)).toBe(true);
    expect([...(await friends.pendingAmong([open!.id, gone!.id, 999_999]))]).toEqual([open!.id]);
    expect(await friends.pendingAmong([])).toEqual(new Set());
  });

  it('befriends both ways, drops pending requests, and unfriends both ways', async () => {
    const a = await mk('fr_a');
    const b = await mk('fr_b');
    await friends.createRequest(b!.id, a!.id, T0);
    await friends.befriend(a!.id, b!.id, T0 + 1);
    expect((await friends.listRequests(a!.id)).incoming).toEqual([]);
    expect(await friends.getFriend(a!.id, b!.id)).toEqual({
      user_id: b!.id,
      username: 'fr_b',
      display_name: 'FR_B',
      category: 'friend',
      since: new Date(T0 + 1).toISOString(),
    });
    expect((await friends.listFriends(b!.id)).map((f) => f.user_id)).toEqual([a!.id]);
    expect(await friends.unfriend(b!.id, a!.id)).toBe(true);
    expect(await friends.getFriend(a!.id, b!.id)).toBeNull();
    expect(await friends.listFriends(b!.id)).toEqual([]);
    expect(await friends.unfriend(a!.id, b!.id)).toBe(false);
  });

  it('answers the categories users set since a moment (what a bus outage may have dropped), as they list those friends', async () => {
    const a = await mk('since_a');
    const b = await mk('since_b');
    const c = await mk('since_c');
    const d = await mk('since_d');
    await friends.befriend(a!.id, b!.id, T0);
    await friends.befriend(a!.id, c!.id, T0);
    await friends.befriend(d!.id, b!.id, T0);
    expect(await friends.categoriesSetSince([a!.id, d!.id], T0)).toEqual([]);
    await friends.setCategory(a!.id, b!.id, 'acquaintance', T0 + 1_000);
    await friends.setCategory(a!.id, c!.id, 'close_friend', T0 + 5_000);
    await friends.setCategory(d!.id, b!.id, 'close_friend', T0 + 5_000);
    const since = async (ids: number[], at: number) =>
      (await friends.categoriesSetSince(ids, at)).map((r) => ({ userId: r.userId, id: r.friend.user_id, category: r.friend.category })).sort((x, y) => x.userId - y.userId || x.id - y.id);
    expect(await since([a!.id], T0 + 2_000)).toEqual([{ userId: a!.id, id: c!.id, category: 'close_friend' }]);
    expect(await since([a!.id, d!.id], T0 + 1_000)).toEqual([
      { userId: a!.id, id: b!.id, category: 'acquaintance' },
      { userId: a!.id, id: c!.id, category: 'close_friend' },
      { userId: d!.id, id: b!.id, category: 'close_friend' },
    ]);
    // The friend as GET /users/me/friends lists them; only the users asked about.
    expect((await friends.categoriesSetSince([d!.id], T0))[0]?.friend).toEqual(await friends.getFriend(d!.id, b!.id));
    expect(await friends.categoriesSetSince([b!.id, c!.id], T0)).toEqual([]);
  });

  it('keeps categories one-sided: what a subject gave each viewer', async () => {
    const a = await mk('cat_a');
    const b = await mk('cat_b');
    const c = await mk('cat_c');
    await friends.befriend(a!.id, b!.id, T0);
    await friends.befriend(a!.id, c!.id, T0);
    expect(await friends.setCategory(a!.id, b!.id, 'close_friend', T0)).toBe(true);
    expect(await friends.setCategory(a!.id, 999_999, 'close_friend', T0)).toBe(false);
    expect(await friends.categoryGiven(a!.id, b!.id)).toBe('close_friend');
    expect(await friends.categoryGiven(b!.id, a!.id)).toBe('friend');
    expect(await friends.categoryGiven(b!.id, c!.id)).toBeNull();
    expect(await friends.categoriesGivenTo(b!.id)).toEqual(new Map([[a!.id, 'close_friend']]));
    expect(await friends.categoriesGivenTo(a!.id)).toEqual(
      new Map([
        [b!.id, 'friend'],
        [c!.id, 'friend'],
      ]),
    );
  });

  it('writes presence behind in bulk and loads it back with the profile and settings', async () => {
    const presence = new PresenceRepository(database.db);
    const a = await mk('pres_a');
    const b = await mk('pres_b');
    await users.updateSettings(b!.id, { status_visibility: 'close_friends' }, null);
    await users.updateSettings(a!.id, { status_visibility: 'hidden' }, T0 - 5);
    const GAMES = [
      { matchId: 'm-1', activity: 'playing_pong' as const, startedAt: T0 - 60_000 },
      { matchId: 'cup', activity: 'in_tournament' as const, startedAt: T0 - 1 },
    ];
    await presence.write([
      {
        userId: a!.id,
        status: 'busy',
        activity: 'chatting',
        persisted: { manualStatus: 'busy', serverGames: GAMES, customMessage: LONG_MESSAGE, customMessageExpiresAt: T0 + 9, lastSeen: T0 + 1, lastActivity: T0 + 2 },
      },
      { userId: b!.id, status: 'online', activity: 'browsing', persisted: { manualStatus: null, serverGames: [], customMessage: null, customMessageExpiresAt: null, lastSeen: null, lastActivity: T0 } },
    ]);
    const loaded = await presence.load([a!.id, b!.id, 999_999]);
    expect(loaded).toHaveLength(2);
    const la = loaded.find((l) => l.profile.id === a!.id)!;
    expect(la.persisted).toEqual({ manualStatus: 'busy', schedule: null, scheduleVersion: 0, calendar: [], calendarVersion: 0, serverGames: GAMES, customMessage: LONG_MESSAGE, customMessageExpiresAt: T0 + 9, lastSeen: T0 + 1, lastActivity: T0 + 2 });
    expect(loaded.find((l) => l.profile.id === b!.id)!.persisted.serverGames).toEqual([]);
    expect(la.profile).toMatchObject({ username: 'pres_a', displayName: 'PRES_A', role: 'user', hiddenLastSeen: T0 - 5, visibilityBeforeHidden: 'friends' });
    expect(loaded.find((l) => l.profile.id === b!.id)!.profile).toMatchObject({ settings: { status_visibility: 'close_friends' }, visibilityBeforeHidden: null });
  });

  it('writes the shared presence version with the row, and reads it back (load, presenceOf); a row written without one has none', async () => {
    const presence = new PresenceRepository(database.db);
    const a = await mk('ver_a');
    const b = await mk('ver_b');
    const none = { manualStatus: null, serverGames: [], customMessage: null, customMessageExpiresAt: null, lastSeen: null, lastActivity: T0 };
    const version = { at: T0 + 7, by: '0b5e1c2d-instance' };
    await presence.write([
      { userId: a!.id, status: 'busy', activity: null, persisted: { ...none, manualStatus: 'busy', customMessage: 'back soon' }, version },
      { userId: b!.id, status: 'online', activity: null, persisted: none },
    ]);
    const loaded = await presence.load([a!.id, b!.id]);
    expect(loaded.find((l) => l.profile.id === a!.id)!.version).toEqual(version);
    expect(loaded.find((l) => l.profile.id === b!.id)!.version).toBeNull();
    const rows = await presence.presenceOf([a!.id, b!.id, 999_999]);
    expect([...rows.keys()].sort()).toEqual([a!.id, b!.id].sort());
    expect(rows.get(a!.id)).toEqual({ persisted: loaded.find((l) => l.profile.id === a!.id)!.persisted, version });
    expect(rows.get(a!.id)!.persisted).toMatchObject({ manualStatus: 'busy', customMessage: 'back soon' });
    // A later write without a version (one instance) leaves none: the row no longer claims one.
    await presence.write([{ userId: a!.id, status: 'online', activity: null, persisted: none }]);
    expect((await presence.presenceOf([a!.id])).get(a!.id)!.version).toBeNull();
  });

  it('saves a status schedule and loads it back with its version; null removes it; no such user: null', async () => {
    const presence = new PresenceRepository(database.db);
    const u = await mk('sched_a');
    const schedule = { timeZone: 'Europe/Paris', rules: [{ days: [1, 2, 3, 4, 5] as Array<1 | 2 | 3 | 4 | 5>, from: '09:00', to: '17:00', status: 'busy' as const, message: 'Work' }] };
    expect((await presence.load([u!.id]))[0]!.persisted).toMatchObject({ schedule: null, scheduleVersion: 0 });
    expect(await presence.saveSchedule(u!.id, schedule)).toEqual({ version: 1, before: null });
    expect((await presence.load([u!.id]))[0]!.persisted).toMatchObject({ schedule, scheduleVersion: 1 });
    expect(await presence.saveSchedule(u!.id, null)).toEqual({ version: 2, before: schedule });
    expect((await presence.load([u!.id]))[0]!.persisted).toMatchObject({ schedule: null, scheduleVersion: 2 });
    expect(await presence.saveSchedule(999_999, schedule)).toBeNull();
  });

  it('a login’s row is written only if the password is still the one it checked; else nothing (a gone account alike)', async () => {
    const u = (await mk('login_check'))!.id;
    const login = (id: string, checkedHash: string) => sessions.createIfHashStill({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null }, checkedHash);
    expect(await login('lc-1', 'h')).toBe(true);
    expect(await login('lc-2', 'stale')).toBe(false);
    expect(await sessions.createIfHashStill({ id: 'lc-gone', userId: 999_999, now: T0, expiresAt: T0 + 10_000, userAgent: null }, 'h')).toBe(false);
    expect((await sessions.listLive(u, T0)).map((s) => s.id)).toEqual(['lc-1']);
    expect(await sessions.find('lc-2')).toBeNull();
  });

  it('a login checked against the old password whose row is written while a password change holds the row: nothing written, no login outlives the change', async () => {
    const u = (await mk('login_race'))!.id;
    await sessions.create({ id: 'lr-before', userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null });
    // The change (new hash, every live login revoked, as replacePassword) holds the row while the login's write comes.
    const [written] = await behindHeldRow(
      database,
      u,
      () => [sessions.createIfHashStill({ id: 'lr-old-password', userId: u, now: T0 + 1, expiresAt: T0 + 10_000, userAgent: null }, 'h')],
      {
        held: async (trx) => {
          await trx.updateTable('users').set({ password_hash: 'h-new' }).where('id', '=', u).execute();
          await trx.updateTable('user_sessions').set({ revoked_at: T0 + 1 }).where('user_id', '=', u).where('revoked_at', 'is', null).execute();
        },
      },
    );
    expect(written).toBe(false);
    expect(await sessions.listLive(u, T0 + 2)).toEqual([]);
    expect(await sessions.find('lr-old-password')).toBeNull();
  });

  it('a login holds its user’s row shared: other logins and locked transactions on the user go on beside it, a password change waits for it and ends it', async () => {
    const u = (await mk('login_shared'))!.id;
    const v = (await mk('login_shared_v'))!.id;
    const login = (id: string) => sessions.createIfHashStill({ id, userId: u, now: T0, expiresAt: T0 + 10_000, userAgent: null }, 'h');
    if (dialect === 'postgres') {
      // A row of the login's id, not committed, holds the login's insert: by then it holds the user's row.
      const rolledBack = new Error('rolled back');
      let held: Promise<boolean> | undefined;
      let change: Promise<string[] | string> | undefined;
      await expect(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto('user_sessions').values({ id: 'ls-held', user_id: v, created_at: T0, last_seen_at: T0, expires_at: T0 + 10_000, revoked_at: null, user_agent: null }).execute();
          held = login('ls-held');
          await untilBlocked(trx, 1, 'the login never reached its insert');
          let timer: NodeJS.Timeout | undefined;
          const beside = Promise.all([login('ls-beside'), withPairLock(database.db, u, v, async () => 'paired')]);
          const waited = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('waited for the held login')), 5_000)));
          expect(await Promise.race([beside, waited]).finally(() => clearTimeout(timer))).toEqual([true, 'paired']);
          change = sessions.replacePassword(u, 'h2', T0 + 1);
          throw rolledBack;
        }),
      ).rejects.toBe(rolledBack);
      expect(await held).toBe(true);
      expect(sorted(await change!)).toEqual(['ls-beside', 'ls-held']);
    }
    // On this instance a change waits for the logins started before it, and the logins after it for the change.
    const w = (await mk('login_turns'))!.id;
    const [before, change, after] = await Promise.all([
      sessions.createIfHashStill({ id: 'lt-before', userId: w, now: T0, expiresAt: T0 + 10_000, userAgent: null }, 'h'),
      sessions.replacePassword(w, 'h2', T0 + 1),
      sessions.createIfHashStill({ id: 'lt-after', userId: w, now: T0 + 2, expiresAt: T0 + 10_000, userAgent: null }, 'h'),
    ]);
    expect([before, change, after]).toEqual([true, ['lt-before'], false]);
  });

  it('two schedule saves at once: each answers its own version, and the row holds the schedule of the higher one', async () => {
    const presence = new PresenceRepository(database.db);
    const u = await mk('sched_race');
    const rule = (message: string) => ({ days: [1] as Array<1>, from: '09:00', to: '17:00', status: 'busy' as const, message });
    const [a, b] = [{ timeZone: 'UTC', rules: [rule('A')] }, { timeZone: 'Europe/Paris', rules: [rule('B')] }];
    const version = async (save: Promise<ScheduleSave | null>) => {
      const saved = await save;
      return saved && 'version' in saved ? saved.version : null;
    };
    const [va, vb] = await behindHeldRow(database, u!.id, () => [version(presence.saveSchedule(u!.id, a)), version(presence.saveSchedule(u!.id, b))], { reaching: 1 });
    expect([va, vb].sort()).toEqual([1, 2]);
    const loaded = (await presence.load([u!.id]))[0]!.persisted;
    expect(loaded).toEqual(expect.objectContaining({ schedule: va! > vb! ? a : b, scheduleVersion: 2 }));
  });

  it('a schedule save with ifVersion writes only over one of those versions; else nothing, answering the stored one', async () => {
    const presence = new PresenceRepository(database.db);
    const u = (await mk('sched_if'))!.id;
    const rule = (message: string) => ({ days: [1] as Array<1>, from: '09:00', to: '17:00', status: 'busy' as const, message });
    const [a, b] = [{ timeZone: 'UTC', rules: [rule('A')] }, { timeZone: 'UTC', rules: [rule('B')] }];
    expect(await presence.saveSchedule(u, a, [0])).toEqual({ version: 1, before: null });
    expect(await presence.saveSchedule(u, b, [0])).toEqual({ stale: 1 });
    expect(await presence.saveSchedule(u, b, [])).toEqual({ stale: 1 });
    expect(await presence.readSchedule(u)).toEqual({ schedule: a, version: 1 });
    expect(await presence.saveSchedule(u, b, [0, 1])).toEqual({ version: 2, before: a });
    expect(await presence.readSchedule(u)).toEqual({ schedule: b, version: 2 });
    expect(await presence.saveSchedule(999_999, b, [0])).toBeNull();
    expect(await presence.readSchedule(999_999)).toBeNull();
  });

  it('two schedule saves at once against one version: one is written, the other finds the version moved on and writes nothing', async () => {
    const presence = new PresenceRepository(database.db);
    const u = (await mk('sched_if_race'))!.id;
    const rule = (message: string) => ({ days: [1] as Array<1>, from: '09:00', to: '17:00', status: 'busy' as const, message });
    const [a, b] = [{ timeZone: 'UTC', rules: [rule('A')] }, { timeZone: 'UTC', rules: [rule('B')] }];
    const answers = await behindHeldRow(database, u, () => [presence.saveSchedule(u, a, [0]), presence.saveSchedule(u, b, [0])], { reaching: 1 });
    expect(answers).toContainEqual({ version: 1, before: null });
    expect(answers).toContainEqual({ stale: 1 });
    const won = answers[0] && 'version' in answers[0] ? a : b;
    expect(await presence.readSchedule(u)).toEqual({ schedule: won, version: 1 });
  });

  it('calendar writes move the calendar version on (it outlives the feed’s row); a refresh of a feed replaced meanwhile writes nothing', async () => {
    const presence = new PresenceRepository(database.db);
    const feeds = new CalendarRepository(database.db);
    const u = await mk('cal_versions');
    const busy = [{ start: T0, end: T0 + 3_600_000, message: 'Standup' }];
    const calendarOf = async () => {
      const { calendar, calendarVersion } = (await presence.load([u!.id]))[0]!.persisted;
      return { calendar, calendarVersion };
    };
    expect(await calendarOf()).toEqual({ calendar: [], calendarVersion: 0 });
    expect(await feeds.save(u!.id, { url: 'https://cal.example/a.ics', shareTitles: true, busy, refreshedAt: T0 })).toBe(1);
    expect(await calendarOf()).toEqual({ calendar: busy, calendarVersion: 1 });
    expect(await feeds.refreshed(u!.id, { url: 'https://cal.example/a.ics', shareTitles: true }, [], T0 + 1)).toBe(2);
    expect(await calendarOf()).toEqual({ calendar: [], calendarVersion: 2 });
    // A refresh that read the old address: nothing written, the version stays.
    expect(await feeds.refreshed(u!.id, { url: 'https://cal.example/old.ics', shareTitles: true }, busy, T0 + 2)).toBeNull();
    expect(await calendarOf()).toEqual({ calendar: [], calendarVersion: 2 });
    // A refresh that read the feed while it shared titles, the user having stopped meanwhile: nothing written.
    await feeds.save(u!.id, { url: 'https://cal.example/a.ics', shareTitles: false, busy: [], refreshedAt: T0 + 2 });
    expect(await feeds.refreshed(u!.id, { url: 'https://cal.example/a.ics', shareTitles: true }, busy, T0 + 2)).toBeNull();
    expect(await calendarOf()).toEqual({ calendar: [], calendarVersion: 3 });
    expect(await feeds.remove(u!.id)).toBe(4);
    expect(await database.db.selectFrom('user_calendars').select('user_id').where('user_id', '=', u!.id).execute()).toEqual([]);
    expect(await feeds.save(u!.id, { url: 'https://cal.example/b.ics', shareTitles: false, busy, refreshedAt: T0 + 3 })).toBe(5);
    expect(await calendarOf()).toEqual({ calendar: busy, calendarVersion: 5 });
    expect(await feeds.save(999_999, { url: 'https://cal.example/c.ics', shareTitles: false, busy, refreshedAt: T0 })).toBeNull();
    expect(await feeds.remove(999_999)).toBeNull();
  });

  it('a calendar set and removed at once: the stored calendar is the one of the higher version', async () => {
    const presence = new PresenceRepository(database.db);
    const feeds = new CalendarRepository(database.db);
    const u = await mk('cal_race');
    const busy = [{ start: T0, end: T0 + 3_600_000, message: 'In a meeting' }];
    const [set, removed] = await behindHeldRow(database, u!.id, () => [feeds.save(u!.id, { url: 'https://cal.example/a.ics', shareTitles: false, busy, refreshedAt: T0 }), feeds.remove(u!.id)]);
    expect([set, removed].sort()).toEqual([1, 2]);
    const { calendar, calendarVersion } = (await presence.load([u!.id]))[0]!.persisted;
    expect({ calendar, calendarVersion }).toEqual({ calendar: set! > removed! ? busy : [], calendarVersion: 2 });
  });

  it('deletes the sessions that expired before a time, revoked or not, and nothing else', async () => {
    const u = await mk('session_pruning');
    for (const [id, expiresAt] of [['prune-a', T0 + 10], ['prune-b', T0 + 20], ['prune-c', T0 + 30]] as const) {
      await sessions.create({ id, userId: u!.id, now: T0, expiresAt, userAgent: null });
    }
    await sessions.revoke('prune-b', T0 + 5);
    expect(await sessions.prune(T0 + 10)).toBe(0);
    expect(await sessions.prune(T0 + 21)).toBe(2);
    expect(await sessions.find('prune-a')).toBeNull();
    expect(await sessions.find('prune-b')).toBeNull();
    expect(await sessions.find('prune-c')).toMatchObject({ expiresAt: T0 + 30, revokedAt: null });
  });

  it('keeps status history per user: append, range with the state the window opens in, prune, delete', async () => {
    const history = new HistoryRepository(database.db);
    const a = await mk('hist_a');
    const b = await mk('hist_b');
    await history.append([
      { userId: a!.id, at: T0, status: 'online' },
      { userId: a!.id, at: T0 + 10, status: 'away' },
      { userId: b!.id, at: T0 + 15, status: 'online' },
      { userId: a!.id, at: T0 + 20, status: 'offline' },
    ]);
    expect(await history.range(a!.id, T0 + 5, T0 + 100)).toEqual([
      { userId: a!.id, at: T0, status: 'online' },
      { userId: a!.id, at: T0 + 10, status: 'away' },
      { userId: a!.id, at: T0 + 20, status: 'offline' },
    ]);
    expect(await history.prune(T0 + 10)).toBe(1);
    expect((await history.ofUser(a!.id)).map((t) => t.at)).toEqual([T0 + 10, T0 + 20]);
    await history.deleteUser(a!.id);
    expect(await history.ofUser(a!.id)).toEqual([]);
    expect(await history.ofUser(b!.id)).toHaveLength(1);
  });

  it('reads a user\'s history back a day at a time (data export), rows that share a time on the same day', async () => {
    const history = new HistoryRepository(database.db);
    const a = await mk('days_a');
    const b = await mk('days_b');
    const DAY = 86_400_000;
    await history.append([
      { userId: a!.id, at: T0 + DAY, status: 'away' },
      { userId: a!.id, at: T0, status: 'online' },
      { userId: a!.id, at: T0, status: 'busy' },
      { userId: a!.id, at: T0 + DAY - 1, status: 'offline' },
      { userId: b!.id, at: T0 + 2 * DAY, status: 'online' },
      { userId: a!.id, at: T0 + 3 * DAY, status: 'online' },
    ]);
    const days: Array<Array<[number, string]>> = [];
    for await (const day of history.daysOfUser(a!.id)) days.push(day.map((t) => [t.at - T0, t.status]));
    expect(days.map((d) => d.map(([at]) => at))).toEqual([[0, 0, DAY - 1], [DAY], [3 * DAY]]);
    expect(days[0]!.map(([, s]) => s).sort()).toEqual(['busy', 'offline', 'online']);
    const none: unknown[] = [];
    for await (const day of history.daysOfUser(999_999)) none.push(day);
    expect(none).toEqual([]);
  });

  it('reads a window back a day a page (history, patterns): the pages add up to the one-query range', async () => {
    const history = new HistoryRepository(database.db);
    const a = await mk('pages_a');
    const b = await mk('pages_b');
    const DAY = 86_400_000;
    const from = T0 + 5;
    const to = from + 3 * DAY;
    await history.append([
      { userId: a!.id, at: T0, status: 'online' },
      { userId: a!.id, at: T0 + 1, status: 'away' },
      { userId: a!.id, at: from, status: 'busy' },
      { userId: a!.id, at: from + DAY - 1, status: 'online' },
      // Two rows at one time, on the first moment of a day's page: they stay together.
      { userId: a!.id, at: from + DAY, status: 'offline' },
      { userId: a!.id, at: from + DAY, status: 'online' },
      { userId: b!.id, at: from + DAY + 7, status: 'online' },
      { userId: a!.id, at: to, status: 'away' },
      { userId: a!.id, at: to + 1, status: 'busy' },
    ]);
    const pages: Array<Array<{ at: number; status: string }>> = [];
    for await (const page of history.pages(a!.id, from, to)) pages.push(page.map((t) => ({ at: t.at, status: t.status })));
    const range = (await history.range(a!.id, from, to)).map((t) => ({ at: t.at, status: t.status }));
    expect(pages.flat()).toEqual(range);
    // A page a day and one for the window's last moment, the third day having none; the first page opens with the state before the window.
    expect(pages.map((p) => p.map((t) => t.at - T0))).toEqual([[1, 5, 5 + DAY - 1], [5 + DAY, 5 + DAY], [], [5 + 3 * DAY]]);
    expect(pages[1]!.map((t) => t.status).sort()).toEqual(['offline', 'online']);
    const none: unknown[][] = [];
    for await (const page of history.pages(999_999, from, from + DAY - 1)) none.push(page);
    expect(none).toEqual([[]]);
  });

  it('resets users left online by a crash to offline with last_seen = the last alive time', async () => {
    const presence = new PresenceRepository(database.db);
    const ghost = await mk('ghost');
    const active = await mk('ghost_active');
    const none = { manualStatus: null, serverGames: [], customMessage: null, customMessageExpiresAt: null, lastSeen: null };
    await presence.write([
      { userId: ghost!.id, status: 'online', activity: 'browsing', persisted: { ...none, lastActivity: T0 } },
      { userId: active!.id, status: 'in_game', activity: 'playing_pong', persisted: { ...none, lastActivity: T0 + 5000 } },
    ]);
    expect(await presence.lastAlive()).toBeNull();
    await presence.markAlive(T0 + 1000);
    expect(await presence.lastAlive()).toBe(T0 + 1000);
    expect(await presence.resetGhosts(await presence.lastAlive(), T0 + 99_000)).toBeGreaterThanOrEqual(2);
    const rows = await database.db.selectFrom('users').select(['id', 'online_status', 'activity_type', 'last_seen']).where('id', 'in', [ghost!.id, active!.id]).orderBy('id').execute();
    expect(rows).toEqual([
      { id: ghost!.id, online_status: 'offline', activity_type: null, last_seen: T0 + 1000 },
      { id: active!.id, online_status: 'offline', activity_type: null, last_seen: T0 + 5000 },
    ]);
  });

  it('answers ping', async () => {
    expect(await database.ping()).toBe(true);
  });
});
