/**
 * A server restart (or any drop of the socket) mid-probe does not give the user a new probe's
 * time: the client reconnects by itself (`?reconnect=1`, no interaction), and the user is away
 * when the probe that went out at the idle timeout runs out, as had they stayed connected
 * (docs/protocol.md "Idle detection"): last input + BEACON_IDLE_TIMEOUT_MS +
 * BEACON_IDLE_PROBE_TIMEOUT_MS. The reconnected socket is asked at once (`probing`).
 */
import { describe, expect, it } from 'vitest';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import { ALICE, setup, T0, timings } from './engine-fixture.js';

const AWAY_AT = T0 + timings.idleTimeoutMs + timings.idleProbeTimeoutMs;

/** Alice's last input at T0; asked at the idle timeout; `into` ms of the probe gone when the server stops. */
function probedThenStopped(into: number) {
  const first = setup();
  first.engine.openSession(ALICE, 's1', 'socket');
  expect(first.advance(timings.idleTimeoutMs).probes).toEqual([ALICE]);
  first.advance(into);
  const persisted = first.engine.snapshotForPersistence(ALICE);
  const present = first.engine.presentAt(first.now()).find((p) => p.userId === ALICE)!;
  return { persisted, present, stoppedAt: first.now() };
}

/** A new process on the same clock, `downMs` after the stop, that loads Alice from the rows. */
function restarted(stoppedAt: number, downMs: number) {
  let t = stoppedAt + downMs;
  const engine = new PresenceEngine({ now: () => t }, timings);
  const advanceTo = (at: number) => {
    t = at;
    return engine.tick();
  };
  return { engine, advanceTo, now: () => t };
}

describe('an idle probe across a server restart', () => {
  it('restarted within the grace: away when the first probe runs out, not a full probe after the reconnect', () => {
    const { persisted, present, stoppedAt } = probedThenStopped(timings.idleProbeTimeoutMs / 2);
    const next = restarted(stoppedAt, 2_000);
    next.engine.load(ALICE, persisted);
    expect(next.engine.resumeGrace(present)).toBe(true);
    expect(next.engine.openSession(ALICE, 's2', 'socket', { interaction: false })).toBeNull();
    expect(next.engine.probing(ALICE)).toBe(true); // the new socket is asked at once
    expect(next.advanceTo(AWAY_AT - 1).changes).toEqual([]);
    const { changes, probes } = next.advanceTo(AWAY_AT);
    expect(probes).toEqual([]);
    expect(changes[0]?.after).toMatchObject({ status: 'away', activity: 'idle' });
  });

  it('restarted after the grace (written offline at the start): the same deadline', () => {
    const { persisted, stoppedAt } = probedThenStopped(timings.idleProbeTimeoutMs / 4);
    const next = restarted(stoppedAt, timings.offlineGraceMs + 5_000);
    next.engine.load(ALICE, persisted);
    expect(next.engine.openSession(ALICE, 's2', 'socket', { interaction: false })?.after).toMatchObject({ status: 'online' });
    expect(next.engine.probing(ALICE)).toBe(true);
    expect(next.advanceTo(AWAY_AT - 1).changes).toEqual([]);
    expect(next.advanceTo(AWAY_AT).changes[0]?.after).toMatchObject({ status: 'away', activity: 'idle' });
  });

  it('input after the reconnect still answers it: online, and the idle timer starts again from that input', () => {
    const { persisted, present, stoppedAt } = probedThenStopped(timings.idleProbeTimeoutMs / 2);
    const next = restarted(stoppedAt, 2_000);
    next.engine.load(ALICE, persisted);
    next.engine.resumeGrace(present);
    next.engine.openSession(ALICE, 's2', 'socket', { interaction: false });
    next.engine.interaction(ALICE);
    expect(next.engine.probing(ALICE)).toBe(false);
    expect(next.advanceTo(AWAY_AT + 1).changes).toEqual([]);
    expect(next.engine.get(ALICE).status).toBe('online');
  });

  it('a reconnect before the idle timeout is not probed early', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    advance(timings.idleTimeoutMs - 1_000);
    engine.openSession(ALICE, 's2', 'socket', { interaction: false });
    expect(engine.probing(ALICE)).toBe(false);
    expect(advance(999).probes).toEqual([]);
    expect(advance(1).probes).toEqual([ALICE]);
  });
});
