/**
 * Findings (Low): `password` and eight spaces were accepted as passwords, there was no
 * per-account login throttle, friend requests could be repeated after each decline, and
 * nobody could be blocked. On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRIEND_REQUEST_COOLDOWN_MS } from '../../../src/server/friends/friends-service.js';
import { LOGIN_FAILURES } from '../../../src/server/auth/login-throttle.js';
import { bearer } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';

type U = { token: string; id: number };

describe.each(testDialects())('accounts on %s', (dialect) => {
  let t: LiveApp;
  let drop: () => Promise<void>;
  let alice: U;
  let bob: U;
  const start = async (config: Parameters<typeof startLiveApp>[0] = {}) => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await startLiveApp({ databaseUrl: fresh.url, ...config });
    alice = await t.register('alice');
    bob = await t.register('bob');
  };
  afterEach(async () => {
    await t.close();
    await drop();
  });

  const register = (username: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username, password } });
  const login = (username: string, password: string, ip: string, device_token?: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password, ...(device_token !== undefined ? { device_token } : {}) }, remoteAddress: ip });
  const deviceOf = (res: { json: () => unknown }) => (res.json() as { device_token: string }).device_token;
  const ask = (from: U, to: U) =>
    t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(from.token), payload: { user_id: to.id } });
  const decline = (who: U, id: number) =>
    t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/decline`, headers: bearer(who.token) });
  const block = (who: U, other: U) =>
    t.app.inject({ method: 'POST', url: '/api/v1/users/me/blocks', headers: bearer(who.token), payload: { user_id: other.id } });

  describe('passwords', () => {
    beforeEach(() => start());

    it.each([
      ['password', 'a password that is the most common one'],
      ['        ', 'eight spaces'],
      ['   \t    ', 'blank with a tab'],
      ['a        b', 'two characters with spaces between'],
      ['x         y  ', 'two characters and spaces'],
      ['\u200b'.repeat(8), 'eight zero-width spaces'],
      ['ab\u200bcd\u200bef\u200b', 'six characters and invisible ones'],
      ['PassWord123', 'a common password in another case'],
      ['qwertyuiop', 'a keyboard walk'],
      ['carol_the_user', 'the username itself'],
    ])('refuses %j (%s) with 400 and a clear message', async (password) => {
      const res = await register('carol_the_user', password);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect(res.json<{ message: string }>().message).toMatch(/password/i);
    });

    it('accepts an uncommon password, spaces inside and letters beyond ASCII too', async () => {
      expect((await register('carol', 'pelican-under-lamp-7')).statusCode).toBe(201);
      expect((await register('dave', 'pélican sous lampe')).statusCode).toBe(201);
    });
  });

  describe('login throttling', () => {
    beforeEach(() => start({ rateLimits: true }));

    it('throttles failed logins per account, whatever the address, then lets the owner in after the window', async () => {
      for (let i = 0; i < LOGIN_FAILURES.max; i++) expect((await login('alice', 'wrong-guess-xyz', `10.0.0.${i + 1}`)).statusCode).toBe(401);
      const blocked = await login('alice', 'wrong-guess-xyz', '10.0.1.1');
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json()).toMatchObject({ code: 'RATE_LIMITED' });
      // When the oldest failure leaves the window (all ten were at this same instant).
      expect(blocked.headers['retry-after']).toBe(String(LOGIN_FAILURES.windowMs / 1000));
      expect((await login('ALICE', 'pass-phrase-for-tests', '10.0.1.2')).statusCode).toBe(429);
      // Another account is not affected.
      expect((await login('bob', 'pass-phrase-for-tests', '10.0.1.3')).statusCode).toBe(200);
      t.clock.advance(LOGIN_FAILURES.windowMs + 1);
      expect((await login('alice', 'pass-phrase-for-tests', '10.0.1.4')).statusCode).toBe(200);
    });

    it('counts an IPv6 client by its /64: rotating addresses inside it gets no new budget', async () => {
      for (let i = 0; i < 10; i++) expect((await login(`nobody${i}`, 'wrong-guess-xyz', `2001:db8:7:1::${i + 1}`)).statusCode).toBe(401);
      const rotated = await login('alice', 'pass-phrase-for-tests', '2001:db8:7:1:ffff:ffff:ffff:fffe');
      expect(rotated.statusCode).toBe(429);
      expect(rotated.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await login('alice', 'pass-phrase-for-tests', '2001:db8:7:2::1')).statusCode).toBe(200); // the next /64 is another client
    });

    it('counts guesses sent all at once one at a time: exactly the budget reaches the password check', async () => {
      const guesses = Array.from({ length: 3 * LOGIN_FAILURES.max }, (_, i) => login('alice', 'wrong-guess-xyz', `10.0.7.${i + 1}`));
      const codes = (await Promise.all(guesses)).map((r) => r.statusCode);
      expect(codes.filter((c) => c === 401)).toHaveLength(LOGIN_FAILURES.max);
      expect(codes.filter((c) => c === 429)).toHaveLength(2 * LOGIN_FAILURES.max);
      // A right password forgets the failures: a success in the window starts the count again.
      t.clock.advance(LOGIN_FAILURES.windowMs + 1);
      expect((await login('alice', 'wrong-guess-xyz', '10.0.8.1')).statusCode).toBe(401);
      expect((await login('alice', 'pass-phrase-for-tests', '10.0.8.2')).statusCode).toBe(200);
      for (let i = 0; i < LOGIN_FAILURES.max; i++) expect((await login('alice', 'wrong-guess-xyz', `10.0.9.${i + 1}`)).statusCode).toBe(401);
      expect((await login('alice', 'wrong-guess-xyz', '10.0.9.200')).statusCode).toBe(429);
    });

    it("never locks the owner out of a device they logged in from: strangers' guesses lock only unknown devices", async () => {
      const first = await login('alice', 'pass-phrase-for-tests', '10.0.2.1');
      expect(first.statusCode).toBe(200);
      const device = deviceOf(first);
      expect(device).toMatch(/^d2\./);
      const fromSignUp = deviceOf(await register('carol', 'pelican-under-lamp-7'));
      const bobsDevice = deviceOf(await login('bob', 'pass-phrase-for-tests', '10.0.2.2'));

      // Strangers guess from many addresses until the account is locked for unknown devices.
      for (let i = 0; i < LOGIN_FAILURES.max; i++) expect((await login('alice', 'wrong-guess-xyz', `10.0.3.${i + 1}`)).statusCode).toBe(401);
      const locked = await login('alice', 'pass-phrase-for-tests', '10.0.4.1');
      expect(locked.statusCode).toBe(429);
      expect(locked.json<{ code: string; message: string }>()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/device you have used before/) });

      // Alice's own device still gets in, and keeps its token.
      const mine = await login('ALICE', 'pass-phrase-for-tests', '10.0.4.2', device);
      expect(mine.statusCode).toBe(200);
      expect(deviceOf(mine)).toBe(device);
      // A forged token, another account's, or a sign-up's of another account are unknown devices;
      // so are malformed ones (too long, not a string), never a 400.
      const forged = `${device.slice(0, -2)}${device.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const other of [forged, bobsDevice, fromSignUp, 'd1.x.y', 'nonsense', `${device}${'x'.repeat(133)}`, null, 42, {}, '']) {
        expect((await login('alice', 'pass-phrase-for-tests', '10.0.4.3', other)).statusCode).toBe(429);
      }

      // A device has a budget of its own: guessing with a stolen device token locks only that token.
      for (let i = 0; i < LOGIN_FAILURES.max; i++) expect((await login('alice', 'wrong-guess-xyz', '10.0.5.1', device)).statusCode).toBe(401);
      const deviceLocked = await login('alice', 'pass-phrase-for-tests', '10.0.5.2', device);
      expect(deviceLocked.statusCode).toBe(429);
      expect(deviceLocked.json<{ message: string }>().message).toMatch(/from this device/);
      const other = deviceOf(await login('bob', 'pass-phrase-for-tests', '10.0.5.3', bobsDevice));
      expect(other).toBe(bobsDevice);

      t.clock.advance(LOGIN_FAILURES.windowMs + 1);
      const later = await login('alice', 'pass-phrase-for-tests', '10.0.6.1');
      expect(later.statusCode).toBe(200);
      expect(deviceOf(later)).not.toBe(device); // an unknown device gets a token of its own
    });

    it('trusts no device for a password it no longer has: a token made before a password change is an unknown device after it', async () => {
      // Someone who knew the password logs in a few times and keeps each device token.
      const before = [];
      for (let i = 0; i < 3; i++) before.push(deviceOf(await login('alice', 'pass-phrase-for-tests', `10.0.10.${i + 1}`)));
      // Alice changes it; the login changing it gets a token for the new password.
      const change = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/users/me/password',
        headers: bearer(alice.token),
        payload: { current_password: 'pass-phrase-for-tests', new_password: 'a-brand-new-phrase-42' },
      });
      expect(change.statusCode).toBe(200);

      // Guesses at the new password lock unknown devices out...
      for (let i = 0; i < LOGIN_FAILURES.max; i++) expect((await login('alice', 'wrong-guess-xyz', `10.0.11.${i + 1}`)).statusCode).toBe(401);
      // ...and the tokens made with the old password are such devices: no budget of guesses of their own.
      for (const [i, old] of before.entries()) {
        const guess = await login('alice', 'wrong-guess-xyz', `10.0.12.${i + 1}`, old);
        expect(guess.statusCode).toBe(429);
        expect(guess.json<{ message: string }>().message).toMatch(/device you have used before/);
      }
      // The device that changed the password is known, with the token the change answered.
      const hers = change.json<{ signed_out: number; device_token: string }>().device_token;
      expect(hers).toMatch(/^d2\./);
      const mine = await login('alice', 'a-brand-new-phrase-42', '10.0.13.1', hers);
      expect(mine.statusCode).toBe(200);
      expect(deviceOf(mine)).toBe(hers);
    });
  });

  describe('friend requests and blocking', () => {
    beforeEach(() => start());

    it('makes a declined sender wait out the cooldown before asking again; a cancel costs nothing', async () => {
      const first = await ask(bob, alice);
      expect(first.statusCode).toBe(201);
      expect((await decline(alice, first.json<{ request: { id: number } }>().request.id)).statusCode).toBe(204);
      const again = await ask(bob, alice);
      expect(again.statusCode).toBe(429);
      expect(again.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(again.headers['retry-after']).toBe(String(FRIEND_REQUEST_COOLDOWN_MS / 1000));
      t.clock.advance(FRIEND_REQUEST_COOLDOWN_MS + 1);
      expect((await ask(bob, alice)).statusCode).toBe(201);
      // The sender cancelling its own request starts no cooldown.
      const mine = await ask(alice, bob);
      expect(mine.statusCode).toBe(200); // bob had asked: auto-accept
      const carol = await t.register('carol');
      const toCarol = await ask(alice, carol);
      await decline(alice, toCarol.json<{ request: { id: number } }>().request.id);
      expect((await ask(alice, carol)).statusCode).toBe(201);
    });

    it('lets a declined sender accept by asking back once the other side asked them (auto-accept), cooldown or not', async () => {
      const first = await ask(bob, alice);
      expect((await decline(alice, first.json<{ request: { id: number } }>().request.id)).statusCode).toBe(204);
      expect((await ask(bob, alice)).statusCode).toBe(429); // the cooldown, while only bob asks
      expect((await ask(alice, bob)).statusCode).toBe(201); // alice changed her mind
      const back = await ask(bob, alice);
      expect(back.statusCode).toBe(200);
      expect(back.json()).toMatchObject({ friend: { user_id: alice.id } });
      const friends = await t.app.inject({ url: '/api/v1/users/me/friends', headers: bearer(alice.token) });
      expect(friends.json()).toMatchObject([{ user_id: bob.id }]);
    });

    it('blocking unfriends at once on both sides, hides requests, and shows the blocker as a stranger', async () => {
      await t.befriend(alice, bob);
      const { socket: a } = await t.connect(alice.token);
      const { socket: b } = await t.connect(bob.token);
      const fromA = a.frames.length;
      const fromB = b.frames.length;
      expect((await block(alice, bob)).statusCode).toBe(204);
      await a.next((f) => f.type === 'friend_removed' && f.friend_id === bob.id, { from: fromA });
      await b.next((f) => f.type === 'friend_removed' && f.friend_id === alice.id, { from: fromB });
      const friends = await t.app.inject({ url: '/api/v1/users/me/friends', headers: bearer(bob.token) });
      expect(friends.json()).toEqual([]);
      // Taken as a stranger's request (block-shadow.test.ts), but never shown to Alice.
      expect((await ask(bob, alice)).statusCode).toBe(201);
      expect((await t.app.inject({ url: '/api/v1/users/me/friends/requests', headers: bearer(alice.token) })).json()).toEqual({ incoming: [], outgoing: [] });
      expect((await ask(alice, bob)).statusCode).toBe(409);
      const seen = await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) });
      expect(seen.json()).toMatchObject({ status: 'offline', activity: null, custom_message: null, last_seen: null });
      const list = await t.app.inject({ url: '/api/v1/users/me/blocks', headers: bearer(alice.token) });
      expect(list.json()).toMatchObject([{ user_id: bob.id, username: 'bob' }]);
      expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/blocks/${bob.id}`, headers: bearer(alice.token) })).statusCode).toBe(204);
      // The request Bob made while blocked is an ordinary one once unblocked: pending, and Alice sees it.
      expect((await ask(bob, alice)).statusCode).toBe(409);
      expect((await t.app.inject({ url: '/api/v1/users/me/friends/requests', headers: bearer(alice.token) })).json()).toMatchObject({ incoming: [{ from_user_id: bob.id }] });
    });

    it('drops pending requests between the two when one blocks the other', async () => {
      expect((await ask(bob, alice)).statusCode).toBe(201);
      await block(alice, bob);
      const requests = await t.app.inject({ url: '/api/v1/users/me/friends/requests', headers: bearer(alice.token) });
      expect(requests.json()).toEqual({ incoming: [], outgoing: [] });
    });
  });
});
