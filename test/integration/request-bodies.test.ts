/**
 * Bodies the contract refuses: unknown fields are refused with 400 VALIDATION_ERROR, also by a
 * request that takes no body at all (logout, accept, unhide…), and nothing is done; a JSON value
 * that is not an object, sent as JSON, is a 400 that says so, not a 415 asking for JSON.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';

type U = { token: string; id: number };

describe('request bodies', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveUsers({}, ['alice', 'bob']));
  });
  afterEach(() => t.close());

  const send = (u: U, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(u.token), ...(payload === undefined ? {} : { payload: payload as object }) });

  it('refuses unknown fields sent to a request that takes no body, and does nothing', async () => {
    const asked = await send(alice, 'POST', '/users/me/friends/requests', { user_id: bob.id });
    const requestId = asked.json<{ request: { id: number } }>().request.id;
    for (const [u, method, url] of [
      [bob, 'POST', `/users/me/friends/requests/${requestId}/accept`],
      [alice, 'POST', '/users/me/status/unhide'],
      [alice, 'POST', '/users/me/interaction'],
      [alice, 'POST', '/auth/logout'],
    ] as const) {
      const res = await send(u, method, url, { unknown_field: 1 });
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'This request takes no body: unknown field "unknown_field"' });
    }
    // Nothing was done: the request is still pending, alice is still logged in.
    expect((await t.app.inject({ url: '/api/v1/users/me/friends/requests', headers: bearer(bob.token) })).json()).toMatchObject({ incoming: [{ id: requestId }] });
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) })).statusCode).toBe(200);
    // Not an object either: a JSON value or text is no body these requests take.
    for (const payload of ['"x"', '5', 'true', '[1]']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json(), payload).toEqual({ code: 'VALIDATION_ERROR', message: 'This request takes no body' });
    }
    const text = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: { ...bearer(alice.token), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(400);
    // No body, or an empty one, is what these requests take.
    expect((await send(bob, 'POST', `/users/me/friends/requests/${requestId}/accept`, {})).statusCode).toBe(200);
    expect((await send(bob, 'DELETE', `/users/me/friends/${alice.id}`, { unknown_field: 1 })).statusCode).toBe(400);
    expect((await send(bob, 'DELETE', `/users/me/friends/${alice.id}`)).statusCode).toBe(204);
    expect((await send(alice, 'POST', '/auth/logout')).statusCode).toBe(204);
  });

  it('takes an empty body sent as application/json as none on a request that takes no body; one that needs a body says it is missing', async () => {
    const empty = (u: U, method: 'POST' | 'PUT' | 'DELETE', url: string) =>
      t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(u.token), 'content-type': 'application/json' }, payload: '' });
    expect((await empty(alice, 'POST', '/users/me/interaction')).statusCode).toBe(204);
    const needs = await empty(alice, 'PUT', '/users/me/status');
    expect(needs.statusCode).toBe(400);
    expect(needs.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'This request needs a JSON body, and the body was empty' });
    // The logout happens: the token no longer works.
    expect((await empty(alice, 'POST', '/auth/logout')).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) })).statusCode).toBe(401);
  });

  it('answers a JSON value that is not an object, sent as JSON, with 400 saying so', async () => {
    for (const payload of ['"busy"', '1', 'null', '[]']) {
      const res = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json(), payload).toEqual({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/body must be object/) });
    }
    // JSON sent as text is still told to say application/json.
    const asText = await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: { ...bearer(alice.token), 'content-type': 'text/plain' }, payload: '{"status":"busy"}' });
    expect(asText.statusCode).toBe(415);
  });
});
