/** The ready snapshot's keyed sort gives exactly the contract order of compareViews, which the browser uses. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiNameKey, compareViews, sortViews, sortViewsInPlace, type View } from '../../../src/protocol/index.js';

const collator = new Intl.Collator('en', { sensitivity: 'base' });
const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const asciiName = fc.string({ unit: fc.constantFrom(...'aAbBzZ09_'.split('')), maxLength: 8 });
const anyName = fc.oneof(asciiName, fc.string({ maxLength: 6 }), fc.constantFrom('Émile', 'emile', 'Ömer', 'zoë', 'ß', 'straße', 'a-b', 'a b'));

const viewArb = fc.record({
  user_id: fc.integer({ min: 1, max: 40 }),
  username: anyName,
  status: fc.constantFrom('online', 'in_game', 'busy', 'away', 'offline'),
  last_seen: fc.option(fc.integer({ min: 0, max: 5 }).map((m) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString())),
}).map((r) => ({ display_name: r.username, activity: null, custom_message: null, timestamp: '2026-01-01T00:00:00.000Z', ...r }) as View);

describe('sortViewsInPlace', () => {
  it('orders like compareViews: rank, last seen (never seen last, ties by name), name, id', () => {
    fc.assert(
      fc.property(fc.array(viewArb, { maxLength: 30, size: 'max' }), (views) => {
        const reference = [...views].sort(compareViews);
        const keyed = sortViewsInPlace([...views]);
        expect(keyed.map((v) => [v.user_id, v.username, v.status, v.last_seen])).toEqual(reference.map((v) => [v.user_id, v.username, v.status, v.last_seen]));
      }),
      { numRuns: 2000 },
    );
  });

  it('an ASCII name key compares as the collator does', () => {
    fc.assert(
      fc.property(asciiName, asciiName, (a, b) => {
        const ka = asciiNameKey(a)!;
        const kb = asciiNameKey(b)!;
        expect(sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(sign(collator.compare(a, b)));
      }),
      { numRuns: 5000 },
    );
    expect(asciiNameKey('Émile')).toBeNull();
    expect(asciiNameKey('a-b')).toBeNull();
  });

  it('puts two never-seen offline friends in name order', () => {
    const never = (id: number, username: string) => ({ user_id: id, username, display_name: username, status: 'offline', activity: null, custom_message: null, last_seen: null, timestamp: 'x' }) as View;
    expect(sortViews([never(1, 'zed'), never(2, 'amy')]).map((v) => v.username)).toEqual(['amy', 'zed']);
    expect([never(1, 'zed'), never(2, 'amy')].sort(compareViews).map((v) => v.username)).toEqual(['amy', 'zed']);
  });
});
