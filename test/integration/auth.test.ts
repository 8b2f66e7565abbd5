import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

describe('auth API', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ admins: ['root_admin'] });
  });
  afterEach(() => t.close());

  const post = (url: string, payload: unknown, headers = {}) => t.app.inject({ method: 'POST', url, payload: payload as object, headers });

  it('registers a user and returns a token and the user', async () => {
    const res = await post('/api/v1/auth/register', { username: 'Alice_1', password: 'pass-phrase-for-tests', display_name: 'Alice' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toEqual({ id: expect.any(Number), username: 'Alice_1', display_name: 'Alice', role: 'user' });
    expect(body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const me = await t.app.inject({ url: '/api/v1/users/me', headers: bearer(body.token) });
    expect(me.json()).toEqual(body.user);
  });

  it('uses the username as display name when none is given', async () => {
    const res = await post('/api/v1/auth/register', { username: 'bob', password: 'pass-phrase-for-tests' });
    expect(res.json().user.display_name).toBe('bob');
  });

  it('refuses a username that reads as a taken one (I for l, 0 for O, rn for m) with 409 CONFLICT, saying so', async () => {
    expect((await post('/api/v1/auth/register', { username: 'lily_room', password: 'pass-phrase-for-tests', display_name: 'Lily' })).statusCode).toBe(201);
    for (const username of ['IiIy_room', '1ily_r0orn', 'LILY_ROOM']) {
      const res = await post('/api/v1/auth/register', { username, password: 'pass-phrase-for-tests', display_name: 'Lily' });
      expect(res.statusCode, username).toBe(409);
      expect(res.json(), username).toEqual({
        code: 'CONFLICT',
        message: username === 'LILY_ROOM' ? 'That username is taken' : expect.stringContaining('too like an existing username'),
      });
    }
    const { token } = await t.register('searcher');
    const found = async (query: string) => (await t.app.inject({ url: `/api/v1/users?query=${query}`, headers: bearer(token) })).json<Array<{ username: string }>>().map((u) => u.username);
    expect(await found('lily')).toEqual(['lily_room']);
    expect(await found('iiiy')).toEqual([]);
    expect(await found('1ily')).toEqual([]);
  });

  it.each([
    [{ username: 'ab', password: 'pass-phrase-for-tests' }, 'too short username'],
    [{ username: 'a'.repeat(21), password: 'pass-phrase-for-tests' }, 'too long username'],
    [{ username: 'bad name', password: 'pass-phrase-for-tests' }, 'space in username'],
    [{ username: 'good', password: 'short' }, 'short password'],
    [{ username: 'good', password: 'p'.repeat(129) }, 'long password'],
    [{ username: 'good', password: 'pass-phrase-for-tests', admin: true }, 'unknown field'],
    [{ password: 'pass-phrase-for-tests' }, 'missing username'],
    [{ username: 'good', password: 'pass-phrase-for-tests', display_name: '' }, 'empty display name'],
  ] as Array<[object, string]>)('rejects %j (%s) with 400 VALIDATION_ERROR', async (payload) => {
    const res = await post('/api/v1/auth/register', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: expect.any(String) });
  });

  it('rejects a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
  });

  it('refuses a username taken in another case with 409 CONFLICT', async () => {
    await post('/api/v1/auth/register', { username: 'carol', password: 'pass-phrase-for-tests' });
    const res = await post('/api/v1/auth/register', { username: 'CAROL', password: 'pass-phrase-for-tests' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('CONFLICT');
  });

  it('logs in with the right password, case-insensitively on the username', async () => {
    await post('/api/v1/auth/register', { username: 'dave', password: 'pass-phrase-for-tests' });
    const res = await post('/api/v1/auth/login', { username: 'DAVE', password: 'pass-phrase-for-tests' });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.username).toBe('dave');
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong password or unknown user alike', async () => {
    await post('/api/v1/auth/register', { username: 'erin', password: 'pass-phrase-for-tests' });
    for (const body of [
      { username: 'erin', password: 'wrong-password' },
      { username: 'nobody', password: 'pass-phrase-for-tests' },
    ]) {
      const res = await post('/api/v1/auth/login', body);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'INVALID_CREDENTIALS', message: 'Wrong username or password' });
    }
  });

  it('revokes the token at logout, and only that session', async () => {
    await post('/api/v1/auth/register', { username: 'frank', password: 'pass-phrase-for-tests' });
    const a = (await post('/api/v1/auth/login', { username: 'frank', password: 'pass-phrase-for-tests' })).json().token;
    const b = (await post('/api/v1/auth/login', { username: 'frank', password: 'pass-phrase-for-tests' })).json().token;
    expect((await post('/api/v1/auth/logout', undefined, bearer(a))).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(a) })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(b) })).statusCode).toBe(200);
    expect((await post('/api/v1/auth/logout', undefined, bearer(a))).statusCode).toBe(401);
  });

  it('answers 401 UNAUTHORIZED without a token, with a forged token, or a malformed header', async () => {
    for (const headers of [{}, bearer('abc.def.ghi'), { authorization: 'Basic Zm9vOmJhcg==' }]) {
      const res = await t.app.inject({ url: '/api/v1/users/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
  });

  it('never makes admin whoever registers a name listed in BEACON_ADMINS (see hardening/admins.test.ts)', async () => {
    const res = await post('/api/v1/auth/register', { username: 'Root_Admin', password: 'pass-phrase-for-tests' });
    expect(res.json().user.role).toBe('user');
  });

  it('never leaks internals: unknown routes give NOT_FOUND', async () => {
    const res = await t.app.inject({ url: '/api/v1/nope?token=secret' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'No route GET /api/v1/nope' });
  });

  it('answers a path parameter past its length limit 414 wherever it is in the path, and never echoes a long URL', async () => {
    const { token } = (await post('/api/v1/auth/register', { username: 'alice', password: 'pass-phrase-for-tests' })).json<{ token: string }>();
    const headers = bearer(token);
    const limit = 1536;
    // Inside the path (the router then matched nothing: it answered 404 with the whole URL) and at its end.
    for (const url of [`/api/v1/users/${'1'.repeat(limit + 1)}/status`, `/api/v1/users/me/friends/${'1'.repeat(limit + 1)}`]) {
      const res = await t.app.inject({ method: url.endsWith('status') ? 'GET' : 'DELETE', url, headers });
      expect(res.statusCode, url.slice(0, 40)).toBe(414);
      expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'A path parameter is too long' });
    }
    // At the limit it is an id like any other: too large, a 400 that says so.
    expect((await t.app.inject({ url: `/api/v1/users/${'1'.repeat(limit)}/status`, headers })).statusCode).toBe(400);
    const unknown = await t.app.inject({ url: `/api/v1/${'n'.repeat(1000)}/${'o'.repeat(1000)}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ message: string }>().message.length).toBeLessThan(300);
  });
});

describe('auth rate limits', () => {
  it('limits login attempts per client with 429 RATE_LIMITED', async () => {
    const t = await createTestApp({ rateLimits: true });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'x_user', password: 'whatever1' } });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(res.json().code).toBe('RATE_LIMITED');
      }
      expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
      expect(codes.slice(10)).toEqual([429, 429]);
    } finally {
      await t.close();
    }
  });

  it('limits registrations per client', async () => {
    const t = await createTestApp({ rateLimits: true });
    try {
      let last = 0;
      for (let i = 0; i < 11; i++) {
        last = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: `r_${i}_user`, password: 'pass-phrase-for-tests' } })).statusCode;
      }
      expect(last).toBe(429);
    } finally {
      await t.close();
    }
  });
});
