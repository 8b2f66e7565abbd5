/**
 * Logging out of the Pong site on one device ends that device's Beacon login: the site's logout
 * (`POST /api/logout`, which the page's "Log out" calls) tells Beacon (embedded:
 * `app.beacon.signOutToken`; sidecar: `POST /service/tokens/sign-out`), so the socket opened with
 * that token closes with 4000 and Beacon refuses the token, while the user's other devices stay
 * connected; friends see the user offline once the last one logged out. Logging out only in the
 * browser left the socket open, the user online to friends, until the token expired (12 h).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { changeOf, startPongSite } from './harness.js';

type Site = Awaited<ReturnType<typeof startPongSite>>;
let site: Site | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

const isReady = (f: { type: string }) => f.type === 'ready';

describe.each(['embedded', 'sidecar'] as const)('logging out of the Pong site with Beacon %s', (mode) => {
  it('closes the socket of the device logged out (4000), not the other device\'s; friends see the user offline after the last', async () => {
    site = await startPongSite(mode);
    const alice = await site.register('alice');
    const bob = await site.register('bob');
    expect((await site.siteCall('/api/friends', alice.token, { name: 'bob' })).status).toBe(201);
    // Alice on her laptop (the token she registered with) and on her phone (a login in the same second).
    const login = await site.siteCall('/api/login', null, { name: 'alice', password: 'a-long-password' });
    const phoneToken = login.body!.token as string;
    expect(phoneToken).not.toBe(alice.token);
    const laptop = await site.connect(alice.token);
    await laptop.next(isReady, 0);
    const phone = await site.connect(phoneToken);
    await phone.next(isReady, 0);
    const b = await site.connect(bob.token);
    const ready = await b.next(isReady, 0);
    expect(ready.friends).toEqual([expect.objectContaining({ user_id: alice.id, status: 'online' })]);

    // The laptop logs out: its socket closes, and Beacon refuses its token from now on.
    expect((await site.siteCall('/api/logout', alice.token)).status).toBe(204);
    expect(await laptop.waitClose()).toBe(4000);
    expect((await site.beaconCall('/users/me/friends/status', alice.token, undefined, 'GET')).status).toBe(401);
    // The phone stays signed in and connected, and Alice online to Bob.
    expect(phone.closed()).toBeNull();
    expect((await site.beaconCall('/users/me/friends/status', phoneToken, undefined, 'GET')).status).toBe(200);
    expect(b.frames.filter(changeOf(alice.id, 'offline'))).toEqual([]);

    // The phone logs out too: her last login, so Bob sees her offline.
    const mark = b.mark();
    expect((await site.siteCall('/api/logout', phoneToken)).status).toBe(204);
    expect(await phone.waitClose()).toBe(4000);
    await b.next(changeOf(alice.id, 'offline'), mark);
  });

  it('refuses a logout without a token the site signed (401), ending nobody\'s login', async () => {
    site = await startPongSite(mode);
    const alice = await site.register('alice');
    const socket = await site.connect(alice.token);
    await socket.next(isReady, 0);
    expect((await site.siteCall('/api/logout', null)).status).toBe(401);
    expect((await site.siteCall('/api/logout', `${alice.token}x`)).status).toBe(401);
    expect((await site.beaconCall('/users/me/friends/status', alice.token, undefined, 'GET')).status).toBe(200);
    expect(socket.closed()).toBeNull();
  });
});
