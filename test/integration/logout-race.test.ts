/**
 * Outside audit of the gateway: a logout racing a connecting socket left it open on the revoked
 * token. The session is checked when `auth` arrives, the socket registered only after its
 * admission turn and the load of its friends; a revocation in between found no socket to close,
 * so the user showed online to friends until the token expired (7 days). Here the logout (or
 * the token's expiry) is put in that gap by holding the socket's prepareViewer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { holdFirstCall } from '../helpers/hold-first-call.js';
import { liveFriends, type LiveApp } from '../helpers/live-app.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import { openSocket, type Frame, type TestSocket } from '../helpers/ws-client.js';
import { PresenceService } from '../../src/server/status/presence-service.js';

type U = { token: string; id: number };
const TTL_S = 3600;

/**
 * Opens Alice's socket on `on` and sends `auth`; while her socket waits between its token check
 * and its registration, runs `meanwhile`; then lets the socket go on.
 */
async function inTheGap(on: LiveApp, alice: U, meanwhile: () => Promise<void>): Promise<TestSocket> {
  const hold = holdFirstCall(PresenceService.prototype, 'prepareViewer', 'after');
  try {
    const socket = await openSocket(on.url);
    on.sockets.push(socket);
    socket.send({ type: 'auth', token: alice.token });
    await hold.reached;
    await meanwhile();
    hold.release();
    return socket;
  } finally {
    hold.restore();
  }
}

const logout = async (via: LiveApp, who: U) => {
  expect((await via.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(who.token) })).statusCode).toBe(204);
};

async function login(via: LiveApp, username: string): Promise<string> {
  const res = await via.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'pass-phrase-for-tests' } });
  return res.json<{ token: string }>().token;
}

/** What Bob's client shows of Alice, once every frame sent to him so far arrived (his heartbeat's ack comes after them). */
async function aliceAsBobSees(via: LiveApp, b: TestSocket, bob: U, alice: U, from: number) {
  await b.after(() => b.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
  const changes = b.since(from).filter((f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id);
  const res = await via.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) });
  return { changes: changes.map((f) => f.status), status: res.json<{ status: string }>().status };
}

describe('a logout while the socket is being admitted, on one instance', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ tokenTtlS: TTL_S }));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  it('closes the socket with 4000 without a ready, and Bob never sees Alice online', async () => {
    const { socket: b } = await t.connect(bob.token);
    const from = b.mark();
    const a = await inTheGap(t, alice, () => logout(t, alice));
    expect(await a.waitClosed()).toEqual({ code: 4000, reason: 'session revoked' });
    expect(a.ofType('ready')).toEqual([]);
    expect(await aliceAsBobSees(t, b, bob, alice, from)).toEqual({ changes: [], status: 'offline' });
  });

  it('closes with 4401 a socket whose token expired in the gap, without a ready', async () => {
    // Half Alice's token's life later, Bob logs in anew: his token outlives hers.
    t.clock.advance((TTL_S / 2) * 1000);
    bob = { token: await login(t, 'bob'), id: bob.id };
    const { socket: b } = await t.connect(bob.token);
    const from = b.mark();
    const a = await inTheGap(t, alice, () => t.advance((TTL_S / 2) * 1000));
    expect(await a.waitClosed()).toEqual({ code: 4401, reason: 'token expired' });
    expect(a.ofType('ready')).toEqual([]);
    expect(await aliceAsBobSees(t, b, bob, alice, from)).toEqual({ changes: [], status: 'offline' });
  });

  it('a login that logged out another session still connects', async () => {
    const second = { token: await login(t, 'alice'), id: alice.id };
    const a = await inTheGap(t, alice, () => logout(t, second));
    expect((await a.next((f) => f.type === 'ready')).type).toBe('ready');
    expect(a.closed).toBeNull();
  });
});

describe('a logout on another instance while the socket is being admitted', () => {
  const pair = useTwoInstances();
  afterEach(() => vi.restoreAllMocks());

  it('closes it too when the socket’s instance held nothing of the user yet (not on her topic)', async () => {
    const { a: here, b: there } = pair;
    // Everything of Alice and Bob is on `there`: `here` has never loaded Alice, so it is not on her topic.
    const [alice, bob] = await there.registerFriends('alice', 'bob');
    const { socket: b } = await there.connect(bob.token);
    const from = b.mark();
    // Held before the load of her friends, which is what subscribes `here` to her topic.
    const hold = holdFirstCall(PresenceService.prototype, 'prepareViewer', 'before');
    let a: TestSocket;
    try {
      a = await openSocket(here.url);
      here.sockets.push(a);
      a.send({ type: 'auth', token: alice.token });
      await hold.reached;
      await logout(there, alice);
      await here.app.services.bus.flushed();
      await there.app.services.bus.flushed();
      hold.release();
    } finally {
      hold.restore();
    }
    expect(await a.waitClosed()).toEqual({ code: 4000, reason: 'session revoked' });
    expect(a.ofType('ready')).toEqual([]);
    expect(await aliceAsBobSees(there, b, bob, alice, from)).toEqual({ changes: [], status: 'offline' });
  });

  it('closes the socket with 4000 without a ready, and Bob never sees Alice online', async () => {
    const { a: here, b: there } = pair;
    const [alice, bob] = await here.registerFriends('alice', 'bob');
    const { socket: b } = await here.connect(bob.token);
    const from = b.mark();
    const a = await inTheGap(here, alice, () => logout(there, alice));
    expect(await a.waitClosed()).toEqual({ code: 4000, reason: 'session revoked' });
    expect(a.ofType('ready')).toEqual([]);
    expect(await aliceAsBobSees(here, b, bob, alice, from)).toEqual({ changes: [], status: 'offline' });
  });
});
