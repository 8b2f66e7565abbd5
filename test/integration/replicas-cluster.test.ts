/**
 * Two instances in one process on a fake clock, sharing a database and a bus + presence
 * store (in memory, and Redis): each holds only the replicas its local viewers need, a
 * released user is reloaded fresh, and each user's row is written by one instance only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/server/adapters/bus-memory.js';
import { testConfig } from '../helpers/config.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { createServices, type Services } from '../../src/server/services.js';
import { GRACE_STEP_MS } from '../../src/server/presence/presence-engine.js';
import { freshDatabase } from '../helpers/databases.js';
import { sharedParts, until } from '../helpers/shared-parts.js';
import { connect, serviceUsers } from '../helpers/service-users.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

const GRACE = 10_000;
const LINGER = 30_000;

const rowsWritten = async (s: Services) => (await s.metrics.registry.getSingleMetric('beacon_presence_rows_written_total')!.get()).values[0]?.value ?? 0;

for (const kind of ['memory', 'redis'] as const) {
  describe(`two instances over a shared ${kind} bus and store`, () => {
    let t = T0;
    let a: Services;
    let b: Services;
    let drop: () => Promise<void>;
    let parts: Awaited<ReturnType<typeof sharedParts>>;
    const { user, befriend } = serviceUsers(() => a, () => t);

    beforeEach(async () => {
      t = T0;
      const db = await freshDatabase('postgres');
      drop = db.drop;
      parts = await sharedParts(kind, 2);
      const config = testConfig({ databaseUrl: db.url, rateLimits: false, offlineGraceMs: GRACE, replicaLingerMs: LINGER });
      a = await createServices(config, silentLog, { now: () => t, bus: parts[0]!.bus, store: parts[0]!.store });
      b = await createServices(config, silentLog, { now: () => t, bus: parts[1]!.bus, store: parts[1]!.store });
      for (const s of [a, b]) s.presence.setSink(() => {});
      await beat();
    });
    afterEach(async () => {
      await a.close();
      await b.close();
      for (const p of parts) await p.close();
      await drop();
    });

    /** Both instances heartbeat into the shared store (Replicas.start is not running: the clock is fake). */
    async function beat() {
      for (const p of parts) await p.store.heartbeat(p.bus.instanceId);
    }

    /** Moves the clock in one-second steps on both instances (ticks and release sweeps). */
    async function wait(ms: number) {
      for (let left = ms; left > 0; left -= 1000) {
        t += Math.min(1000, left);
        a.presence.tick();
        b.presence.tick();
      }
      await beat();
    }

    it('memory follows interest: an instance drops a remote friend (replica and subscription) once its local viewer has gone', async () => {
      const alice = await user('alice');
      const bob = await user('bob');
      const carol = await user('carol');
      await befriend(alice, bob);
      await connect(a, alice, 'a1');
      await connect(b, bob, 'b1');
      await connect(b, carol, 'c1');
      await until('bob online on A', () => a.presence.engine.get(bob.userId).status === 'online');
      expect([a.presence.replicaCount, b.presence.replicaCount]).toEqual([2, 3]);

      a.presence.closeSocket(alice, 'a1', false);
      await until('alice closed on B', () => b.presence.engine.sessionIds(alice.userId).length === 0);
      await wait(GRACE + 1000);
      await a.presence.flush();
      await b.presence.flush();
      await wait(LINGER);
      expect(a.presence.replicaCount).toBe(0);
      expect(a.presence.graph.size).toBe(0);
      // Users' topics (every instance stays on the one where buses say they are back).
      if (a.bus instanceof MemoryBus) expect(a.bus.topics().filter((t) => t.startsWith('user:'))).toEqual([]);
      // B keeps alice while bob, her friend, is connected there; carol has no friends here.
      expect(b.presence.replicates(alice.userId)).toBe(true);
      expect(b.presence.replicaCount).toBe(3);
      b.presence.closeSocket(carol, 'c1', false);
      await wait(GRACE + 1000);
      await b.presence.flush();
      await wait(LINGER);
      expect(b.presence.replicates(carol.userId)).toBe(false);
      expect(b.presence.replicaCount).toBe(2);
    });

    it('a released user who changed on the other instance meanwhile is reloaded fresh on the next interest', async () => {
      const alice = await user('alice');
      const bob = await user('bob');
      await befriend(alice, bob);
      await connect(a, alice, 'a1');
      await connect(b, bob, 'b1');
      await until('bob online on A', () => a.presence.engine.get(bob.userId).status === 'online');
      a.presence.closeSocket(alice, 'a1', false);
      await wait(GRACE + 1000);
      await a.presence.flush();
      await wait(LINGER);
      expect(a.presence.replicates(bob.userId)).toBe(false);

      await b.presence.setStatus(bob.userId, { status: 'busy', custom_message: 'in a meeting' });
      await b.presence.setActivity(bob.userId, 'chatting');
      await new Promise((r) => setTimeout(r, 50)); // B's saves reach the store
      const ready = await connect(a, alice, 'a2');
      expect(ready.friends.find((v) => v.user_id === bob.userId)).toMatchObject({ status: 'busy', custom_message: 'in a meeting', activity: 'chatting' });
      // And it follows later changes again (subscribed anew).
      await b.presence.setStatus(bob.userId, { status: 'online', custom_message: 'free' });
      await until('A sees bob free', () => a.presence.viewOf(bob.userId, 'friend').custom_message === 'free');
    });

    it('a rename told to one instance reaches the friends on the other, with the names in the frame', async () => {
      const alice = await user('alice');
      const bob = await user('bob');
      await befriend(alice, bob);
      await connect(a, bob, 'b1');
      await connect(b, alice, 'a1');
      await until('bob replicated on B', () => b.presence.replicates(bob.userId) && b.presence.engine.get(bob.userId).status === 'online');
      const seen: PresenceEvent[] = [];
      b.presence.setSink((e) => seen.push(e));
      await a.database.db.updateTable('users').set({ display_name: 'Robert' }).where('id', '=', bob.userId).execute();
      a.presence.renamed([bob.userId]);
      await until('B told of the rename', () => seen.some((e) => e.kind === 'presence' && e.userId === bob.userId && e.named !== undefined && e.views.friend?.display_name === 'Robert'));
      expect(b.presence.viewOf(bob.userId, 'friend').display_name).toBe('Robert');
      // Each instance re-reads the name when the bus tells it; A's own read may end after B's.
      await until('A re-read the name too', () => a.presence.viewOf(bob.userId, 'self').display_name === 'Robert');
    });

    it('one writer per user: with friends on both instances, database writes per change stay at 1', async () => {
      const users = await Promise.all(['u0', 'u1', 'u2', 'u3'].map(user));
      for (let i = 0; i < users.length; i++) for (let j = i + 1; j < users.length; j++) await befriend(users[i]!, users[j]!);
      const home = (i: number) => (i % 2 === 0 ? a : b);
      for (const [i, u] of users.entries()) await connect(home(i), u, `c${i}`);
      await until('everyone replicated everywhere', () => users.every((u) => a.presence.replicates(u.userId) && b.presence.replicates(u.userId)));
      await until('everyone online everywhere', () => users.every((u) => a.presence.engine.get(u.userId).status === 'online' && b.presence.engine.get(u.userId).status === 'online'));
      await a.presence.flush();
      await b.presence.flush();
      const before = (await rowsWritten(a)) + (await rowsWritten(b));
      const changes = 40;
      for (let k = 0; k < changes; k++) {
        const i = k % users.length;
        const u = users[i]!;
        await home(i).presence.setStatus(u.userId, { status: k % 3 === 0 ? 'busy' : 'online', custom_message: `m${k}` });
        const other = home(i) === a ? b : a;
        await until(`change ${k} reached the other instance`, () => other.presence.viewOf(u.userId, 'self').custom_message === `m${k}`);
        t += 10;
        await a.presence.flush();
        await b.presence.flush();
      }
      const written = (await rowsWritten(a)) + (await rowsWritten(b)) - before;
      expect(written / changes).toBeGreaterThanOrEqual(1);
      expect(written / changes).toBeLessThanOrEqual(1.05);
    });

    it('one saturated instance stretches the offline grace on every instance, so replicas never disagree', async () => {
      const aSat = { saturated: true, stop: () => undefined };
      const bSat = { saturated: false, stop: () => undefined };
      // A saturated mark ages on the store's clock (Redis: its TIME), which the fake clock does not move:
      // a heartbeat of 1 s, so the mark (two beats: 400 ms) ages out in real time below.
      const config = testConfig({ databaseUrl: a.config.databaseUrl, rateLimits: false, offlineGraceMs: GRACE, replicaLingerMs: LINGER, graceStretch: 3, heartbeatIntervalMs: 1000 });
      const [a2, b2] = [
        await createServices(config, silentLog, { now: () => t, bus: parts[0]!.bus, store: parts[0]!.store, saturation: aSat }),
        await createServices(config, silentLog, { now: () => t, bus: parts[1]!.bus, store: parts[1]!.store, saturation: bSat }),
      ];
      try {
        for (const s of [a2, b2]) s.presence.setSink(() => {});
        const alice = await user('alice');
        const bob = await user('bob');
        await befriend(alice, bob);
        await connect(a2, alice, 'a1');
        await connect(b2, bob, 'b1');
        await until('alice online on B', () => b2.presence.engine.get(alice.userId).status === 'online');
        a2.presence.closeSocket(alice, 'a1', false);
        await until('alice closed on B', () => b2.presence.engine.sessionIds(alice.userId).length === 0);
        for (const s of [a2, b2]) await s.presence.beat();
        for (let left = GRACE + 2000; left > 0; left -= 1000) {
          t += 1000;
          a2.presence.tick();
          b2.presence.tick();
        }
        // B is not saturated itself, but A (where alice's reconnect would queue) is: both wait.
        expect([a2.presence.engine.get(alice.userId).status, b2.presence.engine.get(alice.userId).status]).toEqual(['online', 'online']);
        aSat.saturated = false;
        for (const s of [a2, b2]) await s.presence.beat();
        await new Promise((r) => setTimeout(r, 450));
        for (const s of [a2, b2]) await s.presence.beat();
        t += 2 * GRACE_STEP_MS;
        a2.presence.tick();
        b2.presence.tick();
        expect([a2.presence.engine.get(alice.userId).status, b2.presence.engine.get(alice.userId).status]).toEqual(['offline', 'offline']);
      } finally {
        await a2.close();
        await b2.close();
      }
    });

    it('hand-over: the writer is the smallest instance with a socket of the user, then the next, then the one that ended the last session', async () => {
      const dana = await user('dana');
      const [first, second] = a.bus.instanceId < b.bus.instanceId ? [a, b] : [b, a];
      await connect(first, dana, 'd1');
      await connect(second, dana, 'd2');
      await until('both sockets known on both', () => [a, b].every((s) => s.presence.engine.sessionIds(dana.userId).length === 2));
      await a.presence.flush();
      await b.presence.flush();
      const counts = async () => [await rowsWritten(first), await rowsWritten(second)];
      const change = async (via: Services, message: string) => {
        await via.presence.setStatus(dana.userId, { status: 'busy', custom_message: message });
        await until(`${message} everywhere`, () => [a, b].every((s) => s.presence.viewOf(dana.userId, 'self').custom_message === message));
        await a.presence.flush();
        await b.presence.flush();
      };
      const c0 = await counts();
      await change(second, 'one');
      expect((await counts()).map((n, i) => n - c0[i]!)).toEqual([1, 0]);

      first.presence.closeSocket(dana, 'd1', false);
      await until('first socket gone on both', () => [a, b].every((s) => s.presence.engine.sessionIds(dana.userId).length === 1));
      const c1 = await counts();
      await change(first, 'two');
      expect((await counts()).map((n, i) => n - c1[i]!)).toEqual([0, 1]);

      second.presence.closeSocket(dana, 'd2', false);
      await until('no socket left on either', () => [a, b].every((s) => s.presence.engine.sessionIds(dana.userId).length === 0));
      await a.presence.flush();
      await b.presence.flush();
      const c2 = await counts();
      await wait(GRACE + 1000);
      await a.presence.flush();
      await b.presence.flush();
      expect((await counts()).map((n, i) => n - c2[i]!)).toEqual([0, 1]);
      const row = await a.database.db.selectFrom('users').select(['online_status', 'custom_message']).where('id', '=', dana.userId).executeTakeFirstOrThrow();
      expect(row).toEqual({ online_status: 'offline', custom_message: 'two' });
    });
  });
}
