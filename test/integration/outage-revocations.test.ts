/**
 * Outside audit (lifecycle): while Redis (the event bus) was down, a logout or an account
 * deletion through instance A left that login's socket on instance B open, still acting on the
 * dead credential: its set_status and messages reached friends on B as friend_status_change, and
 * friends on B still listed the deleted user, until the bus returned (~24 s in the audit).
 *
 * Now B reads its sockets' logins again from the database every second at most while its bus is
 * down (ended-logins.ts): a logout through A closes the login's socket on B with 4000 within a
 * second of B's clock, a deletion also tells B's friends `friend_removed` and drops the user
 * from their lists. With the bus healthy no such read is made. Two live instances on one
 * PostgreSQL database, a memory hub whose buses go down as Redis does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import { SessionRepository } from '../../src/server/auth/session-repository.js';
import { bearer } from '../helpers/app.js';
import { freshDatabase } from '../helpers/databases.js';
import { FlakyBus } from '../helpers/flaky-bus.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const PASSWORD = 'pass-phrase-for-tests';
/** The bound: a login ended elsewhere is found within this much of B's clock. */
const BOUND_MS = 1000;

describe('a login ended through another instance while the bus is down', () => {
  let a: LiveApp;
  let b: LiveApp;
  let buses: FlakyBus[];
  let drop: () => Promise<void>;
  let alice: U;
  let bob: U;
  let carol: U;

  beforeEach(async () => {
    const db = await freshDatabase('postgres');
    drop = db.drop;
    const hub = new MemoryHub();
    const store = new MemoryPresenceStore();
    buses = [new FlakyBus({ hub, instanceId: 'a' }), new FlakyBus({ hub, instanceId: 'b' })];
    a = await startLiveApp({ databaseUrl: db.url }, { bus: buses[0], store });
    b = await startLiveApp({ databaseUrl: db.url }, { bus: buses[1], store });
    alice = await a.register('alice');
    bob = await a.register('bob');
    carol = await a.register('carol');
    await a.befriend(alice, bob);
    await a.befriend(carol, bob);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await a.close();
    await b.close();
    await drop();
  });

  /** Bob, Alice and Carol connect to B; then Redis goes, and B has read its logins once (nothing ended yet). */
  async function connectedOnBThenOutage(): Promise<{ bobs: TestSocket; alices: TestSocket; carols: TestSocket }> {
    const { socket: bobs } = await b.connect(bob.token);
    const { socket: alices } = await b.connectSeenBy(alice.token, bobs);
    const { socket: carols } = await b.connectSeenBy(carol.token, bobs);
    for (const bus of buses) bus.down = true;
    await b.advance(BOUND_MS);
    expect(alices.closed).toBeNull();
    expect(carols.closed).toBeNull();
    return { bobs, alices, carols };
  }

  /** Every frame sent to Bob so far, once they have all arrived (his heartbeat's ack comes after them). */
  async function bobsFramesSince(bobs: TestSocket, from: number): Promise<Frame[]> {
    await bobs.after(() => bobs.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    return bobs.since(from);
  }

  it('a logout through A closes the login’s socket on B with 4000 within a second; what it sends meanwhile reaches friends before its offline or not at all, and nothing after', async () => {
    const { bobs, alices } = await connectedOnBThenOutage();
    const from = bobs.mark();
    expect((await a.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) })).statusCode).toBe(204);
    // REST on B refuses the token already (each request reads the session).
    expect((await b.app.inject({ url: '/api/v1/users/me', headers: bearer(alice.token) })).statusCode).toBe(401);
    // The socket on B is still open (B has not heard, and its bound has not passed): it sends with the dead credential.
    expect(alices.closed).toBeNull();
    alices.send({ type: 'set_status', status: 'busy', custom_message: 'sent after my logout' });

    await b.advance(BOUND_MS);
    expect((await alices.waitClosed(2000)).code).toBe(4000);

    const frames = await bobsFramesSince(bobs, from);
    const aboutAlice = frames.filter((f) => f.type === 'friend_status_change' && f.friend_id === alice.id);
    // Ended at once (no offline grace), as a logout heard over the bus ends it: one offline, and nothing about her after it.
    expect(aboutAlice.filter((f) => f.status === 'offline')).toHaveLength(1);
    expect(aboutAlice.at(-1)).toMatchObject({ status: 'offline' });
    // What the socket sent before its close reached Bob before that, or not at all.
    for (const f of aboutAlice.slice(0, -1)) expect(f).toMatchObject({ status: 'busy', custom_message: 'sent after my logout' });
    const seen = await b.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) });
    expect(seen.json()).toMatchObject({ status: 'offline' });
  });

  it('an account deleted through A: its socket on B closes with 4000 within a second, and B’s friends get friend_removed', async () => {
    const { bobs, carols, alices } = await connectedOnBThenOutage();
    const from = bobs.mark();
    const deleted = await a.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(carol.token), payload: { password: PASSWORD } });
    expect(deleted.statusCode).toBe(204);

    await b.advance(BOUND_MS);
    expect((await carols.waitClosed(2000)).code).toBe(4000);
    await bobs.next((f) => f.type === 'friend_removed' && f.friend_id === carol.id, { from });
    const frames = await bobsFramesSince(bobs, from);
    expect(frames.filter((f) => f.type === 'friend_removed').map((f) => f.friend_id)).toEqual([carol.id]);
    const listed = await b.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(bob.token) });
    expect(listed.json<Array<{ user_id: number }>>().map((v) => v.user_id)).toEqual([alice.id]);
    // Alice's login was not ended: her socket stays.
    expect(alices.closed).toBeNull();
  });

  it('reads no session while the bus is healthy; reads them at most a second apart while it is down', async () => {
    const { socket: bobs } = await b.connect(bob.token);
    const readAt: number[] = [];
    const read = SessionRepository.prototype.liveAmong;
    vi.spyOn(SessionRepository.prototype, 'liveAmong').mockImplementation(async function (this: SessionRepository, ids) {
      const at = b.clock.now();
      const live = await read.call(this, ids);
      readAt.push(at);
      return live;
    });
    for (let i = 0; i < 5; i++) await b.advance(BOUND_MS);
    expect(readAt).toEqual([]);

    for (const bus of buses) bus.down = true;
    const downAt = b.clock.now();
    // Each read is let finish before the clock moves on (one read at a time: a tick during one skips).
    for (let i = 1; i <= 3; i++) {
      await b.advance(BOUND_MS);
      await expect.poll(() => readAt.filter((t) => t > downAt).length).toBe(i);
    }
    // Once per second of B's clock (the presence timer may also have read once as the bus went).
    expect(readAt.filter((t) => t > downAt)).toEqual([downAt + 1000, downAt + 2000, downAt + 3000]);
    expect(readAt.filter((t) => t <= downAt).length).toBeLessThanOrEqual(1);
    expect(bobs.closed).toBeNull();
  });
});
