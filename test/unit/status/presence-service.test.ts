/**
 * The presence service on real parts (SQLite in memory, in-process bus): sockets, polls,
 * statuses, games and graph changes in; privacy-projected events for this instance's
 * gateway out. Timers stay in their contract proportions (defaults) on a hand-moved clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { View } from '../../../src/protocol/index.js';
import type { AuthContext } from '../../../src/server/auth/auth-service.js';
import { AppError } from '../../../src/server/errors.js';
import type { PresenceEvent } from '../../../src/server/status/presence-events.js';
import { PresenceRepository } from '../../../src/server/status/presence-repository.js';
import { serviceFixture, T0, type ServiceFixture } from './service-fixture.js';

const iso = (ms: number) => new Date(ms).toISOString();
type PresenceEv = Extract<PresenceEvent, { kind: 'presence' }>;
const presenceOf = (events: PresenceEvent[], userId: number): PresenceEv[] =>
  events.filter((e): e is PresenceEv => e.kind === 'presence' && e.userId === userId);
const statusOf = (v: View | undefined) => v && { status: v.status, activity: v.activity, custom_message: v.custom_message, last_seen: v.last_seen };

describe('PresenceService', () => {
  let f: ServiceFixture;
  let alice: AuthContext;
  let bob: AuthContext;
  beforeEach(async () => {
    f = await serviceFixture();
    alice = await f.user('alice');
    bob = await f.user('bob');
  });
  afterEach(async () => {
    await f.close();
  });
  const cfg = () => f.services.config;
  const presence = () => f.services.presence;

  describe('sockets', () => {
    it('a socket brings the user online for themselves and their friends, and ready holds both views', async () => {
      await f.befriend(alice, bob);
      await f.connect(bob);
      f.take();
      const ready = await f.connect(alice);
      expect(statusOf(ready.self)).toEqual({ status: 'online', activity: 'browsing', custom_message: null, last_seen: null });
      expect(ready.friends.map((v) => [v.user_id, v.status])).toEqual([[bob.userId, 'online']]);
      const [ev] = presenceOf(f.take(), alice.userId);
      expect(statusOf(ev?.views.self)?.status).toBe('online');
      expect(statusOf(ev?.views.friend)?.status).toBe('online');
      // Alice's default visibility is friends: the public never sees her come online.
      expect(ev?.views.public).toBeUndefined();
    });

    it('a closed socket keeps the user online through the offline grace, then offline with last_seen at the close', async () => {
      await f.befriend(alice, bob);
      await f.connect(alice, 'a1');
      f.take();
      f.advance(1000);
      const closedAt = f.now();
      presence().closeSocket(alice, 'a1', false);
      f.advance(cfg().offlineGraceMs - 1);
      expect(presenceOf(f.take(), alice.userId)).toEqual([]);
      expect(presence().viewOf(alice.userId, 'friend').status).toBe('online');
      f.advance(1);
      const [ev] = presenceOf(f.take(), alice.userId);
      // Friends see last_seen to the minute; the user sees the exact moment.
      expect(statusOf(ev?.views.friend)).toEqual({ status: 'offline', activity: null, custom_message: null, last_seen: iso(Math.floor(closedAt / 60_000) * 60_000) });
      expect(presence().viewOf(alice.userId, 'self').last_seen).toBe(iso(closedAt));
    });

    it('a reload within the grace is never noticed by friends', async () => {
      await f.befriend(alice, bob);
      await f.connect(alice, 'a1');
      f.take();
      presence().closeSocket(alice, 'a1', false);
      f.advance(cfg().offlineGraceMs / 2);
      await f.connect(alice, 'a2');
      f.advance(cfg().offlineGraceMs);
      expect(presenceOf(f.take(), alice.userId)).toEqual([]);
      expect(presence().viewOf(alice.userId, 'friend').status).toBe('online');
    });

    it('a logout close goes offline at once, and a second socket keeps the user online', async () => {
      await f.connect(alice, 'tab');
      await f.connect(alice, 'phone');
      presence().closeSocket(alice, 'tab', true);
      expect(presence().viewOf(alice.userId, 'self').status).toBe('online');
      presence().closeSocket(alice, 'phone', true);
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: iso(T0) });
    });

    it('a logout just after the last socket closed ends the grace at once; a logout of another login does not', async () => {
      const phone = { ...alice, sessionId: 'alice-phone-login' };
      await f.befriend(alice, bob);
      await f.connect(alice, 'a1');
      f.advance(1000);
      const closedAt = f.now();
      presence().closeSocket(alice, 'a1', false);
      f.advance(2000);
      f.take();
      // Another login of hers logs out: the tab may be reloading, the grace runs on.
      presence().revoked(alice.userId, phone.sessionId);
      await new Promise((r) => setTimeout(r, 20));
      expect(presence().viewOf(alice.userId, 'friend').status).toBe('online');
      expect(presenceOf(f.take(), alice.userId)).toEqual([]);
      // The tab's own login logs out: friends see her offline now, last seen when the tab closed.
      presence().revoked(alice.userId, alice.sessionId);
      await expect.poll(() => presence().viewOf(alice.userId, 'friend').status).toBe('offline');
      const [ev] = presenceOf(f.take(), alice.userId);
      expect(statusOf(ev?.views.friend)).toMatchObject({ status: 'offline', last_seen: iso(Math.floor(closedAt / 60_000) * 60_000) });
      expect(presence().viewOf(alice.userId, 'self').last_seen).toBe(iso(closedAt));
    });
  });

  describe('polling clients', () => {
    it('a poll keeps a socket-less login present for the poll TTL after its last poll, then the offline grace (last seen: the TTL)', async () => {
      // Her page reports her arrival first (a poll is a read, never an interaction).
      await presence().apiCall(alice);
      await presence().polled(alice);
      expect(presence().viewOf(alice.userId, 'self').status).toBe('online');
      f.advance(cfg().pollSessionTtlMs / 2);
      await presence().polled(alice);
      expect(presence().engine.liveSessionCount(alice.userId)).toBe(1);
      const endedAt = f.now() + cfg().pollSessionTtlMs;
      f.advance(cfg().pollSessionTtlMs);
      // CONTRACT: the polling session ended; like a socket's last close, the grace runs first.
      expect(presence().engine.liveSessionCount(alice.userId)).toBe(0);
      f.advance(cfg().offlineGraceMs - 1);
      expect(presence().viewOf(alice.userId, 'self').status).toBe('online');
      f.advance(1);
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: iso(endedAt) });
    });

    it('the poll that opens a polling session is no interaction: a user gone longer than the idle and probe timeouts is away at once', async () => {
      await f.befriend(alice, bob);
      await presence().apiCall(alice);
      f.advance(cfg().idleTimeoutMs + cfg().idleProbeTimeoutMs);
      f.take();
      await presence().polled(alice);
      const shown = presenceOf(f.take(), alice.userId).map((e) => statusOf(e.views.friend)?.status);
      expect(shown).toEqual(['away']);
      // Her page reports her input (POST /users/me/interaction): back online.
      await presence().apiCall(alice);
      expect(presence().viewOf(alice.userId, 'friend')).toMatchObject({ status: 'online', activity: 'browsing' });
    });

    it("a logout ends the offline grace its login's expired polling session began", async () => {
      await presence().polled(alice);
      f.advance(cfg().pollSessionTtlMs);
      expect(presence().engine.inGrace(alice.userId)).toBe(true);
      presence().revoked(alice.userId, alice.sessionId);
      await expect.poll(() => presence().viewOf(alice.userId, 'self').status).toBe('offline');
      expect(presence().viewOf(alice.userId, 'self').last_seen).toBe(iso(T0 + cfg().pollSessionTtlMs));
    });

    it('a login with a socket is not also a polling client, and its socket supersedes an earlier poll', async () => {
      await presence().polled(alice);
      expect(presence().engine.sessionIds(alice.userId)).toEqual([`poll:${alice.sessionId}`]);
      await f.connect(alice, 'a1');
      expect(presence().engine.sessionIds(alice.userId)).toEqual([expect.stringMatching(new RegExp(`^${presence().instanceId}/a1~[0-9a-z]+$`))]);
      await presence().polled(alice);
      expect(presence().engine.liveSessionCount(alice.userId)).toBe(1);
      // The socket's login closes its socket: the login may poll again.
      presence().closeSocket(alice, 'a1', false);
      await presence().polled(alice);
      expect(presence().engine.sessionIds(alice.userId)).toContain(`poll:${alice.sessionId}`);
    });

    it('a login with two sockets is no polling client until its last socket closes', async () => {
      await f.connect(alice, 'tab1');
      await f.connect(alice, 'tab2');
      presence().closeSocket(alice, 'tab1', false);
      await presence().polled(alice);
      expect(presence().engine.sessionIds(alice.userId)).toEqual([expect.stringMatching(new RegExp(`^${presence().instanceId}/tab2~[0-9a-z]+$`))]);
      presence().closeSocket(alice, 'tab2', false);
      await presence().polled(alice);
      expect(presence().engine.sessionIds(alice.userId)).toEqual([`poll:${alice.sessionId}`]);
    });

    it("a logout ends the login's polling session at once and tells the gateway to close its sockets", async () => {
      const other: AuthContext = { ...alice, sessionId: 'login-other' };
      await presence().polled(alice);
      await presence().polled(other);
      f.take();
      presence().revoked(alice.userId, alice.sessionId);
      expect(presence().engine.sessionIds(alice.userId)).toEqual([`poll:login-other`]);
      expect(f.take()).toContainEqual({ kind: 'revoked', userId: alice.userId, sessionId: alice.sessionId });
      presence().revoked(alice.userId, 'login-other');
      expect(presence().viewOf(alice.userId, 'self').status).toBe('offline');
    });
  });

  describe('status and activity', () => {
    it('sets busy with a message that clears itself at expires_at, for the user and their friends', async () => {
      await f.befriend(alice, bob);
      await f.connect(alice);
      f.take();
      const expires = T0 + 60_000;
      const own = await presence().setStatus(alice.userId, { status: 'busy', custom_message: 'deep work', expires_at: iso(expires) });
      expect(statusOf(own)).toEqual({ status: 'busy', activity: 'browsing', custom_message: 'deep work', last_seen: null });
      expect(statusOf(presenceOf(f.take(), alice.userId)[0]?.views.friend)?.custom_message).toBe('deep work');
      f.advance(59_999);
      expect(f.take()).toEqual([]);
      f.advance(1);
      const [ev] = presenceOf(f.take(), alice.userId);
      expect(statusOf(ev?.views.friend)).toEqual({ status: 'busy', activity: 'browsing', custom_message: null, last_seen: null });
      expect(ev?.views.self?.custom_message).toBeNull();
    });

    it('expires_at alone sets when the current message clears; custom_message null clears it now; status alone keeps it', async () => {
      await f.connect(alice);
      await presence().setStatus(alice.userId, { status: 'online', custom_message: 'hello' });
      expect((await presence().setStatus(alice.userId, { status: 'away' })).custom_message).toBe('hello');
      expect((await presence().setStatus(alice.userId, { status: 'online', expires_at: iso(T0 + 5000) })).custom_message).toBe('hello');
      f.advance(5000);
      expect(presence().viewOf(alice.userId, 'self').custom_message).toBeNull();
      await presence().setStatus(alice.userId, { status: 'online', custom_message: 'again', expires_at: null });
      f.advance(3_600_000);
      expect(presence().viewOf(alice.userId, 'self').custom_message).toBe('again');
      expect((await presence().setStatus(alice.userId, { status: 'online', custom_message: null, expires_at: iso(T0 + 9_999_999) })).custom_message).toBeNull();
    });

    it('a status change alone keeps the message and when it expires', async () => {
      await f.connect(alice);
      await presence().setStatus(alice.userId, { status: 'online', custom_message: 'lunch', expires_at: iso(T0 + 60_000) });
      await presence().setStatus(alice.userId, { status: 'away' });
      expect(presence().engine.get(alice.userId)).toMatchObject({ customMessage: 'lunch', customMessageExpiresAt: T0 + 60_000 });
      f.advance(60_000);
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'away', custom_message: null });
    });

    it('REST calls work for a user this instance never loaded (no socket, no poll yet)', async () => {
      expect(await presence().getSettings(bob.userId)).toMatchObject({ status_visibility: 'friends' });
      expect((await presence().updateSettings(bob.userId, { activity_visibility: 'public' })).activity_visibility).toBe('public');
      const carol = await f.user('carol');
      expect((await presence().setStatus(carol.userId, { status: 'busy' })).status).toBe('offline');
      expect(presence().engine.get(carol.userId).manualStatus).toBe('busy');
      const dan = await f.user('dan');
      expect((await presence().setActivity(dan.userId, 'chatting')).status).toBe('offline');
      const erin = await f.user('erin');
      expect(await presence().userStatus(erin, erin.userId)).toMatchObject({ username: 'erin', status: 'offline' });
      const fay = await f.user('fay');
      await presence().apiCall(fay);
      expect(presence().engine.get(fay.userId).lastActivity).toBe(T0);
    });

    it('rejects an expires_at that is not a time or not in the future, changing nothing', async () => {
      await f.connect(alice);
      for (const expires_at of ['not a date', iso(T0), iso(T0 - 1)]) {
        const err = await presence()
          .setStatus(alice.userId, { status: 'busy', custom_message: 'x', expires_at })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect(err).toMatchObject({ code: 'VALIDATION_ERROR' });
      }
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'online', custom_message: null });
    });

    it('a declared game shows in_game; a game server match overrides it and refuses client activities until it ends', async () => {
      await f.connect(alice);
      expect((await presence().setActivity(alice.userId, 'playing_pong')).status).toBe('in_game');
      expect(await presence().gameEvent({ event: 'tournament_started', match_id: 7, player_ids: [alice.userId, 999_999] })).toEqual([alice.userId]);
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'in_game', activity: 'in_tournament' });
      const err = await presence()
        .setActivity(alice.userId, 'browsing')
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFLICT' });
      // The refused activity still counts as the user doing something.
      f.advance(1_000);
      await presence().setActivity(alice.userId, 'chatting').catch(() => undefined);
      expect(presence().engine.get(alice.userId).lastActivity).toBe(T0 + 1_000);
      await presence().gameEvent({ event: 'tournament_ended', match_id: '7', player_ids: [alice.userId] });
      // The client game was superseded by the server's: back to browsing, not to the practice match.
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'online', activity: 'browsing' });
      await presence().gameEvent({ event: 'match_started', match_id: 'm1', player_ids: [alice.userId] });
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
      expect((await presence().setActivity(alice.userId, 'browsing').catch((e: unknown) => e)) as AppError).toMatchObject({ code: 'CONFLICT' });
    });

    it('a game server match of a user without a session shows in_game, then offline when it ends', async () => {
      await presence().gameEvent({ event: 'match_started', match_id: 'm', player_ids: [alice.userId] });
      expect(presence().viewOf(alice.userId, 'self').status).toBe('in_game');
      f.advance(5000);
      await presence().gameEvent({ event: 'match_ended', match_id: 'm', player_ids: [alice.userId] });
      expect(presence().viewOf(alice.userId, 'self')).toMatchObject({ status: 'offline', last_seen: iso(T0 + 5000) });
    });
  });

  describe('idleness', () => {
    it('probes an idle user, turns them away when unanswered, and an API call or interaction brings them back', async () => {
      await f.befriend(alice, bob);
      await f.connect(alice);
      f.take();
      f.advance(cfg().idleTimeoutMs - 1000);
      await presence().apiCall(alice);
      f.advance(1000);
      expect(f.take()).toEqual([]);
      f.advance(cfg().idleTimeoutMs - 1000);
      expect(f.take()).toEqual([{ kind: 'probe', userId: alice.userId }]);
      f.advance(cfg().idleProbeTimeoutMs);
      expect(statusOf(presenceOf(f.take(), alice.userId)[0]?.views.friend)).toMatchObject({ status: 'away', activity: 'idle' });
      presence().interaction(alice.userId);
      expect(statusOf(presenceOf(f.take(), alice.userId)[0]?.views.friend)).toMatchObject({ status: 'online', activity: 'browsing' });
    });
  });

  describe('views and privacy', () => {
    it("answers a user's view as the caller may see it, and 404 for nobody", async () => {
      const carol = await f.user('carol');
      await f.befriend(alice, bob);
      await f.connect(alice);
      await presence().setStatus(alice.userId, { status: 'busy', custom_message: 'focus' });
      expect(await presence().userStatus(bob, alice.userId)).toMatchObject({ status: 'busy', custom_message: 'focus', username: 'alice', display_name: 'ALICE' });
      expect(await presence().userStatus(carol, alice.userId)).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: null });
      expect(await presence().userStatus(alice, alice.userId)).toMatchObject({ status: 'busy' });
      const err = await presence()
        .userStatus(alice, 999_999)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NOT_FOUND' });
    });

    it("lists friends in contract order, and online only when asked", async () => {
      const carol = await f.user('carol');
      const dan = await f.user('dan');
      for (const u of [bob, carol, dan]) await f.befriend(alice, u);
      await f.connect(bob);
      await f.connect(carol);
      await presence().setStatus(carol.userId, { status: 'busy' });
      const all = await presence().friendsStatus(alice, false);
      expect(all.map((v) => [v.username, v.status])).toEqual([
        ['bob', 'online'],
        ['carol', 'busy'],
        ['dan', 'offline'],
      ]);
      expect((await presence().friendsStatus(alice, true)).map((v) => v.username)).toEqual(['bob', 'carol']);
    });

    it('a settings change reaches exactly the tiers whose view changed, and is saved', async () => {
      await f.befriend(alice, bob);
      await f.connect(alice);
      f.take();
      const saved = await presence().updateSettings(alice.userId, { status_visibility: 'public' });
      expect(saved.status_visibility).toBe('public');
      expect(await presence().getSettings(alice.userId)).toEqual(saved);
      expect(await f.services.users.getSettings(alice.userId)).toEqual(saved);
      const [ev] = presenceOf(f.take(), alice.userId);
      expect(Object.keys(ev?.views ?? {})).toEqual(['public']);
      expect(ev?.views.public?.status).toBe('online');
      // Hiding from everyone: friends now see offline; admins see no change; her own view now
      // says what others are shown meanwhile and who may see it (her status audience of before).
      await presence().updateSettings(alice.userId, { status_visibility: 'hidden' });
      const [hidden] = presenceOf(f.take(), alice.userId);
      expect(Object.keys(hidden?.views ?? {}).sort()).toEqual(['close_friend', 'friend', 'public', 'self']);
      expect(hidden?.views.self).toMatchObject({ status: 'online', hidden_last_seen: iso(T0), visibility_before_hidden: 'public' });
      // Hiding looks like a logout now: offline, last seen now for the last_seen audience only.
      expect(hidden?.views.friend).toMatchObject({ status: 'offline', activity: null, last_seen: iso(T0) });
      expect(hidden?.views.public).toMatchObject({ status: 'offline', last_seen: null });
      // A setting nobody's view depends on right now sends no view: only the user's own devices hear of it.
      const latest = await presence().updateSettings(alice.userId, { activity_visibility: 'nobody' });
      expect(f.take()).toEqual([{ kind: 'settings', userId: alice.userId, settings: latest }]);
    });

    it('hiding at the same moment as another settings change from a second device keeps the moment of hiding', async () => {
      await f.befriend(alice, bob);
      await f.connect(alice);
      f.advance(60_000);
      const hidAt = f.now();
      // Two tabs save at once: each read Alice's settings before the other's write.
      await Promise.all([presence().updateSettings(alice.userId, { status_visibility: 'hidden' }), presence().updateSettings(alice.userId, { activity_visibility: 'nobody' })]);
      expect(await presence().getSettings(alice.userId)).toMatchObject({ status_visibility: 'hidden', activity_visibility: 'nobody' });
      // What Bob sees: offline, last seen when she hid (not no last_seen at all).
      expect(presence().viewOf(alice.userId, 'friend')).toMatchObject({ status: 'offline', last_seen: iso(hidAt) });
      const [loaded] = await new PresenceRepository(f.services.database.db).load([alice.userId]);
      expect(loaded?.profile.hiddenLastSeen).toBe(hidAt);
    });
  });

  describe('friend graph', () => {
    it('tells connected viewers of new friends, category changes they can see, and removals', async () => {
      await f.connect(alice);
      await f.connect(bob);
      await presence().setStatus(bob.userId, { status: 'online', custom_message: 'for close friends' });
      await presence().updateSettings(bob.userId, { custom_message_visibility: 'close_friends' });
      f.take();
      await f.befriend(alice, bob);
      await settle();
      const added = f.take().filter((e) => e.kind === 'friend_added');
      expect(added.map((e) => e.kind === 'friend_added' && [e.viewerId, e.subjectId]).sort()).toEqual(
        [
          [alice.userId, bob.userId],
          [bob.userId, alice.userId],
        ].sort(),
      );
      expect(added.find((e) => e.kind === 'friend_added' && e.viewerId === alice.userId)).toMatchObject({ view: { status: 'online', custom_message: null } });

      const bobGives = await f.services.friends.setCategory(bob.userId, alice.userId, 'close_friend');
      await settle();
      const promoted = f.take();
      expect(promoted).toHaveLength(2);
      expect(promoted).toEqual(
        expect.arrayContaining([
          { kind: 'view_changed', viewerId: alice.userId, subjectId: bob.userId, view: expect.objectContaining({ custom_message: 'for close friends' }) },
          // Bob's own devices list the category he gives Alice.
          { kind: 'friend_updated', viewerId: bob.userId, friend: bobGives },
        ]),
      );
      expect(bobGives).toMatchObject({ user_id: alice.userId, category: 'close_friend' });
      // A category change that changes nothing visible sends the friend nothing; the user's own devices still hear of it.
      const aliceGives = await f.services.friends.setCategory(alice.userId, bob.userId, 'close_friend');
      await settle();
      expect(f.take()).toEqual([{ kind: 'friend_updated', viewerId: alice.userId, friend: aliceGives }]);

      await f.services.friends.remove(alice.userId, bob.userId);
      await settle();
      expect(f.take().sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
        [
          { kind: 'friend_removed', viewerId: alice.userId, subjectId: bob.userId },
          { kind: 'friend_removed', viewerId: bob.userId, subjectId: alice.userId },
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      );
      // No longer friends: Alice sees Bob as the public does.
      expect(presence().graph.tier(alice.userId, bob.userId)).toBe('public');
      expect(presence().graph.friendsOf(alice.userId)).toEqual([]);
    });

    it('friend requests reach the recipient and the sender’s own sockets, and their closing reaches both sides', async () => {
      await f.connect(alice);
      await f.connect(bob);
      f.take();
      const sent = await f.services.friends.sendRequest(alice.userId, bob.userId);
      if (!('request' in sent)) throw new Error('expected a request');
      expect(f.take()).toEqual([
        { kind: 'request_received', viewerId: bob.userId, request: sent.request },
        { kind: 'request_sent', viewerId: alice.userId, request: sent.request },
      ]);
      await f.services.friends.decline(bob.userId, sent.request.id);
      expect(f.take()).toEqual([
        { kind: 'request_closed', viewerId: alice.userId, requestId: sent.request.id, reason: 'declined' },
        { kind: 'request_closed', viewerId: bob.userId, requestId: sent.request.id, reason: 'declined' },
      ]);
    });
  });

  describe('write-behind', () => {
    it('writes the remembered state on flush, so a restart remembers the manual status and message', async () => {
      await f.connect(alice);
      await presence().setStatus(alice.userId, { status: 'busy', custom_message: 'away from keyboard' });
      expect(presence().engine.known(alice.userId)).toBe(true);
      await presence().flush();
      const [row] = await new PresenceRepository(f.services.database.db).load([alice.userId]);
      expect(row?.persisted).toMatchObject({ manualStatus: 'busy', customMessage: 'away from keyboard' });
      const stored = await f.services.database.db.selectFrom('users').select(['online_status']).where('id', '=', alice.userId).executeTakeFirstOrThrow();
      expect(stored.online_status).toBe('busy');
    });
  });
});

/** Lets the graph-change handlers (async: they may load a replica) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
