/** Friends see each other's presence over real sockets, on a fake clock. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('real-time presence between friends', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    t = await startLiveApp({ offlineGraceMs: 10_000, idleTimeoutMs: 300_000, idleProbeTimeoutMs: 60_000 });
    alice = await t.register('alice');
    bob = await t.register('bob');
    await t.befriend(alice, bob);
  });
  afterEach(() => t.close());

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
    await t.connect(alice.token);
    const f = await b.next(change(alice.id));
    expect(f).toMatchObject({ status: 'online', activity: 'browsing', custom_message: null, last_seen: null, seq: 1 });
    expect(Date.now() - sent).toBeLessThan(1000);
  });

  it('delivers each change to a friend within milliseconds (well within 5 s)', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    const ms: number[] = [];
    for (let i = 0; i < 50; i++) {
      const sent = performance.now();
      a.send({ type: 'set_status', status: i % 2 ? 'away' : 'busy', custom_message: `n${i}` });
      await b.next((f) => change(alice.id)(f) && f.custom_message === `n${i}`);
      ms.push(performance.now() - sent);
    }
    ms.sort((x, y) => x - y);
    console.warn(`change-to-friend latency over a real socket, ms: p50=${ms[25]!.toFixed(2)} p95=${ms[47]!.toFixed(2)} max=${ms[49]!.toFixed(2)}`);
    expect(ms[49]).toBeLessThan(500);
  });

  it('shows status, custom message and activity changes, each with its own seq', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    a.send({ type: 'set_status', status: 'busy', custom_message: 'ranked grind' });
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'busy')).toMatchObject({ custom_message: 'ranked grind', seq: 2 });
    expect(await a.next((f) => f.type === 'status_update')).toMatchObject({ user_id: alice.id, status: 'busy', custom_message: 'ranked grind' });
    a.send({ type: 'activity', activity: 'watching_match' });
    expect(await b.next((f) => change(alice.id)(f) && f.activity === 'watching_match')).toMatchObject({ status: 'busy', seq: 3 });
    a.send({ type: 'activity', activity: 'playing_pong' });
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'in_game')).toMatchObject({ activity: 'playing_pong' });
    a.send({ type: 'activity', activity: 'browsing' });
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'busy' && f.activity === 'browsing')).toBeTruthy();
  });

  it('goes through the idle probe to away, and back to online on interaction', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    await t.advance(300_001);
    await a.next((f) => f.type === 'are_you_there');
    expect(b.frames.filter((f) => change(alice.id)(f) && f.status === 'away')).toEqual([]);
    await t.advance(60_001);
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'away')).toMatchObject({ activity: 'idle' });
    a.send({ type: 'interaction' });
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'online')).toMatchObject({ activity: 'browsing' });
  });

  it('answering still_here to the probe keeps the user online', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    await t.advance(300_001);
    await a.next((f) => f.type === 'are_you_there');
    a.send({ type: 'still_here' });
    await new Promise((r) => setTimeout(r, 20));
    await t.advance(60_001);
    expect(b.frames.filter(change(alice.id)).map((f) => f.status)).toEqual(['online']);
  });

  it('goes offline after the grace, with last_seen = when the last socket closed', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    const closedAt = t.clock.now();
    a.close();
    await a.waitClosed();
    await t.advance(9_000);
    expect(b.frames.filter(change(alice.id))).toHaveLength(1);
    await t.advance(1_001);
    const off = await b.next((f) => change(alice.id)(f) && f.status === 'offline');
    // Others see last_seen to the minute (the user's own view stays exact).
    expect(off).toMatchObject({ activity: null, custom_message: null, last_seen: new Date(closedAt - (closedAt % 60_000)).toISOString() });
  });

  it('treats two tabs as one user, and a reload within the grace shows nothing', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: tab1 } = await t.connect(alice.token);
    await b.next(change(alice.id));
    const { socket: tab2 } = await t.connect(alice.token);
    tab1.close();
    await tab1.waitClosed();
    await t.advance(20_000);
    tab2.close();
    await tab2.waitClosed();
    await t.advance(5_000);
    await t.connect(alice.token); // the reload
    await t.advance(20_000);
    expect(b.frames.filter(change(alice.id)).map((f) => f.status)).toEqual(['online']);
  });

  it('logout closes the socket with 4000 and the friend sees offline at once', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) });
    expect(res.statusCode).toBe(204);
    expect((await a.waitClosed()).code).toBe(4000);
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'offline')).toBeTruthy();
  });

  it('a polling-only user shows as online, then offline when polls stop', async () => {
    const { socket: b } = await t.connect(bob.token);
    const poll = await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    expect(poll.statusCode).toBe(200);
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'online')).toBeTruthy();
    await t.advance(30_000);
    await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    await t.advance(59_000);
    expect(b.frames.filter(change(alice.id)).map((f) => f.status)).toEqual(['online']);
    await t.advance(1_500);
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'offline')).toBeTruthy();
  });

  it('a socket of the same login replaces its polling session, so closing the tab is not held up by it', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    await b.next(change(alice.id));
    const { socket: a } = await t.connect(alice.token);
    await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) });
    a.close();
    await a.waitClosed();
    await t.advance(10_001);
    expect(await b.next((f) => change(alice.id)(f) && f.status === 'offline')).toBeTruthy();
  });

  it('unfriending sends friend_removed to both and stops updates', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connect(alice.token);
    await b.next(change(alice.id));
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/friends/${bob.id}`, headers: bearer(alice.token) });
    expect(res.statusCode).toBe(204);
    expect(await b.next((f) => f.type === 'friend_removed')).toMatchObject({ friend_id: alice.id });
    expect(await a.next((f) => f.type === 'friend_removed')).toMatchObject({ friend_id: bob.id });
    const before = b.frames.length;
    a.send({ type: 'set_status', status: 'busy' });
    await a.next((f) => f.type === 'status_update' && f.status === 'busy');
    await new Promise((r) => setTimeout(r, 30));
    expect(b.frames.slice(before)).toEqual([]);
  });

  it('befriending sends friend_added with the view to both sides', async () => {
    const carol = await t.register('carol');
    const { socket: c } = await t.connect(carol.token);
    const { socket: a } = await t.connect(alice.token);
    await t.befriend(alice, carol);
    expect(await c.next((f) => f.type === 'friend_added')).toMatchObject({
      friend: { user_id: alice.id, username: 'alice', status: 'online' },
    });
    expect(await a.next((f) => f.type === 'friend_added')).toMatchObject({ friend: { user_id: carol.id, status: 'online' } });
    a.send({ type: 'set_status', status: 'away' });
    expect(await c.next((f) => change(alice.id)(f) && f.status === 'away')).toBeTruthy();
  });
});
