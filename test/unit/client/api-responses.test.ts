/** How the REST client turns any response, however odd, into a value or a typed ApiError. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from '../../../src/client/api.js';
import { BASE_URL, FakeFetch, ME, TOKEN } from './fake-server.js';

function setup() {
  const fetch = new FakeFetch();
  const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl: fetch.fn });
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

afterEach(() => void vi.unstubAllGlobals());

describe('ApiClient responses', () => {
  it.each([
    [400, 'VALIDATION_ERROR'],
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
    [413, 'PAYLOAD_TOO_LARGE'],
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
    [429, 'RATE_LIMITED'],
    [503, 'SERVICE_UNAVAILABLE'],
    [500, 'INTERNAL_ERROR'],
    [504, 'INTERNAL_ERROR'],
    [418, 'HTTP_ERROR'],
    [499, 'HTTP_ERROR'],
  ])('a %i without a JSON body is %s, with a message naming the status', async (status, code) => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me', { status, raw: 'oops' });
    expect(await apiError(api.me())).toMatchObject({ status, code, message: `Request failed with status ${status}` });
  });

  it('takes the code and message from the body when they are strings, else falls back for each alone', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me', { status: 400, body: { message: 'Bad query' } });
    expect(await apiError(api.me())).toMatchObject({ code: 'VALIDATION_ERROR', message: 'Bad query' });
    fetch.route('GET /api/v1/users/me', { status: 400, body: { code: 'QUERY_TOO_LONG', message: 42 } });
    expect(await apiError(api.me())).toMatchObject({ code: 'QUERY_TOO_LONG', message: 'Request failed with status 400' });
    for (const body of [null, ['VALIDATION_ERROR'], 'VALIDATION_ERROR']) {
      fetch.route('GET /api/v1/users/me', { status: 404, body });
      expect(await apiError(api.me())).toMatchObject({ code: 'NOT_FOUND', message: 'Request failed with status 404' });
    }
  });

  it('a 429 carries its Retry-After in milliseconds (a friend request within 24 h of a decline), nothing without a usable one', async () => {
    const { api, fetch } = setup();
    const body = { code: 'RATE_LIMITED', message: 'Your last request was declined; you may ask again after 2030-01-02T03:04:05.000Z' };
    fetch.route('POST /api/v1/users/me/friends/requests', { status: 429, body, headers: { 'Retry-After': '86399' } });
    expect(await apiError(api.sendFriendRequest(2))).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 86_399_000 });
    for (const headers of [{} as Record<string, string>, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' }, { 'Retry-After': '-5' }]) {
      fetch.route('POST /api/v1/users/me/friends/requests', { status: 429, body, headers });
      expect((await apiError(api.sendFriendRequest(2))).retryAfterMs).toBeUndefined();
    }
  });

  it('a 204 or an empty 200 gives undefined; a body that cannot be read counts as empty', async () => {
    const { api, fetch } = setup();
    fetch.route('POST /api/v1/auth/logout', { status: 204 });
    expect(await api.logout()).toBeUndefined();
    fetch.route('GET /api/v1/users/me', { status: 200, raw: '' });
    expect(await api.me()).toBeUndefined();
    const broken = async () => ({ ok: false, status: 503, text: async () => Promise.reject(new Error('stream reset')) }) as unknown as Response;
    const api2 = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl: broken });
    expect(await apiError(api2.me())).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  });

  it('a 204 never reads the body', async () => {
    const text = vi.fn(async () => 'should not be read');
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl: async () => ({ ok: true, status: 204, text }) as unknown as Response });
    expect(await api.logout()).toBeUndefined();
    expect(text).not.toHaveBeenCalled();
  });

  it('a failure that is not an Error still becomes a NETWORK_ERROR with a message', async () => {
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl: () => Promise.reject('offline') });
    expect(await apiError(api.me())).toMatchObject({ status: 0, code: 'NETWORK_ERROR', message: 'Network request failed' });
  });

  it('asks for JSON, sends no body on GET, and sends only the fields given', async () => {
    const { api, fetch } = setup();
    fetch.route('GET /api/v1/users/me', { status: 200, body: ME });
    fetch.route('POST /api/v1/auth/register', { status: 201, body: { token: 't' } });
    fetch.route('PUT /api/v1/users/me/status', { status: 200, body: ME });
    fetch.route('POST /api/v1/users/me/activity', { status: 200, body: ME });
    await api.me();
    await api.register('me', 'password1');
    await api.setStatus('busy', 'brb');
    await api.setStatus('online', undefined, '2030-01-01T00:00:00.000Z');
    await api.setActivity('chatting');
    expect(fetch.calls.map((c) => c.headers.Accept)).toEqual(Array(5).fill('application/json'));
    expect(fetch.calls.map((c) => c.body)).toEqual([
      undefined,
      { username: 'me', password: 'password1' },
      { status: 'busy', custom_message: 'brb' },
      { status: 'online', expires_at: '2030-01-01T00:00:00.000Z' },
      { activity: 'chatting' },
    ]);
    expect(fetch.calls[1]?.headers.Authorization).toBeUndefined();
  });

  it('uses the global fetch when none is given, called as a plain function', async () => {
    const calls: string[] = [];
    vi.stubGlobal('fetch', function (this: unknown, input: string) {
      // window.fetch throws "Illegal invocation" when called with another `this`.
      if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
      calls.push(input);
      return Promise.resolve({ ok: true, status: 200, text: async () => JSON.stringify(ME) } as Response);
    });
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN });
    expect(await api.me()).toEqual(ME);
    expect(calls).toEqual([`${BASE_URL}/api/v1/users/me`]);
  });
});
