/**
 * Logout skips the offline grace (protocol.md: "if the logged-out login held the last session,
 * friends see offline immediately"), also when its socket had already closed and the grace
 * was running: a tab that lost its connection, then "Log out" clicked. Before, friends saw the
 * user online for the rest of the grace. A logout of another login leaves the grace alone (the
 * tab may be reloading). Over two instances: the socket on A, the logout answered by B.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import type { LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame } from '../helpers/ws-client.js';

const PASSWORD = 'pass-phrase-for-tests';

describe('a logout during the offline grace of its last socket', () => {
  const two = useTwoInstances();
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  it('friends see offline at once; a logout of her other login did not end the grace', async () => {
    const alice = await a.register('alice');
    const bob = await b.register('bob');
    await a.befriend(alice, bob);
    const { socket: bobSocket } = await b.connect(bob.token);
    const offline = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'offline';
    const { socket: tab } = await a.connectSeenBy(alice.token, bobSocket);
    const phone = (await b.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD } })).json<{ token: string }>().token;
    // The tab's connection drops: the grace begins (the fake clocks do not move, so it never ends by itself here).
    tab.close();
    await tab.waitClosed();
    await expect.poll(() => b.app.services.presence.engine.sessionIds(alice.id).length).toBe(0);
    const mark = bobSocket.mark();
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(phone) })).statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 100));
    expect(bobSocket.since(mark).filter(offline)).toEqual([]);
    expect(b.app.services.presence.viewOf(alice.id, 'friend').status).toBe('online');
    // Now the tab's own login logs out, on the other instance than its socket was.
    await bobSocket.after(async () => expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) })).statusCode).toBe(204), offline);
    await expect.poll(() => a.app.services.presence.viewOf(alice.id, 'friend').status).toBe('offline');
  });
});
