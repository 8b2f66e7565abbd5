/**
 * What was done while hidden stays hidden after unhiding, on every output a friend has (live
 * frames, REST, a fresh ready snapshot, notifications, patterns), and an activity belongs to a
 * present user only. Each case is one of an outside tester's findings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const MIN = 60_000;
const H = 60 * MIN;
const GRACE = 10_000;
const SERVICE_TOKEN = 'game-server-secret-123456';
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;
const minute = (ms: number) => new Date(ms - (ms % MIN)).toISOString();
/** A game server reports that `userId`'s match started. */
const startMatch = async (t: LiveApp, userId: number) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/games/events',
    headers: { 'x-service-token': SERVICE_TOKEN },
    payload: { event: 'match_started', match_id: 'm1', player_ids: [userId] },
  });
  expect(res.statusCode).toBe(200);
};

describe('hidden stays hidden after unhiding', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let carol: U;
  beforeEach(async () => {
    // Tokens outlive the longest test's clock (up to ~9 days ahead, from the coming Monday on): the default 7 days made it fail on some weekdays.
    ({ t, alice, bob, carol } = await liveUsers({ offlineGraceMs: GRACE, idleTimeoutMs: 24 * H, serviceToken: SERVICE_TOKEN, tokenTtlS: 200 * 86_400 }, ['alice', 'bob', 'carol'], { friends: [['alice', 'bob'], ['alice', 'carol']] }));
  });
  afterEach(() => t.close());

  const api = (who: U, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });
  const settings = (who: U, payload: object) => api(who, 'PUT', '/users/me/status/settings', payload);
  const status = async (viewer: U, subject: U) => (await api(viewer, 'GET', `/users/${subject.id}/status`)).json<Record<string, unknown>>();
  /** The socket's frames since `from`, once notifications are sent and a notice queued after them shows nothing more is on its way. */
  const quiet = async (socket: TestSocket, from: number) => {
    await t.app.services.notifications.notifier.idle();
    return framesUntilNotice(socket, from, t);
  };
  const leave = async (socket: TestSocket, who: U) => {
    socket.close();
    await socket.waitClosed();
    await expect.poll(() => t.app.services.presence.engine.sessionIds(who.id).length).toBe(0);
  };
  const inReady = (ready: Frame, who: U) => (ready.friends as Array<{ user_id: number }>).find((v) => v.user_id === who.id);

  it('unhiding in the offline grace sends nothing (no online, no notification) and last_seen stays when she hid', async () => {
    expect((await api(bob, 'PUT', `/users/me/notifications/watches/${alice.id}`)).statusCode).toBe(200);
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    expect((await quiet(b, 0)).filter((f) => f.type === 'notification')).toHaveLength(1);
    await t.advance(MIN);
    const hidAt = t.clock.now();
    await b.after(() => settings(alice, { status_visibility: 'hidden' }), (f) => change(alice.id)(f) && f.status === 'offline');
    await t.advance(2 * MIN);
    await leave(a, alice);
    await t.advance(2000);

    const unhiding = b.mark();
    expect((await settings(alice, { status_visibility: 'friends' })).statusCode).toBe(200);
    expect(await quiet(b, unhiding)).toEqual([]);
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', activity: null, last_seen: minute(hidAt) });

    // The grace she left in ends: still nothing, and last_seen is still the moment she hid.
    await t.advance(GRACE);
    expect(await quiet(b, unhiding)).toEqual([]);
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', last_seen: minute(hidAt) });
    expect(inReady((await t.connect(carol.token)).ready, alice)).toMatchObject({ status: 'offline', last_seen: minute(hidAt) });
    await t.app.services.presence.flush();
    const row = await t.app.services.database.db.selectFrom('users').select('last_seen').where('id', '=', alice.id).executeTakeFirstOrThrow();
    expect(Number(row.last_seen)).toBe(hidAt);

    // Coming back (after the watcher's 30-minute period) is a real arrival: friends see it, and the watcher is notified.
    await t.advance(30 * MIN);
    const back = b.mark();
    await t.connect(alice.token);
    expect(await b.next(change(alice.id), { from: back })).toMatchObject({ status: 'online', activity: 'browsing' });
    expect(await b.next((f) => f.type === 'notification', { from: back })).toMatchObject({ kind: 'friend_online', friend_id: alice.id });
  });

  it('an activity declared with no session (grace over) is not kept: the next connect shows browsing', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await leave(a, alice);
    // Bob sees her go offline: in before `back` is marked, where the wait for her return would take it.
    await b.after(() => t.advance(GRACE + 1), (f) => change(alice.id)(f) && f.status === 'offline');
    expect(await status(bob, alice)).toMatchObject({ status: 'offline' });

    const declared = await api(alice, 'POST', '/users/me/activity', { activity: 'playing_pong', details: { opponent: 'ghost' } });
    expect(declared.statusCode).toBe(200);
    expect(declared.json()).toMatchObject({ status: 'offline', activity: null, activity_details: null });
    await t.advance(5000);

    const back = b.mark();
    const { ready } = await t.connect(alice.token);
    expect(ready.self).toMatchObject({ status: 'online', activity: 'browsing', activity_details: null });
    expect(await b.next(change(alice.id), { from: back })).toMatchObject({ status: 'online', activity: 'browsing', activity_details: null });
    expect(await status(bob, alice)).toMatchObject({ status: 'online', activity: 'browsing', activity_details: null });
  });

  it('after unhiding, activity_since is not earlier than the unhide minute: live, REST and ready alike', async () => {
    await settings(alice, { status_visibility: 'hidden' });
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    const startedAt = t.clock.now();
    await a.after(() => api(alice, 'POST', '/users/me/activity', { activity: 'chatting', details: { room: 'r1' } }), (f) => f.type === 'status_update' && f.activity === 'chatting');
    await t.advance(2 * MIN);
    const unhidAt = t.clock.now();

    const shown = await b.after(() => settings(alice, { status_visibility: 'friends' }), change(alice.id));
    expect(shown).toMatchObject({ status: 'online', activity: 'chatting', activity_since: minute(unhidAt) });
    expect(await status(bob, alice)).toMatchObject({ activity: 'chatting', activity_since: minute(unhidAt) });
    expect(inReady((await t.connect(carol.token)).ready, alice)).toMatchObject({ activity: 'chatting', activity_since: minute(unhidAt) });
    // The user herself keeps the truth.
    expect(await status(alice, alice)).toMatchObject({ activity_since: new Date(startedAt).toISOString() });

    // A server game started while hidden is dated no earlier than the unhiding either.
    // Bob sees her go offline first: the wait for her coming back below must not take that frame.
    await b.after(() => settings(alice, { status_visibility: 'hidden' }), (f) => change(alice.id)(f) && f.status === 'offline');
    await t.advance(2 * MIN);
    await startMatch(t, alice.id);
    await t.advance(2 * MIN);
    const again = t.clock.now();
    const inGame = await b.after(() => settings(alice, { status_visibility: 'friends' }), change(alice.id));
    expect(inGame).toMatchObject({ status: 'in_game', activity: 'playing_pong', activity_since: minute(again) });
    expect(await status(bob, alice)).toMatchObject({ status: 'in_game', activity_since: minute(again) });
    expect(inReady((await t.connect(carol.token)).ready, alice)).toMatchObject({ status: 'in_game', activity_since: minute(again) });
  });

  it('presence while hidden feeds no pattern: history records what friends saw (offline)', async () => {
    await settings(alice, { pattern_visibility: 'friends' });
    // Start on the coming Monday; on the first two weekdays Alice is on 18:00–23:00, hidden all along.
    const now = new Date(t.clock.now());
    const daysToMonday = (8 - (now.getUTCDay() || 7)) % 7 || 7;
    t.clock.t = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysToMonday);
    const start = t.clock.now();
    const { socket: first } = await t.connect(alice.token);
    await t.advance(H);
    await settings(alice, { status_visibility: 'hidden' });
    const hidAt = t.clock.now();
    await leave(first, alice);
    await t.advance(17 * H);
    for (let day = 0; day < 2; day++) {
      const { socket } = await t.connect(alice.token);
      await t.advance(5 * H);
      await leave(socket, alice);
      await t.advance(GRACE + 1);
      await t.advance(19 * H - GRACE - 1);
    }
    await settings(alice, { status_visibility: 'friends' });
    await t.advance(2 * MIN);

    await t.app.services.history.recorder.flush();
    const rows = await t.app.services.history.repo.ofUser(alice.id);
    expect(rows.map((r) => [r.at - start, r.status])).toEqual([
      [0, 'online'],
      [hidAt - start, 'offline'],
    ]);
    const pattern = await api(bob, 'GET', `/users/${alice.id}/pattern`);
    expect(pattern.statusCode).toBe(200);
    expect(pattern.json()).toMatchObject({ summary: 'No regular online hours yet' });
    const own = (await api(alice, 'GET', '/users/me/status/history?days=7&time_zone=UTC')).json<{ heatmap: Array<Array<number | null>> }>();
    expect(own.heatmap[0]![19]).toBe(0);
    expect(own.heatmap[1]![19]).toBe(0);

    // Unhiding while online records what friends see from then on.
    const { socket: later } = await t.connect(alice.token);
    await t.advance(2 * MIN);
    await settings(alice, { status_visibility: 'hidden' });
    await t.advance(2 * MIN);
    const unhidAt = t.clock.now();
    await settings(alice, { status_visibility: 'friends' });
    await t.advance(2 * MIN);
    await t.app.services.history.recorder.flush();
    const tail = (await t.app.services.history.repo.ofUser(alice.id)).slice(2);
    expect(tail.map((r) => r.status)).toEqual(['online', 'offline', 'online']);
    expect(tail[2]!.at).toBe(unhidAt);
    later.close();
  });
});

describe('a server game started while hidden, after unhiding and a restart', () => {
  let dir: string | null = null;
  const apps: LiveApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('is still dated no earlier than the unhide minute for friends (the game keeps when she unhid)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-hidden-'));
    const config = { databaseUrl: `sqlite:${join(dir, 'beacon.db')}`, jwtSecret: 'hidden-secret-0123456789', serviceToken: SERVICE_TOKEN, idleTimeoutMs: 24 * H };
    const t1 = await startLiveApp(config);
    apps.push(t1);
    const [alice, bob] = await t1.registerFriends('alice', 'bob');
    const settings = (t: LiveApp, payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload });
    const seen = async (t: LiveApp) => (await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json<Record<string, unknown>>();
    await settings(t1, { status_visibility: 'hidden' });
    await t1.connect(alice.token);
    await startMatch(t1, alice.id);
    await t1.advance(3 * MIN);
    const unhidAt = t1.clock.now();
    await settings(t1, { status_visibility: 'friends' });
    expect(await seen(t1)).toMatchObject({ status: 'in_game', activity_since: minute(unhidAt) });
    await t1.close();
    apps.splice(apps.indexOf(t1), 1);

    const t2 = await startLiveApp(config);
    apps.push(t2);
    t2.clock.t = unhidAt + MIN;
    expect(await seen(t2)).toMatchObject({ status: 'in_game', activity: 'playing_pong', activity_since: minute(unhidAt) });
    const { ready } = await t2.connect(bob.token);
    expect((ready.friends as Array<{ user_id: number }>).find((v) => v.user_id === alice.id)).toMatchObject({ status: 'in_game', activity_since: minute(unhidAt) });
  });
});
