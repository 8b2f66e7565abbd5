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

  it('a manual status and a game win over the schedule, without its message; it shows again, with its message, when they end', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's', 'socket');
    engine.setSchedule(ALICE, work);
    engine.setManualStatus(ALICE, 'away');
    // 09:00: the rule holds under her manual Away, which shows no message of the rule's: nothing changes.
    expect(advance(HOUR).changes).toEqual([]);
    expect(engine.get(ALICE)).toMatchObject({ status: 'away', customMessage: null });
    expect(engine.setManualStatus(ALICE, 'online')?.after).toMatchObject({ status: 'busy', customMessage: 'Deep work' });
    expect(engine.setManualStatus(ALICE, 'busy')?.after).toMatchObject({ status: 'busy', customMessage: null });
    engine.setManualStatus(ALICE, 'online');
    engine.startGame(ALICE, 'm', 'match');
    expect(engine.get(ALICE)).toMatchObject({ status: 'in_game', customMessage: null });
    expect(engine.endGame(ALICE, 'm')?.after).toMatchObject({ status: 'busy', customMessage: 'Deep work' });
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

  it('with database versions, a schedule older than the one held changes nothing, whatever order they come in', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's', 'socket');
    const early: Schedule = { timeZone: 'Europe/Paris', rules: [{ days: [1], from: '07:00', to: '12:00', status: 'away', message: 'Gym' }] };
    // Saved second (version 2), applied first: it holds.
    expect(engine.setSchedule(ALICE, early, 2)?.after).toMatchObject({ status: 'away', customMessage: 'Gym' });
    // Saved first (version 1), applied late: nothing changes.
    expect(engine.setSchedule(ALICE, null, 1)).toBeNull();
    expect(engine.setSchedule(ALICE, work, 2)).toBeNull();
    expect(engine.snapshotForPersistence(ALICE).schedule).toEqual(early);
    expect(engine.exportUser(ALICE)).toMatchObject({ schedule: early, scheduleVersion: 2 });
    // Newer: applied.
    expect(engine.setSchedule(ALICE, null, 3)?.after.status).toBe('online');
    // An older instance's input has no version: applied as it comes, the version held stays.
    expect(engine.setSchedule(ALICE, early)?.after.status).toBe('away');
    expect(engine.exportUser(ALICE).scheduleVersion).toBe(3);
  });

  it('calendars go by their database version too', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's', 'socket');
    const meeting = [{ start: MONDAY_8 - HOUR, end: MONDAY_8 + HOUR, message: 'In a meeting until 09:00' }];
    expect(engine.setCalendar(ALICE, [], 2)).toBeNull();
    expect(engine.setCalendar(ALICE, meeting, 1)).toBeNull();
    expect(engine.get(ALICE).status).toBe('online');
    expect(engine.setCalendar(ALICE, meeting, 3)?.after.status).toBe('busy');
    expect(engine.exportUser(ALICE)).toMatchObject({ calendar: meeting, calendarVersion: 3 });
  });

  it('a stored copy brings its schedule and calendar only when their versions are newer (equal: with a whole import), whoever saved it last', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'A/1', 'socket');
    engine.setSchedule(ALICE, work, 5);
    const stale = { ...engine.exportUser(ALICE), schedule: null, scheduleVersion: 4, calendar: [{ start: 0, end: MONDAY_8 + HOUR, message: 'x' }], calendarVersion: 0 };
    engine.setCalendar(ALICE, [], 1);
    engine.importUser(ALICE, stale, (id) => id.startsWith('A/'));
    expect(engine.exportUser(ALICE)).toMatchObject({ schedule: work, scheduleVersion: 5, calendar: [], calendarVersion: 1 });
    // A copy saved before versions existed counts as version 0.
    const { scheduleVersion: _s, calendarVersion: _c, ...unversioned } = stale;
    engine.importUser(ALICE, unversioned, (id) => id.startsWith('A/'));
    expect(engine.exportUser(ALICE)).toMatchObject({ schedule: work, scheduleVersion: 5 });
    // A copy older by the bus's versions (sessions only) still brings a newer schedule.
    engine.importUser(ALICE, { ...stale, schedule: null, scheduleVersion: 6 }, (id) => id.startsWith('A/'), true);
    expect(engine.exportUser(ALICE)).toMatchObject({ schedule: null, scheduleVersion: 6, calendar: [], calendarVersion: 1 });
    // The same version again: taken by a whole import (the same schedule), not by a sessions-only one.
    engine.importUser(ALICE, { ...stale, schedule: work, scheduleVersion: 6 }, (id) => id.startsWith('A/'), true);
    expect(engine.exportUser(ALICE).schedule).toBeNull();
  });

  it("is remembered with the rest of the user's presence", () => {
    const { engine } = setup();
    engine.setSchedule(ALICE, work);
    expect(engine.snapshotForPersistence(ALICE).schedule).toEqual(work);
    expect(engine.exportUser(ALICE).schedule).toEqual(work);
  });
});
