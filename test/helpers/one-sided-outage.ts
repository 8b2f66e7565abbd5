/**
 * A one-sided bus outage, for the suites that prove an instance catches the others up on what it
 * did while only its own bus was down (outage-one-sided, outage-friend-requests): two service
 * instances on one fresh PostgreSQL, their clocks at T0, what B's gateway is handed recorded;
 * the scenario runs on a memory hub (A's bus alone cut) and on a real Redis (a TCP proxy per
 * instance, A's alone cut, B's bus healthy throughout).
 */
import { describe, expect, it } from 'vitest';
import { testConfig } from './config.js';
import { createServices, type Services } from '../../src/server/services.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { freshDatabase } from './databases.js';
import { CutOffBus } from './flaky-bus.js';
import { useMemoryOutage, useRedisOutage, type Cleanup, type OutageParts } from './outage-hooks.js';
import { until } from './shared-parts.js';
import { silentLog, T0 } from '../unit/status/service-fixture.js';


export interface OutagePair {
  a: Services;
  b: Services;
  /** What B's gateway was handed. */
  seenB: PresenceEvent[];
}

/** Instances A and B on `parts`, started, on one fresh PostgreSQL database. */
export async function outagePair(parts: OutageParts, cleanup: Cleanup): Promise<OutagePair> {
  const db = await freshDatabase('postgres');
  cleanup.push(db.drop);
  const config = testConfig({ databaseUrl: db.url, rateLimits: false, replicaLingerMs: 3_600_000 });
  const seenB: PresenceEvent[] = [];
  const a = await createServices(config, silentLog, { now: () => T0, bus: parts[0]!.bus, store: parts[0]!.store });
  cleanup.push(() => a.close());
  const b = await createServices(config, silentLog, { now: () => T0, bus: parts[1]!.bus, store: parts[1]!.store });
  cleanup.push(() => b.close());
  a.presence.setSink(() => {});
  b.presence.setSink((e) => seenB.push(e));
  for (const s of [a, b]) await s.start();
  return { a, b, seenB };
}

export interface OneSidedScenario<W, R> {
  /** The describe blocks' subject ("friend-request frames made through A …"); the bus is appended. */
  subject: string;
  /** The test's name. */
  test: string;
  /** Builds the world on A's and B's parts (outagePair and what the scenario adds). */
  world: (parts: OutageParts, cleanup: Cleanup) => Promise<W>;
  /** What is done through A while its bus is down. */
  whileDown: (w: W) => Promise<R>;
  /** Waits for and checks what B's sockets end up with once A's bus is back. */
  converges: (w: W, done: R) => Promise<void>;
}

/** The scenario on a memory hub and on a real Redis (Redis missing fails it, never skips). */
export function describeOneSidedOutage<W, R>(s: OneSidedScenario<W, R>): void {
  describe(`${s.subject} (memory bus)`, () => {
    const outage = useMemoryOutage(CutOffBus, s.world);

    it(s.test, async () => {
      const { buses, w } = outage;
      buses[0]!.down = true;
      const done = await s.whileDown(w);
      buses[0]!.down = false;
      await s.converges(w, done);
    }, 30_000);
  });

  describe(`${s.subject} (Redis bus)`, () => {
    const outage = useRedisOutage(s.world);

    it(s.test, async () => {
      const { redis, buses: [a, b], w } = outage;
      redis.proxies[0]!.cut();
      await until('A sees Redis gone', () => !a!.isHealthy(), 5000);
      expect(b!.isHealthy()).toBe(true);
      const done = await s.whileDown(w);
      redis.proxies[0]!.restore();
      await s.converges(w, done);
    }, 40_000);
  });
}
