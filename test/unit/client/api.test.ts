import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, PreconditionFailedError } from '../../../src/client/api.js';
import { BASE_URL, FakeFetch, ME, TOKEN } from './fake-server.js';
import type { BlockedUser } from '../../../src/client/index.js';

const user = { id: 1, username: 'me', display_name: 'Me', role: 'user' };
const friend = { user_id: 2, username: 'amy', display_name: 'Amy', category: 'friend', since: '2024-01-15T14:30:00.000Z' };
const request = { id: 7, from_user_id: 1, to_user_id: 2, created_at: '2024-01-15T14:30:00.000Z' };
const settings = {
  status_visibility: 'friends',
  activity_visibility: 'friends',
  last_seen_visibility: 'friends',
  custom_message_visibility: 'friends',
};

function setup(token: string | null = TOKEN) {
  const fetch = new FakeFetch();
  const api = new ApiClient({ baseUrl: `${BASE_URL}/`, getToken: () => token, fetchImpl: fetch.fn });
  return { api, fetch };
}

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('ApiClient endpoints', () => {
  it.each([
    ['register', (a: ApiClient) => a.register('me', 'password1', 'Me'), 'POST /api/v1/auth/register', { username: 'me', password: 'password1', display_name: 'Me' }, { status: 201, body: { token: 't', user } }],
    ['login', (a: ApiClient) => a.login('me', 'password1'), 'POST /api/v1/auth/login', { username: 'me', password: 'password1' }, { status: 200, body: { token: 't', user } }],
    ['logout', (a: ApiClient) => a.logout(), 'POST /api/v1/auth/logout', undefined, { status: 204 }],
    ['me', (a: ApiClient) => a.me(), 'GET /api/v1/users/me', undefined, { status: 200, body: user }],
    ['searchUsers', (a: ApiClient) => a.searchUsers('a b&c'), 'GET /api/v1/users?query=a%20b%26c', undefined, { status: 200, body: [user] }],
    ['friends', (a: ApiClient) => a.friends(), 'GET /api/v1/users/me/friends', undefined, { status: 200, body: [friend] }],
    ['friendRequests', (a: ApiClient) => a.friendRequests(), 'GET /api/v1/users/me/friends/requests', undefined, { status: 200, body: { incoming: [], outgoing: [request] } }],
    ['sendFriendRequest', (a: ApiClient) => a.sendFriendRequest(2), 'POST /api/v1/users/me/friends/requests', { user_id: 2 }, { status: 201, body: { request } }],
    ['acceptFriendRequest', (a: ApiClient) => a.acceptFriendRequest(7), 'POST /api/v1/users/me/friends/requests/7/accept', undefined, { status: 200, body: { friend } }],
    ['declineFriendRequest', (a: ApiClient) => a.declineFriendRequest(7), 'POST /api/v1/users/me/friends/requests/7/decline', undefined, { status: 204 }],
    ['setFriendCategory', (a: ApiClient) => a.setFriendCategory(2, 'close_friend'), 'PATCH /api/v1/users/me/friends/2', { category: 'close_friend' }, { status: 200, body: { friend } }],
    ['removeFriend', (a: ApiClient) => a.removeFriend(2), 'DELETE /api/v1/users/me/friends/2', undefined, { status: 204 }],
    ['friendsStatus', (a: ApiClient) => a.friendsStatus(), 'GET /api/v1/users/me/friends/status', undefined, { status: 200, body: [ME] }],
    ['friendsStatus online', (a: ApiClient) => a.friendsStatus(true), 'GET /api/v1/users/me/friends/status?online=true', undefined, { status: 200, body: [ME] }],
    ['userStatus', (a: ApiClient) => a.userStatus(5), 'GET /api/v1/users/5/status', undefined, { status: 200, body: ME }],
    ['setStatus', (a: ApiClient) => a.setStatus('busy', 'brb', null), 'PUT /api/v1/users/me/status', { status: 'busy', custom_message: 'brb', expires_at: null }, { status: 200, body: ME }],
    ['setStatus bare', (a: ApiClient) => a.setStatus('online'), 'PUT /api/v1/users/me/status', { status: 'online' }, { status: 200, body: ME }],
    ['setActivity', (a: ApiClient) => a.setActivity('watching_match', { match: 3 }), 'POST /api/v1/users/me/activity', { activity: 'watching_match', details: { match: 3 } }, { status: 200, body: ME }],
    ['getSettings', (a: ApiClient) => a.getSettings(), 'GET /api/v1/users/me/status/settings', undefined, { status: 200, body: settings }],
    ['updateSettings', (a: ApiClient) => a.updateSettings({ status_visibility: 'hidden' }), 'PUT /api/v1/users/me/status/settings', { status_visibility: 'hidden' }, { status: 200, body: settings }],
    ['changePassword', (a: ApiClient) => a.changePassword('old-one', 'new-one-long'), 'PUT /api/v1/users/me/password', { current_password: 'old-one', new_password: 'new-one-long' }, { status: 200, body: { signed_out: 2 } }],
    ['listSessions', (a: ApiClient) => a.listSessions(), 'GET /api/v1/users/me/sessions', undefined, { status: 200, body: [] }],
    ['endSession', (a: ApiClient) => a.endSession('a/b'), 'DELETE /api/v1/users/me/sessions/a%2Fb', undefined, { status: 204 }],
    ['endOtherSessions', (a: ApiClient) => a.endOtherSessions(), 'DELETE /api/v1/users/me/sessions', undefined, { status: 200, body: { signed_out: 0 } }],
  ] as const)('%s calls %s', async (_name, call, route, body, reply) => {
    const { api, fetch } = setup();
    fetch.route(route, reply);
    await call(api);
    expect(fetch.calls).toHaveLength(1);
    const [c] = fetch.calls;
    expect(`${c?.method} ${c?.url.slice(BASE_URL.length)}`).toBe(route);
    expect(c?.body).toEqual(body);
    expect(c?.headers['Content-Type']).toBe(body === undefined ? undefined : 'application/json');
  });

  it('answers what the account security routes answer, and fails with their code, message and Retry-After', async () => {
    const { api, fetch } = setup();
    const login = { id: '0b6f5f8e-6a43-4c44-9d53-7c3f4c1e2a10', created_at: '2024-01-15T14:30:00.000Z', last_used_at: '2024-01-15T14:35:00.000Z', user_agent: null, current: true };
    fetch.route('GET /api/v1/users/me/sessions', { status: 200, body: [login] });
    fetch.route('DELETE /api/v1/users/me/sessions', { status: 200, body: { signed_out: 3 } });
    fetch.route('PUT /api/v1/users/me/password', { status: 429, body: { code: 'RATE_LIMITED', message: 'Too many wrong passwords from this login; try again in 15 min' }, headers: { 'retry-after': '900' } });
    expect(await api.listSessions()).toEqual([login]);
    expect(await api.endOtherSessions()).toEqual({ signed_out: 3 });
    const err = await apiError(api.changePassword('a', 'b'));
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'Too many wrong passwords from this login; try again in 15 min', retryAfterMs: 900_000 });
  });

  it('unwraps {friend} and passes the auto-accept shape through', async () => {
    const { api, fetch } = setup();
    fetch.route('POST /api/v1/users/me/friends/requests/7/accept', { status: 200, body: { friend } });
    fetch.route('POST /api/v1/users/me/friends/requests', { status: 200, body: { friend } });
    expect(await api.acceptFriendRequest(7)).toEqual(friend);
    expect(await api.sendFriendRequest(2)).toEqual({ friend });
  });

  it('listBlocks answers the users you blocked, as the server lists them; unblockUser lifts one (404 when not blocked)', async () => {
    const { api, fetch } = setup();
    const blocked = [
      { user_id: 3, username: 'carol', display_name: 'Carol', since: '2024-01-15T14:30:00.000Z' },
      { user_id: 4, username: 'dan', display_name: 'Dan <b>', since: '2024-01-16T09:00:00.000Z' },
    ];
    fetch.route('GET /api/v1/users/me/blocks', { status: 200, body: blocked });
    fetch.route('DELETE /api/v1/users/me/blocks/3', { status: 204 });
    fetch.route('DELETE /api/v1/users/me/blocks/9', { status: 404, body: { code: 'NOT_FOUND', message: 'Not blocked' } });
    const list: BlockedUser[] = await api.listBlocks();
    expect(list).toEqual(blocked);
    expect(`${fetch.calls[0]?.method} ${fetch.calls[0]?.url.slice(BASE_URL.length)}`).toBe('GET /api/v1/users/me/blocks');
    expect(fetch.calls[0]?.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(await api.unblockUser(3)).toBeUndefined();
    expect(await apiError(api.unblockUser(9))).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'Not blocked' });
  });

  it('sends the token only as a bearer header, and not on register/login', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me', { status: 200, body: user });
    fetch.route('POST /api/v1/auth/login', { status: 200, body: { token: 't', user } });
    await api.me();
    await api.login('me', 'password1');
    expect(fetch.calls[0]?.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(fetch.calls[1]?.headers.Authorization).toBeUndefined();
    for (const c of fetch.calls) expect(c.url).not.toContain(TOKEN);
  });

  it('omits the header when there is no token', async () => {
    const { api, fetch } = setup(null);
    fetch.route('GET /api/v1/users/me', { status: 401, body: { code: 'UNAUTHORIZED', message: 'no token' } });
    const err = await apiError(api.me());
    expect(fetch.calls[0]?.headers.Authorization).toBeUndefined();
    expect([err.status, err.code]).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('ApiClient schedule versions', () => {
  const schedule = { time_zone: 'Europe/Paris', rules: [{ days: [1], from: '09:00', to: '17:00', status: 'busy' as const, message: null }] };

  it('reads the schedule with its ETag and saves with it as If-Match; without one, sends none', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me/status/schedule', { status: 200, body: schedule, headers: { etag: '"7"' } });
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 200, body: schedule, headers: { etag: '"8"' } });
    const read = await api.getVersionedSchedule();
    expect(read).toEqual({ value: schedule, version: '"7"' });
    expect(await api.setSchedule(read.value, { ifVersion: read.version })).toEqual(schedule);
    expect(fetch.calls[1]?.headers['If-Match']).toBe('"7"');
    await api.setSchedule(schedule);
    await api.setSchedule(schedule, { ifVersion: null });
    expect(fetch.calls.slice(2).map((c) => c.headers['If-Match'])).toEqual([undefined, undefined]);
  });

  it('a server that sends no ETag gives a null version, and a save with it checks nothing', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me/status/schedule', { status: 200, body: schedule });
    expect((await api.getVersionedSchedule()).version).toBeNull();
  });

  it('a 412 fails as a PreconditionFailedError (an ApiError, PRECONDITION_FAILED), with or without a JSON body', async () => {
    const { api, fetch } = setup();
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 412, body: { code: 'PRECONDITION_FAILED', message: 'Your schedule was changed since' } });
    const err = await apiError(api.setSchedule(schedule, { ifVersion: '"7"' }));
    expect(err).toBeInstanceOf(PreconditionFailedError);
    expect(err).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED', message: 'Your schedule was changed since' });
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 412, raw: '' });
    const bare = await apiError(api.setSchedule(schedule, { ifVersion: '"7"' }));
    expect(bare).toBeInstanceOf(PreconditionFailedError);
    expect(bare.code).toBe('PRECONDITION_FAILED');
  });

  it('setVersionedSchedule answers what was saved with its new version (the PUT\'s ETag): a second save needs no read', async () => {
    const { api, fetch } = setup();
    const saved = { ...schedule, time_zone: 'UTC' };
    fetch.route('GET /api/v1/users/me/status/schedule', { status: 200, body: schedule, headers: { etag: '"7"' } });
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 200, body: saved, headers: { etag: '"8"' } });
    const read = await api.getVersionedSchedule();
    const first = await api.setVersionedSchedule(saved, { ifVersion: read.version });
    expect(first).toEqual({ value: saved, version: '"8"' });
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 200, body: schedule, headers: { etag: '"9"' } });
    expect(await api.setVersionedSchedule(schedule, { ifVersion: first.version })).toEqual({ value: schedule, version: '"9"' });
    expect(fetch.calls.map((c) => `${c.method} ${c.headers['If-Match'] ?? '-'}`)).toEqual(['GET -', 'PUT "7"', 'PUT "8"']);
    expect(fetch.calls.map((c) => c.body)).toEqual([undefined, saved, schedule]);
    // Without a condition it saves as setSchedule does; a server that sends no ETag gives null.
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 200, body: schedule });
    expect(await api.setVersionedSchedule(schedule)).toEqual({ value: schedule, version: null });
    expect(fetch.calls[3]?.headers['If-Match']).toBeUndefined();
  });

  it('a 412 PreconditionFailedError carries the version stored now, from its ETag (null without one)', async () => {
    const { api, fetch } = setup();
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 412, body: { code: 'PRECONDITION_FAILED', message: 'changed since' }, headers: { etag: '"9"' } });
    for (const save of [api.setSchedule(schedule, { ifVersion: '"7"' }), api.setVersionedSchedule(schedule, { ifVersion: '"7"' })]) {
      const err = await apiError(save);
      expect(err).toBeInstanceOf(PreconditionFailedError);
      expect(err).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED', currentVersion: '"9"' });
    }
    fetch.route('PUT /api/v1/users/me/status/schedule', { status: 412, raw: '' });
    expect(await apiError(api.setSchedule(schedule, { ifVersion: '"7"' }))).toMatchObject({ currentVersion: null });
    // Made by hand (a fake API, a test), it has none unless given.
    expect(new PreconditionFailedError('changed').currentVersion).toBeNull();
    expect(new PreconditionFailedError('changed', '"3"').currentVersion).toBe('"3"');
  });
});

describe('ApiClient errors', () => {
  it('maps the JSON body to ApiError code and message', async () => {
    const { api, fetch } = setup();
    fetch.route('POST /api/v1/auth/login', { status: 401, body: { code: 'INVALID_CREDENTIALS', message: 'Wrong username or password' } });
    const err = await apiError(api.login('me', 'nope-nope'));
    expect(err).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS', message: 'Wrong username or password', name: 'ApiError' });
  });

  it('maps a failed fetch to NETWORK_ERROR with status 0', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me', 'network-error');
    expect(await apiError(api.me())).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });

  it('falls back to a code from the status when the body is not JSON', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me', { status: 502, raw: '<html>Bad gateway</html>' });
    fetch.route('GET /api/v1/users/me/friends', { status: 429, raw: '' });
    expect(await apiError(api.me())).toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
    expect(await apiError(api.friends())).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });

  it('keeps a conflict code for a duplicate friend request', async () => {
    const { api, fetch } = setup();
    fetch.route('POST /api/v1/users/me/friends/requests', { status: 409, body: { code: 'CONFLICT', message: 'pending' } });
    expect(await apiError(api.sendFriendRequest(2))).toMatchObject({ status: 409, code: 'CONFLICT' });
  });
});

describe('ApiClient friendsStatus, asked by the client itself', () => {
  const FLAGGED = 'GET /api/v1/users/me/friends/status?reconnect=1';
  const PLAIN = 'GET /api/v1/users/me/friends/status';

  it('says so with ?reconnect=1 (after ?online=true when both), and a person-driven call does not', async () => {
    const { api, fetch } = setup();
    fetch.route(FLAGGED, { status: 200, body: [ME] }).route(PLAIN, { status: 200, body: [ME] });
    fetch.route('GET /api/v1/users/me/friends/status?online=true&reconnect=1', { status: 200, body: [] });
    expect(await api.friendsStatus(false, true)).toEqual([ME]);
    expect(await api.friendsStatus(true, true)).toEqual([]);
    expect(await api.friendsStatus()).toEqual([ME]);
    expect(fetch.calls.map((c) => new URL(c.url).search)).toEqual(['?reconnect=1', '?online=true&reconnect=1', '']);
  });

  it('asks again without the flag when a server older than it refuses it, and never sends it again', async () => {
    const { api, fetch } = setup();
    fetch.route(FLAGGED, { status: 400, body: { code: 'VALIDATION_ERROR', message: 'querystring: unknown field "reconnect"' } });
    fetch.route(PLAIN, { status: 200, body: [ME] });
    expect(await api.friendsStatus(false, true)).toEqual([ME]);
    expect(await api.friendsStatus(false, true)).toEqual([ME]);
    expect(fetch.calls.map((c) => new URL(c.url).search)).toEqual(['?reconnect=1', '', '']);
  });

  it('does not retry other failures without the flag', async () => {
    const { api, fetch } = setup();
    fetch.route(FLAGGED, { status: 401, body: { code: 'UNAUTHORIZED', message: 'expired' } });
    expect(await apiError(api.friendsStatus(false, true))).toMatchObject({ status: 401 });
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('ApiClient timeout', () => {
  it('fails a request the server never answers as NETWORK_ERROR after timeoutMs', async () => {
    const hung: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('timed out', 'TimeoutError'))));
    const api = new ApiClient({ baseUrl: 'http://beacon.test', getToken: () => 't', fetchImpl: hung, timeoutMs: 50 });
    const t = Date.now();
    await expect(api.friendsStatus()).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
    expect(Date.now() - t).toBeLessThan(2_000);
  });
});

describe('ApiClient base URL', () => {
  it.each([
    ['/beacon/', '/beacon/api/v1/users/me'],
    ['https://beacon.example/prefix', 'https://beacon.example/prefix/api/v1/users/me'],
    ['', '/api/v1/users/me'],
  ])('with base %j calls %s (a prefix or another origin, never the token in the URL)', async (baseUrl, expected) => {
    const urls: string[] = [];
    const fetchImpl = (async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return new Response(JSON.stringify(user), { status: 200 });
    }) as typeof fetch;
    await new ApiClient({ baseUrl, getToken: () => TOKEN, fetchImpl }).me();
    expect(urls).toEqual([expected]);
  });
});
