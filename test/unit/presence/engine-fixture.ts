/** A PresenceEngine on a clock that moves only when the test says so. */
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import type { PresenceTimings } from '../../../src/server/presence/types.js';

/** The contract's default timings. */
export const timings: PresenceTimings = {
  heartbeatIntervalMs: 25_000,
  offlineGraceMs: 10_000,
  idleTimeoutMs: 300_000,
  idleProbeTimeoutMs: 60_000,
  pollSessionTtlMs: 60_000,
  maxGameMs: 10_800_000,
};
export const T0 = Date.UTC(2024, 0, 15, 14, 30);
export const ALICE = 1;
export const BOB = 2;

export function setup() {
  let t = T0;
  const engine = new PresenceEngine({ now: () => t }, timings);
  const advance = (ms: number) => {
    t += ms;
    return engine.tick();
  };
  return { engine, advance, now: () => t };
}
