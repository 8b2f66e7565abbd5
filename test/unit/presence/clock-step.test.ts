/**
 * The engine's in-process deadlines across a step of the wall clock (NTP, a restored VM): the
 * offline grace, the idle timer and its probe, a poll session's TTL and an orphaned client
 * game's end run their full length on the monotonic clock; what users see stays as dated.
 */
import { describe, expect, it } from 'vitest';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import { FakeClock } from '../../helpers/clock.js';
import { ALICE, T0, timings } from './engine-fixture.js';

const TEN_MINUTES = 600_000;

function setup() {
  const clock = new FakeClock(T0);
  const engine = new PresenceEngine({ now: clock.now, monotonic: clock.monotonic }, timings);
  /** Time passes (both clocks), then the engine ticks. */
  const advance = (ms: number) => {
    clock.advance(ms);
    return engine.tick();
  };
  /** The wall clock steps (the monotonic one does not move), then the engine ticks. */
  const step = (ms: number) => {
    clock.step(ms);
    return engine.tick();
  };
  return { clock, engine, advance, step };
}

describe('a step of the wall clock', () => {
  for (const by of [TEN_MINUTES, -TEN_MINUTES]) {
    const way = by > 0 ? 'forward' : 'back';

    it(`${way} by 10 minutes: a running offline grace ends a grace after the leave, last_seen as dated`, () => {
      const { engine, advance, step } = setup();
      engine.openSession(ALICE, 's1', 'socket');
      engine.closeSession(ALICE, 's1');
      advance(2_000);
      // Forward, before: offline at once. Back, before: online for 10 minutes more.
      expect(step(by).changes).toEqual([]);
      expect(advance(timings.offlineGraceMs - 2_001).changes).toEqual([]);
      expect(engine.get(ALICE).status).toBe('online');
      expect(advance(1).changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'offline', lastSeen: T0 })]);
    });

    it(`${way} by 10 minutes: the idle probe goes out and runs out by the time that really passed`, () => {
      const { engine, advance, step } = setup();
      engine.openSession(ALICE, 's1', 'socket');
      advance(60_000);
      // Forward, before: the probe went out at once.
      expect(step(by).probes).toEqual([]);
      expect(advance(timings.idleTimeoutMs - 60_001).probes).toEqual([]);
      expect(advance(1).probes).toEqual([ALICE]);
      advance(30_000);
      expect(step(by).changes).toEqual([]);
      expect(advance(timings.idleProbeTimeoutMs - 30_001).changes).toEqual([]);
      // Back, before: online for 10 minutes more.
      expect(advance(1).changes.map((c) => c.after.status)).toEqual(['away']);
    });

    it(`${way} by 10 minutes: a poll session lives its TTL after its last call`, () => {
      const { engine, advance, step } = setup();
      engine.openSession(ALICE, 'p1', 'poll');
      advance(1_000);
      engine.touchSession(ALICE, 'p1');
      step(by);
      expect(advance(timings.pollSessionTtlMs - 1).expiredSessions).toEqual([]);
      expect(advance(1).expiredSessions).toEqual([{ userId: ALICE, sessionId: 'p1' }]);
    });

    it(`${way} by 10 minutes: a poll session outliving the socket that closed before the step ends with its TTL, then a grace`, () => {
      const { engine, advance, step } = setup();
      engine.openSession(ALICE, 's1', 'socket');
      engine.openSession(ALICE, 'p1', 'poll');
      advance(1_000);
      engine.touchSession(ALICE, 'p1');
      // The socket's close is the latest leave the engine knows of, dated before the step.
      engine.closeSession(ALICE, 's1');
      step(by);
      expect(advance(timings.pollSessionTtlMs).expiredSessions).toEqual([{ userId: ALICE, sessionId: 'p1' }]);
      expect(engine.get(ALICE).status).toBe('online');
      // Back, before: the leave was dated at the socket's close, 10 minutes ahead of the clock, so
      // the grace ran from then and the user who left stayed online for 10 minutes more.
      expect(advance(timings.offlineGraceMs - 1).changes).toEqual([]);
      expect(advance(1).changes.map((c) => c.after.status)).toEqual(['offline']);
    });

    it(`${way} by 10 minutes during the offline grace: the client's reconnect finds the idle timer where it was`, () => {
      const { engine, advance, step } = setup();
      engine.openSession(ALICE, 's1', 'socket');
      advance(1_000);
      engine.closeSession(ALICE, 's1');
      step(by);
      advance(2_000);
      // The SDK reconnecting by itself (no interaction) within the grace.
      engine.openSession(ALICE, 's2', 'socket', { interaction: false });
      // Forward, before: away at once (the last input read as 10 minutes old). Back, before: the
      // probe went out 10 minutes late.
      expect(engine.get(ALICE).status).toBe('online');
      expect(advance(timings.idleTimeoutMs - 3_001).probes).toEqual([]);
      expect(advance(1).probes).toEqual([ALICE]);
    });

    it(`${way} by 10 minutes: a client game whose page went ends a grace after it went`, () => {
      const { engine, advance, step } = setup();
      engine.openSession(ALICE, 'tab', 'socket');
      engine.openSession(ALICE, 'phone', 'socket');
      engine.setActivity(ALICE, 'playing_pong', null, ['tab']);
      engine.closeSession(ALICE, 'tab');
      expect(step(by).changes).toEqual([]);
      expect(advance(timings.offlineGraceMs - 1).changes).toEqual([]);
      expect(engine.get(ALICE).activity).toBe('playing_pong');
      expect(advance(1).changes.map((c) => c.after.activity)).toEqual(['browsing']);
    });
  }

  it('a custom message set to expire at a wall-clock time expires by the wall clock', () => {
    const { engine, step } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setCustomMessage(ALICE, 'lunch', T0 + 60_000);
    expect(step(TEN_MINUTES).changes.map((c) => c.after.customMessage)).toEqual([null]);
  });

  it('a slew (the clocks parting by less than a second) moves nothing', () => {
    const { engine, advance, step } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    step(999);
    expect(advance(timings.offlineGraceMs - 1_000).changes).toEqual([]);
    expect(advance(1).changes.map((c) => c.after.status)).toEqual(['offline']);
  });
});
