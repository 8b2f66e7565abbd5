/** The schedule as a layer of the engine: its transitions are deadlines, below manual and games, above automatic states. */
import { describe, expect, it } from 'vitest';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import type { Schedule } from '../../../src/server/presence/schedule.js';
import { ALICE, timings } from './engine-fixture.js';

// Monday 2026-01-12 08:00 in Paris (07:00Z).
const MONDAY_8 = Date.parse('2026-01-12T07:00:00Z');
const HOUR = 3_600_000;
const work: Schedule = { timeZone: 'Europe/Paris', rules: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '12:00', status: 'busy', message: 'Deep work' }] };

function setup() {
  let t = MONDAY_8;
  const engine = new PresenceEngine({ now: () => t }, timings);
  return { engine, advance: (ms: number) => ((t += ms), engine.tick()) };
}

describe('PresenceEngine schedules', () => {
  it('turns a present user busy at the rule start with its message, and back at its end', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's', 'socket');
    engine.setSchedule(ALICE, work);
    engine.interaction(ALICE);
    // Idle since 08:00: probed at 08:05 (the tick runs late here), unanswered.
    expect(advance(HOUR - 1)).toMatchObject({ changes: [], probes: [ALICE] });
    expect(advance(1).changes.map((c) => [c.after.status, c.after.customMessage])).toEqual([['busy', 'Deep work']]);
    expect(engine.ownCustomMessage(ALICE)).toBeNull();
    // The rule holds until 12:00, and the probe in flight was dropped: no auto-away meanwhile.
    expect(advance(3 * HOUR - 1)).toEqual({ changes: [], probes: [], expiredSessions: [] });
    // At its end she has had no input for four hours, longer than the idle timeout and the
    // probe's together: away at once (as a reconnect would be), not online for a probe's time.
    const end = advance(1);
    expect(end.changes.map((c) => [c.after.status, c.after.customMessage])).toEqual([['away', null]]);
    expect(end.probes).toEqual([]);
    // Any input brings her back.
    expect(engine.interaction(ALICE)?.after.status).toBe('online');
  });

  it('at a rule end, a user with recent input is online; one idle less than the idle and probe timeouts is probed at once', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's', 'socket');
    engine.setSchedule(ALICE, work);
    advance(HOUR);
    // Input at 11:58: online at 12:00, nobody asked anything.
    advance(3 * HOUR - 2 * 60_000);
    engine.interaction(ALICE);
    const recent = advance(2 * 60_000);
    expect(recent.changes.map((c) => c.after.status)).toEqual(['online']);
    expect(recent.probes).toEqual([]);
    // Next day: last input at 11:54:30, so at 12:00 idle 5.5 minutes, past the idle timeout
    // but within the probe's minute after it: online, and asked at once.
    advance(24 * HOUR - 5.5 * 60_000);
    engine.interaction(ALICE);
    advance(5.5 * 60_000 - 1);
    const probed = advance(1);
    expect(probed.changes.map((c) => c.after.status)).toEqual(['online']);
    expect(probed.probes).toEqual([ALICE]);
    expect(advance(timings.idleProbeTimeoutMs).changes.map((c) => c.after.status)).toEqual(['away']);
  });

  it('a manual status and a game win over the schedule; it shows again when they end', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's', 'socket');
    engine.setSchedule(ALICE, work);
    engine.setManualStatus(ALICE, 'away');
    advance(HOUR);
    expect(engine.get(ALICE).status).toBe('away');
    expect(engine.setManualStatus(ALICE, 'online')?.after.status).toBe('busy');
    engine.startGame(ALICE, 'm', 'match');
    expect(engine.get(ALICE).status).toBe('in_game');
    expect(engine.endGame(ALICE, 'm')?.after.status).toBe('busy');
  });

  it("the user's own message wins over the rule's", () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's', 'socket');
    engine.setSchedule(ALICE, work);
    engine.setCustomMessage(ALICE, 'On call', null);
    advance(HOUR);
    expect(engine.get(ALICE)).toMatchObject({ status: 'busy', customMessage: 'On call' });
  });

  it('a schedule never makes an absent user present, and a new schedule applies at once', () => {
    const { engine, advance } = setup();
    engine.setSchedule(ALICE, work);
    advance(HOUR);
    expect(engine.get(ALICE).status).toBe('offline');
    engine.openSession(ALICE, 's', 'socket');
    expect(engine.get(ALICE).status).toBe('busy');
    expect(engine.setSchedule(ALICE, null)?.after.status).toBe('online');
  });

  it("is remembered with the rest of the user's presence", () => {
    const { engine } = setup();
    engine.setSchedule(ALICE, work);
    expect(engine.snapshotForPersistence(ALICE).schedule).toEqual(work);
    expect(engine.exportUser(ALICE).schedule).toEqual(work);
  });
});
