/**
 * Redis restarted empty under three instances that reconnect to it seconds apart. Alice has a
 * tab on A and another on B; her friend Bob watches from C. A (and C) reconnect first: A re-saves
 * Alice with the one session it owns (B has not reconnected, so nothing of B's is stored), and the
 * resyncs and reloads of A and C imported that copy whole, dropping her session on B from their
 * replicas. When her tab on A then closed, C (and A) saw her leave: Bob saw her go offline after
 * the grace, while her tab on B was open all along, until B reconnected and re-saved her. Now a
 * resync or reload keeps the sessions of an instance that has saved nothing of her into the copy
 * (its field is missing: it has not re-saved yet); the heartbeat stays the one judge of a dead
 * instance, and ends them if B never beats again (the second case).
 *
 * In process, on one shared clock: three live apps, a memory hub whose buses can be cut one by one
 * (helpers/flaky-bus.ts), and one memory store that refuses while Redis is down, can come back
 * empty, and refuses B alone while B has not reconnected (helpers/hanging-store.ts).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { deadAfterMs, REAP_AFTER_OUTAGE_MS } from '../../src/server/status/cluster-heartbeat.js';
import { bearer, type Account } from '../helpers/app.js';
import { FakeClock } from '../helpers/clock.js';
import { CutOffBus } from '../helpers/flaky-bus.js';
import { HangingStore } from '../helpers/hanging-store.js';
import { freshDatabase } from '../helpers/databases.js';
import { advanceTogether, startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { until } from '../helpers/shared-parts.js';
import { friendChangeOf, type TestSocket } from '../helpers/ws-client.js';

const GRACE_MS = 10_000;
const HEARTBEAT_MS = 25_000;


describe('Redis restarted empty, the instances reconnecting seconds apart, a user with a tab on two of them', () => {
  const clock = new FakeClock();
  let hub: MemoryHub;
  let store: HangingStore;
  let buses: Record<'a' | 'b' | 'c', CutOffBus>;
  let storeOfB: ReturnType<HangingStore['client']>;
  let a: LiveApp;
  let b: LiveApp;
  let c: LiveApp;
  let alice: Account;
  let bob: Account;
  let bobOnC: TestSocket;
  let aliceOnA: TestSocket;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    hub = new MemoryHub();
    store = new HangingStore({ commandTimeoutMs: 500, leaveMs: 100, now: clock.now });
    buses = { a: new CutOffBus({ hub, instanceId: 'a' }), b: new CutOffBus({ hub, instanceId: 'b' }), c: new CutOffBus({ hub, instanceId: 'c' }) };
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const config = { databaseUrl: db.url, offlineGraceMs: GRACE_MS, heartbeatIntervalMs: HEARTBEAT_MS, replicaLingerMs: 3_600_000 };
    storeOfB = store.client();
    const start = async (id: 'a' | 'b' | 'c') => {
      const app = await startLiveApp(config, { now: clock.now, bus: buses[id], store: id === 'b' ? storeOfB : store.client() });
      cleanup.push(() => app.close());
      return app;
    };
    a = await start('a');
    b = await start('b');
    c = await start('c');
    alice = await a.register('alice');
    bob = await a.register('bob');
    await a.befriend(alice, bob);
    ({ socket: bobOnC } = await c.connect(bob.token));
    const from = bobOnC.mark();
    ({ socket: aliceOnA } = await a.connect(alice.token));
    await b.connect(alice.token);
    await bobOnC.next(friendChangeOf(alice.id, 'online'), { from });
    await until('C holds both her tabs', () => c.app.services.presence.engine.sessionIds(alice.id).length === 2);
  }, 30_000);

  afterEach(async () => {
    store.restore();
    storeOfB.cutOff(false);
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** Moves the shared clock; every instance ticks, and sends what it batched. */
  const advance = (ms: number): Promise<void> => advanceTogether(clock, [a, b, c], ms);

  /** Redis goes down for every instance, and comes back empty for A and C only: B's clients are still in their backoff (bBack). */
  async function restartedEmptyWithBLate(): Promise<void> {
    store.refuse();
    for (const bus of Object.values(buses)) bus.down = true;
    await advance(2000);
    storeOfB.cutOff(true);
    store.empty();
    store.restore();
    buses.a.down = false;
    buses.c.down = false;
    await until('A and C resynced', () => a.app.services.presence.replicaSync().synced && c.app.services.presence.replicaSync().synced, 5000);
  }

  /** What Bob's REST read of his friends says of Alice, through C. */
  async function bobReadsOnC(): Promise<string | undefined> {
    const res = await c.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(bob.token) });
    return res.json<Array<{ user_id: number; status: string }>>().find((f) => f.user_id === alice.id)?.status;
  }

  /** Her database row. */
  async function rowOfAlice(): Promise<{ online_status: string; last_seen: unknown }> {
    const r = await sql<{ online_status: string; last_seen: unknown }>`select online_status, last_seen from users where id = ${alice.id}`.execute(a.app.services.database.db);
    return r.rows[0]!;
  }

  it("never shows her offline to a friend while her tab on the late instance is open, nor writes her row offline", async () => {
    const from = bobOnC.mark();
    await restartedEmptyWithBLate();
    // Her tab on A closes: A and C hear it (their buses are back); her tab on B stays open.
    aliceOnA.close();
    await aliceOnA.waitClosed();
    await until("C heard her tab on A close", () => !c.app.services.presence.engine.sessionIds(alice.id).some((id) => id.startsWith('a/')), 3000);
    // Past her offline grace, still well within the pause of reaping after the outage.
    await advance(GRACE_MS + 1000);
    await advance(1000);
    // What the ticks sent Bob is in before his barrier's answer (not only what 20 ms brought).
    await bobOnC.settled();
    expect(bobOnC.since(from).filter(friendChangeOf(alice.id, 'offline')), 'Bob never saw Alice offline').toEqual([]);
    expect(await bobReadsOnC()).toBe('online');
    expect(await rowOfAlice(), 'her row was never written offline').toMatchObject({ online_status: 'online', last_seen: null });

    // B reconnects: nothing changes for Bob.
    storeOfB.cutOff(false);
    buses.b.down = false;
    await until('B resynced', () => b.app.services.presence.replicaSync().synced, 5000);
    await advance(1000);
    await bobOnC.settled();
    expect(bobOnC.since(from).filter(friendChangeOf(alice.id, 'offline'))).toEqual([]);
    expect(await bobReadsOnC()).toBe('online');
  }, 30_000);

  it('ends her session on B once the heartbeat finds B dead, if it never comes back', async () => {
    const from = bobOnC.mark();
    await restartedEmptyWithBLate();
    const backAt = clock.now();
    aliceOnA.close();
    await aliceOnA.waitClosed();
    await until("C heard her tab on A close", () => !c.app.services.presence.engine.sessionIds(alice.id).some((id) => id.startsWith('a/')), 3000);
    await advance(GRACE_MS + 1000);
    await bobOnC.settled();
    expect(bobOnC.since(from).filter(friendChangeOf(alice.id, 'offline')), 'not before B is found dead').toEqual([]);
    // B never reconnects (no beat of it reaches the store): past the dead-instance window from Redis' return, C's reaping ends it.
    await advance(deadAfterMs(HEARTBEAT_MS) + REAP_AFTER_OUTAGE_MS - (clock.now() - backAt) + 1000);
    await b.app.services.presence.beat(); // refused: B is no live instance
    await c.app.services.presence.beat();
    await c.app.services.presence.reap();
    await advance(1000);
    // Her session on B ended as of the moment C's bus went down (its grace is over by now): she is offline.
    await bobOnC.next(friendChangeOf(alice.id, 'offline'), { from });
    expect(bobOnC.since(from).filter(friendChangeOf(alice.id, 'offline'))).toHaveLength(1);
    expect(await bobReadsOnC()).toBe('offline');
    await until('her row was written offline', async () => (await rowOfAlice()).online_status === 'offline', 3000);
  }, 30_000);
});
