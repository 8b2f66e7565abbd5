/** Privacy changes apply at once to every output: REST, the ready snapshot and events. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };

describe('privacy over every output', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let carol: U;
  let stranger: U;
  let admin: U;
  beforeEach(async () => {
    ({ t, alice, bob, carol, stranger, root: admin } = await liveUsers({}, ['alice', 'bob', 'carol', 'stranger', 'root'], { friends: [['alice', 'bob'], ['alice', 'carol']] }));
    await t.grantAdmin('root');
  });
  afterEach(() => t.close());

  const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;
  const status = (viewer: U, subject: U) =>
    t.app.inject({ url: `/api/v1/users/${subject.id}/status`, headers: bearer(viewer.token) }).then((r) => r.json());
  const settings = (who: U, payload: object) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(who.token), payload });
  const category = (who: U, friend: U, c: string) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/users/me/friends/${friend.id}`, headers: bearer(who.token), payload: { category: c } });

  it('shows friends-only status to friends but offline to strangers, and the truth to admins', async () => {
    await t.connect(alice.token);
    expect(await status(bob, alice)).toMatchObject({ status: 'online', activity: 'browsing' });
    expect(await status(stranger, alice)).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: null });
    expect(await status(admin, alice)).toMatchObject({ status: 'online' });
  });

  it('hiding looks like a logout at that moment, everywhere, and nothing done while hidden moves last_seen', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await b.after(() => a.send({ type: 'set_status', status: 'busy', custom_message: 'secret' }), (f) => change(alice.id)(f) && f.status === 'busy');
    await t.advance(60_000);
    const hidAtMs = t.clock.now();
    // Others see last_seen to the minute (hardening); the database keeps it exact.
    const hidAt = new Date(hidAtMs - (hidAtMs % 60_000)).toISOString();
    const hiding = b.mark();
    expect((await settings(alice, { status_visibility: 'hidden' })).json()).toMatchObject({ status_visibility: 'hidden' });
    expect(await b.next(change(alice.id), { from: hiding })).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: hidAt });

    // REST and a fresh ready snapshot say the same; a stranger (outside the last_seen audience) sees a never-seen user.
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: hidAt });
    expect(await status(stranger, alice)).toMatchObject({ status: 'offline', last_seen: null });
    const { ready } = await t.connect(carol.token);
    const aliceInReady = (ready.friends as Array<{ user_id: number }>).find((v) => v.user_id === alice.id);
    expect(aliceInReady).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: hidAt });
    expect(await status(admin, alice)).toMatchObject({ status: 'busy', custom_message: 'secret' });
    expect(await status(alice, alice)).toMatchObject({ status: 'busy', custom_message: 'secret' });

    // While hidden: changes, leaving, the grace ending — friends receive nothing and last_seen stays.
    const hidden = b.mark();
    await a.after(() => a.send({ type: 'activity', activity: 'chatting' }), (f) => f.type === 'status_update' && f.activity === 'chatting');
    await t.advance(30_000);
    a.close();
    await a.waitClosed();
    await t.advance(10_001);
    expect(await framesUntilNotice(b, hidden, t)).toEqual([]);
    expect((await status(bob, alice)).last_seen).toBe(hidAt);

    // Unhiding while offline shows only the current state: offline, last seen when she hid.
    expect((await settings(alice, { status_visibility: 'friends' })).statusCode).toBe(200);
    expect(await framesUntilNotice(b, hidden, t)).toEqual([]);
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', last_seen: hidAt });
    await t.app.services.presence.flush();
    const row = await t.app.services.database.db.selectFrom('users').select('last_seen').where('id', '=', alice.id).executeTakeFirstOrThrow();
    expect(Number(row.last_seen)).toBe(hidAtMs);
  });

  it('unhiding while online shows the current state at once', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await b.after(() => settings(alice, { status_visibility: 'hidden' }), (f) => change(alice.id)(f) && f.status === 'offline');
    await a.after(() => a.send({ type: 'set_status', status: 'away', custom_message: 'lunch' }), (f) => f.type === 'status_update' && f.status === 'away');
    const shown = await b.after(() => settings(alice, { status_visibility: 'friends' }), change(alice.id));
    expect(shown).toMatchObject({ status: 'away', custom_message: 'lunch', last_seen: null });
  });

  it('shows close-friends-only fields to close friends only, per the category the subject gave', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: c } = await t.connect(carol.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b, c);
    await settings(alice, { custom_message_visibility: 'close_friends' });
    expect((await category(alice, bob, 'close_friend')).statusCode).toBe(200);
    const [fromB, fromC] = [b.mark(), c.mark()];
    a.send({ type: 'set_status', status: 'busy', custom_message: 'only for close friends' });
    expect(await b.next(change(alice.id), { from: fromB })).toMatchObject({ status: 'busy', custom_message: 'only for close friends' });
    expect(await c.next(change(alice.id), { from: fromC })).toMatchObject({ status: 'busy', custom_message: null });
    expect((await status(carol, alice)).custom_message).toBeNull();
    expect((await status(bob, alice)).custom_message).toBe('only for close friends');
  });

  it('a category change updates what that friend sees at once, and an acquaintance sees what the public sees', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    await b.after(() => a.send({ type: 'set_status', status: 'busy', custom_message: 'hi' }), change(alice.id));
    expect(await b.after(() => category(alice, bob, 'acquaintance'), change(alice.id))).toMatchObject({
      status: 'offline',
      custom_message: null,
      last_seen: null,
    });
    expect(await b.after(() => category(alice, bob, 'friend'), change(alice.id))).toMatchObject({ status: 'busy', custom_message: 'hi' });
  });

  it('sends nothing to a viewer whose view did not change', async () => {
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    expect(await b.after(() => settings(alice, { activity_visibility: 'close_friends' }), change(alice.id))).toMatchObject({ activity: null });
    const before = b.mark();
    await a.after(() => a.send({ type: 'activity', activity: 'chatting' }), (f) => f.type === 'status_update' && f.activity === 'chatting');
    expect(await framesUntilNotice(b, before, t)).toEqual([]);
  });

  it('last_seen follows its own audience', async () => {
    const { socket: a } = await t.connect(alice.token);
    await settings(alice, { last_seen_visibility: 'nobody' });
    a.close();
    await a.waitClosed();
    await t.advance(10_001);
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', last_seen: null });
    await settings(alice, { last_seen_visibility: 'friends' });
    expect((await status(bob, alice)).last_seen).toEqual(expect.any(String));
    expect((await status(stranger, alice)).last_seen).toBeNull();
  });

  it('approximate last seen: friends see a bucket that moves only at midnight UTC, pushed then', async () => {
    const DAY = 86_400_000;
    expect((await settings(alice, { last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'friends' })).statusCode).toBe(200);
    const { socket: a } = await t.connect(alice.token);
    const { socket: b } = await t.connect(bob.token);
    a.close();
    await a.waitClosed();
    const off = await b.after(() => t.advance(10_001), (f) => change(alice.id)(f) && f.status === 'offline');
    expect(off).toMatchObject({ last_seen: null, last_seen_approx: 'recently' });
    expect(await status(stranger, alice)).toMatchObject({ last_seen: null, last_seen_approx: null });
    // Three whole UTC days later, at midnight, the bucket becomes "within a week" — not a moment before.
    const seenDay = Math.floor(t.clock.now() / DAY);
    const midnight = (seenDay + 3) * DAY;
    const from = b.mark();
    await t.advance(midnight - 1 - t.clock.now());
    // The tick queued whatever it made for Bob: it is in before his barrier's answer.
    await b.settled();
    expect(b.since(from).filter(change(alice.id))).toEqual([]);
    expect(await b.after(() => t.advance(1), change(alice.id))).toMatchObject({ status: 'offline', last_seen: null, last_seen_approx: 'within_week' });
    expect(await status(carol, alice)).toMatchObject({ last_seen_approx: 'within_week' });
  });

  it('approximate last seen: a hidden user still online gets the same midnight push as one who logged out', async () => {
    const DAY = 86_400_000;
    const approx = { last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'friends', status_visibility: 'hidden' };
    // Alice hides and stays connected; Carol hides and leaves. Bob, their friend, cannot tell them apart.
    await t.befriend(bob, carol);
    // Each frame this sends Bob (online, then offline 'recently' as each hides) is in before `from` is marked below.
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    const { socket: c } = await t.connectSeenBy(carol.token, b);
    for (const who of [alice, carol]) {
      await b.after(async () => expect((await settings(who, approx)).statusCode).toBe(200), (f) => change(who.id)(f) && f.status === 'offline');
    }
    // A visible user online, shown approximately too: nothing of theirs changes at midnight, nothing is sent.
    await t.befriend(bob, stranger);
    await t.connectSeenBy(stranger.token, b);
    expect((await settings(stranger, { ...approx, status_visibility: 'friends' })).statusCode).toBe(200);
    c.close();
    await c.waitClosed();
    await t.advance(10_001);
    const midnight = (Math.floor(t.clock.now() / DAY) + 3) * DAY;
    await t.advance(midnight - 1 - t.clock.now());
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', last_seen_approx: 'recently' });
    const from = b.mark();
    await b.after(() => t.advance(1), change(carol.id));
    // Both pushes are made in the same tick: a notice queued after it shows every frame it sent.
    const pushed = (await framesUntilNotice(b, from, t)).filter((f) => f.type === 'friend_status_change');
    expect(pushed.map((f) => [f.friend_id, f.status, f.last_seen_approx]).sort()).toEqual(
      [[alice.id, 'offline', 'within_week'], [carol.id, 'offline', 'within_week']].sort(),
    );
    expect(await status(bob, alice)).toMatchObject({ status: 'offline', last_seen_approx: 'within_week' });
  });

  it('validates settings: unknown values and fields are 400, partial updates keep the rest', async () => {
    expect((await settings(alice, { status_visibility: 'everyone' })).statusCode).toBe(400);
    expect((await settings(alice, { colour: 'red' })).statusCode).toBe(400);
    expect((await settings(alice, { activity_visibility: 'hidden' })).statusCode).toBe(400);
    const res = await settings(alice, { last_seen_visibility: 'public' });
    expect(res.json()).toEqual({
      status_visibility: 'friends',
      activity_visibility: 'friends',
      last_seen_visibility: 'public',
      custom_message_visibility: 'friends',
      last_seen_approximate_visibility: 'nobody',
      pattern_visibility: 'nobody',
    });
    const got = await t.app.inject({ url: '/api/v1/users/me/status/settings', headers: bearer(alice.token) });
    expect(got.json()).toEqual(res.json());
  });
});
