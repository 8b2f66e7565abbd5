/** The status REST endpoints and game events. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveFriends, startLiveApp, type LiveApp } from '../helpers/live-app.js';

type U = { token: string; id: number };
const SERVICE_TOKEN = 'game-server-secret-123456';

describe('status API', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ serviceToken: SERVICE_TOKEN }));
  });
  afterEach(() => t.close());

  const put = (who: U, payload: object) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(who.token), payload });
  const activity = (who: U, payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/v1/users/me/activity', headers: bearer(who.token), payload });
  const game = (payload: object, token: string | null = SERVICE_TOKEN) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/games/events',
      headers: token ? { 'x-service-token': token } : {},
      payload,
    });
  const friendsStatus = (who: U, q = '') =>
    t.app.inject({ url: `/api/v1/users/me/friends/status${q}`, headers: bearer(who.token) });

  it('sets a manual status with a custom message and returns the own view', async () => {
    await t.connect(alice.token);
    const res = await put(alice, { status: 'busy', custom_message: 'in a meeting' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user_id: alice.id, username: 'alice', status: 'busy', custom_message: 'in a meeting' });
  });

  it('pushes the clearing of an expired custom message to friends and to the user, at expires_at', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    const expires = new Date(t.clock.now() + 60_000).toISOString();
    const [setA, setB] = [a.mark(), b.mark()];
    await put(alice, { status: 'online', custom_message: 'back soon', expires_at: expires });
    expect(await b.next((f) => f.type === 'friend_status_change', { from: setB })).toMatchObject({ friend_id: alice.id, custom_message: 'back soon' });
    expect(await a.next((f) => f.type === 'status_update', { from: setA })).toMatchObject({ custom_message: 'back soon' });
    const [fromA, fromB] = [a.mark(), b.mark()];
    await t.advance(59_999);
    // The tick queued whatever it made for Bob: it is in before his barrier's answer.
    await b.settled();
    expect(b.since(fromB)).toEqual([]);
    await t.advance(1);
    expect(await b.next((f) => f.type === 'friend_status_change', { from: fromB })).toMatchObject({ friend_id: alice.id, status: 'online', custom_message: null });
    expect(await a.next((f) => f.type === 'status_update', { from: fromA })).toMatchObject({ user_id: alice.id, custom_message: null });
    expect((await friendsStatus(bob)).json()[0]).toMatchObject({ user_id: alice.id, custom_message: null });
  });

  it('counts the custom message in characters as people see them: 128 family emoji fit, 129 do not', async () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
    const ok = await put(alice, { status: 'busy', custom_message: family.repeat(128) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().custom_message).toBe(family.repeat(128));
    const tooLong = await put(alice, { status: 'busy', custom_message: family.repeat(129) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('128 characters') });
  });

  it.each([
    ['a line break', 'gg\nAdmin: your account is suspended'],
    ['a right-to-left override', 'invite \u202egnp.exe'],
    ['a bidi isolate', 'x\u2067y'],
    ['a control character', 'a\u0007b'],
    ['half a character (a lone surrogate)', 'abc\ud800'],
    ['a lone low surrogate', '\udc00abc'],
  ])('refuses a custom message with %s, by REST and by socket, and friends keep seeing the old one', async (_what, message) => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await put(alice, { status: 'busy', custom_message: 'in a meeting' });
    const res = await put(alice, { status: 'busy', custom_message: message });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: 'custom_message may not hold line breaks, control characters, bidi controls or half a character (an unpaired surrogate)' });
    const error = await a.after(
      () => a.send({ type: 'set_status', status: 'busy', custom_message: message }),
      (f) => f.type === 'error',
    );
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR' });
    const rule = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/users/me/status/schedule',
      headers: bearer(alice.token),
      payload: { time_zone: 'UTC', rules: [{ days: [1], from: '09:00', to: '10:00', status: 'busy', message }] },
    });
    expect(rule.statusCode).toBe(400);
    expect(rule.json().message).toContain('may not hold line breaks');
    expect((await friendsStatus(bob)).json()[0]).toMatchObject({ user_id: alice.id, custom_message: 'in a meeting' });
  });

  it('keeps right-to-left text and its direction marks in a custom message', async () => {
    const rtl = '\u200fבפגישה עד 15:00';
    const res = await put(alice, { status: 'busy', custom_message: rtl });
    expect(res.statusCode).toBe(200);
    expect(res.json().custom_message).toBe(rtl);
  });

  it.each([
    [{ status: 'in_game' }],
    [{ status: 'offline' }],
    [{ status: 'busy', custom_message: 'x'.repeat(129) }],
    [{ status: 'busy', expires_at: 'tomorrow' }],
    [{ status: 'busy', mood: 'happy' }],
    [{}],
  ])('rejects a bad status body %j with 400', async (payload) => {
    const res = await put(alice, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
  });

  it('expires_at alone sets when the current message clears, without clearing it now', async () => {
    await t.connect(alice.token);
    await put(alice, { status: 'online', custom_message: 'lunch' });
    const expires = new Date(t.clock.now() + 60_000).toISOString();
    expect((await put(alice, { status: 'online', expires_at: expires })).json()).toMatchObject({ custom_message: 'lunch' });
    await t.advance(60_001);
    const me = await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(alice.token) });
    expect(me.json().custom_message).toBeNull();
  });

  it('rejects an expires_at in the past', async () => {
    const res = await put(alice, { status: 'busy', custom_message: 'x', expires_at: new Date(t.clock.now() - 1000).toISOString() });
    expect(res.statusCode).toBe(400);
  });

  it('rejects an expires_at in the past with no custom message, or one being cleared, and changes nothing (REST and socket)', async () => {
    const { socket: a } = await t.connect(alice.token);
    const past = new Date(t.clock.now() - 1000).toISOString();
    // No message now and none sent: before, the time was never read and the status was set (200).
    for (const payload of [{ status: 'busy', expires_at: past }, { status: 'busy', custom_message: null, expires_at: past }, { status: 'away', expires_at: new Date(t.clock.now()).toISOString() }]) {
      const res = await put(alice, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: 'expires_at must be in the future' });
    }
    const refused = await a.after(
      () => a.send({ type: 'set_status', status: 'busy', expires_at: past }),
      (f) => f.type === 'error',
    );
    expect(refused).toMatchObject({ code: 'VALIDATION_ERROR' });
    const me = await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(alice.token) });
    expect(me.json()).toMatchObject({ status: 'online', custom_message: null });
    // A time in the future with no message is still taken (there is nothing for it to clear).
    expect((await put(alice, { status: 'busy', expires_at: new Date(t.clock.now() + 60_000).toISOString() })).json()).toMatchObject({ status: 'busy', custom_message: null });
  });

  it('sets an activity; a declared game shows in_game', async () => {
    await t.connect(alice.token);
    expect((await activity(alice, { activity: 'watching_match' })).json()).toMatchObject({ status: 'online', activity: 'watching_match' });
    expect((await activity(alice, { activity: 'in_tournament', details: { round: 2 } })).json()).toMatchObject({
      status: 'in_game',
      activity: 'in_tournament',
    });
    expect((await activity(alice, { activity: 'flying' })).statusCode).toBe(400);
  });

  it('shows activity details alike on a friend’s socket, in their next ready and over REST, every key cleaned whatever its value', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    // The tester's payload: keys with bidi and control characters, with number and boolean values.
    const details = { 'score\u202e': 3, 'mode\u202e': 'ranked', 'line\nbreak\u0007': true };
    const shown = { 'score ': 3, 'mode ': 'ranked', 'line break ': true };
    const isChange = (f: { type: string; friend_id?: unknown; activity?: unknown }) => f.type === 'friend_status_change' && f.friend_id === alice.id;
    let own: unknown;
    const frame = await b.after(async () => {
      own = (await activity(alice, { activity: 'playing_pong', details })).json();
    }, (f) => isChange(f) && f.activity === 'playing_pong');
    expect(frame.activity_details).toEqual(shown);
    expect(own).toMatchObject({ activity_details: shown });
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json().activity_details).toEqual(shown);
    expect((await friendsStatus(bob)).json()[0].activity_details).toEqual(shown);
    const again = await t.connect(bob.token);
    expect((again.ready.friends as Array<{ activity_details: unknown }>)[0]!.activity_details).toEqual(shown);

    // A game server's details go the same way.
    const served = await b.after(
      () => game({ event: 'match_started', match_id: 'm-1', player_ids: [alice.id], details: { 'round\u2066': 2, 'ranked\r': false } }),
      (f) => isChange(f) && f.activity === 'playing_pong' && f.activity_details !== null && 'round ' in (f.activity_details as object),
    );
    expect(served.activity_details).toEqual({ 'round ': 2, 'ranked ': false });
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json().activity_details).toEqual({ 'round ': 2, 'ranked ': false });
  });

  it('lists friends sorted: online, in_game, busy, away, then offline by last_seen, and filters online', async () => {
    const names = ['u_on', 'game', 'dnd', 'afk', 'gone_early', 'gone_late', 'never'];
    const users: Record<string, U> = {};
    for (const n of names) {
      users[n] = await t.register(n);
      await t.befriend(alice, users[n]!);
    }
    const open = async (n: string) => (await t.connect(users[n]!.token)).socket;
    await open('u_on');
    await open('game');
    await activity(users.game!, { activity: 'playing_pong' });
    await open('dnd');
    await put(users.dnd!, { status: 'busy' });
    await open('afk');
    await put(users.afk!, { status: 'away' });
    const early = await open('gone_early');
    early.close();
    await early.waitClosed();
    t.clock.advance(60_000); // others see last_seen to the minute
    const late = await open('gone_late');
    late.close();
    await late.waitClosed();
    await t.advance(10_001);
    const all = (await friendsStatus(alice)).json() as Array<{ username: string; status: string }>;
    expect(all.map((v) => `${v.username}:${v.status}`)).toEqual([
      'u_on:online',
      'game:in_game',
      'dnd:busy',
      'afk:away',
      'gone_late:offline',
      'gone_early:offline',
      'bob:offline',
      'never:offline',
    ]);
    const online = (await friendsStatus(alice, '?online=true')).json() as Array<{ username: string }>;
    expect(online.map((v) => v.username)).toEqual(['u_on', 'game', 'dnd', 'afk']);
    expect((await friendsStatus(alice, '?online=maybe')).statusCode).toBe(400);
  });

  it('answers 404 for the status of a user who does not exist', async () => {
    const res = await t.app.inject({ url: '/api/v1/users/99999/status', headers: bearer(alice.token) });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });

  it('answers GET /users/me/status with your own full view, as GET /users/<your id>/status does; 401 without a token', async () => {
    const read = (who: U, path: string) => t.app.inject({ url: `/api/v1/users/${path}/status`, headers: bearer(who.token) });
    await put(alice, { status: 'busy', custom_message: 'in a meeting' });
    // Hidden, friends see her offline: her own read still shows her all.
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { status_visibility: 'hidden' } });
    const mine = await read(alice, 'me');
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual((await read(alice, String(alice.id))).json());
    // (No session open, she is offline; her own view still says what she set.)
    expect(mine.json()).toMatchObject({ user_id: alice.id, manual_status: 'busy', custom_message: 'in a meeting' });
    expect((await read(bob, String(alice.id))).json()).toMatchObject({ status: 'offline', custom_message: null });
    const bobs = await read(bob, 'me');
    expect(bobs.json()).toEqual((await read(bob, String(bob.id))).json());
    expect(bobs.json()).toMatchObject({ user_id: bob.id, username: 'bob' });
    const anonymous = await t.app.inject({ url: '/api/v1/users/me/status' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('UNAUTHORIZED');
  });

  it('game events put players in_game and the end returns each to the status they had', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connect(alice.token);
    await put(alice, { status: 'busy' });
    const started = b.mark();
    const start = await game({ event: 'match_started', match_id: 'm-1', player_ids: [alice.id, bob.id] });
    expect(start.statusCode).toBe(200);
    expect(start.json()).toEqual({ applied: [alice.id, bob.id] });
    expect(await b.next((f) => f.type === 'friend_status_change' && f.status === 'in_game', { from: started })).toMatchObject({
      status: 'in_game',
      activity: 'playing_pong',
    });
    // The client cannot clear a game a game server declared.
    const refused = await activity(alice, { activity: 'browsing' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('CONFLICT');
    const ended = await b.after(() => game({ event: 'match_ended', match_id: 'm-1', player_ids: [alice.id, bob.id] }), (f) => f.type === 'friend_status_change' && f.status !== 'in_game');
    expect(ended).toMatchObject({ friend_id: alice.id, status: 'busy' });
  });

  it('tournaments show in_game with activity in_tournament', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connect(alice.token);
    const started = await b.after(() => game({ event: 'tournament_started', match_id: 7, player_ids: [alice.id] }), (f) => f.type === 'friend_status_change' && f.status === 'in_game');
    expect(started).toMatchObject({ status: 'in_game', activity: 'in_tournament' });
  });

  it('refuses game events without the right service token', async () => {
    const body = { event: 'match_started', match_id: 'm', player_ids: [alice.id] };
    expect((await game(body, null)).statusCode).toBe(401);
    expect((await game(body, 'wrong-token-000000000000')).statusCode).toBe(401);
    expect((await game({ ...body, event: 'exploded' })).statusCode).toBe(400);
    expect((await game({ ...body, player_ids: [] })).statusCode).toBe(400);
  });

  it('refuses game events entirely when no service token is configured', async () => {
    const t2 = await startLiveApp({ serviceToken: null });
    try {
      const res = await t2.app.inject({
        method: 'POST',
        url: '/api/v1/games/events',
        headers: { 'x-service-token': 'anything-at-all-123' },
        payload: { event: 'match_started', match_id: 'm', player_ids: [1] },
      });
      expect(res.statusCode).toBe(403);
    } finally {
      await t2.close();
    }
  });

  it('rate limits status changes per user', async () => {
    const t2 = await startLiveApp({ rateLimits: true });
    try {
      const u = await t2.register('limited');
      let last = 0;
      for (let i = 0; i < 61; i++) {
        last = (await t2.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(u.token), payload: { status: 'busy' } })).statusCode;
      }
      expect(last).toBe(429);
    } finally {
      await t2.close();
    }
  });
});
