/**
 * "Tell me when X comes online" end to end: pushes reach a local push service that decrypts
 * them with the subscription's keys (RFC 8291), and the in-page frame reaches open tabs.
 * Privacy, busy, quiet hours and the per-friend period are each proven to stop a send.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveFriends, startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { startPushEndpoint, type PushEndpoint } from '../helpers/push-endpoint.js';
import type { TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const MIN = 60_000;
const GRACE = 10_000;

describe('online notifications', () => {
  let t: LiveApp;
  let push: PushEndpoint;
  let alice: U;
  let bob: U;
  let bobSocket: TestSocket | null = null;

  beforeEach(async () => {
    push = await startPushEndpoint();
    ({ t, alice, bob } = await liveFriends({ pushAllowLocal: true, offlineGraceMs: GRACE, idleTimeoutMs: 24 * 60 * MIN }, { overrides: { pushCa: push.ca } }));
    bobSocket = null;
  });
  afterEach(async () => {
    await t.close();
    await push.close();
  });

  const api = (who: U, method: 'GET' | 'PUT' | 'DELETE' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });
  const settled = () => t.app.services.notifications.notifier.idle();
  const subscribe = async (who: U, name: string) => {
    const sub = push.subscription(name);
    expect((await api(who, 'PUT', '/users/me/push-subscription', sub)).statusCode).toBe(204);
    return sub;
  };
  const watch = async (who: U, friend: U) => expect((await api(who, 'PUT', `/users/me/notifications/watches/${friend.id}`)).statusCode).toBe(200);
  /** Bob opens the app (comes online), and every decision it caused is made. */
  const bobComesOnline = async () => {
    bobSocket = (await t.connect(bob.token)).socket;
    await settled();
  };
  /** Bob closes the app and the grace passes: friends see him offline. */
  const bobGoesOffline = async () => {
    bobSocket!.ws.close();
    await expect.poll(() => t.app.services.presence.engine.sessionIds(bob.id).length).toBe(0);
    await t.advance(GRACE + 1);
    expect(t.app.services.presence.engine.get(bob.id).status).toBe('offline');
  };

  it('sends one push, decrypted with the subscription keys, when a watched friend comes online', async () => {
    await subscribe(alice, 'alice-laptop');
    await watch(alice, bob);
    await bobComesOnline();
    expect(push.failures).toEqual([]);
    expect(push.received).toHaveLength(1);
    expect(push.received[0]).toMatchObject({
      name: 'alice-laptop',
      vapidKey: (await api(alice, 'GET', '/push/vapid-public-key')).json<{ public_key: string }>().public_key,
      payload: { type: 'notification', kind: 'friend_online', friend_id: bob.id, username: 'bob', display_name: 'bob', status: 'online', at: new Date(t.clock.now()).toISOString() },
    });
  });

  it('shows the notification in the open tab as a frame, and pushes to every browser of the recipient', async () => {
    await subscribe(alice, 'alice-laptop');
    await subscribe(alice, 'alice-phone');
    await watch(alice, bob);
    const { socket: a } = await t.connect(alice.token);
    const frame = await a.after(() => bobComesOnline(), (f) => f.type === 'notification');
    expect(frame).toMatchObject({ type: 'notification', kind: 'friend_online', friend_id: bob.id, status: 'online' });
    expect(a.frames.filter((f) => f.type === 'notification')).toHaveLength(1);
    expect(push.received.map((r) => r.name).sort()).toEqual(['alice-laptop', 'alice-phone']);
  });

  it('sends nothing for a friend who is not watched, and nothing to a user who watches nobody', async () => {
    const carol = await t.register('carol');
    await t.befriend(carol, bob);
    await t.befriend(alice, carol);
    await subscribe(alice, 'alice');
    await subscribe(carol, 'carol');
    await watch(alice, carol);
    await bobComesOnline();
    expect(push.received).toEqual([]);
  });

  it('sends nothing when the friend shows their status to close friends only and the recipient is a plain friend', async () => {
    await subscribe(alice, 'alice');
    await watch(alice, bob);
    expect((await api(bob, 'PUT', '/users/me/status/settings', { status_visibility: 'close_friends' })).statusCode).toBe(200);
    await bobComesOnline();
    expect(push.received).toEqual([]);
    // The same friend made a close friend does get it: the rule, not a broken path, stopped it.
    await bobGoesOffline();
    expect((await api(bob, 'PATCH', `/users/me/friends/${alice.id}`, { category: 'close_friend' })).statusCode).toBe(200);
    await bobComesOnline();
    expect(push.received).toHaveLength(1);
  });

  it('sends nothing while the friend is hidden, and nothing when unhiding shows them online', async () => {
    await subscribe(alice, 'alice');
    await watch(alice, bob);
    expect((await api(bob, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' })).statusCode).toBe(200);
    await bobComesOnline();
    expect(push.received).toEqual([]);
    expect((await api(bob, 'PUT', '/users/me/status/settings', { status_visibility: 'friends' })).statusCode).toBe(200);
    await settled();
    // Unhiding is appearing to friends: that is "comes online" as alice sees it.
    expect(push.received).toHaveLength(1);
  });

  it('sends nothing while the recipient is busy (Do Not Disturb), in the page or by push', async () => {
    await subscribe(alice, 'alice');
    await watch(alice, bob);
    const { socket: a } = await t.connect(alice.token);
    expect((await api(alice, 'PUT', '/users/me/status', { status: 'busy' })).statusCode).toBe(200);
    const from = a.mark();
    await bobComesOnline();
    await t.advance(100);
    // Every decision made (the notifier idle): a notification it sent her is in before her barrier's answer.
    await settled();
    await a.settled();
    expect(a.since(from).filter((f) => f.type === 'notification')).toEqual([]);
    expect(push.received).toEqual([]);
    await bobGoesOffline();
    expect((await api(alice, 'PUT', '/users/me/status', { status: 'online' })).statusCode).toBe(200);
    await bobComesOnline();
    expect(push.received).toHaveLength(1);
  });

  it('sends nothing by push while Do Not Disturb set by hand holds, even with the tab closed', async () => {
    await subscribe(alice, 'alice');
    await watch(alice, bob);
    const { socket: a } = await t.connect(alice.token);
    expect((await api(alice, 'PUT', '/users/me/status', { status: 'busy' })).statusCode).toBe(200);
    a.ws.close();
    await expect.poll(() => t.app.services.presence.engine.sessionIds(alice.id).length).toBe(0);
    await t.advance(GRACE + 1);
    expect(t.app.services.presence.engine.get(alice.id).status).toBe('offline');
    await bobComesOnline();
    expect(push.received).toEqual([]);
  });

  it('sends nothing inside the recipient’s quiet hours (a busy rule of their schedule), even with the tab closed', async () => {
    await subscribe(alice, 'alice');
    await watch(alice, bob);
    const start = Math.floor(t.clock.now() / MIN) * MIN;
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const rule = { days: [1, 2, 3, 4, 5, 6, 7], from: hhmm(start), to: hhmm(start + 60 * MIN), status: 'busy' };
    expect((await api(alice, 'PUT', '/users/me/status/schedule', { time_zone: 'UTC', rules: [rule] })).statusCode).toBe(200);
    await bobComesOnline();
    expect(push.received).toEqual([]);
    await bobGoesOffline();
    await t.advance(60 * MIN);
    await bobComesOnline();
    expect(push.received).toHaveLength(1);
  });

  it('sends at most one per friend per period: a second online within it is not sent, after it is', async () => {
    await subscribe(alice, 'alice');
    await watch(alice, bob);
    expect((await api(alice, 'PUT', '/users/me/notifications/settings', { period_minutes: 5 })).json()).toEqual({ period_minutes: 5, push_subscriptions: 1, push_endpoints: [expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/push\/alice$/)] });
    await bobComesOnline();
    expect(push.received).toHaveLength(1);
    await bobGoesOffline();
    await t.advance(5 * MIN - GRACE - 2);
    await bobComesOnline();
    expect(push.received).toHaveLength(1);
    await bobGoesOffline();
    await bobComesOnline();
    expect(push.received).toHaveLength(2);
  });

  it('pushes nothing more to a browser whose login ended: logged out, ended from another login, or signed out everywhere else', async () => {
    const PASSWORD = 'pass-phrase-for-tests';
    /** Alice signs in on another browser and turns notifications on there. */
    const browser = async (name: string): Promise<U> => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD } });
      const other = { token: res.json<{ token: string }>().token, id: alice.id };
      await subscribe(other, name);
      return other;
    };
    const sessionOf = async (token: string) =>
      (await api({ token, id: alice.id }, 'GET', '/users/me/sessions')).json<Array<{ id: string; current: boolean }>>().find((s) => s.current)!.id;
    const pushedTo = async () => {
      push.received.length = 0;
      await bobComesOnline();
      await bobGoesOffline();
      await t.advance(MIN + 1); // past the period of one notification per friend
      return push.received.map((r) => r.name).sort();
    };
    await subscribe(alice, 'alice-laptop');
    await api(alice, 'PUT', '/users/me/notifications/settings', { period_minutes: 1 });
    await watch(alice, bob);

    const library = await browser('library');
    const loggedOut = await browser('logged-out');
    expect(await pushedTo()).toEqual(['alice-laptop', 'library', 'logged-out']);

    // Ended from her laptop ("Signed-in devices"), and logged out over the API (no web app to unsubscribe).
    expect((await api(alice, 'DELETE', `/users/me/sessions/${await sessionOf(library.token)}`)).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(loggedOut.token) })).statusCode).toBe(204);
    expect(await pushedTo()).toEqual(['alice-laptop']);
    expect((await api(alice, 'GET', '/users/me/notifications/settings')).json()).toMatchObject({ push_subscriptions: 1 });

    // "Sign out everywhere else" ends the pushes of every other login; the laptop's go on.
    await browser('phone');
    expect((await api(alice, 'DELETE', '/users/me/sessions')).statusCode).toBe(200);
    expect(await pushedTo()).toEqual(['alice-laptop']);
    expect(push.failures).toEqual([]);
  });

  it('deletes a subscription the push service calls gone (410), and keeps the others', async () => {
    await subscribe(alice, 'gone');
    await subscribe(alice, 'kept');
    push.answer('gone', 410);
    await watch(alice, bob);
    await bobComesOnline();
    expect(push.received.map((r) => r.name).sort()).toEqual(['gone', 'kept']);
    expect((await api(alice, 'GET', '/users/me/notifications/settings')).json()).toMatchObject({ push_subscriptions: 1 });
    expect((await t.app.services.notifications.repo.subscriptionsOf(alice.id)).map((s) => s.endpoint)).toEqual([push.subscription('kept').endpoint]);
  });

  it('lets only friends be watched, lists and removes watches, and ends them on unfriending', async () => {
    const carol = await t.register('carol');
    expect((await api(alice, 'PUT', `/users/me/notifications/watches/${carol.id}`)).json()).toMatchObject({ code: 'NOT_FOUND' });
    await watch(alice, bob);
    expect((await api(alice, 'GET', '/users/me/notifications/watches')).json()).toEqual([{ user_id: bob.id, username: 'bob', display_name: 'bob', since: expect.any(String) }]);
    expect((await api(alice, 'DELETE', `/users/me/notifications/watches/${bob.id}`)).statusCode).toBe(204);
    expect((await api(alice, 'GET', '/users/me/notifications/watches')).json()).toEqual([]);
    await watch(alice, bob);
    await subscribe(alice, 'alice');
    expect((await api(alice, 'GET', '/users/me/export')).json()).toMatchObject({
      notifications: { period_minutes: 30, watches: [{ user_id: bob.id }], push_subscriptions: [{ endpoint: expect.stringContaining('/push/alice') }] },
    });
    expect((await api(bob, 'DELETE', `/users/me/friends/${alice.id}`)).statusCode).toBe(204);
    await expect.poll(async () => (await api(alice, 'GET', '/users/me/notifications/watches')).json()).toEqual([]);
  });

  it('stays up when a push service answers without end, and still pushes to the other browsers', async () => {
    await subscribe(alice, 'flood');
    push.answer('flood', 201, 0, 'flood');
    await subscribe(alice, 'kept');
    await watch(alice, bob);
    await bobComesOnline();
    expect(push.received.map((r) => r.name).sort()).toEqual(['flood', 'kept']);
    await expect.poll(() => push.sent.map((a) => a.complete)).toEqual([false]);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('refuses subscriptions that are not https public push services or carry bad keys', async () => {
    const local = await startLiveApp();
    try {
      const who = await local.register('dave');
      const good = push.subscription('x');
      const put = (body: object) => local.app.inject({ method: 'PUT', url: '/api/v1/users/me/push-subscription', headers: bearer(who.token), payload: body });
      for (const endpoint of ['http://push.example.com/x', 'https://127.0.0.1:8443/x', 'https://10.0.0.1/x', 'https://localhost/x', 'https://localhost./x', 'https://0x7f.1/x', 'https://[::ffff:7f00:1]/x', 'https://u:p@push.example.com/x', 'not a url']) {
        const res = await put({ ...good, endpoint });
        expect(res.statusCode, endpoint).toBe(400);
        expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
      }
      // The name "127.0.0.77.evil.com" to the URL standard, the address 127.0.0.77 to older parsers.
      const odd = await put({ ...good, endpoint: 'https://127.0.0.77%2eevil.com/push/abc' });
      expect(odd.statusCode).toBe(400);
      expect(odd.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'endpoint: the host must be written plainly (no escapes or other spellings)' });
      expect((await put({ ...good, endpoint: 'https://push.example.com/x', keys: { ...good.keys, p256dh: 'A'.repeat(87) } })).statusCode).toBe(400);
      // 0x04 and 64 bytes, but no point of P-256: no push could be encrypted to it.
      const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
      const refused = await put({ ...good, endpoint: 'https://push.example.com/x', keys: { ...good.keys, p256dh: offCurve } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'keys/p256dh: must be an uncompressed P-256 public key' });
      expect((await put({ ...good, endpoint: 'https://push.example.com/x', extra: 1 })).statusCode).toBe(400);
      expect((await put({ ...good, endpoint: 'https://push.example.com/x' })).statusCode).toBe(204);
      // Saved in its normal form (the form pushes go to); the browser's spelling still deletes it.
      expect((await put({ ...good, endpoint: 'https://PUSH.example.com:443/y' })).statusCode).toBe(204);
      expect((await local.app.services.notifications.repo.subscriptionsOf(who.id)).map((s) => s.endpoint).sort()).toEqual(['https://push.example.com/x', 'https://push.example.com/y']);
      const del = await local.app.inject({ method: 'DELETE', url: '/api/v1/users/me/push-subscription', headers: bearer(who.token), payload: { endpoint: 'https://PUSH.example.com:443/y' } });
      expect(del.statusCode).toBe(204);
    } finally {
      await local.close();
    }
  });
});
