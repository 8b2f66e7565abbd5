/**
 * The zone Beacon uses for the user (lib/schedule-zone.ts): the one the server answered, never
 * the browser's in its place; the browser's is offered only where it differs, and saving it
 * keeps the rules the server holds (the schedule is saved whole).
 */
import { describe, expect, it } from 'vitest';
import type { ScheduleBody } from '../../../src/protocol/index.js';
import { PreconditionFailedError } from '../../../src/client/api.js';
import { sameZone, ScheduleZone } from '../../../src/web/lib/schedule-zone.js';

const RULE = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy', message: null } as ScheduleBody['rules'][number];

/**
 * A server holding `schedule` at a version, recording each PUT; `meanwhile` runs once, before
 * the first conditional PUT is checked (another tab's save landing between a read and a save).
 */
function fakeApi(schedule: ScheduleBody, meanwhile?: () => ScheduleBody) {
  const puts: ScheduleBody[] = [];
  let version = 0;
  const refused: string[] = [];
  return {
    puts,
    refused,
    api: {
      getVersionedSchedule: async () => ({ value: structuredClone(schedule), version: `"${version}"` }),
      setSchedule: async (body: ScheduleBody, opts: { ifVersion?: string | null } = {}) => {
        if (meanwhile) {
          schedule = meanwhile();
          version += 1;
          meanwhile = undefined;
        }
        if (opts.ifVersion != null && opts.ifVersion !== `"${version}"`) {
          refused.push(opts.ifVersion);
          throw new PreconditionFailedError('changed since');
        }
        puts.push(body);
        schedule = structuredClone(body);
        version += 1;
        return structuredClone(body);
      },
    },
  };
}

describe('ScheduleZone', () => {
  it('offers nothing until the schedule was read, then the browser’s zone where it is not the one used', () => {
    const zone = new ScheduleZone(fakeApi({ time_zone: 'UTC', rules: [] }).api, 'America/New_York');
    expect(zone.saved).toBeNull();
    expect(zone.offer).toBeNull();
    zone.known('UTC');
    expect(zone.saved).toBe('UTC');
    expect(zone.offer).toBe('America/New_York');
    zone.known('America/New_York');
    expect(zone.offer).toBeNull();
  });

  it('offers nothing for an alias of the zone used, or when the browser names none', () => {
    const alias = new ScheduleZone(fakeApi({ time_zone: 'UTC', rules: [] }).api, 'Etc/UTC');
    alias.known('UTC');
    expect(alias.offer).toBeNull();
    const none = new ScheduleZone(fakeApi({ time_zone: 'UTC', rules: [] }).api, null);
    none.known('UTC');
    expect(none.offer).toBeNull();
  });

  it('saves the zone alone: with the rules the server holds now, and tells who listens', async () => {
    const { api, puts } = fakeApi({ time_zone: 'Europe/Paris', rules: [RULE] });
    const zone = new ScheduleZone(api, 'America/New_York');
    const seen: Array<[string, string | null]> = [];
    zone.onChange((z, previous) => seen.push([z, previous]));
    zone.known('Europe/Paris');
    await zone.use('America/New_York');
    expect(puts).toEqual([{ time_zone: 'America/New_York', rules: [RULE] }]);
    expect(seen).toEqual([
      ['Europe/Paris', null],
      ['America/New_York', 'Europe/Paris'],
    ]);
    // The same zone again changes nothing.
    zone.known('America/New_York');
    expect(seen).toHaveLength(2);
  });

  it('tells who listens the schedule it saved, with the rules the server held (changed elsewhere since the page read them)', async () => {
    const moved = { ...RULE, from: '10:00' };
    const { api } = fakeApi({ time_zone: 'UTC', rules: [moved] });
    const zone = new ScheduleZone(api, 'America/New_York');
    zone.known('UTC');
    const saved: ScheduleBody[] = [];
    zone.onSaved((s) => saved.push(s));
    await zone.use('America/New_York');
    expect(saved).toEqual([{ time_zone: 'America/New_York', rules: [moved] }]);
  });
});

describe('ScheduleZone: rules saved elsewhere between its read and its save', () => {
  it('are not lost: the save is refused (412), the rules read again and saved with the zone', async () => {
    const moved = { ...RULE, from: '10:00' };
    const { api, puts, refused } = fakeApi({ time_zone: 'UTC', rules: [RULE] }, () => ({ time_zone: 'UTC', rules: [moved] }));
    const zone = new ScheduleZone(api, 'America/New_York');
    zone.known('UTC');
    const saved: ScheduleBody[] = [];
    zone.onSaved((s) => saved.push(s));
    await zone.use('America/New_York');
    expect(refused).toEqual(['"0"']);
    expect(puts).toEqual([{ time_zone: 'America/New_York', rules: [moved] }]);
    expect(saved).toEqual([{ time_zone: 'America/New_York', rules: [moved] }]);
    expect(zone.saved).toBe('America/New_York');
  });
});

describe('sameZone', () => {
  it('tells one zone under two names from two zones', () => {
    expect(sameZone('UTC', 'UTC')).toBe(true);
    expect(sameZone('Etc/UTC', 'UTC')).toBe(true);
    expect(sameZone('Europe/Paris', 'Europe/Berlin')).toBe(false);
    expect(sameZone('Not/AZone', 'UTC')).toBe(false);
  });
});
