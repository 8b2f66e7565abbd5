/**
 * Audit finding (medium): in standalone mode a user could not change their password, see their
 * other logins or end them; a leaked token lived its 7 days unless the account was deleted.
 * Now: `PUT /users/me/password` (the current password again; the other logins end, this one
 * stays), `GET /users/me/sessions`, `DELETE /users/me/sessions/:id` and `DELETE
 * /users/me/sessions` (every other login). An ended login's sockets close with 4000, on every
 * instance.
 */
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { LOGIN_FAILURES } from '../../src/server/auth/login-throttle.js';
import { bearer } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';

const PASSWORD = 'pass-phrase-for-tests';
const NEW_PASSWORD = 'a-brand-new-passphrase';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SessionInfo {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  current: boolean;
}

const apps: LiveApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function live(config: Parameters<typeof startLiveApp>[0] = {}): Promise<LiveApp> {
  const t = await startLiveApp(config);
  apps.push(t);
  return t;
}

const login = async (t: LiveApp, username: string, userAgent: string, password = PASSWORD): Promise<string> => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, headers: { 'user-agent': userAgent } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return res.json<{ token: string }>().token;
};
const changePassword = (t: LiveApp, token: string, body: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/password', headers: bearer(token), payload: body });
const sessions = async (t: LiveApp, token: string): Promise<SessionInfo[]> => {
  const res = await t.app.inject({ url: '/api/v1/users/me/sessions', headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SessionInfo[]>();
};
const me = async (t: LiveApp, token: string) => (await t.app.inject({ url: '/api/v1/users/me', headers: bearer(token) })).statusCode;
const canLogin = async (t: LiveApp, username: string, password: string) =>
  (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } })).statusCode;

describe('changing one’s password', () => {
  it('refuses a wrong current password with 401 INVALID_CREDENTIALS and changes nothing', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const phone = await login(t, 'alice', 'Phone');
    const res = await changePassword(t, token, { current_password: 'not-my-password', new_password: NEW_PASSWORD });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code: 'INVALID_CREDENTIALS', message: 'Wrong current password' });
    expect(await me(t, token)).toBe(200);
    expect(await me(t, phone)).toBe(200);
    expect(await canLogin(t, 'alice', PASSWORD)).toBe(200);
    expect(await canLogin(t, 'alice', NEW_PASSWORD)).toBe(401);
  });

  it('with the right one: the new password works, the old does not, every other login ends (sockets 4000) and this one stays', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const phone = await login(t, 'alice', 'Phone');
    const tablet = await login(t, 'alice', 'Tablet');
    const own = await t.connect(token);
    const phoneSocket = await t.connect(phone);
    const tabletSocket = await t.connect(tablet);
    const mark = own.socket.mark();

    const res = await changePassword(t, token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ signed_out: 2, device_token: expect.stringMatching(/^d2\./) });
    expect(await phoneSocket.socket.waitClosed(1000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(await tabletSocket.socket.waitClosed(1000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(await me(t, phone)).toBe(401);
    expect(await me(t, tablet)).toBe(401);
    // The caller's login goes on: its token and its socket.
    expect(await me(t, token)).toBe(200);
    own.socket.send({ type: 'heartbeat' });
    await own.socket.next((f) => f.type === 'heartbeat_ack', { from: mark });
    expect(own.socket.closed).toBeNull();
    expect((await sessions(t, token)).map((s) => s.current)).toEqual([true]);
    expect(await canLogin(t, 'alice', PASSWORD)).toBe(401);
    expect(await canLogin(t, 'alice', NEW_PASSWORD)).toBe(200);
  });

  it.each([
    [{ current_password: PASSWORD, new_password: 'short' }, 'too short'],
    [{ current_password: PASSWORD, new_password: 'p'.repeat(129) }, 'too long'],
    [{ current_password: PASSWORD }, 'no new password'],
    [{ new_password: NEW_PASSWORD }, 'no current password'],
    [{ current_password: PASSWORD, new_password: NEW_PASSWORD, password: PASSWORD }, 'an unknown field'],
    [{ current_password: '', new_password: NEW_PASSWORD }, 'an empty current password'],
  ] as Array<[object, string]>)('refuses %j (%s) with 400 VALIDATION_ERROR', async (body) => {
    const t = await live();
    const { token } = await t.register('alice');
    const res = await changePassword(t, token, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    expect(await canLogin(t, 'alice', PASSWORD)).toBe(200);
  });

  it('applies the rules of registration to the new password, in words, and refuses the current one again', async () => {
    const t = await live();
    const { token } = await t.register('alice_pw');
    const phone = await login(t, 'alice_pw', 'Phone');
    for (const [password, message] of [
      ['password1', 'This password is one of the most common ones and easy to guess; choose another'],
      ['ALICE_PW', 'The password must not be your username'],
      [' Alice_Pw ', 'The password must not be your username'],
      ['        ', 'The password must not be blank'],
      ['ab cd ef g', 'The password needs at least 8 characters besides spaces'],
    ] as const) {
      const res = await changePassword(t, token, { current_password: PASSWORD, new_password: password });
      expect(res.statusCode, password).toBe(400);
      expect(res.json(), password).toEqual({ code: 'VALIDATION_ERROR', message });
    }
    const same = await changePassword(t, token, { current_password: PASSWORD, new_password: PASSWORD });
    expect(same.statusCode).toBe(400);
    expect(same.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'The new password must differ from the current one' });
    // Nothing changed: the old password and the other login still work.
    expect(await canLogin(t, 'alice_pw', PASSWORD)).toBe(200);
    expect(await me(t, phone)).toBe(200);
  });

  // The guesses are asked of the service: the route's own limit (10 a minute per user) would answer the 11th of the minute first.
  const guess = async (t: LiveApp, token: string, currentPassword: string, newPassword = NEW_PASSWORD) => {
    const auth = await t.app.services.auth.authenticate(token);
    return t.app.services.auth.changePassword(auth!, currentPassword, newPassword).then(
      () => 'changed',
      (err: { code: string; message: string; retryAfterMs?: number }) => err,
    );
  };

  it('counts wrong current passwords in a failed-password budget of the login: a stolen token gets 10 guesses per 15 min', async () => {
    const t = await live({ rateLimits: true });
    const { token } = await t.register('alice');
    const other = await login(t, 'alice', 'Tablet');
    const res = await changePassword(t, token, { current_password: 'wrong-guess-0', new_password: NEW_PASSWORD });
    expect(res.statusCode).toBe(401);
    for (let i = 1; i < LOGIN_FAILURES.max; i++) expect(await guess(t, token, `wrong-guess-${i}`), `guess ${i}`).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // Budget spent: the right password is refused too, with Retry-After.
    const locked = await guess(t, token, PASSWORD);
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many wrong passwords from this login; try again in 15 min' });
    expect((locked as { retryAfterMs: number }).retryAfterMs).toBe(15 * 60_000);
    // Logins of the account, from anywhere, have budgets of their own.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD }, remoteAddress: '10.9.1.1' })).statusCode).toBe(200);
    await t.advance(14 * 60_000);
    expect(await guess(t, token, PASSWORD)).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many wrong passwords from this login; try again in 1 min' });
    // Once the window has passed, the right password works again.
    await t.advance(60_000);
    expect(await guess(t, token, PASSWORD)).toBe('changed');
    expect(await me(t, other)).toBe(401);
  });

  it('counts wrong passwords given to delete the account in the same budget: a stolen token gets no more guesses there', async () => {
    // DELETE /users/me checked the password with no budget at all: its route limit (5 a minute)
    // let a stolen token guess 300 times an hour, 7.5 times what a login or a password change allows.
    const t = await live({ rateLimits: true });
    const { token } = await t.register('alice');
    const remove = async (password: string) => {
      const auth = await t.app.services.auth.authenticate(token);
      return t.app.services.account.delete(auth!, password).then(
        () => 'deleted',
        (err: { code: string; message: string; retryAfterMs?: number }) => err,
      );
    };
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(token), payload: { password: 'wrong-guess-0' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'Wrong password' });
    // Half of the guesses through deletion, the rest through a password change: one budget.
    for (let i = 1; i < LOGIN_FAILURES.max / 2; i++) expect(await remove(`wrong-guess-${i}`), `guess ${i}`).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    for (let i = LOGIN_FAILURES.max / 2; i < LOGIN_FAILURES.max; i++) expect(await guess(t, token, `wrong-guess-${i}`), `guess ${i}`).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // Spent: the right password deletes nothing, and says when to try again.
    const locked = await remove(PASSWORD);
    expect(locked).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many wrong passwords from this login; try again in 15 min', retryAfterMs: 15 * 60_000 });
    const refused = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(token), payload: { password: PASSWORD } });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('900');
    expect(await me(t, token)).toBe(200);
    await t.advance(15 * 60_000);
    expect(await remove(PASSWORD)).toBe('deleted');
    expect(await me(t, token)).toBe(401);
  });

  it('strangers spending the account’s failed-login budget do not keep its owner from changing the password', async () => {
    const t = await live({ rateLimits: true });
    const { token } = await t.register('alice');
    for (let i = 0; i < LOGIN_FAILURES.max; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: `guess-${i}-xxxx` }, remoteAddress: `10.1.0.${i}` });
      expect(res.statusCode, `guess ${i}`).toBe(401);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD }, remoteAddress: '10.1.1.1' })).statusCode).toBe(429);
    const res = await changePassword(t, token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('a wrong current password on one login leaves another login’s budget alone, and the right one clears its own', async () => {
    const t = await live({ rateLimits: true });
    const { token } = await t.register('alice');
    const other = await login(t, 'alice', 'Tablet');
    for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await guess(t, other, `wrong-${i}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await guess(t, other, PASSWORD)).toMatchObject({ code: 'RATE_LIMITED' });
    for (let i = 0; i < LOGIN_FAILURES.max - 1; i++) expect(await guess(t, token, `wrong-${i}`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // The 10th guess of this login is still answered, and a right one forgets its wrong ones.
    expect(await guess(t, token, PASSWORD)).toBe('changed');
    for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await guess(t, token, `wrong-again-${i}`, `${NEW_PASSWORD}-2`)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('is limited per user like other account changes (10 a minute), with Retry-After', async () => {
    const t = await live({ rateLimits: true });
    const { token } = await t.register('alice');
    const codes: number[] = [];
    // A new password the rules refuse: answered 400 by the route (one the schema refuses never reaches a route's limit).
    for (let i = 0; i < 11; i++) codes.push((await changePassword(t, token, { current_password: PASSWORD, new_password: 'password1' })).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 400)).toBe(true);
    expect(codes[10]).toBe(429);
    const limited = await changePassword(t, token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('a password change and an end of logins that meet', () => {
  it('two changes at once, by the owner and by a thief with the same password: one is answered 200, the other 401 (its login ended), and the password is the one answered 200', async () => {
    const t = await live();
    const owner = (await t.register('alice')).token;
    const thief = await login(t, 'alice', 'Thief');
    const [a, b] = await Promise.all([
      changePassword(t, owner, { current_password: PASSWORD, new_password: 'owner-new-passphrase' }),
      changePassword(t, thief, { current_password: PASSWORD, new_password: 'thief-new-passphrase' }),
    ]);
    expect([a.statusCode, b.statusCode].sort(), `${a.body} ${b.body}`).toEqual([200, 401]);
    const [won, lost] = a.statusCode === 200 ? [owner, thief] : [thief, owner];
    const [wonPassword, lostPassword] = a.statusCode === 200 ? ['owner-new-passphrase', 'thief-new-passphrase'] : ['thief-new-passphrase', 'owner-new-passphrase'];
    expect((a.statusCode === 200 ? b : a).json()).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid, expired or revoked token' });
    expect(await me(t, won)).toBe(200);
    expect(await me(t, lost)).toBe(401);
    expect(await canLogin(t, 'alice', wonPassword)).toBe(200);
    expect(await canLogin(t, 'alice', lostPassword)).toBe(401);
    expect(await canLogin(t, 'alice', PASSWORD)).toBe(401);
  });

  it('a change whose login the owner ends while the current password is being checked is refused (401), and the owner stays signed in', async () => {
    const t = await live();
    const owner = (await t.register('alice')).token;
    const thief = await login(t, 'alice', 'Thief');
    const pending = changePassword(t, thief, { current_password: PASSWORD, new_password: 'thief-new-passphrase' });
    // The thief's change is checking the current password (argon2, tens of ms) when the owner ends the other logins.
    await new Promise((r) => setTimeout(r, 15));
    const ended = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/sessions', headers: bearer(owner) });
    const res = await pending;
    if (ended.statusCode === 200) {
      // The owner's end came first (the usual order): the thief's change must not land.
      expect(ended.json()).toEqual({ signed_out: 1 });
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await me(t, owner)).toBe(200);
      expect(await canLogin(t, 'alice', PASSWORD)).toBe(200);
      expect(await canLogin(t, 'alice', 'thief-new-passphrase')).toBe(401);
      expect(await me(t, thief)).toBe(401);
    } else {
      // The thief's change came first: the owner's login ended with it, and its end of the others
      // is refused; the thief's login stays, as a password change keeps the caller's.
      expect(res.statusCode).toBe(200);
      expect(ended.statusCode).toBe(401);
      expect(await me(t, owner)).toBe(401);
      expect(await me(t, thief)).toBe(200);
    }
  });

  it('an ended login whose end of the other logins is in flight ends none of them (the owner’s new login stays)', async () => {
    const t = await live();
    const owner = (await t.register('alice')).token;
    const thief = await login(t, 'alice', 'Thief');
    const thiefId = (await sessions(t, owner)).find((s) => !s.current)!.id;
    // The owner changes the password (the thief's login ends) and signs in again on a phone.
    expect((await changePassword(t, owner, { current_password: PASSWORD, new_password: NEW_PASSWORD })).statusCode).toBe(200);
    const phone = await login(t, 'alice', 'Phone', NEW_PASSWORD);
    // What the thief's requests, let through before the change, then do: nothing.
    const services = t.app.services;
    const thiefAuth = { userId: (await services.users.findByUsername('alice'))!.id, sessionId: thiefId, role: 'user' as const, expiresAt: t.clock.now() + 60_000 };
    await expect(services.auth.endOtherSessions(thiefAuth)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const phoneId = (await sessions(t, phone)).find((s) => s.current)!.id;
    await expect(services.auth.endSession(thiefAuth, phoneId)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await me(t, owner)).toBe(200);
    expect(await me(t, phone)).toBe(200);
    expect(await me(t, thief)).toBe(401);
  });
});

describe.each(testDialects())('a login in flight during a password change, on %s', (dialect) => {
  it('a login whose password was checked against the old hash, its login written after the change: 401 INVALID_CREDENTIALS, no login left with the old password', async () => {
    const fresh = await freshDatabase(dialect);
    const t = await live({ databaseUrl: fresh.url });
    onTestFinished(() => fresh.drop());
    const owner = (await t.register('alice')).token;
    const { sessions: repo } = t.app.services;
    const create = repo.createIfHashStill.bind(repo);
    // The login has checked the old password (argon2) when the owner's change lands, then writes its login.
    vi.spyOn(repo, 'createIfHashStill').mockImplementation(async (s, checkedHash) => {
      if (s.userAgent === 'Old password') {
        const changed = await changePassword(t, owner, { current_password: PASSWORD, new_password: NEW_PASSWORD });
        expect(changed.statusCode, changed.body).toBe(200);
      }
      return create(s, checkedHash);
    });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD }, headers: { 'user-agent': 'Old password' } });
    expect(res.statusCode, res.body).toBe(401);
    expect(res.json()).toEqual({ code: 'INVALID_CREDENTIALS', message: 'Wrong username or password' });
    expect((await sessions(t, owner)).map((s) => s.user_agent)).toEqual(['lightMyRequest']);
    expect(await canLogin(t, 'alice', NEW_PASSWORD)).toBe(200);
  });

  it('such a login is logged as refused for a password changed meanwhile, not a wrong password', async () => {
    const fresh = await freshDatabase(dialect);
    const t = await live({ databaseUrl: fresh.url });
    onTestFinished(() => fresh.drop());
    const owner = await t.register('alice');
    const { sessions: repo, auth } = t.app.services;
    const create = repo.createIfHashStill.bind(repo);
    vi.spyOn(repo, 'createIfHashStill').mockImplementation(async (s, checkedHash) => {
      expect((await changePassword(t, owner.token, { current_password: PASSWORD, new_password: NEW_PASSWORD })).statusCode).toBe(200);
      return create(s, checkedHash);
    });
    // What the route logs as `login failed` (auth-routes.ts): the error's userId and reason.
    await expect(auth.login({ username: 'alice', password: PASSWORD, userAgent: null })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
      userId: owner.id,
      reason: 'password changed meanwhile',
    });
  });
});

describe('one’s logins (sessions)', () => {
  it('lists the live logins: id, created, last used, user agent and which is this one; never a token; not others’, not ended ones', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const t0 = t.clock.now();
    await t.advance(60_000);
    const phone = await login(t, 'alice', 'Mozilla/5.0 (Android 14; Mobile) Firefox/125.0');
    await t.advance(60_000);
    const laptop = await login(t, 'alice', 'Laptop');
    const bob = await t.register('bob');
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(laptop) });

    const list = await sessions(t, phone);
    expect(list).toEqual([
      { id: expect.stringMatching(UUID), created_at: new Date(t0 + 60_000).toISOString(), last_used_at: expect.any(String), user_agent: 'Mozilla/5.0 (Android 14; Mobile) Firefox/125.0', current: true },
      { id: expect.stringMatching(UUID), created_at: new Date(t0).toISOString(), last_used_at: expect.any(String), user_agent: 'lightMyRequest', current: false },
    ]);
    expect(JSON.stringify(list)).not.toContain(phone.split('.')[2]!);
    expect(JSON.stringify(list)).not.toContain(token.split('.')[2]!);
    // Bob sees his own only.
    expect((await sessions(t, bob.token)).map((s) => s.current)).toEqual([true]);
  });

  it('says when each login was last used, to within 5 minutes (a request, or a socket connecting)', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const phone = await login(t, 'alice', 'Phone');
    const t0 = t.clock.now();
    const usedAt = async () => Object.fromEntries((await sessions(t, token)).map((s) => [s.user_agent, s.last_used_at]));
    expect((await usedAt()).Phone).toBe(new Date(t0).toISOString());
    await t.advance(60_000);
    expect(await me(t, phone)).toBe(200);
    // Within 5 minutes of the last one recorded: not written again.
    expect((await usedAt()).Phone).toBe(new Date(t0).toISOString());
    await t.advance(5 * 60_000);
    await t.connect(phone);
    await expect.poll(async () => (await usedAt()).Phone).toBe(new Date(t0 + 6 * 60_000).toISOString());
  });

  it('a token check writes nothing: the uses are written behind, each login once with its latest use, many logins in one write', async () => {
    const t = await live();
    const { token, id: userId } = await t.register('alice');
    const phone = await login(t, 'alice', 'Phone');
    const laptop = await login(t, 'alice', 'Laptop');
    const t0 = t.clock.now();
    const { sessions: repo, lastUses } = t.app.services;
    const recordUses = vi.spyOn(repo, 'recordUses');
    const written = async () => Object.fromEntries((await repo.listLive(userId, t.clock.now())).map((s) => [s.userAgent, s.lastUsedAt]));
    await t.advance(6 * 60_000);
    // Five requests and a socket of the phone, a request of the laptop, within the flush's window.
    for (let i = 0; i < 5; i++) {
      expect(await me(t, phone)).toBe(200);
      await t.advance(1000);
    }
    await t.connect(phone);
    const phoneLast = t.clock.now();
    await t.advance(1000);
    expect(await me(t, laptop)).toBe(200);
    const laptopLast = t.clock.now();
    await t.advance(1000);
    expect(recordUses).not.toHaveBeenCalled();
    expect(await written()).toEqual({ Phone: t0, Laptop: t0, lightMyRequest: t0 });
    // This instance shows the uses it noted, and the asking login's as now.
    const shown = Object.fromEntries((await sessions(t, token)).map((s) => [s.user_agent, s.last_used_at]));
    expect(shown).toEqual({ Phone: new Date(phoneLast).toISOString(), Laptop: new Date(laptopLast).toISOString(), lightMyRequest: new Date(t.clock.now()).toISOString() });
    await lastUses.flush();
    expect(recordUses).toHaveBeenCalledTimes(1);
    expect(await written()).toEqual({ Phone: phoneLast, Laptop: laptopLast, lightMyRequest: t.clock.now() });
  });

  it('ends one login by its id: its sockets close with 4000 and its token is refused; the others go on', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const phone = await login(t, 'alice', 'Phone');
    const tablet = await login(t, 'alice', 'Tablet');
    const phoneSocket = await t.connect(phone);
    const tabletSocket = await t.connect(tablet);
    const id = (await sessions(t, token)).find((s) => s.user_agent === 'Phone')!.id;

    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/sessions/${id}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(204);
    expect(await phoneSocket.socket.waitClosed(1000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(await me(t, phone)).toBe(401);
    expect(await me(t, tablet)).toBe(200);
    expect(await me(t, token)).toBe(200);
    expect(tabletSocket.socket.closed).toBeNull();
    expect((await sessions(t, token)).map((s) => s.user_agent).sort()).toEqual(['Tablet', 'lightMyRequest']);
    // Ended already: not found, like any id that is not a live login of yours.
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/sessions/${id}`, headers: bearer(token) })).statusCode).toBe(404);
  });

  it('answers 404 for another user’s login exactly as for one that does not exist, and ends nothing', async () => {
    const t = await live();
    const alice = await t.register('alice');
    const bob = await t.register('bob');
    const bobSocket = await t.connect(bob.token);
    const bobsId = (await sessions(t, bob.token))[0]!.id;
    const theirs = await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/sessions/${bobsId}`, headers: bearer(alice.token) });
    const missing = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/sessions/5120fb64-0000-4000-8000-000000000000', headers: bearer(alice.token) });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toEqual({ code: 'NOT_FOUND', message: 'No such session' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(theirs.json());
    expect(await me(t, bob.token)).toBe(200);
    expect(bobSocket.socket.closed).toBeNull();
    const malformed = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/sessions/not-an-id', headers: bearer(alice.token) });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('VALIDATION_ERROR');
  });

  it('ending this very login by its id is a logout', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const own = await t.connect(token);
    const id = (await sessions(t, token))[0]!.id;
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/users/me/sessions/${id}`, headers: bearer(token) })).statusCode).toBe(204);
    expect(await own.socket.waitClosed(1000)).toEqual({ code: 4000, reason: 'session revoked' });
    expect(await me(t, token)).toBe(401);
  });

  it('ends every other login at once (DELETE /users/me/sessions), this one staying', async () => {
    const t = await live();
    const { token } = await t.register('alice');
    const others = [await login(t, 'alice', 'Phone'), await login(t, 'alice', 'Tablet')];
    const sockets = await Promise.all(others.map((o) => t.connect(o)));
    const own = await t.connect(token);
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/sessions', headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ signed_out: 2 });
    for (const s of sockets) expect(await s.socket.waitClosed(1000)).toEqual({ code: 4000, reason: 'session revoked' });
    for (const o of others) expect(await me(t, o)).toBe(401);
    expect(await me(t, token)).toBe(200);
    expect(own.socket.closed).toBeNull();
    // None left: nothing to end, still 200.
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/sessions', headers: bearer(token) })).json()).toEqual({ signed_out: 0 });
  });

  it('limits ending logins per user (30 a minute)', async () => {
    const t = await live({ rateLimits: true });
    const { token } = await t.register('alice');
    const codes: number[] = [];
    for (let i = 0; i < 31; i++) {
      codes.push((await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/sessions/5120fb64-0000-4000-8000-000000000000', headers: bearer(token) })).statusCode);
    }
    expect(codes.slice(0, 30).every((c) => c === 404)).toBe(true);
    expect(codes[30]).toBe(429);
  });

  it('needs a token, like every account route', async () => {
    const t = await live();
    for (const [method, url] of [['GET', '/api/v1/users/me/sessions'], ['DELETE', '/api/v1/users/me/sessions'], ['PUT', '/api/v1/users/me/password']] as const) {
      const res = await t.app.inject({ method, url, ...(method === 'PUT' ? { payload: { current_password: PASSWORD, new_password: NEW_PASSWORD } } : {}) });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
  });
});

describe('the OpenAPI document', () => {
  it('declares the routes with their bodies and answers', async () => {
    const t = await live();
    const spec = (await t.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> }>();
    expect(Object.keys(spec.paths['/api/v1/users/me/password']!)).toEqual(['put']);
    expect(JSON.stringify(spec.paths['/api/v1/users/me/password']!.put!.requestBody)).toContain('current_password');
    expect(Object.keys(spec.paths['/api/v1/users/me/password']!.put!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(Object.keys(spec.paths['/api/v1/users/me/sessions']!).sort()).toEqual(['delete', 'get']);
    expect(JSON.stringify(spec.paths['/api/v1/users/me/sessions']!.get!.responses['200'])).toContain('last_used_at');
    expect(Object.keys(spec.paths['/api/v1/users/me/sessions/{id}']!.delete!.responses)).toEqual(expect.arrayContaining(['204', '404']));
  });
});

describe('on two instances', () => {
  const pair = useTwoInstances();

  it('a password change on one instance closes the other logins’ sockets on the other with 4000; the caller’s socket stays', async () => {
    const { a, b } = pair;
    const { token } = await a.register('alice');
    const phone = await login(a, 'alice', 'Phone');
    const own = await b.connect(token);
    const phoneSocket = await b.connect(phone);
    const phoneOnA = await a.connect(phone);
    const res = await changePassword(a, token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(res.json()).toEqual({ signed_out: 1, device_token: expect.stringMatching(/^d2\./) });
    expect((await phoneSocket.socket.waitClosed(1000)).code).toBe(4000);
    expect((await phoneOnA.socket.waitClosed(1000)).code).toBe(4000);
    const mark = own.socket.mark();
    own.socket.send({ type: 'heartbeat' });
    await own.socket.next((f) => f.type === 'heartbeat_ack', { from: mark });
    expect(own.socket.closed).toBeNull();
    expect(await me(b, phone)).toBe(401);
  });

  it('ending one login on one instance closes its socket on the other', async () => {
    const { a, b } = pair;
    const { token } = await a.register('alice');
    const phone = await login(a, 'alice', 'Phone');
    const phoneSocket = await b.connect(phone);
    const id = (await sessions(a, token)).find((s) => !s.current)!.id;
    expect((await a.app.inject({ method: 'DELETE', url: `/api/v1/users/me/sessions/${id}`, headers: bearer(token) })).statusCode).toBe(204);
    expect((await phoneSocket.socket.waitClosed(1000)).code).toBe(4000);
  });
});
