import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIENCES, STATUS_VISIBILITIES, Settings, type Settings as SettingsT } from '../../../src/protocol/index.js';
import { sharedSettings } from '../../../src/server/status/presence-repository.js';

const audience = fc.constantFrom(...AUDIENCES);
const settings: fc.Arbitrary<SettingsT> = fc.record(
  {
    status_visibility: fc.constantFrom(...STATUS_VISIBILITIES),
    activity_visibility: audience,
    last_seen_visibility: audience,
    custom_message_visibility: audience,
    last_seen_approximate_visibility: audience,
    pattern_visibility: audience,
  },
  { requiredKeys: ['status_visibility', 'activity_visibility', 'last_seen_visibility', 'custom_message_visibility'] },
);

describe('sharedSettings', () => {
  it('gives equal settings one frozen object with the same values, and different settings different objects', () => {
    fc.assert(
      fc.property(settings, settings, (a, b) => {
        const sa = sharedSettings({ ...a });
        const sb = sharedSettings({ ...b });
        expect(sa).toEqual(a);
        expect(Object.isFrozen(sa)).toBe(true);
        expect(sharedSettings({ ...a })).toBe(sa);
        const same = (Object.keys(Settings.properties) as (keyof SettingsT)[]).every((k) => a[k] === b[k]);
        expect(sa === sb).toBe(same);
      }),
    );
  });

  it('tells apart settings that differ in any one field of the schema, present or absent', () => {
    const base: SettingsT = { status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' };
    const shared = sharedSettings(base);
    for (const key of Object.keys(Settings.properties) as (keyof SettingsT)[]) {
      const value = key === 'status_visibility' ? 'hidden' : 'nobody';
      expect(sharedSettings({ ...base, [key]: value }), key).not.toBe(shared);
    }
  });
});
