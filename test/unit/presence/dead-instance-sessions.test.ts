/**
 * A session of an instance that died (it stopped heartbeating) ends as of the last moment the
 * user is known to have been there: the instance's last beat, or later when this replica saw
 * them later (the session opened after that beat, another session closed, an interaction), never
 * when the replica noticed, 1.8 heartbeats on. The grace counts from then too.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, setup, T0, timings } from './engine-fixture.js';

describe('PresenceEngine.endDeadSession', () => {
  it('dates the leave at the dead instance’s last beat, and the grace has run out by the time it is noticed', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'dead/1', 'socket');
    advance(60_000);
    const lastBeat = T0 + 60_000;
    advance(45_000);
    engine.endDeadSession(ALICE, 'dead/1', lastBeat);
    expect(engine.get(ALICE).lastSeen).toBe(lastBeat);
    advance(250);
    expect(engine.get(ALICE)).toMatchObject({ status: 'offline', lastSeen: lastBeat });
  });

  it('dates it later when the user was seen later: another session closed after the beat', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'dead/1', 'socket');
    engine.openSession(ALICE, 'live/2', 'socket');
    advance(10_000);
    const lastBeat = T0 + 10_000;
    advance(20_000);
    engine.closeSession(ALICE, 'live/2');
    const closed = T0 + 30_000;
    advance(25_000);
    engine.endDeadSession(ALICE, 'dead/1', lastBeat);
    expect(engine.get(ALICE).lastSeen).toBe(closed);
    // Offline once the grace since that close ran out.
    expect(engine.get(ALICE).status).toBe('online');
    advance(closed + timings.offlineGraceMs - (T0 + 55_000) + 250);
    expect(engine.get(ALICE)).toMatchObject({ status: 'offline', lastSeen: closed });
  });

  it('dates it later when the session opened, or the user interacted, after the beat; never later than now', () => {
    const { engine, advance, now } = setup();
    const lastBeat = T0 - 3_000;
    engine.openSession(ALICE, 'dead/1', 'socket');
    advance(2_000);
    engine.interaction(ALICE);
    const interacted = now();
    advance(45_000);
    engine.endDeadSession(ALICE, 'dead/1', lastBeat);
    expect(engine.get(ALICE).lastSeen).toBe(interacted);
    const { engine: e2, advance: adv2, now: now2 } = setup();
    e2.openSession(ALICE, 'dead/1', 'socket');
    adv2(1_000);
    e2.endDeadSession(ALICE, 'dead/1', now2() + 5_000);
    expect(e2.get(ALICE).lastSeen).toBe(now2());
  });

  it('does nothing for a session it does not hold', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'live/2', 'socket');
    expect(engine.endDeadSession(ALICE, 'dead/1', T0)).toBeNull();
    expect(engine.liveSessionCount(ALICE)).toBe(1);
  });
});
