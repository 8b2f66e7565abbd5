/** Friends see each other's presence over real sockets, on a fake clock. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PresenceClient } from '../../src/client/presence-client.js';
import { bearer } from '../helpers/app.js';
import { liveFriends, startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilHeartbeat, framesUntilNotice } from '../helpers/sentinel.js';
import { connect, type Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('real-time presence between friends', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ offlineGraceMs: 10_000, idleTimeoutMs: 300_000, idleProbeTimeoutMs: 60_000 }));
  });
  afterEach(() => t.close());

  /** Once the server has handled the close of the user's sockets down to `left` (what the close causes is queued by then). */
  const closedOnServer = (userId: number, left = 0) => expect.poll(() => t.app.gateway.registry.connsOf(userId)?.length ?? 0).toBe(left);

  it('sends ready with self and friends, then shows a friend coming online', async () => {
    const { socket: b, ready } = await t.connect(bob.token);
    expect(ready).toMatchObject({
      type: 'ready',
      session_id: expect.any(String),
      heartbeat_interval_ms: 25_000,
      self: { user_id: bob.id, username: 'bob', status: 'online', activity: 'browsing' },
      friends: [{ user_id: alice.id, username: 'alice', status: 'offline', activity: null, last_seen: null }],
    });
    const sent = Date.now();
    const f = await b.after(() => t.connect(alice.token), change(alice.id));
    expect(f).toMatchObject({ status: 'online', activity: 'browsing', custom_message: null, last_seen: null, seq: 1 });
    expect(Date.now() - sent).toBeLessThan(1000);
  });

  it('delivers each change to a friend within milliseconds (well within 5 s)', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    const ms: number[] = [];
    for (let i = 0; i < 50; i++) {
      const sent = performance.now();
      await b.after(
        () => a.send({ type: 'set_status', status: i % 2 ? 'away' : 'busy', custom_message: `n${i}` }),
        (f) => change(alice.id)(f) && f.custom_message === `n${i}`,
      );
      ms.push(performance.now() - sent);
    }
    ms.sort((x, y) => x - y);
    console.warn(`change-to-friend latency over a real socket, ms: p50=${ms[25]!.toFixed(2)} p95=${ms[47]!.toFixed(2)} max=${ms[49]!.toFixed(2)}`);
    expect(ms[49]).toBeLessThan(500);
  });

  it('shows status, custom message and activity changes, each with its own seq', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    const own = a.mark();
    const busy = await b.after(() => a.send({ type: 'set_status', status: 'busy', custom_message: 'ranked grind' }), change(alice.id));
    expect(busy).toMatchObject({ status: 'busy', custom_message: 'ranked grind', seq: 2 });
    expect(await a.next((f) => f.type === 'status_update', { from: own })).toMatchObject({ user_id: alice.id, status: 'busy', custom_message: 'ranked grind' });
    const watching = await b.after(() => a.send({ type: 'activity', activity: 'watching_match' }), change(alice.id));
    expect(watching).toMatchObject({ status: 'busy', activity: 'watching_match', seq: 3 });
    expect(await b.after(() => a.send({ type: 'activity', activity: 'playing_pong' }), change(alice.id))).toMatchObject({
      status: 'in_game',
      activity: 'playing_pong',
    });
    expect(await b.after(() => a.send({ type: 'activity', activity: 'browsing' }), change(alice.id))).toMatchObject({ status: 'busy', activity: 'browsing' });
  });

  it('goes through the idle probe to away, and back to online on interaction', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    await t.advance(299_000);
    await a.settled();
    expect(a.ofType('are_you_there')).toEqual([]);
    const probed = b.mark();
    await a.after(() => t.advance(1_001), (f) => f.type === 'are_you_there');
    // Her probe's tick queued whatever it made for Bob too: all of it is in before his barrier's answer.
    await b.settled();
    expect(b.since(probed).filter(change(alice.id))).toEqual([]);
    expect(await b.after(() => t.advance(60_001), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
    expect(await b.after(() => a.send({ type: 'interaction' }), change(alice.id))).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  /** Alice goes auto-away while Bob watches, then her socket drops; `dropped` marks Bob's frames from then on. */
  async function awayThenDropped() {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await a.after(() => t.advance(300_001), (f) => f.type === 'are_you_there');
    expect(await b.after(() => t.advance(60_001), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
    const dropped = b.mark();
    a.close();
    await a.waitClosed();
    await closedOnServer(alice.id);
    return { b, dropped };
  }

  it('a client reconnecting by itself (?reconnect=1) leaves an auto-away user away; a page opened anew brings her back', async () => {
    // Her socket drops (a deploy, a network blip) and her untouched tab reconnects by itself.
    const { b, dropped } = await awayThenDropped();
    const again = await connect(t.url, alice.token, '?reconnect=1');
    expect(again.ready.self).toMatchObject({ status: 'away', activity: 'idle' });
    await t.advance(5_000);
    // Her reconnect and the tick queued whatever they made for Bob: all of it is in before his barrier's answer.
    await b.settled();
    expect(b.since(dropped).filter(change(alice.id))).toEqual([]);
    // A page she opens is her being there.
    again.socket.close();
    await again.socket.waitClosed();
    const opened = await b.after(() => connect(t.url, alice.token), change(alice.id));
    expect(opened).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a poll, with ?reconnect=1 or without, is no interaction: an auto-away user stays away, also when a poll opens a new polling session', async () => {
    // Her socket drops and her untouched tab polls by itself (WebSockets failing).
    const { b, dropped } = await awayThenDropped();
    const poll = (query: string) => t.app.inject({ url: `/api/v1/users/me/friends/status${query}`, headers: bearer(alice.token) });
    expect((await poll('?reconnect=1')).statusCode).toBe(200);
    await t.advance(20_000); // past the offline grace: the polling session holds her
    expect((await poll('')).statusCode).toBe(200);
    // The polls were answered and the tick ran: whatever they made for Bob was queued, and is in before his barrier's answer.
    await b.settled();
    expect(b.since(dropped).filter(change(alice.id))).toEqual([]);
    const seen = (await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json<{ status: string }>();
    expect(seen).toMatchObject({ status: 'away', activity: 'idle' });
    // That polling session ends (TTL, then the grace): offline. A poll opening a new one is a
    // read all the same (CONTRACT): she is back `away`, never `online`.
    expect(await b.after(() => t.advance(70_001), change(alice.id))).toMatchObject({ status: 'offline' });
    expect(await b.after(() => poll(''), change(alice.id))).toMatchObject({ status: 'away', activity: 'idle' });
    // Her page reporting her input is her being there.
    const back = await b.after(() => t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) }), change(alice.id));
    expect(back).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('an answer on one device tells her other devices the probe is over (probe_answered), and nobody else', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: laptop } = await t.connectSeenBy(alice.token, b);
    const { socket: phone } = await t.connect(alice.token);
    const asked = phone.mark();
    const bobAsked = b.mark();
    await laptop.after(() => t.advance(300_001), (f) => f.type === 'are_you_there');
    await phone.next((f) => f.type === 'are_you_there', { from: asked });
    // Bob, idle as long, gets his own probe: in before `answered` is marked.
    await b.next((f) => f.type === 'are_you_there', { from: bobAsked });
    const answered = [laptop.mark(), phone.mark(), b.mark()] as const;
    await phone.after(() => laptop.send({ type: 'still_here' }), (f) => f.type === 'probe_answered');
    await laptop.next((f) => f.type === 'probe_answered', { from: answered[0] });
    // Only once per probe: input after it answers nothing.
    laptop.send({ type: 'interaction' });
    // The laptop's heartbeat answered: its interaction was handled before, and what it made for the others was queued then.
    await framesUntilHeartbeat(laptop, answered[0]);
    expect((await framesUntilNotice(phone, answered[1], t)).filter((f) => f.type === 'probe_answered')).toHaveLength(1);
    expect((await framesUntilNotice(b, answered[2], t)).filter((f) => f.type === 'probe_answered' || f.type === 'are_you_there')).toEqual([]);
  });

  it('a socket opened while a probe is in flight is asked too, and its answer keeps the user online', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await a.after(() => t.advance(300_001), (f) => f.type === 'are_you_there');
    // The socket drops before she answered; the tab reconnects by itself.
    a.close();
    await a.waitClosed();
    await closedOnServer(alice.id);
    const again = await connect(t.url, alice.token, '?reconnect=1');
    const asked = await again.socket.next((f) => f.type === 'are_you_there', { from: 0 });
    expect(again.socket.frames.indexOf(asked)).toBeGreaterThan(again.socket.frames.indexOf(again.ready));
    const answered = b.mark();
    again.socket.send({ type: 'still_here' });
    // Her barrier's answer: the server read her still_here before it, and before the clock moves.
    await again.socket.settled();
    await t.advance(60_001);
    await b.settled();
    expect(b.since(answered).filter(change(alice.id))).toEqual([]);
    // No probe in flight: a new socket is not asked.
    const { socket: tab2 } = await t.connect(alice.token);
    expect((await framesUntilNotice(tab2, 0, t)).filter((f) => f.type === 'are_you_there')).toEqual([]);
  });

  it('answering still_here to the probe keeps the user online', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    await a.after(() => t.advance(300_001), (f) => f.type === 'are_you_there');
    const answered = b.mark();
    a.send({ type: 'still_here' });
    // Her barrier's answer: the server read her still_here before it, and before the clock moves.
    await a.settled();
    await t.advance(60_001);
    await t.advance(239_000);
    await b.settled();
    expect(b.since(answered).filter(change(alice.id))).toEqual([]);
    // The answer restarted the idle timer: the next probe comes a full timeout after it.
    await a.after(() => t.advance(2_000), (f) => f.type === 'are_you_there');
  });

  it('goes offline after the grace, with last_seen = when the last socket closed', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    const closedAt = t.clock.now();
    const closing = b.mark();
    a.close();
    await a.waitClosed();
    await closedOnServer(alice.id);
    await t.advance(9_000);
    await b.settled();
    expect(b.since(closing)).toEqual([]);
    const off = await b.after(() => t.advance(1_001), change(alice.id));
    expect(off.status).toBe('offline');
    // Others see last_seen to the minute (the user's own view stays exact).
    expect(off).toMatchObject({ activity: null, custom_message: null, last_seen: new Date(closedAt - (closedAt % 60_000)).toISOString() });
  });

  it('treats two tabs as one user, and a reload within the grace shows nothing', async () => {
    const { socket: b } = await t.connect(bob.token);
    const online = b.mark();
    const { socket: tab1 } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: online });
    const { socket: tab2 } = await t.connect(alice.token);
    tab1.close();
    await tab1.waitClosed();
    await closedOnServer(alice.id, 1);
    await t.advance(20_000);
    tab2.close();
    await tab2.waitClosed();
    await closedOnServer(alice.id);
    await t.advance(5_000);
    await t.connect(alice.token); // the reload
    await t.advance(20_000);
    await b.settled();
    expect(b.since(online).filter(change(alice.id)).map((f) => f.status)).toEqual(['online']);
  });

  it('logout closes the socket with 4000 and the friend sees offline at once', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    const loggedOut = b.mark();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) });
    expect(res.statusCode).toBe(204);
    expect((await a.waitClosed()).code).toBe(4000);
    expect(await b.next(change(alice.id), { from: loggedOut })).toMatchObject({ status: 'offline' });
  });

  it('a polling-only user shows as online, then offline when polls stop: the poll TTL, then the offline grace', async () => {
    const { socket: b } = await t.connect(bob.token);
    const poll = () => t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    // Her page reports her arrival, then polls (a poll alone is no interaction).
    await t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) });
    let status = 0;
    const online = await b.after(async () => {
      status = (await poll()).statusCode;
    }, change(alice.id));
    expect(status).toBe(200);
    expect(online.status).toBe('online');
    const later = b.mark();
    await t.advance(30_000);
    await poll();
    const endsAt = t.clock.now() + 60_000;
    await t.advance(60_000); // the polling session ends: friends see nothing for the grace
    expect(t.app.services.presence.engine.liveSessionCount(alice.id)).toBe(0);
    await t.advance(9_999);
    await b.settled();
    expect(b.since(later)).toEqual([]);
    expect(await b.after(() => t.advance(1), change(alice.id))).toMatchObject({ status: 'offline' });
    expect(t.app.services.presence.viewOf(alice.id, 'self').last_seen).toBe(new Date(endsAt).toISOString());
  });

  it('a poll within the offline grace after the polling session ended: friends notice nothing', async () => {
    const { socket: b } = await t.connect(bob.token);
    const poll = () => t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    await t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) });
    await b.after(poll, change(alice.id));
    const later = b.mark();
    await t.advance(60_000 + 5_000); // the polling session ended 5 s ago (a tab asleep, a slow network)
    await poll();
    await t.advance(30_000);
    await b.settled();
    expect(b.since(later)).toEqual([]);
    expect(t.app.services.presence.viewOf(alice.id, 'friend')).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a socket of the same login replaces its polling session, so closing the tab is not held up by it', async () => {
    const { socket: b } = await t.connect(bob.token);
    await b.after(() => t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) }), change(alice.id));
    const { socket: a } = await t.connect(alice.token);
    await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) });
    a.close();
    await a.waitClosed();
    expect(await b.after(() => t.advance(10_001), change(alice.id))).toMatchObject({ status: 'offline' });
  });

  it('unfriending sends friend_removed to both and stops updates', async () => {
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id), { from: seen });
    const [fromB, fromA] = [b.mark(), a.mark()];
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/friends/${bob.id}`, headers: bearer(alice.token) });
    expect(res.statusCode).toBe(204);
    expect(await b.next((f) => f.type === 'friend_removed', { from: fromB })).toMatchObject({ friend_id: alice.id });
    expect(await a.next((f) => f.type === 'friend_removed', { from: fromA })).toMatchObject({ friend_id: bob.id });
    const before = b.mark();
    await a.after(() => a.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'status_update' && f.status === 'busy');
    expect(await framesUntilNotice(b, before, t)).toEqual([]);
  });

  it('befriending sends friend_added with the view to both sides', async () => {
    const carol = await t.register('carol');
    const { socket: c } = await t.connect(carol.token);
    const { socket: a } = await t.connect(alice.token);
    const [fromC, fromA] = [c.mark(), a.mark()];
    await t.befriend(alice, carol);
    expect(await c.next((f) => f.type === 'friend_added', { from: fromC })).toMatchObject({
      friend: { user_id: alice.id, username: 'alice', status: 'online' },
    });
    expect(await a.next((f) => f.type === 'friend_added', { from: fromA })).toMatchObject({ friend: { user_id: carol.id, status: 'online' } });
    expect(await c.after(() => a.send({ type: 'set_status', status: 'away' }), change(alice.id))).toMatchObject({ status: 'away' });
  });
});

// CONTRACT "Presence rules and timings": reads (any GET, however frequent) never count as
// interaction, so background refreshes cannot keep an absent user online. The audit's case: a
// widget polling slower than the poll TTL opened a new polling session each time, and each one
// brought its absent user back `online` (friend_online notifications included), then offline.
describe('a background widget polling for an absent user', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  it('never shows her online: away while a polling session holds her, offline between', async () => {
    // Production's poll TTL, grace, idle and probe timeouts (60 s, 10 s, 5 min, 60 s), each ÷ 20.
    t = await startLiveApp({ pollSessionTtlMs: 3_000, offlineGraceMs: 500, idleTimeoutMs: 15_000, idleProbeTimeoutMs: 3_000 });
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    const { socket: b } = await t.connect(bob.token);
    // She used the app once (a state change), then left for longer than idle and probe together;
    // her widget polls every 6 s (2 min in production), slower than TTL and grace together.
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(alice.token), payload: { status: 'online' } })).statusCode).toBe(200);
    await t.advance(20_000);
    const from = b.mark();
    for (let i = 0; i < 4; i++) {
      await t.advance(6_000);
      expect((await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) })).statusCode).toBe(200);
    }
    await t.advance(6_000);
    // All the frames those steps sent, once a later one on the same path arrived (not what happened to be in by now).
    const shown = (await framesUntilNotice(b, from, t)).filter(change(alice.id)).map((f) => f.status);
    expect(shown).not.toContain('online');
    expect(shown).toEqual(['away', 'offline', 'away', 'offline', 'away', 'offline', 'away', 'offline']);
  });
});

describe('a page polling from the start (the SDK, with WebSockets blocked)', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  it('shows its person online at once, never away first: the SDK reports the arrival before its first poll', async () => {
    t = await startLiveApp({ offlineGraceMs: 10_000, idleTimeoutMs: 300_000, idleProbeTimeoutMs: 60_000 });
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    await t.advance(400_000); // her last input is older than the idle and probe timeouts together
    const { socket: b } = await t.connect(bob.token);
    const NoSocket = class {
      constructor() {
        throw new Error('sockets are blocked on this network');
      }
    };
    const client = new PresenceClient({ baseUrl: t.url, getToken: () => alice.token, WebSocketImpl: NoSocket as never, fallbackAfterFailures: 1, pollIntervalMs: 50, backoff: { baseMs: 10, maxMs: 20 } });
    // Polls counted once the server has handled them (what each made for Bob is queued by then).
    const presence = t.app.services.presence;
    const polled = presence.polled.bind(presence);
    let polls = 0;
    presence.polled = async (auth) => {
      await polled(auth);
      polls++;
    };
    const from = b.mark();
    try {
      expect(await b.after(() => client.start(), change(alice.id))).toMatchObject({ status: 'online', activity: 'browsing' });
      // A few polls more, then Bob's barrier: whatever they made for him is in before its answer.
      const seen = polls;
      await expect.poll(() => polls).toBeGreaterThanOrEqual(seen + 3);
      await b.settled();
      expect(b.since(from).filter(change(alice.id)).map((f) => f.status)).toEqual(['online']);
    } finally {
      client.stop();
    }
  });
});
