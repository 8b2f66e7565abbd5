/**
 * Review finding: per-field last-writer-wins held for inputs arriving over the bus, but after a
 * bus outage the resync imported the newest stored copy whole: a message set on A during the
 * outage was lost to a status set later on B, on both. Now an import keeps, field by field, what
 * this replica set later than the copy's saver heard of, and saves the merge for the others.
 * Two instances on one memory hub and store; the bus "goes down" (nothing crosses, health told).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import { testConfig } from '../helpers/config.js';
import { createServices, type Services } from '../../src/server/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { FlakyBus } from '../helpers/flaky-bus.js';
import { until } from '../helpers/shared-parts.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';


describe('changes made on two instances during a bus outage both survive the resync', () => {
  let t = T0;
  let a: Services;
  let b: Services;
  let buses: FlakyBus[];
  let store: MemoryPresenceStore;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    t = T0;
    const db = await freshDatabase('postgres');
    drop = db.drop;
    const hub = new MemoryHub();
    store = new MemoryPresenceStore({ now: () => t });
    buses = [new FlakyBus({ hub, instanceId: 'a' }), new FlakyBus({ hub, instanceId: 'b' })];
    const config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000 });
    a = await createServices(config, silentLog, { now: () => t, bus: buses[0]!, store });
    b = await createServices(config, silentLog, { now: () => t, bus: buses[1]!, store });
    for (const s of [a, b]) s.presence.setSink(() => {});
    for (const s of [a, b]) await s.start();
    for (const bus of buses) await store.heartbeat(bus.instanceId);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await drop();
  });

  it('a message set on A and a later status set on B: busy with the message, on both', async () => {
    const u = await a.users.create({ username: 'alice', displayName: 'alice', passwordHash: 'x', role: 'user', now: t });
    const onA: AuthContext = { userId: u!.id, sessionId: 'l1', role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
    const onB: AuthContext = { ...onA, sessionId: 'l2' };
    await a.presence.prepareViewer(onA);
    a.presence.openSocket(onA, 'a1');
    await b.presence.prepareViewer(onB);
    b.presence.openSocket(onB, 'b1');
    await a.presence.shared();
    await b.presence.shared();

    for (const bus of buses) bus.down = true;
    await a.presence.setStatus(onA.userId, { status: 'online', custom_message: 'back at 3' });
    t += 5;
    await b.presence.setStatus(onA.userId, { status: 'busy' });
    for (const bus of buses) await store.heartbeat(bus.instanceId);
    for (const bus of buses) bus.down = false;

    const shown = (s: Services) => {
      const p = s.presence.engine.get(onA.userId);
      return { status: p.status, message: p.customMessage };
    };
    const want = { status: 'busy', message: 'back at 3' };
    await until('both replicas show busy with the message', () => [a, b].every((s) => JSON.stringify(shown(s)) === JSON.stringify(want)), 6000).catch(() => {
      throw new Error(`A ${JSON.stringify(shown(a))}, B ${JSON.stringify(shown(b))}; want ${JSON.stringify(want)} on both`);
    });
    // And it stays so: no later reload undoes it.
    await new Promise((r) => setTimeout(r, 1500));
    expect([shown(a), shown(b)]).toEqual([want, want]);
  }, 20_000);
});
