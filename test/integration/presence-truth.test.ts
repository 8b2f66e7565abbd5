/**
 * What a friend's screen shows stays true: only a person's actions count as activity, friend
 * requests arrive as events, and games survive restarts without outliving a crashed game server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const IDLE_MS = 300_000;
const PROBE_MS = 60_000;
const SERVICE_TOKEN = 'game-server-secret-123456';
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('presence that is always true', () => {
  const apps: LiveApp[] = [];
  let dir: string | null = null;
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });
  async function start(config: Parameters<typeof startLiveApp>[0] = {}) {
    const t = await startLiveApp({ idleTimeoutMs: IDLE_MS, idleProbeTimeoutMs: PROBE_MS, serviceToken: SERVICE_TOKEN, ...config });
    apps.push(t);
    return t;
  }
  async function pair(t: LiveApp): Promise<{ alice: U; bob: U }> {
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    return { alice, bob };
  }
  /** Alice and Bob, friends, Bob's socket and then Alice's (seen coming online); `probed`: then left idle until her idle probe came. */
  async function connectedPair(t: LiveApp, { probed = false } = {}) {
    const { alice, bob } = await pair(t);
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    if (probed) await a.after(() => t.advance(IDLE_MS), (f) => f.type === 'are_you_there');
    return { alice, bob, a, b };
  }
  const get = (t: LiveApp, who: U, url: string) => t.app.inject({ url: `/api/v1${url}`, headers: bearer(who.token) });

  describe('activity means a person did something', () => {
    it('a tab with a socket whose app reads every second still gets the idle probe, then goes away', async () => {
      const t = await start();
      const { alice, a, b } = await connectedPair(t);
      const from = b.mark();
      // Badge counts, request lists, friend statuses: background reads, once a second.
      for (let s = 1; s < IDLE_MS / 1000; s++) {
        await t.advance(1000);
        await get(t, alice, s % 2 ? '/users/me/friends/requests' : '/users/me/friends/status');
      }
      // The ticks and reads queued whatever they made for her and Bob: in before their barriers' answers.
      await a.settled();
      expect(a.ofType('are_you_there')).toEqual([]);
      await a.after(() => t.advance(1000), (f) => f.type === 'are_you_there');
      for (let s = 1; s < PROBE_MS / 1000; s++) {
        await t.advance(1000);
        await get(t, alice, '/users/me/friends/status');
      }
      await b.settled();
      expect(b.since(from).filter(change(alice.id))).toEqual([]);
      expect(await b.after(() => t.advance(1000), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
    });

    it('a polling-only page counts as present, goes away when its person is idle, and is back on a reported interaction', async () => {
      const t = await start();
      const { alice, bob } = await pair(t);
      const { socket: b } = await t.connect(bob.token);
      const online = await b.after(() => get(t, alice, '/users/me/friends/status'), change(alice.id));
      expect(online).toMatchObject({ status: 'online' });
      const from = b.mark();
      for (let s = 1; s < (IDLE_MS + PROBE_MS) / 1000; s++) {
        await t.advance(1000);
        await get(t, alice, '/users/me/friends/status');
      }
      await b.settled();
      expect(b.since(from).filter(change(alice.id))).toEqual([]);
      expect(await b.after(() => t.advance(1000), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
      const back = await b.after(
        () => t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) }),
        change(alice.id),
      );
      expect(back).toMatchObject({ status: 'online', activity: 'browsing' });
    });

    it('a state-changing request counts as activity: it answers the probe', async () => {
      const t = await start();
      const { alice, b } = await connectedPair(t, { probed: true });
      const carol = await t.register('carol');
      const sent = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(alice.token), payload: { user_id: carol.id } });
      expect(sent.statusCode).toBe(201);
      const from = b.mark();
      await t.advance(PROBE_MS);
      await b.settled();
      expect(b.since(from).filter(change(alice.id))).toEqual([]);
    });

    // An auto-away user's request that changes their presence: friends see its result only. The
    // request's interaction used to be applied first, on its own, so friends saw `online` first.
    it.each([
      ['sets busy', 'PUT', '/users/me/status', { status: 'busy' }, { status: 'busy' }],
      ['starts a game', 'POST', '/users/me/activity', { activity: 'playing_pong' }, { status: 'in_game', activity: 'playing_pong' }],
      ['hides', 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' }, { status: 'offline' }],
      ['logs out', 'POST', '/auth/logout', undefined, { status: 'offline' }],
      ['sets a busy schedule rule that holds now', 'PUT', '/users/me/status/schedule', { time_zone: 'UTC', rules: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59', status: 'busy', message: null }, { days: [1, 2, 3, 4, 5, 6, 7], from: '23:58', to: '00:01', status: 'busy', message: null }] }, { status: 'busy' }],
      ['changes her notification period (back online: the request was her)', 'PUT', '/users/me/notifications/settings', { period_minutes: 45 }, { status: 'online' }],
    ] as const)('an auto-away user who %s: friends see only the result', async (_what, method, url, payload, shown) => {
      const t = await start();
      const { alice, b } = await connectedPair(t, { probed: true });
      expect(await b.after(() => t.advance(PROBE_MS), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
      const from = b.mark();
      const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(alice.token), ...(payload ? { payload } : {}) });
      expect(res.statusCode).toBeLessThan(300);
      // The result arrives, then a notice queued after it: nothing of hers came but the result.
      await b.next((f) => change(alice.id)(f) && f.status === shown.status, { from });
      const seen = (await framesUntilNotice(b, from, t)).filter(change(alice.id));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject(shown);
    });

    it.each([
      ['unfriends', 'DELETE', (bobId: number) => `/users/me/friends/${bobId}`, undefined],
      ['blocks', 'POST', () => '/users/me/blocks', (bobId: number) => ({ user_id: bobId })],
    ] as const)('an auto-away user who %s a friend: he gets friend_removed only, never her `online` before it', async (_what, method, url, payload) => {
      const t = await start();
      const { alice, bob, b } = await connectedPair(t, { probed: true });
      expect(await b.after(() => t.advance(PROBE_MS), change(alice.id))).toMatchObject({ status: 'away' });
      const from = b.mark();
      const body = payload?.(bob.id);
      const res = await t.app.inject({ method, url: `/api/v1${url(bob.id)}`, headers: bearer(alice.token), ...(body ? { payload: body } : {}) });
      expect(res.statusCode).toBeLessThan(300);
      await b.next((f) => f.type === 'friend_removed', { from });
      expect((await framesUntilNotice(b, from, t)).filter(change(alice.id))).toEqual([]);
    });

    // CONTRACT: requests that change state on the user's behalf are interaction, and any
    // interaction brings an auto-away user back. The requests above that may hide or busy her
    // count once their change is made, so friends see the change first, then `online`.
    it.each([
      ['changes her privacy settings', 'PUT', (_bobId: number): string => '/users/me/status/settings', { last_seen_visibility: 'public' }],
      ['changes the category she gives him', 'PATCH', (bobId: number): string => `/users/me/friends/${bobId}`, { category: 'close_friend' }],
      ['saves a schedule with no rule holding now', 'PUT', (_bobId: number): string => '/users/me/status/schedule', { time_zone: 'Europe/Paris', rules: [] }],
    ] as const)('an auto-away user who %s is back online, the change made first', async (_what, method, url, payload) => {
      const t = await start();
      const { alice, bob, a, b } = await connectedPair(t, { probed: true });
      // Her own socket hears of her going away too: that frame must be in before `own` is marked.
      const away = a.mark();
      expect(await b.after(() => t.advance(PROBE_MS), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
      await a.next((f) => f.type === 'status_update' && f.status === 'away', { from: away });
      const [from, own] = [b.mark(), a.mark()];
      const res = await t.app.inject({ method, url: `/api/v1${url(bob.id)}`, headers: bearer(alice.token), payload });
      expect(res.statusCode).toBe(200);
      // Answered once she is back: her next read says so.
      expect((await get(t, alice, '/users/me/status')).json()).toMatchObject({ status: 'online', activity: 'browsing' });
      await b.next((f) => change(alice.id)(f) && f.status === 'online', { from });
      const seen = (await framesUntilNotice(b, from, t)).filter(change(alice.id));
      expect(seen).toEqual([expect.objectContaining({ status: 'online', activity: 'browsing' })]);
      expect(await a.next((f) => f.type === 'status_update', { from: own })).toMatchObject({ status: 'online', activity: 'browsing' });
    });

    it('a refused change is no interaction: an auto-away user whose settings change is refused stays away', async () => {
      const t = await start();
      const { alice, b } = await connectedPair(t, { probed: true });
      expect(await b.after(() => t.advance(PROBE_MS), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
      const carol = await t.register('carol');
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${carol.id}`, headers: bearer(alice.token), payload: { category: 'friend' } });
      expect(res.statusCode).toBe(404);
      expect((await get(t, alice, '/users/me/status')).json()).toMatchObject({ status: 'away', activity: 'idle' });
    });

    // The other way round: a request that shows her to someone shows her as her interaction made
    // her, `online`, never `away` first (the interaction is applied before the handler).
    it.each([
      ['POST /users/me/status/unhide', 'POST', '/api/v1/users/me/status/unhide', undefined],
      ['her settings', 'PUT', '/api/v1/users/me/status/settings', { status_visibility: 'friends' }],
    ] as const)('an auto-away user who unhides (%s): friends see her online at once, never away first', async (_how, method, url, payload) => {
      const t = await start();
      const { alice, a, b } = await connectedPair(t);
      const hide = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { status_visibility: 'hidden' } });
      expect(hide.statusCode).toBe(200);
      await b.next((f) => change(alice.id)(f) && f.status === 'offline');
      await a.after(() => t.advance(IDLE_MS), (f) => f.type === 'are_you_there');
      await a.after(() => t.advance(PROBE_MS), (f) => f.type === 'status_update' && f.status === 'away');
      const from = b.mark();
      expect((await t.app.inject({ method, url, headers: bearer(alice.token), ...(payload ? { payload } : {}) })).statusCode).toBe(200);
      await b.next((f) => change(alice.id)(f) && f.status !== 'offline', { from });
      const seen = (await framesUntilNotice(b, from, t)).filter(change(alice.id));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ status: 'online', activity: 'browsing' });
    });

    it('an auto-away user who accepts a request: the new friend sees her online in friend_added, nothing after', async () => {
      const t = await start();
      const alice = await t.register('alice');
      const carol = await t.register('carol');
      const { socket: c } = await t.connect(carol.token);
      const { socket: a } = await t.connect(alice.token);
      await a.after(() => t.advance(IDLE_MS), (f) => f.type === 'are_you_there');
      await a.after(() => t.advance(PROBE_MS), (f) => f.type === 'status_update' && f.status === 'away');
      const asked = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(carol.token), payload: { user_id: alice.id } });
      const id = asked.json<{ request: { id: number } }>().request.id;
      // Carol's own request counted as her interaction: only Alice's side is under test.
      const from = c.mark();
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/accept`, headers: bearer(alice.token) })).statusCode).toBe(200);
      const added = await c.next((f) => f.type === 'friend_added', { from });
      expect(added).toMatchObject({ friend: { user_id: alice.id, status: 'online', activity: 'browsing' } });
      expect((await framesUntilNotice(c, from, t)).filter(change(alice.id))).toEqual([]);
    });

    it('the interaction endpoint needs a token and answers 204', async () => {
      const t = await start();
      const { alice } = await pair(t);
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction' })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) })).statusCode).toBe(204);
    });
  });

  describe('friend requests and friendship changes are pushed', () => {
    const post = (t: LiveApp, who: U, url: string, payload?: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });

    it('a request reaches the recipient; accepting closes it on both sides, then friend_added', async () => {
      const t = await start();
      const carol = await t.register('carol');
      const dave = await t.register('dave');
      const { socket: c } = await t.connect(carol.token);
      const { socket: d } = await t.connect(dave.token);
      const [fromC, fromD] = [c.mark(), d.mark()];
      const res = await post(t, carol, '', { user_id: dave.id });
      const { request } = res.json<{ request: { id: number } }>();
      expect(await d.next((f) => f.type === 'friend_request_received', { from: fromD })).toMatchObject({
        request: { id: request.id, from_user_id: carol.id, to_user_id: dave.id, created_at: expect.any(String) },
        seq: expect.any(Number),
      });
      // Told to both sides as the request is made: one to Carol would be in before her barrier's answer.
      await c.settled();
      expect(c.since(fromC).filter((f) => f.type === 'friend_request_received')).toEqual([]);

      const [acceptC, acceptD] = [c.mark(), d.mark()];
      expect((await post(t, dave, `/${request.id}/accept`)).statusCode).toBe(200);
      for (const [s, from, other] of [[c, acceptC, dave], [d, acceptD, carol]] as const) {
        await s.next((f) => f.type === 'friend_added', { from });
        const types = s.since(from).map((f) => f.type);
        expect(types.indexOf('friend_request_closed')).toBeLessThan(types.indexOf('friend_added'));
        expect(s.since(from).find((f) => f.type === 'friend_request_closed')).toMatchObject({ request_id: request.id, reason: 'accepted' });
        expect(s.since(from).find((f) => f.type === 'friend_added')).toMatchObject({ friend: { user_id: other.id, status: 'online' } });
      }
    });

    it('declining tells both sides "declined"; cancelling tells both "cancelled"', async () => {
      const t = await start();
      const carol = await t.register('carol');
      const dave = await t.register('dave');
      const { socket: c } = await t.connect(carol.token);
      const { socket: d } = await t.connect(dave.token);
      for (const [closer, reason] of [[carol, 'cancelled'], [dave, 'declined']] as const) { // a decline starts a cooldown: last
        const { request } = (await post(t, carol, '', { user_id: dave.id })).json<{ request: { id: number } }>();
        const [fromC, fromD] = [c.mark(), d.mark()];
        expect((await post(t, closer, `/${request.id}/decline`)).statusCode).toBe(204);
        for (const [s, from] of [[c, fromC], [d, fromD]] as const) {
          expect(await s.next((f) => f.type === 'friend_request_closed', { from })).toMatchObject({ request_id: request.id, reason });
        }
      }
    });

    it('asking someone who already asked you accepts at once: their request closes as accepted', async () => {
      const t = await start();
      const carol = await t.register('carol');
      const dave = await t.register('dave');
      const { socket: c } = await t.connect(carol.token);
      const { request } = (await post(t, dave, '', { user_id: carol.id })).json<{ request: { id: number } }>();
      const from = c.mark();
      expect((await post(t, carol, '', { user_id: dave.id })).statusCode).toBe(200);
      expect(await c.next((f) => f.type === 'friend_request_closed', { from })).toMatchObject({ request_id: request.id, reason: 'accepted' });
      expect(await c.next((f) => f.type === 'friend_added', { from })).toMatchObject({ friend: { user_id: dave.id } });
    });

    it('nobody else hears of a request', async () => {
      const t = await start();
      const { alice, bob } = await pair(t);
      const carol = await t.register('carol');
      const { socket: a } = await t.connect(alice.token);
      const from = a.mark();
      await post(t, bob, '', { user_id: carol.id });
      expect((await framesUntilNotice(a, from, t)).filter((f) => f.type.startsWith('friend_request'))).toEqual([]);
    });
  });

  describe('games outlive restarts and crashed game servers', () => {
    const game = (t: LiveApp, payload: object) =>
      t.app.inject({ method: 'POST', url: '/api/v1/games/events', headers: { 'x-service-token': SERVICE_TOKEN }, payload });

    it('a restart keeps an in-progress game, and its later match_ended is honoured', async () => {
      dir = mkdtempSync(join(tmpdir(), 'beacon-games-'));
      const config = { databaseUrl: `sqlite:${join(dir, 'beacon.db')}`, jwtSecret: 'games-secret-0123456789' };
      const t1 = await start(config);
      const { alice, bob } = await pair(t1);
      await t1.connect(alice.token);
      expect((await game(t1, { event: 'match_started', match_id: 'm-9', player_ids: [alice.id] })).statusCode).toBe(200);
      await t1.close();
      apps.splice(apps.indexOf(t1), 1);

      const t2 = await start(config);
      expect((await get(t2, bob, `/users/${alice.id}/status`)).json()).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
      const { socket: b } = await t2.connect(bob.token);
      // Her socket closed with the stop moments ago: she is in its offline grace (protocol.md
      // "clean stop"), so the match's end shows her online until the grace runs out.
      const ended = await b.after(() => game(t2, { event: 'match_ended', match_id: 'm-9', player_ids: [alice.id] }), change(alice.id));
      expect(ended).toMatchObject({ status: 'online' });
      const offline = await b.after(() => t2.advance(t2.app.services.config.offlineGraceMs), change(alice.id));
      expect(offline).toMatchObject({ status: 'offline', activity: null });
    });

    it('a friend sees the match with its opponent, score and start; updates are pushed; a stranger sees none of it', async () => {
      const t = await start();
      const { alice, bob } = await pair(t);
      const stranger = await t.register('stranger');
      const { socket: b } = await t.connect(bob.token);
      await t.connectSeenBy(alice.token, b);
      // bob, a friend, sees activity_since to the minute (hardening: timestamps shown to others).
      const startedAt = new Date(t.clock.now() - (t.clock.now() % 60_000)).toISOString();
      const started = await b.after(
        () => game(t, { event: 'match_started', match_id: 'm-7', player_ids: [alice.id], details: { opponent: 'carol', mode: 'ranked', score: '0-0' } }),
        (f) => change(alice.id)(f) && f.status === 'in_game',
      );
      expect(started).toMatchObject({ activity: 'playing_pong', activity_details: { opponent: 'carol', mode: 'ranked', score: '0-0' }, activity_since: startedAt });
      await t.advance(120_000);
      const updated = await b.after(() => game(t, { event: 'match_updated', match_id: 'm-7', player_ids: [alice.id], details: { score: '3-2' } }), change(alice.id));
      expect(updated).toMatchObject({ activity_details: { opponent: 'carol', mode: 'ranked', score: '3-2' }, activity_since: startedAt });
      expect((await get(t, bob, `/users/${alice.id}/status`)).json()).toMatchObject({ activity_details: { score: '3-2' }, activity_since: startedAt });
      expect((await get(t, stranger, `/users/${alice.id}/status`)).json()).toMatchObject({ status: 'offline', activity_details: null, activity_since: null });
      // An update for a match that is not in progress changes nothing.
      const from = b.mark();
      await game(t, { event: 'match_updated', match_id: 'other', player_ids: [alice.id], details: { score: '9-9' } });
      expect(await framesUntilNotice(b, from, t)).toEqual([]);
    });

    it('an update keeps the details it does not name, also one sent as null; a repeated start with details replaces them and keeps the start', async () => {
      const t = await start();
      const { alice, b } = await connectedPair(t);
      const report = (event: string, details: object) => game(t, { event, match_id: 'm-8', player_ids: [alice.id], details });
      const started = await b.after(() => report('match_started', { opponent: 'zed', score: '0-0', serving: 'zed' }), (f) => change(alice.id)(f) && f.status === 'in_game');
      await t.advance(60_000);
      const updated = await b.after(() => report('match_updated', { score: '1-0', serving: null }), change(alice.id));
      expect(updated.activity_details).toEqual({ opponent: 'zed', score: '1-0', serving: 'zed' });
      const replaced = await b.after(() => report('match_started', { opponent: 'zed', score: '1-0' }), change(alice.id));
      expect(replaced).toMatchObject({ status: 'in_game', activity_details: { opponent: 'zed', score: '1-0' }, activity_since: started.activity_since });
      expect(replaced.activity_details).not.toHaveProperty('serving');
    });

    it('a match without match_ended ends after BEACON_MAX_GAME_MS, and the player returns to their previous status', async () => {
      const t = await start({ maxGameMs: 3 * 3_600_000 });
      const { alice, b } = await connectedPair(t);
      await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(alice.token), payload: { status: 'busy' } });
      await b.after(() => game(t, { event: 'match_started', match_id: 'lost', player_ids: [alice.id] }), (f) => change(alice.id)(f) && f.status === 'in_game');
      const from = b.mark();
      for (let h = 0; h < 3 * 60 - 1; h++) await t.advance(60_000); // keep the socket's clock moving, minute by minute
      await b.settled();
      expect(b.since(from).filter(change(alice.id))).toEqual([]);
      expect(await b.after(() => t.advance(60_000), change(alice.id))).toMatchObject({ status: 'busy' });
    });
  });
});
