/**
 * During a bus outage a replica cannot hear a user interact on another instance: it must not
 * turn them away meanwhile (D6). Two instances on a fake clock share a database and an
 * in-memory bus + store; the bus can be cut and restored, and tells of it as Redis does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import { testConfig } from '../helpers/config.js';
import { createServices, type Services } from '../../src/server/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { FlakyBus } from '../helpers/flaky-bus.js';
import { connect, serviceUsers } from '../helpers/service-users.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

const IDLE = 60_000;
const PROBE = 20_000;


const until = async (what: string, ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('a bus outage', () => {
  let t = T0;
  let a: Services;
  let b: Services;
  let buses: FlakyBus[];
  let store: MemoryPresenceStore;
  let drop: () => Promise<void>;
  const { user } = serviceUsers(() => a, () => t);

  beforeEach(async () => {
    t = T0;
    const db = await freshDatabase('postgres');
    drop = db.drop;
    const hub = new MemoryHub();
    store = new MemoryPresenceStore({ now: () => t });
    buses = [new FlakyBus({ hub, instanceId: 'a' }), new FlakyBus({ hub, instanceId: 'b' })];
    const config = testConfig({ databaseUrl: db.url, rateLimits: false, idleTimeoutMs: IDLE, idleProbeTimeoutMs: PROBE });
    a = await createServices(config, silentLog, { now: () => t, bus: buses[0]!, store });
    b = await createServices(config, silentLog, { now: () => t, bus: buses[1]!, store });
    for (const s of [a, b]) s.presence.setSink(() => {});
    // Started: each resyncs when its bus says it is back.
    for (const s of [a, b]) await s.start();
    await beat();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await drop();
  });

  async function beat() {
    for (const bus of buses) await store.heartbeat(bus.instanceId);
  }
  /** Moves the clock in one-second steps; both instances tick; `each` runs after every step. */
  async function wait(ms: number, each: () => void = () => {}) {
    for (let left = ms; left > 0; left -= 1000) {
      t += Math.min(1000, left);
      a.presence.tick();
      b.presence.tick();
      each();
    }
    await beat();
  }

  async function pair() {
    const alice = await user('alice');
    const bob = await user('bob');
    const sent = await a.friends.sendRequest(alice.userId, bob.userId);
    if ('request' in sent) await a.friends.accept(bob.userId, sent.request.id);
    await connect(a, alice, 'alice-1');
    await connect(b, bob, 'bob-1');
    await until('alice online on B', () => b.presence.engine.get(alice.userId).status === 'online');
    return { alice, bob };
  }

  it('D6: a replica that cannot hear her does not turn an active user away; once the bus is back it agrees with her instance', async () => {
    const { alice } = await pair();
    for (const bus of buses) bus.down = true;
    // Alice keeps interacting on A, every 30 s, for longer than the idle and probe timeouts.
    let n = 0;
    await wait(IDLE + PROBE + 30_000, () => {
      if (++n % 30 === 0) a.presence.interaction(alice.userId);
    });
    expect(a.presence.engine.get(alice.userId).status).toBe('online');
    expect(b.presence.engine.get(alice.userId).status).toBe('online');
    expect(b.presence.viewOf(alice.userId, 'friend')).toMatchObject({ status: 'online' });
    for (const bus of buses) bus.down = false;
    await until('B resynced alice', () => b.presence.engine.get(alice.userId).lastActivity === a.presence.engine.get(alice.userId).lastActivity);
    expect(b.presence.engine.get(alice.userId).status).toBe('online');
  });

  it('D6: a user really idle during the outage is away on every replica once the bus is back', async () => {
    const { alice } = await pair();
    for (const bus of buses) bus.down = true;
    await wait(IDLE + PROBE + 5_000);
    expect(a.presence.engine.get(alice.userId)).toMatchObject({ status: 'away', activity: 'idle' });
    // B could not tell: it keeps what it last knew rather than guessing.
    expect(b.presence.engine.get(alice.userId).status).toBe('online');
    for (const bus of buses) bus.down = false;
    await until('B caught up', () => b.presence.engine.get(alice.userId).status === 'away');
    expect(b.presence.engine.get(alice.userId)).toMatchObject({ status: 'away', activity: 'idle' });
  });
});
