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
  last_seen: fc.option(fc.integer({ min: 0, max: 40 }).map((d) => new Date(Date.UTC(2026, 0, 1, 0, 0) - d * 43_200_000).toISOString())),
  last_seen_approx: fc.option(fc.constantFrom('recently', 'within_week', 'within_month', 'long_ago')),
  timestamp: fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-01-01T23:59:00.000Z'),
}).map((r) => ({ display_name: r.username, activity: null, custom_message: null, ...r, last_seen_approx: r.last_seen === null ? r.last_seen_approx : null }) as View);

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

  it('places an approximate last seen where the cards read it: after the exact ones its bucket may cover, before older ones', () => {
    const now = '2026-01-15T12:00:00.000Z';
    const off = (username: string, seen: { at?: number; approx?: View['last_seen_approx'] }) =>
      ({ user_id: username.length, username, display_name: username, status: 'offline', activity: null, custom_message: null, last_seen: seen.at === undefined ? null : new Date(seen.at).toISOString(), last_seen_approx: seen.approx ?? null, timestamp: now }) as View;
    const day = 86_400_000;
    const t = Date.parse(now);
    const views = [
      off('never', {}),
      off('long', { approx: 'long_ago' }),
      off('twomonths', { at: t - 60 * day }),
      off('month', { approx: 'within_month' }),
      off('tendays', { at: t - 10 * day }),
      off('week', { approx: 'within_week' }),
      off('fourdays', { at: t - 4 * day }),
      off('recent', { approx: 'recently' }),
      off('startofdaybeforeyesterday', { at: Date.parse('2026-01-13T00:00:00.000Z') }),
      off('twohours', { at: t - 2 * 3_600_000 }),
    ];
    const expected = ['twohours', 'startofdaybeforeyesterday', 'recent', 'fourdays', 'week', 'tendays', 'month', 'twomonths', 'long', 'never'];
    expect(sortViews(views).map((v) => v.username)).toEqual(expected);
    expect([...views].reverse().sort(compareViews).map((v) => v.username)).toEqual(expected);
  });

  it('puts two never-seen offline friends in name order', () => {
    const never = (id: number, username: string) => ({ user_id: id, username, display_name: username, status: 'offline', activity: null, custom_message: null, last_seen: null, timestamp: 'x' }) as View;
    expect(sortViews([never(1, 'zed'), never(2, 'amy')]).map((v) => v.username)).toEqual(['amy', 'zed']);
    expect([never(1, 'zed'), never(2, 'amy')].sort(compareViews).map((v) => v.username)).toEqual(['amy', 'zed']);
  });
});
