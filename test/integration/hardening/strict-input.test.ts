/**
 * Finding (Medium/Low): NUL in a username, display name or `?query=`, and ids such as
 * `Infinity` or `1e400`, answered 500 on PostgreSQL; wrong JSON types were silently
 * converted (`{"user_id": true}` befriended user 1). Every bad input is now a 4xx with
 * `{code, message}`, on SQLite and PostgreSQL alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, bearer, type TestApp } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';

type U = { token: string; id: number };
type Req = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: unknown; auth?: boolean };

const BAD_IDS = ['Infinity', '-Infinity', '1e400', '1e3', '1.0', '0x10', '0', '-1', '99999999999999999999', 'NaN', '%20%31'];

const BAD_REQUESTS: Req[] = [
  ...BAD_IDS.flatMap((id): Req[] => [
    { method: 'GET', url: `/api/v1/users/${id}/status` },
    { method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/accept` },
    { method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/decline` },
    { method: 'PATCH', url: `/api/v1/users/me/friends/${id}`, payload: { category: 'friend' } },
    { method: 'DELETE', url: `/api/v1/users/me/friends/${id}` },
  ]),
  { method: 'GET', url: '/api/v1/users?query=a%00b' },
  { method: 'GET', url: '/api/v1/users/me/friends/status?online=1' },
  { method: 'GET', url: '/api/v1/users/me/friends/status?online=yes' },
  { method: 'POST', url: '/api/v1/auth/register', payload: { username: 'a\u0000bc', password: 'a-long-passphrase' }, auth: false },
  { method: 'POST', url: '/api/v1/auth/register', payload: { username: 'newuser', password: 'a-long-passphrase', display_name: 'x\u0000y' }, auth: false },
  { method: 'POST', url: '/api/v1/auth/register', payload: { username: 'newuser', password: 'a-long\u0000passphrase' }, auth: false },
  { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a\u0000bc', password: 'a-long-passphrase' }, auth: false },
  { method: 'POST', url: '/api/v1/auth/register', payload: { username: 12345, password: 'a-long-passphrase' }, auth: false },
  { method: 'POST', url: '/api/v1/users/me/friends/requests', payload: { user_id: true } },
  { method: 'POST', url: '/api/v1/users/me/friends/requests', payload: { user_id: '2' } },
  { method: 'POST', url: '/api/v1/users/me/friends/requests', payload: { user_id: [2] } },
  { method: 'POST', url: '/api/v1/users/me/friends/requests', payload: { user_id: 2.5 } },
  { method: 'POST', url: '/api/v1/users/me/friends/requests', payload: { user_id: null } },
  { method: 'PUT', url: '/api/v1/users/me/status', payload: { status: 'busy', custom_message: 'a\u0000b' } },
  { method: 'PUT', url: '/api/v1/users/me/status', payload: { status: 'busy', custom_message: 42 } },
  { method: 'PUT', url: '/api/v1/users/me/status', payload: { status: ['busy'] } },
  { method: 'POST', url: '/api/v1/users/me/activity', payload: { activity: 'chatting', details: { 'k\u0000': 1 } } },
  { method: 'PUT', url: '/api/v1/users/me/status/settings', payload: { status_visibility: ['public'] } },
];

describe.each(testDialects())('strict input on %s', (dialect) => {
  let t: TestApp;
  let drop: () => Promise<void>;
  let alice: U;
  let bob: U;
  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await createTestApp({ databaseUrl: fresh.url });
    alice = await t.register('alice', 'a-long-passphrase');
    bob = await t.register('bob', 'a-long-passphrase');
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  it.each(BAD_REQUESTS.map((r) => [`${r.method} ${r.url} ${JSON.stringify(r.payload ?? '')}`, r] as const))(
    'answers %s with 400 {code, message}',
    async (_name, r) => {
      const res = await t.app.inject({
        method: r.method,
        url: r.url,
        headers: r.auth === false ? {} : bearer(bob.token),
        ...(r.payload !== undefined ? { payload: r.payload as object } : {}),
      });
      expect(res.statusCode).toBe(400);
      const body = res.json<{ code: string; message: string }>();
      expect(body.code).toBe('VALIDATION_ERROR');
      expect(typeof body.message).toBe('string');
    },
  );

  it('never befriends anyone from a wrongly typed id', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(bob.token), payload: { user_id: true } });
    const requests = await t.app.inject({ url: '/api/v1/users/me/friends/requests', headers: bearer(alice.token) });
    expect(requests.json()).toEqual({ incoming: [], outgoing: [] });
  });

  it('still accepts plain ids and booleans written as such', async () => {
    const res = await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) });
    expect(res.statusCode).toBe(200);
    const online = await t.app.inject({ url: '/api/v1/users/me/friends/status?online=true', headers: bearer(bob.token) });
    expect(online.statusCode).toBe(200);
  });
});
