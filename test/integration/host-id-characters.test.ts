/**
 * Outside test of the host integration: a host id holding control characters, bidi controls or
 * half a character (an unpaired surrogate) was taken from a token's `sub`, a service path or a
 * game report's body, stored as the user's `external_id` and answered back by the lookup. Now it
 * is refused at the edge, by the one rule host ids have (protocol/integration.ts): a token
 * naming such a user is refused like any invalid token (4401 / 401, the reason in the log), a
 * path or body id answers 400 VALIDATION_ERROR naming the field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import type { LiveApp } from '../helpers/live-app.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { SERVICE_TOKEN, hostTokenRefusals, signHost, useSidecars } from '../helpers/sidecar-app.js';
import { openSocket } from '../helpers/ws-client.js';

const sidecar = useSidecars();
let embedded: TestApp | null = null;
afterEach(async () => {
  await embedded?.close();
  embedded = null;
});

/** Ids no host user may have, each beside a plain one. */
const BAD_IDS = ['a\u0000b', 'a\u0001b', 'line\nbreak', 'tab\tx', 'del\u007f', 'c1\u0085', 'rtl\u202eevil', 'iso\u2066x', 'half\ud800', 'half\udc00x'];

const sign = (sub: string | number) => signHost(sub as string, 'Someone');
const service = (app: LiveApp, method: 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
  app.app.inject({ method, url: `/api/v1${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, ...(payload ? { payload } : {}) });
const storedIds = async (app: TestApp) => (await app.app.services.database.db.selectFrom('users').select('external_id').execute()).map((r) => r.external_id);

describe('host ids with control characters', () => {
  it('refuses a token whose sub holds them, on the socket (4401) and over REST (401), saying why in the log without the token', async () => {
    const app = await sidecar();
    const { said, restore } = hostTokenRefusals(app.app.services.log);
    try {
      for (const sub of BAD_IDS) {
        const token = await sign(sub);
        said.length = 0;
        const socket = await openSocket(app.url);
        socket.send({ type: 'auth', token });
        expect((await socket.waitClosed()).code, JSON.stringify(sub)).toBe(4401);
        const res = await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${token}` } });
        expect(res.statusCode, JSON.stringify(sub)).toBe(401);
        expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(said.length, JSON.stringify(sub)).toBeGreaterThan(0);
        for (const line of said) {
          expect(line).toMatch(/"sub".*control characters/);
          expect(line).not.toContain(token);
        }
      }
    } finally {
      restore();
    }
    expect(await storedIds(app)).toEqual([]);
    // The id rules are otherwise as they were: any 1-128 characters, or a safe integer.
    await app.connect(await sign('auth0|abc Zoë 👍🏽'));
    await app.connect(await sign('x'.repeat(128)));
    // 128 characters as people count them: an emoji is one (two UTF-16 units).
    await app.connect(await sign('😀'.repeat(128)));
    expect(await storedIds(app)).toHaveLength(3);
    const tooLong = await openSocket(app.url);
    tooLong.send({ type: 'auth', token: await sign('😀'.repeat(129)) });
    expect((await tooLong.waitClosed()).code).toBe(4401);
  });

  it('takes ids of up to 128 characters counted as people count them (an emoji is one) in service calls, and refuses longer ones with 400, never 500', async () => {
    const app = await sidecar();
    const emoji = '😀'.repeat(100);
    for (const [method, url, body] of [
      ['PUT', '/service/users', { users: [{ id: emoji, name: 'N' }] }],
      ['PUT', '/service/friendships', { pairs: [{ a: 'plain', b: emoji }] }],
      ['POST', '/service/users/lookup', { host_ids: [emoji] }],
      ['POST', '/games/events', { event: 'match_started', match_id: 'm', player_ids: ['plain', emoji] }],
    ] as const) {
      const res = await service(app, method, url, body);
      expect(res.statusCode, url).toBeLessThan(300);
    }
    expect(await storedIds(app)).toContain(emoji);
    const res = await service(app, 'PUT', '/service/users', { users: [{ id: '😀'.repeat(129), name: 'N' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('answers 400 VALIDATION_ERROR naming the path parameter, and stores nothing', async () => {
    const app = await sidecar();
    for (const id of BAD_IDS.filter((s) => !s.includes('\u0000'))) {
      const enc = encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '')) + (/[\ud800-\udfff]/.test(id) ? '%ED%A0%80' : '');
      for (const [method, url] of [
        ['POST', `/service/users/${enc}/sign-out`],
        ['DELETE', `/service/users/${enc}`],
        ['PUT', `/service/users/${enc}/friends`],
        ['PUT', `/service/friendships/${enc}/plain`],
        ['DELETE', `/service/friendships/plain/${enc}`],
      ] as const) {
        const res = await service(app, method, url, method === 'PUT' ? (url.endsWith('/friends') ? { friends: [] } : {}) : undefined);
        expect(res.statusCode, `${method} ${url}`).toBe(400);
        expect(res.json(), `${method} ${url}`).toEqual({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/^(params\.(id|a|b) may not hold line breaks, control characters|The URL is malformed)/) });
      }
    }
    // One the URL can carry: the field is named.
    const res = await service(app, 'POST', `/service/users/${encodeURIComponent('a\u0001b')}/sign-out`);
    expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'params.id may not hold line breaks, control characters, bidi controls or half a character (an unpaired surrogate)' });
    expect(await storedIds(app)).toEqual([]);
  });

  it('answers 400 VALIDATION_ERROR naming the body field, and stores nothing', async () => {
    const app = await sidecar();
    for (const id of BAD_IDS) {
      for (const [method, url, body, field] of [
        ['PUT', '/service/users', { users: [{ id, name: 'N' }] }, 'body.users.0.id'],
        ['PUT', '/service/friendships', { pairs: [{ a: 'plain', b: id }] }, 'body.pairs.0.b'],
        ['PUT', '/service/users/plain/friends', { friends: [{ id }] }, 'body.friends.0.id'],
        ['POST', '/service/users/lookup', { host_ids: [id] }, 'body.host_ids.0'],
        ['POST', '/games/events', { event: 'match_started', match_id: 'm', player_ids: ['plain', id] }, 'body.player_ids.1'],
      ] as const) {
        const res = await service(app, method, url, body);
        expect(res.statusCode, `${url} ${JSON.stringify(id)}`).toBe(400);
        const message = res.json<{ message: string }>().message;
        // NUL is refused before the schema, in every string (validation.ts), without a field.
        if (!id.includes('\u0000')) expect(message, `${url} ${JSON.stringify(id)}`).toBe(`${field} must be integer or may not hold line breaks, control characters, bidi controls or half a character (an unpaired surrogate)`);
      }
    }
    expect(await storedIds(app)).toEqual([]);
  });
});

describe('embedded: an identity port that answers such an id', () => {
  it('is refused like a token the host did not issue (401, the reason in the log), and nothing is stored; such a friend is left out', async () => {
    const host = new MemoryHost();
    const token = host.addUser('rtl\u202eevil', 'Mallory');
    const fine = host.addUser('fine', 'Fine');
    host.befriend('fine', 'rtl\u202eevil');
    const clock = new FakeClock();
    embedded = await createTestApp({}, { now: clock.now, host: { identity: host.identity, friends: host.friends, profiles: host.profiles } });
    const { said, restore } = hostTokenRefusals(embedded.app.services.log);
    try {
      const res = await embedded.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(said).toEqual([expect.stringMatching(/identity port.*control characters/)]);
      expect(said[0]).not.toContain(token);
    } finally {
      restore();
    }
    expect(await storedIds(embedded)).toEqual([]);
    const friends = await embedded.app.inject({ url: '/api/v1/users/me/friends/status', headers: { authorization: `Bearer ${fine}` } });
    expect(friends.statusCode).toBe(200);
    expect(friends.json()).toEqual([]);
    expect(await storedIds(embedded)).toEqual(['fine']);
    // The in-process API refuses it too.
    await expect(embedded.app.beacon.setStatus('a\u0001b', 'busy')).rejects.toThrow(/host user id/);
  });
});
