/**
 * A host whose token comes asynchronously (an auth library's `getTokenSilently()`, a refresh
 * over the network): `getToken` may return a promise. The client connects, reconnects and
 * calls the API with what it resolves to; a read superseded by a newer one, or by stop(),
 * opens nothing; a getToken that fails (throws, rejects) is no refusal by Beacon: the client
 * tries again at the backoff pace and never stops for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from '../../../src/client/api.js';
import { BASE_URL, FakeFetch, harness, ME, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const FRESH = 'tok.FRESH-async-value';

beforeEach(useFakeClock);
afterEach(() => void vi.useRealTimers());

/** A getToken whose every call returns a promise the test settles by hand, in call order. */
function deferredTokens() {
  const pending: Array<{ resolve: (t: string | null) => void; reject: (e: Error) => void }> = [];
  const getToken = (): Promise<string | null> =>
    new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
    });
  return {
    getToken,
    pending,
    /** Settles the `i`-th call (default: the latest) and lets the client's continuation run. */
    async resolve(token: string | null, i = pending.length - 1) {
      pending[i]!.resolve(token);
      await flush();
    },
    async reject(i = pending.length - 1) {
      pending[i]!.reject(new Error('refresh failed: network'));
      await flush();
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const authTokens = (h: ReturnType<typeof harness>): unknown[] => h.sockets.map((s) => s.sentOfType('auth')[0]?.token);

describe('an asynchronous getToken', () => {
  it('connects with the token it resolves to, saying connecting meanwhile and opening no socket before', async () => {
    const t = deferredTokens();
    const h = harness({ getToken: t.getToken });
    h.client.start();
    expect([h.client.state, h.sockets.length, t.pending.length]).toEqual(['connecting', 0, 1]);
    await t.resolve(TOKEN);
    expect(h.sockets).toHaveLength(1);
    h.connect([amy]);
    expect(authTokens(h)).toEqual([TOKEN]);
    expect(h.client.state).toBe('connected');
    expect(h.client.friends().map((f) => f.username)).toEqual(['amy']);
  });

  it('after a 4401, reconnects with the fresh token once the refresh resolves, saying reconnecting meanwhile, and never stops', async () => {
    let calls = 0;
    let refresh: ((t: string) => void) | null = null;
    const getToken = (): string | Promise<string> => (++calls === 1 ? TOKEN : new Promise((resolve) => (refresh = resolve)));
    const h = harness({ getToken });
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(4401);
    expect([h.client.state, h.sockets.length, h.client.stopReason]).toEqual(['reconnecting', 1, null]);
    refresh!(FRESH);
    await flush();
    expect(h.sockets).toHaveLength(2);
    expect(h.ws.url).toBe('ws://beacon.test/ws/status?reconnect=1');
    h.connect([amy]);
    expect(authTokens(h)).toEqual([TOKEN, FRESH]);
    expect(h.client.state).toBe('connected');
    expect(h.eventsOf('unauthorized')).toEqual([]);
    // One read for the refusal, none more for the reconnect: the fresh token is used as read.
    expect(calls).toBe(2);
  });

  it('after a 4401, stops (unauthorized) when the refresh resolves to the token just refused, or to none', async () => {
    for (const answer of [TOKEN, null]) {
      let calls = 0;
      let refresh: ((t: string | null) => void) | null = null;
      const h = harness({ getToken: () => (++calls === 1 ? TOKEN : new Promise((resolve) => (refresh = resolve))) });
      h.client.start();
      h.connect([amy]);
      h.ws.serverClose(4401);
      refresh!(answer);
      await flush();
      expect([h.client.state, h.client.stopReason, h.sockets.length]).toEqual(['offline', 'unauthorized', 1]);
      expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: 4401 }]);
    }
  });

  it('opens nothing when the token arrives after stop()', async () => {
    const t = deferredTokens();
    const h = harness({ getToken: t.getToken });
    h.client.start();
    h.client.stop();
    await t.resolve(TOKEN);
    expect(h.sockets).toHaveLength(0);
    expect(h.client.state).toBe('offline');
  });

  it('opens one socket when a reconnectNow() starts a newer read while one is pending, with the newer read’s token', async () => {
    const t = deferredTokens();
    const h = harness({ getToken: t.getToken });
    h.client.start();
    h.client.reconnectNow();
    expect(t.pending).toHaveLength(2);
    await t.resolve(FRESH, 1);
    await t.resolve(TOKEN, 0); // the older read answers last: superseded
    expect(h.sockets).toHaveLength(1);
    h.connect([amy]);
    expect(authTokens(h)).toEqual([FRESH]);
  });

  it('tries again at the backoff pace when getToken rejects or throws, never stopping for it', async () => {
    const t = deferredTokens();
    let throws = false;
    const h = harness({
      getToken: () => {
        if (throws) throw new Error('token store unavailable');
        return t.getToken();
      },
    });
    h.client.start();
    await t.reject();
    expect([h.sockets.length, h.client.stopReason]).toEqual([0, null]);
    expect(h.eventsOf('unauthorized')).toEqual([]);
    throws = true;
    vi.advanceTimersByTime(60_000); // retries (each read throws) without a socket or a stop
    expect([h.sockets.length, h.client.stopReason]).toEqual([0, null]);
    throws = false;
    vi.advanceTimersByTime(60_000);
    expect(t.pending.length).toBeGreaterThanOrEqual(2);
    await t.resolve(TOKEN);
    expect(h.sockets).toHaveLength(1);
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
  });
});

describe('ApiClient with an asynchronous getToken', () => {
  it('sends the token the promise resolves to, in the Authorization header', async () => {
    const fetch = new FakeFetch();
    fetch.route('GET /api/v1/users/me/status', () => ({ status: 200, body: ME }));
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: async () => FRESH, fetchImpl: fetch.fn });
    await api.userStatus(1).catch(() => undefined);
    expect(fetch.calls[0]?.headers.Authorization).toBe(`Bearer ${FRESH}`);
  });

  it('fails as TOKEN_UNAVAILABLE after its timeout, sending nothing, when the token promise never settles', async () => {
    const fetch = new FakeFetch();
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => new Promise<string>(() => undefined), fetchImpl: fetch.fn, timeoutMs: 5_000 });
    const answer = api.me().catch((e: unknown) => e);
    vi.advanceTimersByTime(5_000);
    const err = await answer;
    expect([(err as ApiError).status, (err as ApiError).code]).toEqual([0, 'TOKEN_UNAVAILABLE']);
    expect(fetch.calls).toHaveLength(0);
  });

  it('fails as TOKEN_UNAVAILABLE (status 0), sending nothing, when getToken rejects', async () => {
    const fetch = new FakeFetch();
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => Promise.reject(new Error('refresh failed')), fetchImpl: fetch.fn });
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([(err as ApiError).status, (err as ApiError).code]).toEqual([0, 'TOKEN_UNAVAILABLE']);
    expect(fetch.calls).toHaveLength(0);
  });
});
