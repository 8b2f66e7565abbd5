/**
 * PATCH /users/me: a Beacon account changes its display name, and what friends see follows at
 * once (a rename frame over the socket, the friend list, the next snapshot), while bad input
 * gets a 400 and changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import type { Frame } from '../helpers/ws-client.js';

let live: LiveApp | null = null;
afterEach(async () => {
  await live?.close();
  live = null;
});

async function twoFriends() {
  live = await startLiveApp();
  const [alice, bob] = await live.registerFriends('alice', 'bob');
  const aliceSocket = await live.connect(alice.token);
  const bobSocket = await live.connectSeenBy(bob.token, aliceSocket.socket);
  return { app: live, alice, bob, aliceSocket, bobSocket };
}

const rename = (app: LiveApp, token: string, payload: object) => app.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(token), payload });

describe('PATCH /api/v1/users/me (display name)', () => {
  it('shows the new name to friends at once, on the user’s own sockets, in lists and in the next snapshot', async () => {
    const { app, alice, bob, aliceSocket, bobSocket } = await twoFriends();
    const own = bobSocket.socket.mark();
    const seen = await aliceSocket.socket.after(
      async () => {
        const res = await rename(app, bob.token, { display_name: '  Bobby Tables  ' });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ id: bob.id, username: 'bob', display_name: 'Bobby Tables', role: 'user' });
      },
      (f: Frame) => f.type === 'friend_status_change' && f.friend_id === bob.id && f.display_name === 'Bobby Tables',
    );
    expect(seen).toMatchObject({ username: 'bob', status: 'online' });
    await bobSocket.socket.next((f) => f.type === 'status_update' && f.display_name === 'Bobby Tables', { from: own });

    const friends = await app.app.inject({ url: '/api/v1/users/me/friends', headers: bearer(alice.token) });
    expect(friends.json<Array<{ user_id: number; display_name: string }>>()).toEqual([expect.objectContaining({ user_id: bob.id, display_name: 'Bobby Tables' })]);
    const statuses = await app.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    expect(statuses.json()).toEqual([expect.objectContaining({ user_id: bob.id, display_name: 'Bobby Tables' })]);
    const again = await app.connect(alice.token);
    expect(again.ready.friends).toEqual([expect.objectContaining({ user_id: bob.id, display_name: 'Bobby Tables' })]);
  });

  it('tells no friend who sees the user offline that they are active: the new name comes with their next change', async () => {
    const { app, alice, bob, aliceSocket, bobSocket } = await twoFriends();
    const settings = (visibility: string) =>
      app.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(bob.token), payload: { status_visibility: visibility } });
    await aliceSocket.socket.after(() => settings('hidden'), (f) => f.type === 'friend_status_change' && f.friend_id === bob.id && f.status === 'offline');
    const quiet = aliceSocket.socket.mark();
    const own = bobSocket.socket.mark();
    expect((await rename(app, bob.token, { display_name: 'Incognito Bob' })).statusCode).toBe(200);
    // The name is read again after the answer; his own sockets are told in the turn that tells his friends: then Alice's barrier.
    await bobSocket.socket.next((f) => f.type === 'status_update' && f.display_name === 'Incognito Bob', { from: own });
    await aliceSocket.socket.settled();
    expect(aliceSocket.socket.since(quiet)).toEqual([]);
    // Names are not secret: the list says the new one at once.
    const friends = await app.app.inject({ url: '/api/v1/users/me/friends', headers: bearer(alice.token) });
    expect(friends.json()).toEqual([expect.objectContaining({ user_id: bob.id, display_name: 'Incognito Bob' })]);
    // Back in sight, the change that shows him online also carries the name.
    const back = await aliceSocket.socket.after(() => settings('friends'), (f) => f.type === 'friend_status_change' && f.friend_id === bob.id && f.status === 'online');
    expect(back).toMatchObject({ username: 'bob', display_name: 'Incognito Bob' });
    // Told once: the next change goes without the names again.
    const next = await aliceSocket.socket.after(
      () => app.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(bob.token), payload: { status: 'busy' } }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bob.id && f.status === 'busy',
    );
    expect(next.display_name).toBeUndefined();
  });

  it('gives the owed name to a friend who moves into an audience that sees the user', async () => {
    const { app, alice, bob, aliceSocket, bobSocket } = await twoFriends();
    const asBob = (method: 'PUT' | 'PATCH', url: string, payload: object) => app.app.inject({ method, url, headers: bearer(bob.token), payload });
    await aliceSocket.socket.after(
      () => asBob('PUT', '/api/v1/users/me/status/settings', { status_visibility: 'close_friends' }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bob.id && f.status === 'offline',
    );
    const quiet = aliceSocket.socket.mark();
    const own = bobSocket.socket.mark();
    expect((await rename(app, bob.token, { display_name: 'Close Bob' })).statusCode).toBe(200);
    // The name is read again after the answer; his own sockets are told in the turn that tells his friends: then Alice's barrier.
    await bobSocket.socket.next((f) => f.type === 'status_update' && f.display_name === 'Close Bob', { from: own });
    await aliceSocket.socket.settled();
    expect(aliceSocket.socket.since(quiet)).toEqual([]);
    // Bob makes Alice a close friend: the view she now gets (online) carries the name she was owed.
    const moved = await aliceSocket.socket.after(
      () => asBob('PATCH', `/api/v1/users/me/friends/${alice.id}`, { category: 'close_friend' }),
      (f) => f.type === 'friend_status_change' && f.friend_id === bob.id && f.status === 'online',
    );
    expect(moved).toMatchObject({ display_name: 'Close Bob' });
  });

  it('refuses a blank, too long or unexpected body with a 400, and keeps the old name', async () => {
    const { app, bob } = await twoFriends();
    for (const payload of [{ display_name: '   ' }, { display_name: 'x'.repeat(41) }, { display_name: 'ok', role: 'admin' }, {}]) {
      const res = await rename(app, bob.token, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    }
    expect((await rename(app, 'not-a-token', { display_name: 'Mallory' })).statusCode).toBe(401);
    const me = await app.app.inject({ url: '/api/v1/users/me', headers: bearer(bob.token) });
    expect(me.json()).toMatchObject({ display_name: 'bob', role: 'user' });
  });

  it('trims characters that draw nothing from a name’s ends, as spaces, at sign-up and rename; refuses a bidi control at an end with a 400', async () => {
    live = await startLiveApp();
    const signUp = await live.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'bobby', password: 'pass-phrase-for-tests', display_name: '\u200bbob\u3164' } });
    expect(signUp.statusCode).toBe(201);
    const { token, user } = signUp.json<{ token: string; user: { display_name: string } }>();
    expect(user.display_name).toBe('bob');
    for (const padded of ['\u2060Bob \ufeff', 'Bob\u200d', '\u115fBob\u2800']) {
      const res = await rename(live, token, { display_name: padded });
      expect(res.json(), JSON.stringify(padded)).toMatchObject({ display_name: 'Bob' });
    }
    for (const bad of ['bob\u2067', '\u200fbob']) {
      const res = await rename(live, token, { display_name: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body.display_name may not hold line breaks, control characters, bidi controls or half a character (an unpaired surrogate)' });
    }
    const me = await live.app.inject({ url: '/api/v1/users/me', headers: bearer(token) });
    expect(me.json()).toMatchObject({ display_name: 'Bob' });
  });

  it('limits renames to 10 a minute per user, with a 429 the client can read', async () => {
    live = await startLiveApp({ rateLimits: true });
    const carol = await live.register('carol');
    for (let i = 0; i < 10; i++) expect((await rename(live, carol.token, { display_name: `Carol ${i}` })).statusCode).toBe(200);
    const limited = await rename(live, carol.token, { display_name: 'Carol again' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
});
