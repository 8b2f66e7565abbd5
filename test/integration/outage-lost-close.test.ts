/**
 * A close lost on its way, then Redis restarted empty. Alice's only tab, on A, closes just as
 * Redis goes down: A saves her copy (the store takes it) but the message to the other instances
 * is lost before A notices the outage, so B's replica of her keeps her session on A. Redis then
 * comes back empty: her copy is gone with it. A owns no session of hers any more and owes nothing,
 * but A made her last change, so A knows her best: its resync saves her again and has the others
 * reload her. Before, nobody re-saved her, and B kept the session of an instance that was alive
 * and beating (so never reaped): Bob, watching from B, saw her online for good.
 *
 * In process, on one shared clock: two live apps, a memory hub whose buses can be cut (and whose
 * messages from A can be lost while A looks healthy), and one memory store that refuses while
 * Redis is down and can come back empty (helpers/hanging-store.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import type { BusMessage } from '../../src/server/ports/event-bus.js';
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


/** A CutOffBus whose messages to the other instances can be lost while it still looks healthy (Redis dying under a publish). */
class LossyBus extends CutOffBus {
  losing = false;
  override publishRemote(topic: string, message: BusMessage): void {
    if (!this.losing) super.publishRemote(topic, message);
  }
}

describe('a close lost just before Redis restarted empty', () => {
  const clock = new FakeClock();
  let store: HangingStore;
  let busA: LossyBus;
  let busB: CutOffBus;
  let a: LiveApp;
  let b: LiveApp;
  let alice: Account;
  let bob: Account;
  let bobOnB: TestSocket;
  let aliceOnA: TestSocket;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    const hub = new MemoryHub();
    store = new HangingStore({ commandTimeoutMs: 500, leaveMs: 100, now: clock.now });
    busA = new LossyBus({ hub, instanceId: 'a' });
    busB = new CutOffBus({ hub, instanceId: 'b' });
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const config = { databaseUrl: db.url, offlineGraceMs: GRACE_MS, heartbeatIntervalMs: HEARTBEAT_MS, replicaLingerMs: 3_600_000 };
    a = await startLiveApp(config, { now: clock.now, bus: busA, store: store.client() });
    cleanup.push(() => a.close());
    b = await startLiveApp(config, { now: clock.now, bus: busB, store: store.client() });
    cleanup.push(() => b.close());
    alice = await a.register('alice');
    bob = await a.register('bob');
    await a.befriend(alice, bob);
    ({ socket: bobOnB } = await b.connect(bob.token));
    const from = bobOnB.mark();
    ({ socket: aliceOnA } = await a.connect(alice.token));
    await bobOnB.next(friendChangeOf(alice.id, 'online'), { from });
    await until('B holds her tab on A', () => b.app.services.presence.engine.sessionIds(alice.id).length === 1);
  }, 30_000);

  afterEach(async () => {
    store.restore();
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** Moves the shared clock; both instances tick, and sends what it batched. */
  const advance = (ms: number): Promise<void> => advanceTogether(clock, [a, b], ms);

  /** What Bob's REST read of his friends says of Alice, through B. */
  async function bobReadsOnB(): Promise<string | undefined> {
    const res = await b.app.inject({ url: '/api/v1/users/me/friends/status', headers: bearer(bob.token) });
    return res.json<Array<{ user_id: number; status: string }>>().find((f) => f.user_id === alice.id)?.status;
  }

  it('shows her offline to a friend on the other instance once both resynced, before any reaping', async () => {
    const from = bobOnB.mark();
    // Her tab on A closes; A saves her copy, and its message to B is lost.
    busA.losing = true;
    aliceOnA.close();
    await aliceOnA.waitClosed();
    await until('A ended her tab', () => a.app.services.presence.engine.sessionIds(alice.id).length === 0, 3000);
    await a.app.services.presence.shared(alice.id);
    expect(b.app.services.presence.engine.sessionIds(alice.id), 'B never heard of the close').toHaveLength(1);

    // Redis goes down, and comes back empty: her copy is gone.
    store.refuse();
    busA.down = true;
    busB.down = true;
    busA.losing = false;
    await advance(2000);
    store.empty();
    store.restore();
    busA.down = false;
    busB.down = false;
    await until('both resynced', () => a.app.services.presence.replicaSync().synced && b.app.services.presence.replicaSync().synced, 5000);
    const backAt = clock.now();

    // Past her grace, well within the pause of reaping after the outage: the resync alone did it.
    await advance(GRACE_MS + 1000);
    await bobOnB.next(friendChangeOf(alice.id, 'offline'), { from });
    expect(await bobReadsOnB()).toBe('offline');
    expect(b.app.services.presence.engine.sessionIds(alice.id), 'B dropped her tab on A').toEqual([]);

    // Past the pause of reaping, A beating all along: nothing more for Bob, and A is no dead instance.
    await advance(deadAfterMs(HEARTBEAT_MS) + REAP_AFTER_OUTAGE_MS - (clock.now() - backAt) + 1000);
    await a.app.services.presence.beat();
    await b.app.services.presence.beat();
    await b.app.services.presence.reap();
    await advance(1000);
    await bobOnB.settled();
    expect(bobOnB.since(from).filter(friendChangeOf(alice.id, 'offline'))).toHaveLength(1);
    expect(await bobReadsOnB()).toBe('offline');
  }, 30_000);
});
