/**
 * A replica loaded afresh shows what a replica that held the user all along shows, at once.
 * Three instances on a fake clock share a database and a bus + presence store (in memory, and
 * Redis): A holds the user (her socket or poll session), time passes and A's ticks apply the
 * time-driven transitions (grace end, poll TTL, message expiry, auto-away, a dead instance's
 * sessions), which nobody saves to the store; then a friend's first call loads her fresh on B
 * (`ready`) and C (REST), before either ticks: both answers must already be the truth.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import { testConfig } from '../helpers/config.js';
import type { PresenceState } from '../../src/server/presence/types.js';
import { createServices, type Services } from '../../src/server/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { sharedParts, until } from '../helpers/shared-parts.js';
import { connect, serviceUsers } from '../helpers/service-users.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

const GRACE = 10_000;
const IDLE = 60_000;
const PROBE = 20_000;
const POLL_TTL = 6_000;

/** What viewers are shown of a state. */
const shown = (s: PresenceState) => ({ status: s.status, activity: s.activity, activitySince: s.activitySince, customMessage: s.customMessage, lastSeen: s.lastSeen });

for (const kind of ['memory', 'redis'] as const) {
  describe(`a replica loaded fresh over a shared ${kind} store shows the truth at once`, () => {
    let t = T0;
    let a: Services;
    let b: Services;
    let c: Services;
    let all: Services[];
    const closed = new Set<Services>();
    let drop: () => Promise<void>;
    let parts: Awaited<ReturnType<typeof sharedParts>>;
    const { user, befriend } = serviceUsers(() => a, () => t);

    beforeEach(async () => {
      t = T0;
      closed.clear();
      const db = await freshDatabase('postgres');
      drop = db.drop;
      parts = await sharedParts(kind, 3);
      const config = testConfig({
        databaseUrl: db.url,
        rateLimits: false,
        offlineGraceMs: GRACE,
        idleTimeoutMs: IDLE,
        idleProbeTimeoutMs: PROBE,
        pollSessionTtlMs: POLL_TTL,
        replicaLingerMs: 10 * IDLE,
      });
      const make = (i: number) => createServices(config, silentLog, { now: () => t, bus: parts[i]!.bus, store: parts[i]!.store });
      a = await make(0);
      b = await make(1);
      c = await make(2);
      all = [a, b, c];
      for (const s of all) s.presence.setSink(() => {});
      await beat();
    });
    afterEach(async () => {
      for (const s of all) if (!closed.has(s)) await s.close();
      for (const p of parts) await p.close();
      await drop();
    });

    /** The live instances heartbeat into the shared store (their own timers run on real time). */
    async function beat() {
      for (const [i, s] of all.entries()) if (!closed.has(s)) await parts[i]!.store.heartbeat(parts[i]!.bus.instanceId);
    }
    /** Moves the clock in one-second steps; every live instance ticks at each. */
    async function wait(ms: number) {
      for (let left = ms; left > 0; left -= 1000) {
        t += Math.min(1000, left);
        for (const s of all) if (!closed.has(s)) s.presence.tick();
      }
      await beat();
    }
    /** Lets A's saves (store first, then bus) land. */
    const settle = () => new Promise((r) => setTimeout(r, 50));

    /**
     * Alice (the subject) with friends bob (B) and carol (C), none of them connected yet:
     * B and C hold no replica of her until their first call.
     */
    async function cast() {
      const alice = await user('alice');
      const bob = await user('bob');
      const carol = await user('carol');
      await befriend(alice, bob);
      await befriend(alice, carol);
      return { alice, bob, carol };
    }

    /**
     * Bob's `ready` on B and carol's REST calls on C, each loading alice fresh and answered before
     * any tick there: both must show what A (which held her all along) shows.
     */
    async function expectFreshTruth(alice: AuthContext, bob: AuthContext, carol: AuthContext, truth: Services = a) {
      expect(b.presence.replicates(alice.userId)).toBe(false);
      expect(c.presence.replicates(alice.userId)).toBe(false);
      const want = truth.presence.viewOf(alice.userId, 'friend');
      const ready = await connect(b, bob, 'bob-1');
      expect(ready.friends.find((v) => v.user_id === alice.userId)).toEqual(want);
      expect(shown(b.presence.engine.get(alice.userId))).toEqual(shown(truth.presence.engine.get(alice.userId)));
      const one = await c.presence.userStatus(carol, alice.userId);
      const list = (await c.presence.friendsStatus(carol, false)).find((v) => v.user_id === alice.userId);
      expect(one).toEqual(want);
      expect(list).toEqual(want);
      expect(shown(c.presence.engine.get(alice.userId))).toEqual(shown(truth.presence.engine.get(alice.userId)));
      return want;
    }

    it('D1: after the offline grace a fresh replica shows her offline with her last_seen, not her busy/browsing/message', async () => {
      const { alice, bob, carol } = await cast();
      await connect(a, alice, 'alice-1');
      await a.presence.setStatus(alice.userId, { status: 'busy', custom_message: 'deep work' });
      await a.presence.setActivity(alice.userId, 'browsing');
      const leftAt = t;
      a.presence.closeSocket(alice, 'alice-1', false);
      await settle();
      await wait(GRACE + 2000);
      expect(a.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', lastSeen: leftAt });
      const seen = await expectFreshTruth(alice, bob, carol);
      expect(seen).toMatchObject({ status: 'offline', activity: null });
      expect(b.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', activity: null, lastSeen: leftAt });
      // And no later flip: the next tick on B changes nothing.
      await wait(1000);
      expect(shown(b.presence.engine.get(alice.userId))).toEqual(shown(a.presence.engine.get(alice.userId)));
    });

    it('D2: a poller whose session outlived its TTL and the grace after it is shown offline by a fresh replica, last seen at the TTL', async () => {
      const { alice, bob, carol } = await cast();
      await a.presence.polled(alice);
      await a.presence.setActivity(alice.userId, 'browsing');
      await wait(2000);
      const lastPoll = t;
      await a.presence.polled(alice);
      await settle();
      await wait(POLL_TTL + GRACE + 2000);
      // CONTRACT: the polling session ended at its TTL, and the offline grace ran from then.
      expect(a.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', lastSeen: lastPoll + POLL_TTL });
      const seen = await expectFreshTruth(alice, bob, carol);
      expect(seen).toMatchObject({ status: 'offline', activity: null });
      // No flap: B's ready said offline, and B's first tick agrees.
      await wait(1000);
      expect(b.presence.engine.get(alice.userId).status).toBe('offline');
    });

    it('D2b: a poller whose session outlived its TTL but not the grace after it is still present on a fresh replica, and leaves with A', async () => {
      const { alice, bob, carol } = await cast();
      await a.presence.polled(alice);
      await a.presence.setActivity(alice.userId, 'chatting');
      await settle();
      const lastPoll = t;
      await wait(POLL_TTL + 2000);
      expect(a.presence.engine.inGrace(alice.userId)).toBe(true);
      const seen = await expectFreshTruth(alice, bob, carol);
      expect(seen).toMatchObject({ status: 'online', activity: 'chatting' });
      // The grace ends on every replica alike, dated from the end of the polling session.
      await wait(GRACE);
      for (const s of [a, b, c]) expect(s.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', lastSeen: lastPoll + POLL_TTL });
    });

    it('D3: a custom message that expired while she stayed connected is gone on a fresh replica', async () => {
      const { alice, bob, carol } = await cast();
      await connect(a, alice, 'alice-1');
      await a.presence.setStatus(alice.userId, { status: 'online', custom_message: 'back at 3', expires_at: new Date(t + 5000).toISOString() });
      await settle();
      await wait(7000);
      expect(a.presence.engine.get(alice.userId).customMessage).toBeNull();
      const seen = await expectFreshTruth(alice, bob, carol);
      expect(seen).toMatchObject({ status: 'online', custom_message: null });
    });

    it('D4: a user idle past the idle and probe timeouts is away/idle on a fresh replica', async () => {
      const { alice, bob, carol } = await cast();
      await connect(a, alice, 'alice-1');
      await settle();
      await wait(IDLE + PROBE + 2000);
      expect(a.presence.engine.get(alice.userId)).toMatchObject({ status: 'away', activity: 'idle' });
      const seen = await expectFreshTruth(alice, bob, carol);
      expect(seen).toMatchObject({ status: 'away', activity: 'idle' });
    });

    it('D4: loaded within the probe window, a fresh replica is probing and turns her away when A does, not a probe timeout later', async () => {
      const { alice, bob, carol } = await cast();
      await connect(a, alice, 'alice-1');
      await settle();
      await wait(IDLE + PROBE / 2);
      expect(a.presence.engine.probing(alice.userId)).toBe(true);
      const seen = await expectFreshTruth(alice, bob, carol);
      expect(seen).toMatchObject({ status: 'online' });
      expect(b.presence.engine.probing(alice.userId)).toBe(true);
      await wait(PROBE / 2 + 1000);
      for (const s of all) expect(s.presence.engine.get(alice.userId)).toMatchObject({ status: 'away', activity: 'idle' });
    });

    it('D5: after her instance died, a fresh replica shows her offline with the last_seen the replicas that ended her session show', async () => {
      const { alice, bob, carol } = await cast();
      const dave = await user('dave');
      await befriend(alice, dave);
      // C holds alice all along: dave, her friend, is connected there.
      await connect(a, alice, 'alice-1');
      await connect(c, dave, 'dave-1');
      await until('alice online on C', () => c.presence.engine.get(alice.userId).status === 'online');
      await a.presence.flush();
      // A dies: it beats no more (close() also takes it out of the heartbeats at once).
      closed.add(a);
      await a.close();
      await wait(1000);
      await c.presence.reap();
      const reapedAt = t;
      await wait(GRACE + 2000);
      expect(c.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', lastSeen: reapedAt });
      await c.presence.flush();
      // B loads her fresh: bob's ready, then (before any tick on B) carol's REST there.
      expect(b.presence.replicates(alice.userId)).toBe(false);
      const want = c.presence.viewOf(alice.userId, 'friend');
      const ready = await connect(b, bob, 'bob-1');
      expect(ready.friends.find((v) => v.user_id === alice.userId)).toEqual(want);
      expect(await b.presence.userStatus(carol, alice.userId)).toEqual(want);
      expect(b.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', lastSeen: reapedAt });
      expect(want.last_seen).not.toBeNull();
    });

    it('D5: after her instance died with nobody else replicating her, a fresh replica shows her offline, last seen no earlier than her last change there', async () => {
      const { alice, bob, carol } = await cast();
      await connect(a, alice, 'alice-1');
      await wait(5000);
      await a.presence.setStatus(alice.userId, { status: 'busy', custom_message: 'before crash' });
      await settle();
      const lastChange = t;
      await a.presence.flush();
      closed.add(a);
      await a.close();
      await wait(5000);
      for (const [s, viewer] of [[b, bob], [c, carol]] as const) {
        expect(s.presence.replicates(alice.userId)).toBe(false);
        expect(await s.presence.userStatus(viewer, alice.userId)).toMatchObject({ status: 'offline', activity: null });
        expect(s.presence.engine.get(alice.userId)).toMatchObject({ status: 'offline', lastSeen: lastChange });
      }
    });
  });
}
