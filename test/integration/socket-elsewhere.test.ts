/**
 * Outside multi-instance run: a login with its socket on instance A whose REST read of the
 * friends' status reached instance B (no sticky sessions; the SDK's resync after a seq gap does
 * this) opened a polling session on B, so after her tab closed friends saw her online for the
 * poll TTL (60 s) instead of the offline grace. Now a socket session carries a tag of its login
 * and any instance knows that login is not a polling client.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import type { LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';

describe('a login with a socket on another instance is no polling client', () => {
  const two = useTwoInstances();
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  it('a friends-status read on B opens no polling session for the login whose socket is on A', async () => {
    const alice = await a.register('alice');
    const { socket } = await a.connect(alice.token);
    const read = await b.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(alice.token) });
    expect(read.statusCode).toBe(200);
    const sessions = () => b.app.services.presence.engine.sessionIds(alice.id);
    expect(sessions().some((id) => id.startsWith('poll:'))).toBe(false);
    // Her tab closes: only the grace keeps her, on both instances.
    socket.close();
    await socket.waitClosed();
    await expect.poll(() => a.app.services.presence.engine.sessionIds(alice.id).length).toBe(0);
    await expect.poll(() => sessions().length).toBe(0);
  });

  it('another login of hers (a REST-only client) still polls', async () => {
    const alice = await a.register('alice');
    await a.connect(alice.token);
    const login = await b.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'pass-phrase-for-tests' } });
    expect(login.statusCode).toBe(200);
    const other = login.json<{ token: string }>().token;
    expect((await b.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(other) })).statusCode).toBe(200);
    expect(b.app.services.presence.engine.sessionIds(alice.id).some((id) => id.startsWith('poll:'))).toBe(true);
  });
});
