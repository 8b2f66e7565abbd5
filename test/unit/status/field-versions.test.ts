/** Last-writer-wins per field for inputs that reach a replica late (src/server/status/field-versions.ts). */
import { describe, expect, it } from 'vitest';
import { allFieldsAt, applicable, fieldsOf, newerFields, recordFields, withFields, type FieldVersions } from '../../../src/server/status/field-versions.js';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import { timings } from '../presence/engine-fixture.js';
import type { PresenceInput } from '../../../src/server/status/presence-events.js';

const v = (at: number, by = 'i1') => ({ at, by });
const busyWithMessage: PresenceInput = { op: 'status', status: 'busy', custom: { message: 'meeting', expiresAt: null } };

describe('field versions', () => {
  it('names the fields each input sets; sessions, interactions, games and settings set none', () => {
    expect(fieldsOf(busyWithMessage)).toEqual(['status', 'message']);
    expect(fieldsOf({ op: 'status', status: 'away', custom: null })).toEqual(['status']);
    expect(fieldsOf({ op: 'activity', activity: 'browsing' })).toEqual(['activity']);
    expect(fieldsOf({ op: 'schedule', schedule: null })).toEqual(['schedule']);
    expect(fieldsOf({ op: 'calendar', busy: [] })).toEqual(['calendar']);
    expect(fieldsOf({ op: 'interaction' })).toEqual([]);
    expect(fieldsOf({ op: 'open', sessionId: 'a/1', kind: 'socket' })).toEqual([]);
    expect(fieldsOf({ op: 'game', matchId: 'm', kind: 'match', started: true })).toEqual([]);
  });

  it('applies a newer input whole and records its version for its fields', () => {
    const known: FieldVersions = { status: v(1), message: v(1) };
    expect(applicable(busyWithMessage, v(2), known)).toBe(busyWithMessage);
    expect(known).toEqual({ status: v(2), message: v(2) });
  });

  it('an input older than the status but not the message sets the message only, as an interaction', () => {
    const known: FieldVersions = { status: v(5, 'i2'), message: v(1) };
    expect(applicable(busyWithMessage, v(3), known)).toEqual({ op: 'message', custom: { message: 'meeting', expiresAt: null } });
    expect(known).toEqual({ status: v(5, 'i2'), message: v(3) });
  });

  it('an input older than the message but not the status keeps the message', () => {
    const known: FieldVersions = { status: v(1), message: v(5) };
    expect(applicable(busyWithMessage, v(3), known)).toEqual({ ...busyWithMessage, custom: null });
  });

  it('an input older than every field it sets is still an interaction when the user made it, else nothing', () => {
    const known = allFieldsAt(v(9));
    expect(applicable(busyWithMessage, v(3), known)).toEqual({ op: 'interaction' });
    expect(applicable({ op: 'activity', activity: 'browsing' }, v(3), known)).toEqual({ op: 'interaction' });
    expect(applicable({ op: 'schedule', schedule: null }, v(3), known)).toBeNull();
    expect(applicable({ op: 'calendar', busy: [] }, v(3), known)).toBeNull();
    expect(known).toEqual(allFieldsAt(v(9)));
  });

  it('a schedule or calendar with its database version is no field here: it passes whatever the fields say, and records nothing', () => {
    // The database's order decides those (PresenceEngine.setSchedule): a bus version is taken after the save and may say the opposite.
    expect(fieldsOf({ op: 'schedule', schedule: null, version: 3 })).toEqual([]);
    expect(fieldsOf({ op: 'calendar', busy: [], version: 3 })).toEqual([]);
    const known = allFieldsAt(v(9));
    const schedule: PresenceInput = { op: 'schedule', schedule: null, version: 2 };
    expect(applicable(schedule, v(3), known)).toBe(schedule);
    const calendar: PresenceInput = { op: 'calendar', busy: [], version: 2 };
    expect(applicable(calendar, v(3), known)).toBe(calendar);
    expect(known).toEqual(allFieldsAt(v(9)));
    const fresh: FieldVersions = {};
    recordFields(schedule, v(4), () => fresh);
    expect(fresh).toEqual({});
  });

  it('keeping a replica’s own schedule or calendar over a stored copy never takes an older database version', () => {
    const engine = new PresenceEngine({ now: () => 0 }, timings);
    const mine = { timeZone: 'UTC', rules: [] };
    engine.setSchedule(1, mine, 2);
    engine.setCalendar(1, [], 5);
    const own = engine.exportUser(1);
    const theirs = { timeZone: 'Europe/Paris', rules: [] };
    const stored = { ...own, schedule: theirs, scheduleVersion: 3, calendar: [{ start: 0, end: 1, message: 'x' }], calendarVersion: 4, version: v(1) };
    expect(withFields(stored, own, ['schedule', 'calendar'])).toMatchObject({ schedule: theirs, scheduleVersion: 3, calendar: [], calendarVersion: 5 });
  });

  it('ties go by instance id, as versions do everywhere; an equal version is not newer', () => {
    const known: FieldVersions = { status: v(3, 'i1') };
    expect(applicable({ op: 'status', status: 'away', custom: null }, v(3, 'i1'), known)).toEqual({ op: 'interaction' });
    expect(applicable({ op: 'status', status: 'away', custom: null }, v(3, 'i2'), known)).toEqual({ op: 'status', status: 'away', custom: null });
  });

  it('inputs without fields pass through untouched', () => {
    const known = allFieldsAt(v(9));
    const open: PresenceInput = { op: 'open', sessionId: 'a/1', kind: 'socket' };
    expect(applicable(open, v(1), known)).toBe(open);
  });

  it('a local input records its version for its fields', () => {
    const known: FieldVersions = {};
    recordFields(busyWithMessage, v(4), () => known);
    expect(known).toEqual({ status: v(4), message: v(4) });
    expect(allFieldsAt(null)).toEqual({});
    recordFields({ op: 'interaction' }, v(5), () => {
      throw new Error('no record is made for an input without fields');
    });
    expect(applicable({ op: 'interaction' }, v(5), () => {
      throw new Error('no record is made for an input without fields');
    })).toEqual({ op: 'interaction' });
  });

  it('a close or logout is never dropped, and versions when the user left (`left`), newest kept', () => {
    const close: PresenceInput = { op: 'close', sessionId: 'a/1', immediate: false, at: 7 };
    const known: FieldVersions = { left: v(5, 'i2') };
    expect(applicable(close, v(3), known)).toBe(close);
    expect(known).toEqual({ left: v(5, 'i2') });
    expect(applicable({ op: 'logout', sessionSuffix: '~x' }, v(6), known)).toEqual({ op: 'logout', sessionSuffix: '~x' });
    expect(known).toEqual({ left: v(6) });
    const mine: FieldVersions = {};
    recordFields(close, v(9), () => mine);
    expect(mine).toEqual({ left: v(9) });
    expect(fieldsOf(close)).toEqual([]);
    // One that does not make the user leave on the replica (not the last session) stamps nothing.
    expect(applicable(close, v(12), known, false)).toBe(close);
    expect(known).toEqual({ left: v(6) });
    recordFields(close, v(13), () => mine, false);
    expect(mine).toEqual({ left: v(9) });
  });

  it('a stored copy’s newer `left` is named, unknown names are not, and carries last_seen and the grace', () => {
    expect(newerFields({ left: v(4), status: v(1), future: v(9) } as Record<string, { at: number; by: string }>, { left: v(3), status: v(2) })).toEqual(['left']);
    const engine = new PresenceEngine({ now: () => 1000 }, timings);
    engine.openSession(1, 'a/1', 'socket');
    engine.closeSession(1, 'a/1');
    const own = engine.exportUser(1);
    const stored = { ...own, lastSeen: null, graceUntil: null, graceSession: null, version: v(1) };
    expect(withFields(stored, own, ['left'])).toMatchObject({ lastSeen: 1000, graceUntil: 1000 + timings.offlineGraceMs, graceSession: 'a/1' });
  });
});
