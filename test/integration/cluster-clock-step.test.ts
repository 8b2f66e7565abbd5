/**
 * Two instances in one process, each on a fake clock of its own, sharing a database and a bus +
 * presence store (in memory, and a real Redis): one instance's wall clock steps 10 min (NTP, a
 * restored VM), forward or back. Nobody is taken for dead: the store dates and ages the beats on
 * its own clock (Redis: TIME), so no session ends and every friend stays online on both.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/server/services.js';
import { FakeClock } from '../helpers/clock.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase } from '../helpers/databases.js';
import { sharedParts, until } from '../helpers/shared-parts.js';
import { connect, serviceUsers } from '../helpers/service-users.js';
import { silentLog } from '../unit/status/service-fixture.js';

const GRACE = 10_000;
const STEP = 10 * 60_000;

for (const kind of ['memory', 'redis'] as const) {
  describe(`one instance's wall clock stepped, over a shared ${kind} bus and store`, () => {
    let a: Services;
    let b: Services;
    let clocks: { a: FakeClock; b: FakeClock };
    let drop: () => Promise<void>;
    let parts: Awaited<ReturnType<typeof sharedParts>>;
    const { user, befriend } = serviceUsers(() => a, () => clocks.a.now());

    beforeEach(async () => {
      const db = await freshDatabase('postgres');
      drop = db.drop;
      parts = await sharedParts(kind, 2);
      clocks = { a: new FakeClock(), b: new FakeClock() };
      const config = testConfig({ databaseUrl: db.url, rateLimits: false, offlineGraceMs: GRACE });
      const make = (i: number, clock: FakeClock) => createServices(config, silentLog, { now: clock.now, monotonic: clock.monotonic, bus: parts[i]!.bus, store: parts[i]!.store });
      a = await make(0, clocks.a);
      b = await make(1, clocks.b);
      for (const s of [a, b]) s.presence.setSink(() => {});
      // Their beat timers do not run here (the clocks are fake): the test beats for them.
      for (const s of [a, b]) await s.presence.beat();
    });
    afterEach(async () => {
      await a.close();
      await b.close();
      for (const p of parts) await p.close();
      await drop();
    });

    for (const [which, how, ms] of [
      ['a', 'forward', STEP],
      ['b', 'back', -STEP],
    ] as const) {
      it(`instance ${which}'s clock steps ${how} 10 min: neither reaps the other, both users stay online on both`, async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        await befriend(alice, bob);
        await connect(a, alice, 'a1');
        await connect(b, bob, 'b1');
        await until('each online on the other instance', () => a.presence.engine.get(bob.userId).status === 'online' && b.presence.engine.get(alice.userId).status === 'online');
        for (const s of [a, b]) await s.presence.beat();

        clocks[which].step(ms);
        // Both beat (their timers do so every fifth of the interval) and reap, then time passes past the grace.
        for (const s of [a, b]) await s.presence.beat();
        for (const s of [a, b]) await s.presence.reap();
        for (let left = GRACE + 2000; left > 0; left -= 1000) {
          for (const c of [clocks.a, clocks.b]) c.advance(1000);
          a.presence.tick();
          b.presence.tick();
        }

        expect(a.presence.engine.sessionIds(bob.userId)).toHaveLength(1);
        expect(b.presence.engine.sessionIds(alice.userId)).toHaveLength(1);
        expect([a.presence.engine.get(bob.userId).status, b.presence.engine.get(alice.userId).status]).toEqual(['online', 'online']);
      });
    }
  });
}
