/**
 * A poll reads the client's own view in one request, GET /users/me/status, beside the friends'
 * views. A server from before that route (it answers 400: `me` read as an id) is asked
 * GET /users/me once and GET /users/<id>/status at each poll, and /users/me/status no more; a
 * 404 only sends that poll's read by id.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../src/client/api.js';
import { PresenceClient } from '../../../src/client/presence-client.js';
import { BASE_URL, FakeFetch, ME, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const FRIENDS = 'GET /api/v1/users/me/friends/status';
const OWN = 'GET /api/v1/users/me/status';
const ME_USER = 'GET /api/v1/users/me';
const BY_ID = 'GET /api/v1/users/1/status';
const ARRIVAL = 'POST /api/v1/users/me/interaction';
const INTERVAL = 3_000;
const USER = { id: 1, username: 'me', display_name: 'ME', role: 'user' };

beforeEach(useFakeClock);
afterEach(() => void vi.useRealTimers());

/** A socket-less client (REST only: it polls from the start) over `fetch`, after `polls` polls. */
async function polled(fetch: FakeFetch, polls: number) {
  fetch.route(FRIENDS, { status: 200, body: [amy] });
  // The page's arrival, reported once before the first poll.
  fetch.route(ARRIVAL, { status: 204 });
  const getToken = () => TOKEN;
  const client = new PresenceClient({ baseUrl: BASE_URL, getToken, pollIntervalMs: INTERVAL, api: new ApiClient({ baseUrl: BASE_URL, getToken, fetchImpl: fetch.fn }) });
  client.start();
  await vi.advanceTimersByTimeAsync(0);
  for (let i = 1; i < polls; i++) await vi.advanceTimersByTimeAsync(INTERVAL);
  expect(client.state).toBe('polling');
  expect(client.self).toEqual(ME);
  expect(client.friends()).toEqual([amy]);
  client.stop();
  const count = (key: string) => fetch.callsTo(key).length;
  return { total: fetch.calls.length - count(ARRIVAL), own: count(OWN), me: count(ME_USER), byId: count(BY_ID), friends: count(FRIENDS) };
}

describe('the own view in a poll', () => {
  it('is one GET /users/me/status per poll, beside the friends’ views: no GET /users/me first', async () => {
    // A current server: it answers all three reads.
    const fetch = new FakeFetch().route(OWN, { status: 200, body: ME }).route(ME_USER, { status: 200, body: USER }).route(BY_ID, { status: 200, body: ME });
    expect(await polled(fetch, 3)).toEqual({ total: 6, own: 3, me: 0, byId: 0, friends: 3 });
  });

  it('from an older server answering it 400 (it reads `me` as an id): GET /users/me once, then GET /users/<id>/status, and /users/me/status is not asked again', async () => {
    const fetch = new FakeFetch()
      .route(OWN, { status: 400, body: { code: 'VALIDATION_FAILED', message: 'params.id must be written plainly as an integer' } })
      .route(ME_USER, { status: 200, body: USER })
      .route(BY_ID, { status: 200, body: ME });
    expect(await polled(fetch, 3)).toEqual({ total: 1 + 1 + 3 + 3, own: 1, me: 1, byId: 3, friends: 3 });
  });

  // Review 162: one 404 (a proxy mid-deploy, an account just deleted) switched the client to two requests for good.
  it('answered 404: read by id for that poll, and /users/me/status asked again at the next', async () => {
    const fetch = new FakeFetch()
      .route(OWN, { status: 404, body: { code: 'NOT_FOUND', message: 'Route GET:/api/v1/users/me/status not found' } })
      .route(ME_USER, { status: 200, body: USER })
      .route(BY_ID, { status: 200, body: ME });
    expect(await polled(fetch, 3)).toEqual({ total: 3 + 1 + 3 + 3, own: 3, me: 1, byId: 3, friends: 3 });
  });
});
