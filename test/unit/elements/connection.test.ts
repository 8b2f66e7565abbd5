/** connect(): one page-wide connection that elements follow; a new login replaces the old one. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, defaultConnection, disconnect, onDefaultConnectionChange } from '../../../src/elements/connection.js';

afterEach(() => {
  disconnect();
  vi.unstubAllGlobals();
});

describe('connect', () => {
  it('starts a client for the given base and token and makes it the default, telling subscribers', async () => {
    const calls: Array<{ url: string; auth: string | null }> = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, auth: new Headers(init.headers).get('authorization') });
      return new Response(JSON.stringify({ code: 'UNAUTHORIZED', message: 'no' }), { status: 401 });
    });
    const seen: unknown[] = [];
    const off = onDefaultConnectionChange(() => seen.push(defaultConnection()));
    const c = connect({ baseUrl: 'https://beacon.test/beacon/', token: 'tok-1', trackActivity: false });
    off();
    expect(defaultConnection()).toBe(c);
    expect(seen).toEqual([c]);
    expect(c.client.state).not.toBe('offline');
    // No WebSocket in this runtime: the client polls over REST, with the token in the header only.
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(0));
    // The first: the page's arrival, reported before the first poll.
    expect(calls[0]).toEqual({ url: 'https://beacon.test/beacon/api/v1/users/me/interaction', auth: 'Bearer tok-1' });
    await vi.waitFor(() => expect(c.client.state).toBe('offline')); // 401: stopped, not retrying
  });

  it('reads a token function at each call', async () => {
    let token = 'first';
    const auths: Array<string | null> = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      auths.push(new Headers(init.headers).get('authorization'));
      return new Response('{}', { status: 500 });
    });
    const c = connect({ baseUrl: 'https://beacon.test', token: () => token, trackActivity: false });
    await vi.waitFor(() => expect(auths).toContain('Bearer first'));
    token = 'second';
    await c.api.me().catch(() => undefined);
    expect(auths.at(-1)).toBe('Bearer second');
  });

  it('dispatches beacon-unauthorized on document when Beacon refuses the token, and not when the page gave none (nothing was refused)', async () => {
    const doc = new EventTarget();
    vi.stubGlobal('document', doc);
    const heard: unknown[] = [];
    doc.addEventListener('beacon-unauthorized', (e) => heard.push((e as CustomEvent).detail));
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ code: 'UNAUTHORIZED', message: 'no' }), { status: 401 }));
    // No one signed in on the host yet (sessionStorage.getItem gives null, or an empty string).
    for (const token of [null, '', () => null]) {
      const c = connect({ baseUrl: 'https://beacon.test', token, trackActivity: false });
      expect([c.client.stopReason, c.client.noToken]).toEqual(['unauthorized', true]);
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual([]);
    // A token Beacon refuses (a poll's 401: no WebSocket in this runtime) is a refusal.
    const refused = connect({ baseUrl: 'https://beacon.test', token: 'dead', trackActivity: false });
    await vi.waitFor(() => expect(refused.client.stopReason).toBe('unauthorized'));
    expect(refused.client.noToken).toBe(false);
    expect(heard).toEqual([{ closeCode: 4401 }]);
  });

  it('a second connect stops the first; disconnect clears the default', () => {
    vi.stubGlobal('fetch', () => new Promise(() => undefined));
    const first = connect({ baseUrl: 'https://beacon.test', token: 'a', trackActivity: false });
    const second = connect({ baseUrl: 'https://beacon.test', token: 'b', trackActivity: false });
    expect(first.client.state).toBe('offline');
    expect(defaultConnection()).toBe(second);
    first.disconnect(); // no longer the default: leaves the second alone
    expect(defaultConnection()).toBe(second);
    disconnect();
    expect(defaultConnection()).toBeNull();
    expect(second.client.state).toBe('offline');
  });
});

describe('connect with a relative baseUrl', () => {
  it('reaches the same Beacon over REST and the socket: the base resolved against the page, as fetch resolves it', async () => {
    // The host's page under its own proxy's path prefix, Beacon beside it: https://site.test/pong/beacon.
    vi.stubGlobal('location', new URL('https://site.test/pong/tournaments'));
    const sockets: string[] = [];
    vi.stubGlobal(
      'WebSocket',
      class {
        static readonly OPEN = 1;
        readyState = 0;
        constructor(url: string) {
          sockets.push(url);
        }
        addEventListener(): void {}
        removeEventListener(): void {}
        send(): void {}
        close(): void {}
      },
    );
    const fetched: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      fetched.push(url);
      return new Promise(() => undefined);
    });
    const c = connect({ baseUrl: 'beacon/', token: 'tok', trackActivity: false });
    await vi.waitFor(() => expect(sockets.length).toBeGreaterThan(0));
    expect(sockets[0]).toBe('wss://site.test/pong/beacon/ws/status');
    void c.api.friendsStatus();
    await vi.waitFor(() => expect(fetched).toContain('https://site.test/pong/beacon/api/v1/users/me/friends/status'));
    expect(fetched.filter((u) => !u.startsWith('https://site.test/pong/beacon/api/v1/'))).toEqual([]);
  });
});
