/** Status schedules in the user's own time zone, across daylight-saving changes. */
import { describe, expect, it } from 'vitest';
import { evaluateSchedule, isTimeZone, type Schedule } from '../../../src/server/presence/schedule.js';

const at = (iso: string) => Date.parse(iso);
const weekdays = [1, 2, 3, 4, 5] as const;

describe('evaluateSchedule', () => {
  const paris: Schedule = { timeZone: 'Europe/Paris', rules: [{ days: [...weekdays], from: '09:00', to: '17:00', status: 'busy', message: 'At work' }] };

  it('holds a rule from its local start to its local end, and says when that changes', () => {
    // Monday 2026-01-12, Paris is UTC+1: 09:00 local = 08:00Z.
    expect(evaluateSchedule(paris, at('2026-01-12T07:59:59Z'))).toEqual({ active: null, nextChange: at('2026-01-12T08:00:00Z') });
    expect(evaluateSchedule(paris, at('2026-01-12T08:00:00Z'))).toEqual({
      active: { status: 'busy', message: 'At work' },
      nextChange: at('2026-01-12T16:00:00Z'),
    });
    // Friday evening: the next start is Monday morning.
    expect(evaluateSchedule(paris, at('2026-01-16T16:00:00Z'))).toEqual({ active: null, nextChange: at('2026-01-19T08:00:00Z') });
  });

  it('follows the spring-forward change in Paris: 09:00 local moves from 08:00Z to 07:00Z', () => {
    // DST starts Sunday 2026-03-29. Friday 27th: UTC+1; Monday 30th: UTC+2.
    expect(evaluateSchedule(paris, at('2026-03-27T16:30:00Z')).nextChange).toBe(at('2026-03-30T07:00:00Z'));
    expect(evaluateSchedule(paris, at('2026-03-30T07:00:00Z')).active?.status).toBe('busy');
    expect(evaluateSchedule(paris, at('2026-03-30T06:59:00Z')).active).toBeNull();
  });

  it('starts and ends a rule whose time is skipped by the spring-forward change at the first valid minute after it', () => {
    // Sunday 2027-03-28, Paris: 02:00 CET (01:00Z) becomes 03:00 CEST; 02:00–02:59 never happen.
    const sunday: Schedule = {
      timeZone: 'Europe/Paris',
      rules: [
        { days: [7], from: '02:30', to: '05:00', status: 'busy', message: 'Night raid' },
        { days: [7], from: '00:30', to: '02:30', status: 'away', message: null },
      ],
    };
    // The busy rule starts at 03:00 local (01:00Z), not 03:30 (01:30Z); the away rule ends then.
    expect(evaluateSchedule(sunday, at('2027-03-28T00:59:00Z'))).toEqual({ active: { status: 'away', message: null }, nextChange: at('2027-03-28T01:00:00Z') });
    expect(evaluateSchedule(sunday, at('2027-03-28T01:00:00Z'))).toEqual({ active: { status: 'busy', message: 'Night raid' }, nextChange: at('2027-03-28T03:00:00Z') });
    // A half-hour change (Lord Howe, Sunday 2026-10-04: 02:00 +10:30 → 02:30 +11:00, 15:30Z): 02:15 starts at 02:30 local.
    const lordHowe: Schedule = { timeZone: 'Australia/Lord_Howe', rules: [{ days: [7], from: '02:15', to: '04:00', status: 'busy', message: null }] };
    expect(evaluateSchedule(lordHowe, at('2026-10-03T15:00:00Z')).nextChange).toBe(at('2026-10-03T15:30:00Z'));
  });

  it('follows the fall-back change in New York, including an overnight rule that spans it', () => {
    // DST ends Sunday 2026-11-01 at 02:00 local (EDT UTC-4 → EST UTC-5).
    const ny: Schedule = { timeZone: 'America/New_York', rules: [{ days: [6], from: '22:00', to: '07:00', status: 'away', message: null }] };
    // Saturday 22:00 EDT = Sunday 02:00Z; it ends Sunday 07:00 EST = 12:00Z (a 10-hour night).
    expect(evaluateSchedule(ny, at('2026-11-01T01:59:00Z'))).toEqual({ active: null, nextChange: at('2026-11-01T02:00:00Z') });
    expect(evaluateSchedule(ny, at('2026-11-01T02:00:00Z'))).toEqual({ active: { status: 'away', message: null }, nextChange: at('2026-11-01T12:00:00Z') });
    expect(evaluateSchedule(ny, at('2026-11-01T11:59:00Z')).active?.status).toBe('away');
    expect(evaluateSchedule(ny, at('2026-11-01T12:00:00Z')).active).toBeNull();
  });

  it('busy wins over away when two rules hold, and overnight rules belong to the day they start', () => {
    const s: Schedule = {
      timeZone: 'UTC',
      rules: [
        { days: [1], from: '20:00', to: '02:00', status: 'away', message: 'Evening' },
        { days: [1], from: '21:00', to: '22:00', status: 'busy', message: 'Raid' },
      ],
    };
    expect(evaluateSchedule(s, at('2026-01-12T21:30:00Z')).active).toEqual({ status: 'busy', message: 'Raid' });
    expect(evaluateSchedule(s, at('2026-01-12T22:00:00Z')).active).toEqual({ status: 'away', message: 'Evening' });
    // Tuesday 01:00 still belongs to Monday's rule; Tuesday 20:00 does not start one.
    expect(evaluateSchedule(s, at('2026-01-13T01:00:00Z')).active?.message).toBe('Evening');
    expect(evaluateSchedule(s, at('2026-01-13T20:30:00Z')).active).toBeNull();
  });

  it('no schedule, no rules: nothing holds and nothing is due', () => {
    expect(evaluateSchedule(null, 0)).toEqual({ active: null, nextChange: Infinity });
    expect(evaluateSchedule({ timeZone: 'UTC', rules: [] }, 0)).toEqual({ active: null, nextChange: Infinity });
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
