/**
 * Found by the operations audit (repro redis-frozen-stop.sh): Alice, on instance A, set a status
 * while Redis hung; A answered it, wrote it to PostgreSQL, and was stopped (SIGTERM). Its stop
 * gave the unsaved change 2 s, dropped it without a word and exited 0; Redis kept the older copy,
 * and the other instances took that copy over the newer row (then wrote it over the row): her
 * friend never saw the change, nor did she on reconnecting. Now a stop saves again, until the
 * drain's bound nears, what the store did not take, and fails naming how many users' changes it
 * lacks; the row carries the version it was written at, and an instance that loads her, or ends
 * A's sessions of her, takes the row when it is newer than what it holds.
 *
 * Two (three) instances in one process on one PostgreSQL, a memory hub and one memory store that
 * refuses or hangs as Redis does (helpers/hanging-store.ts); timings a tenth of production's
 * (store command timeout 500 ms, BEACON_SHUTDOWN_TIMEOUT_MS 1000, so 400 ms for the stop's saves,
 * leave bounded at 100 ms).
 */
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/server/adapters/bus-memory.js';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import type { Config } from '../../src/server/config.js';
import { testConfig } from '../helpers/config.js';
import { createServices, type Services } from '../../src/server/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { CutOffBus } from '../helpers/flaky-bus.js';
import { HangingStore } from '../helpers/hanging-store.js';
import { until } from '../helpers/shared-parts.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

const MESSAGE = 'during-redis-freeze';

/** A logger that keeps the messages of its error lines. */
function errorLog(errors: string[]): FastifyBaseLogger {
  const log = { ...silentLog, error: (_obj: unknown, msg?: string) => void errors.push(String(msg)), child: () => log };
  return log as unknown as FastifyBaseLogger;
}

describe('an instance stopped while the shared store (Redis) does not take its changes', () => {
  let t = T0;
  let config: Readonly<Config>;
  let hub: MemoryHub;
  let store: HangingStore;
  let buses: CutOffBus[];
  let clients: Array<ReturnType<HangingStore['client']>>;
  let a: Services;
  let b: Services;
  let errorsOfA: string[];
  let alice: AuthContext;
  let bob: AuthContext;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    t = T0;
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    // The offline grace outlasts the dead-instance window (45 s + 5 s): a friend sees the change
    // while B ends her session on A, which ends as of A's last beat, before the window.
    config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000, shutdownTimeoutMs: 1000, offlineGraceMs: 60_000 });
    hub = new MemoryHub();
    store = new HangingStore({ commandTimeoutMs: 500, leaveMs: 100, now: () => t });
    buses = [new CutOffBus({ hub, instanceId: 'a' }), new CutOffBus({ hub, instanceId: 'b' })];
    clients = [store.client(), store.client()];
    errorsOfA = [];
    a = await createServices(config, errorLog(errorsOfA), { now: () => t, bus: buses[0]!, store: clients[0]! });
    b = await createServices(config, silentLog, { now: () => t, bus: buses[1]!, store: clients[1]! });
    // A is closed by the test; closing it again is a no-op's worth of work.
    cleanup.push(() => a.close().catch(() => {}), () => b.close().catch(() => {}));
    for (const s of [a, b]) s.presence.setSink(() => {});
    for (const s of [a, b]) await s.start();

    const made = async (name: string): Promise<AuthContext> => {
      const u = await a.users.create({ username: name, displayName: name, passwordHash: 'x', role: 'user', now: t });
      return { userId: u!.id, sessionId: `login-${name}`, role: 'user', expiresAt: Number.MAX_SAFE_INTEGER };
    };
    alice = await made('alice');
    bob = await made('bob');
    const sent = await a.friends.sendRequest(alice.userId, bob.userId);
    if ('request' in sent) await a.friends.accept(bob.userId, sent.request.id);
    // Bob watches from B (which so holds Alice's replica); Alice is on A.
    await b.presence.prepareViewer(bob);
    b.presence.openSocket(bob, 'b1');
    await a.presence.prepareViewer(alice);
    a.presence.openSocket(alice, 'a1');
    await a.presence.shared();
    await until('B shows Alice online', () => b.presence.engine.get(alice.userId).status === 'online');
  });

  afterEach(async () => {
    store.restore();
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** Redis goes away for everyone: the store as `how` says, and no message crosses. */
  function redisGone(how: 'refuse' | 'freeze'): void {
    store[how]();
    for (const bus of buses) bus.down = true;
  }

  /** Redis is back: the store answers, and the buses of the instances still running are up (B resyncs). */
  function redisBack(): void {
    store.restore();
    for (const bus of buses) bus.down = false;
  }

  /** What Bob's REST call shows of Alice, through `s`. */
  async function bobSees(s: Services): Promise<{ status: string; message: string | null }> {
    const v = await s.presence.userStatus(bob, alice.userId);
    return { status: v.status, message: v.custom_message };
  }

  /** Alice's row, read through B (A is closed). */
  async function rowOfAlice(): Promise<{ manual_status: string | null; custom_message: string | null; online_status: string }> {
    const r = await sql<{ manual_status: string | null; custom_message: string | null; online_status: string }>`select manual_status, custom_message, online_status from users where id = ${alice.userId}`.execute(
      b.database.db,
    );
    return r.rows[0]!;
  }

  /** Alice sets her status on A (accepted), then A stops: her socket closes with 1001, then the drain. */
  async function changeThenStop(): Promise<{ stopped: Promise<void>; started: number }> {
    const accepted = await a.presence.setStatus(alice.userId, { status: 'busy', custom_message: MESSAGE });
    expect(accepted).toMatchObject({ status: 'busy', custom_message: MESSAGE });
    a.presence.closeSocket(alice, 'a1', false);
    const started = Date.now();
    const stopped = a.close();
    stopped.catch(() => {});
    return { stopped, started };
  }

  it('a change the store refused is saved when it answers again within the drain: the stop succeeds, and the friend sees it', async () => {
    redisGone('refuse');
    const { stopped } = await changeThenStop();
    setTimeout(redisBack, 150); // well within the 400 ms the saves get (40 % of the bound)
    await stopped;
    expect(errorsOfA).toEqual([]);
    await until('B shows Alice busy with her message', async () => JSON.stringify(await bobSees(b)) === JSON.stringify({ status: 'busy', message: MESSAGE }), 5000).catch(async () => {
      throw new Error(`Bob sees ${JSON.stringify(await bobSees(b))} through B`);
    });
  }, 20_000);

  it('the store never answers: the stop fails within the bound naming the users it lacks, and the change is not lost: the friend sees it once B ends her session on A, and her own ready shows it', async () => {
    redisGone('freeze');
    const { stopped, started } = await changeThenStop();
    await expect(stopped).rejects.toThrow("presence not saved to the shared store (unreachable): 1 users' changes were not saved to it");
    expect(Date.now() - started).toBeLessThan(config.shutdownTimeoutMs);
    expect(errorsOfA).toEqual([expect.stringMatching(/^shared presence store unreachable at the stop: 1 users' changes were not saved to it/)]);
    // The row has the change (with its version); the store still has the copy from before it.
    expect(await rowOfAlice()).toMatchObject({ manual_status: 'busy', custom_message: MESSAGE });
    clients[0]!.gone(); // A's process is gone, and what it had waiting with it

    redisBack();
    await until('B resynced', () => b.presence.replicaSync().synced, 5000);
    // A left nothing in the store: its session of Alice lives there until B finds A dead.
    expect(await bobSees(b)).toEqual({ status: 'online', message: null });
    await b.presence.beat();
    t += 50_001; // past 2 × heartbeat − heartbeat/5 (45 s), and the pause after an outage (5 s)
    await b.presence.beat();
    await b.presence.reap();
    // Her session ends as of A's last beat (T0), so her grace runs from then: B's own tick (every
    // 250 ms) must find it still running, as it may before Bob's read (CI did, with a 10 s grace).
    b.presence.tick();
    expect(await bobSees(b)).toEqual({ status: 'busy', message: MESSAGE }); // in her offline grace
    // B writes her row from now on, with what she set.
    await until("B wrote Alice's row", async () => (await rowOfAlice()).online_status === 'busy', 5000);
    expect(await rowOfAlice()).toMatchObject({ manual_status: 'busy', custom_message: MESSAGE });
    // She reconnects, to B.
    await b.presence.prepareViewer(alice);
    const ready = b.presence.openSocket(alice, 'b2');
    expect(ready.self).toMatchObject({ status: 'busy', manual_status: 'busy', custom_message: MESSAGE });
  }, 20_000);

  it('the store never answers: an instance that loads her afterwards takes the database row, newer than the store copy, and saves it, so that B has it too', async () => {
    redisGone('freeze');
    const { stopped } = await changeThenStop();
    await expect(stopped).rejects.toThrow(/1 users' changes were not saved/);
    clients[0]!.gone();
    redisBack();
    await until('B resynced', () => b.presence.replicaSync().synced, 5000);
    expect(await bobSees(b)).toEqual({ status: 'online', message: null });

    const c = await createServices(config, silentLog, { now: () => t, bus: new CutOffBus({ hub, instanceId: 'c' }), store: store.client() });
    cleanup.push(() => c.close());
    c.presence.setSink(() => {});
    await c.start();
    // A is not known dead yet (45 s): her session on A still counts, with the status she set.
    expect(await bobSees(c)).toEqual({ status: 'busy', message: MESSAGE });
    const stored = (await store.inner.load([alice.userId], null)).get(alice.userId);
    await until('the store has her change', async () => (await store.inner.load([alice.userId], null)).get(alice.userId)?.customMessage === MESSAGE, 3000).catch(() => {
      throw new Error(`the store has ${JSON.stringify(stored)}`);
    });
    await until('B shows it too', async () => (await bobSees(b)).message === MESSAGE, 3000);
    expect(await bobSees(b)).toEqual({ status: 'busy', message: MESSAGE });
  }, 20_000);
});
