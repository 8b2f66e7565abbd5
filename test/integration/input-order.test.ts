/**
 * Finding (outside multi-instance run, family A): inputs made on different instances reached the
 * replicas in different orders and each applied them as they came, so replicas disagreed for
 * good. A client that set "busy" on instance A and then "away" on instance B, while A's news was
 * still on its way, left A saying away and B and C busy.
 *
 * Now fields set outright (manual status, custom message, activity) are
 * last-writer-wins per field (src/server/status/field-versions.ts): every replica, and a replica
 * loaded later from the shared store, ends with the newest value of each field, whatever the
 * order of arrival, and an older input still sets a field nobody changed since. (A schedule and
 * a calendar go by their database version instead: concurrent-replacements.test.ts.)
 *
 * Three instances on one fake clock share a database and a bus + presence store (in memory, and
 * Redis). A's messages to the others are held back (a slow network) and let go after B's input.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/server/auth/auth-service.js';
import { testConfig } from '../helpers/config.js';
import type { BusHandler, BusMessage, EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceState } from '../../src/server/presence/types.js';
import { createServices, type Services } from '../../src/server/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { sharedParts, until } from '../helpers/shared-parts.js';
import { serviceUsers } from '../helpers/service-users.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';

/** An instance's bus whose messages to other instances can be held back, then let go in order. */
class HeldBus implements EventBus {
  readonly #held: Array<[string, BusMessage]> = [];
  #holding = false;
  /** Kinds of the messages this instance sent to the others (held ones once let go). */
  readonly sent: string[] = [];
  constructor(private readonly inner: EventBus) {}
  get instanceId() {
    return this.inner.instanceId;
  }
  get shared() {
    return this.inner.shared;
  }
  hold() {
    this.#holding = true;
  }
  release() {
    this.#holding = false;
    for (const [topic, message] of this.#held.splice(0)) this.publishRemote(topic, message);
  }
  publish(topic: string, message: BusMessage) {
    if (!this.#holding) {
      this.sent.push(message.kind);
      return this.inner.publish(topic, message);
    }
    this.#held.push([topic, message]);
    // Local delivery is never held (only the network is slow): deliver to this instance alone.
    for (const handler of this.#local) handler(topic, message, this.instanceId);
  }
  publishRemote(topic: string, message: BusMessage) {
    if (this.#holding) return void this.#held.push([topic, message]);
    this.sent.push(message.kind);
    this.inner.publishRemote(topic, message);
  }
  readonly #local: BusHandler[] = [];
  onMessage(handler: BusHandler) {
    this.#local.push(handler);
    this.inner.onMessage(handler);
  }
  subscribe = (topic: string) => this.inner.subscribe(topic);
  unsubscribe = (topic: string) => this.inner.unsubscribe(topic);
  isHealthy = () => this.inner.isHealthy();
  ping = () => this.inner.ping();
  onHealthChange = (fn: (healthy: boolean) => void) => this.inner.onHealthChange(fn);
  settled = () => this.inner.settled();
  flushed = () => this.inner.flushed();
  close = () => this.inner.close();
}

const shown = (s: PresenceState) => ({ status: s.status, manualStatus: s.manualStatus, customMessage: s.customMessage, activity: s.activity });

for (const kind of ['memory', 'redis'] as const) {
  describe(`inputs made on two instances end alike on every replica (${kind})`, () => {
    let t = T0;
    let parts: Awaited<ReturnType<typeof sharedParts>>;
    let buses: HeldBus[];
    let all: Services[];
    let drop: () => Promise<void>;
    let config: ReturnType<typeof testConfig>;
    const { user } = serviceUsers(() => all[0]!, () => t);

    beforeEach(async () => {
      t = T0;
      const db = await freshDatabase('postgres');
      drop = db.drop;
      parts = await sharedParts(kind, 4);
      buses = parts.map((p) => new HeldBus(p.bus));
      config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000 });
      all = [];
      for (let i = 0; i < 3; i++) all.push(await createServices(config, silentLog, { now: () => t, bus: buses[i]!, store: parts[i]!.store }));
      for (const s of all) s.presence.setSink(() => {});
    });
    afterEach(async () => {
      for (const s of all) await s.close();
      for (const p of parts) await p.close();
      await drop();
    });


    /** Alice with a socket on A, a replica of her on every instance, everything shared so far landed. */
    async function alice(): Promise<AuthContext> {
      const auth = await user('alice');
      await all[0]!.presence.prepareViewer(auth);
      all[0]!.presence.openSocket(auth, 'alice-1');
      await beat();
      for (const s of all) await s.presence.ensureLoaded([auth.userId]);
      await settled();
      return auth;
    }

    /** The instances heartbeat into the shared store at the fake time (their own timers beat on real time). */
    const beat = async () => {
      for (const p of parts) await p.store.heartbeat(p.bus.instanceId);
    };

    const settled = async () => {
      for (const s of all) await s.presence.shared();
      await new Promise((r) => setTimeout(r, kind === 'redis' ? 50 : 5));
    };

    /** Every replica, and one a fourth instance loads afresh from the store, shows the same. */
    async function expectEveryReplica(userId: number, want: ReturnType<typeof shown>) {
      await until(`every replica shows ${JSON.stringify(want)}`, () => all.every((s) => JSON.stringify(shown(s.presence.engine.get(userId))) === JSON.stringify(want)), 3000).catch(() => {
        throw new Error(`replicas differ: ${JSON.stringify(all.map((s) => shown(s.presence.engine.get(userId))))}, want ${JSON.stringify(want)}`);
      });
      await beat();
      const fresh = await createServices(config, silentLog, { now: () => t, bus: parts[3]!.bus, store: parts[3]!.store });
      try {
        fresh.presence.setSink(() => {});
        await fresh.presence.ensureLoaded([userId]);
        expect(shown(fresh.presence.engine.get(userId)), 'a replica loaded afresh').toEqual(want);
      } finally {
        await fresh.close();
      }
    }

    /**
     * Instance `held`'s news is held back while it makes `first`; 5 ms later instance `other`
     * makes `second`; then the held news goes out, and everything shared lands.
     */
    type Change = (presence: Services['presence']) => unknown;
    async function crossed(held: number, first: Change, other: number, second: Change) {
      buses[held]!.hold();
      await first(all[held]!.presence);
      t += 5;
      await second(all[other]!.presence);
      await settled();
      buses[held]!.release();
      await settled();
    }

    it('busy on A, then away on B while A’s news is on its way: away everywhere', async () => {
      const { userId } = await alice();
      await crossed(0, (p) => p.setStatus(userId, { status: 'busy' }), 1, (p) => p.setStatus(userId, { status: 'away' }));
      await expectEveryReplica(userId, { status: 'away', manualStatus: 'away', customMessage: null, activity: 'browsing' });
    });

    it('a message set on A is kept when a newer status without one is set on B', async () => {
      const { userId } = await alice();
      await crossed(0, (p) => p.setStatus(userId, { status: 'online', custom_message: 'back at 3' }), 1, (p) => p.setStatus(userId, { status: 'busy' }));
      await expectEveryReplica(userId, { status: 'busy', manualStatus: 'busy', customMessage: 'back at 3', activity: 'browsing' });
    });

    it('interactions crossing between instances cost no re-save and no reload; a late field does', async () => {
      const { userId } = await alice();
      const reloads = () => buses.flatMap((b) => b.sent).filter((k) => k === 'reload').length;
      await crossed(0, (p) => p.interaction(userId), 1, (p) => p.interaction(userId));
      expect(reloads()).toBe(0);
      await crossed(0, (p) => p.setActivity(userId, 'chatting'), 1, (p) => p.setStatus(userId, { status: 'busy' }));
      expect(reloads()).toBe(1);
    });

    it('an activity declared on A and a status set on B both hold, in every replica and in the store', async () => {
      const { userId } = await alice();
      await crossed(0, (p) => p.setActivity(userId, 'chatting'), 1, (p) => p.setStatus(userId, { status: 'busy' }));
      await expectEveryReplica(userId, { status: 'busy', manualStatus: 'busy', customMessage: null, activity: 'chatting' });
    });

    it('the same field set on both, the later one arriving first everywhere but on A: the later one wins', async () => {
      const { userId } = await alice();
      await crossed(1, (p) => p.setStatus(userId, { status: 'away', custom_message: 'lunch' }), 0, (p) => p.setStatus(userId, { status: 'busy', custom_message: 'meeting' }));
      await expectEveryReplica(userId, { status: 'busy', manualStatus: 'busy', customMessage: 'meeting', activity: 'browsing' });
    });
  });
}
