import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

type U = { token: string; id: number };

describe('users and friends API', () => {
  let t: TestApp;
  let alice: U;
  let bob: U;
  let carol: U;
  beforeEach(async () => {
    t = await createTestApp();
    alice = await t.register('alice');
    bob = await t.register('bob');
    carol = await t.register('carol');
  });
  afterEach(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: U, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });

  it('searches users by username prefix', async () => {
    await t.register('alina');
    const res = await call('GET', '/users?query=AL', bob);
    expect(res.statusCode).toBe(200);
    expect(res.json().map((u: { username: string }) => u.username)).toEqual(['alice', 'alina']);
    expect(res.json()[0]).toEqual({ id: alice.id, username: 'alice', display_name: 'alice', role: 'user' });
  });

  it('caps search at 20 results and validates the query', async () => {
    for (let i = 0; i < 22; i++) await t.register(`many_${String(i).padStart(2, '0')}`);
    expect((await call('GET', '/users?query=many_', bob)).json()).toHaveLength(20);
    expect((await call('GET', '/users', bob)).statusCode).toBe(400);
    expect((await call('GET', `/users?query=${'x'.repeat(21)}`, bob)).statusCode).toBe(400);
  });

  it('sends a request, lists it on both sides, and accepting makes both friends', async () => {
    const sent = await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id });
    expect(sent.statusCode).toBe(201);
    const { request } = sent.json();
    expect(request).toEqual({ id: expect.any(Number), from_user_id: alice.id, to_user_id: bob.id, created_at: expect.any(String) });
    expect((await call('GET', '/users/me/friends/requests', bob)).json()).toEqual({ incoming: [request], outgoing: [] });
    expect((await call('GET', '/users/me/friends/requests', alice)).json()).toEqual({ incoming: [], outgoing: [request] });

    const accepted = await call('POST', `/users/me/friends/requests/${request.id}/accept`, bob);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().friend).toMatchObject({ user_id: alice.id, username: 'alice', category: 'friend' });
    expect((await call('GET', '/users/me/friends', alice)).json()).toEqual([
      { user_id: bob.id, username: 'bob', display_name: 'bob', category: 'friend', since: expect.any(String) },
    ]);
    expect((await call('GET', '/users/me/friends/requests', bob)).json()).toEqual({ incoming: [], outgoing: [] });
  });

  it('auto-accepts when the other side had already asked (200 with the friend)', async () => {
    await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id });
    const res = await call('POST', '/users/me/friends/requests', bob, { user_id: alice.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ friend: expect.objectContaining({ user_id: alice.id, category: 'friend' }) });
  });

  it('refuses a second pending request and a request to a friend with 409', async () => {
    await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id });
    expect((await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id })).json().code).toBe('CONFLICT');
    await t.befriend(alice, carol);
    const res = await call('POST', '/users/me/friends/requests', carol, { user_id: alice.id });
    expect(res.statusCode).toBe(409);
  });

  it('refuses requests to yourself (400), to nobody (404) and bad bodies (400)', async () => {
    expect((await call('POST', '/users/me/friends/requests', alice, { user_id: alice.id })).statusCode).toBe(400);
    expect((await call('POST', '/users/me/friends/requests', alice, { user_id: 99999 })).statusCode).toBe(404);
    expect((await call('POST', '/users/me/friends/requests', alice, { user_id: 'x' })).statusCode).toBe(400);
    expect((await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id, extra: 1 })).statusCode).toBe(400);
  });

  it('lets only the recipient accept; others get 403 or 404', async () => {
    const { request } = (await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id })).json();
    expect((await call('POST', `/users/me/friends/requests/${request.id}/accept`, alice)).statusCode).toBe(403);
    expect((await call('POST', `/users/me/friends/requests/${request.id}/accept`, carol)).statusCode).toBe(404);
    expect((await call('POST', '/users/me/friends/requests/99999/accept', bob)).statusCode).toBe(404);
    expect((await call('POST', '/users/me/friends/requests/abc/accept', bob)).statusCode).toBe(400);
  });

  it('declines (recipient) or cancels (sender) a request', async () => {
    const r1 = (await call('POST', '/users/me/friends/requests', alice, { user_id: bob.id })).json().request;
    expect((await call('POST', `/users/me/friends/requests/${r1.id}/decline`, bob)).statusCode).toBe(204);
    // After a decline alice waits out a cooldown (hardening/accounts.test.ts); bob may still ask her.
    const r2 = (await call('POST', '/users/me/friends/requests', bob, { user_id: alice.id })).json().request;
    expect((await call('POST', `/users/me/friends/requests/${r2.id}/decline`, carol)).statusCode).toBe(404);
    expect((await call('POST', `/users/me/friends/requests/${r2.id}/decline`, bob)).statusCode).toBe(204);
    expect((await call('GET', '/users/me/friends/requests', bob)).json()).toEqual({ incoming: [], outgoing: [] });
    expect((await call('GET', '/users/me/friends', bob)).json()).toEqual([]);
  });

  it('sets a friend category one-sidedly', async () => {
    await t.befriend(alice, bob);
    const res = await call('PATCH', `/users/me/friends/${bob.id}`, alice, { category: 'close_friend' });
    expect(res.statusCode).toBe(200);
    expect(res.json().friend).toMatchObject({ user_id: bob.id, category: 'close_friend' });
    expect((await call('GET', '/users/me/friends', bob)).json()[0].category).toBe('friend');
    expect((await call('PATCH', `/users/me/friends/${bob.id}`, alice, { category: 'enemy' })).statusCode).toBe(400);
    expect((await call('PATCH', `/users/me/friends/${carol.id}`, alice, { category: 'friend' })).statusCode).toBe(404);
  });

  it('unfriends both ways, and a second delete is 404', async () => {
    await t.befriend(alice, bob);
    expect((await call('DELETE', `/users/me/friends/${alice.id}`, bob)).statusCode).toBe(204);
    expect((await call('GET', '/users/me/friends', alice)).json()).toEqual([]);
    expect((await call('DELETE', `/users/me/friends/${alice.id}`, bob)).statusCode).toBe(404);
  });

  it('requires a token on every friends and users route', async () => {
    for (const url of ['/users/me/friends', '/users/me/friends/requests', '/users?query=a', '/users/me']) {
      const res = await t.app.inject({ url: `/api/v1${url}` });
      expect(res.statusCode).toBe(401);
    }
  });

  it('serves OpenAPI docs generated from the route schemas', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/auth/register', '/api/v1/users/me/friends/requests', '/api/v1/users/me/friends/{user_id}']));
  });

  it('reports health and readiness', async () => {
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'ready', database: true });
  });
});
