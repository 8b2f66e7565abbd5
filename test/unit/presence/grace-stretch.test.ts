/** A saturated server stretches an ending offline grace (a storm of reconnects), within a cap. */
import { describe, expect, it } from 'vitest';
import { GRACE_STEP_MS, PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import { ALICE, T0, timings } from './engine-fixture.js';

function setup(graceStretch: number) {
  let t = T0;
  let saturated = false;
  const engine = new PresenceEngine({ now: () => t }, { ...timings, graceStretch }, () => saturated);
  const advance = (ms: number) => {
    t += ms;
    return engine.tick();
  };
  engine.openSession(ALICE, 's1', 'socket');
  engine.closeSession(ALICE, 's1');
  return {
    engine,
    advance,
    saturate: (on: boolean) => void (saturated = on),
    status: () => engine.get(ALICE).status,
  };
}

describe('grace stretch under saturation', () => {
  it('goes offline at the grace when the server is not saturated', () => {
    const s = setup(3);
    s.advance(timings.offlineGraceMs - 1);
    expect(s.status()).toBe('online');
    const r = s.advance(1);
    expect(r.changes.map((c) => c.after.status)).toEqual(['offline']);
  });

  it('runs on while saturated, and a reconnect meanwhile is no change at all', () => {
    const s = setup(3);
    s.saturate(true);
    expect(s.advance(timings.offlineGraceMs).changes).toEqual([]);
    expect(s.advance(5 * GRACE_STEP_MS).changes).toEqual([]);
    expect(s.status()).toBe('online');
    expect(s.engine.openSession(ALICE, 's2', 'socket')).toBeNull();
  });

  it('ends a step after saturation ends', () => {
    const s = setup(3);
    s.saturate(true);
    s.advance(timings.offlineGraceMs);
    s.advance(2 * GRACE_STEP_MS);
    s.saturate(false);
    expect(s.advance(GRACE_STEP_MS).changes.map((c) => c.after.status)).toEqual(['offline']);
  });

  it('never beyond graceStretch × the grace after the user left, saturated or not', () => {
    const s = setup(3);
    s.saturate(true);
    expect(s.advance(3 * timings.offlineGraceMs - 1).changes).toEqual([]);
    // The tick may fire late; the first tick at or after the cap ends it.
    expect(s.advance(GRACE_STEP_MS).changes.map((c) => c.after.status)).toEqual(['offline']);
  });

  it('is off with graceStretch 1', () => {
    const s = setup(1);
    s.saturate(true);
    expect(s.advance(timings.offlineGraceMs).changes.map((c) => c.after.status)).toEqual(['offline']);
  });

  it('a logout is offline at once, saturated or not', () => {
    const s = setup(3);
    s.saturate(true);
    s.engine.openSession(ALICE, 's2', 'socket');
    const c = s.engine.closeSession(ALICE, 's2', { immediate: true });
    expect(c?.after.status).toBe('offline');
  });
});
