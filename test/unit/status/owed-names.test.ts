/** After a rename, only tiers that see the user present are told at once; the others get the names with their next frame. */
import { describe, expect, it } from 'vitest';
import type { View } from '../../../src/protocol/index.js';
import { TIER_INDEX, type ChangedView } from '../../../src/server/presence/privacy.js';
import type { ViewerTier } from '../../../src/server/presence/types.js';
import { OwedNames } from '../../../src/server/status/owed-names.js';

const change = (tier: ViewerTier, status: View['status']): ChangedView => ({ tier, before: { status } as View, after: { status } as View });
const bits = (...tiers: ViewerTier[]) => tiers.reduce((m, t) => m | (1 << TIER_INDEX[t]), 0);
const U = 7;

describe('OwedNames', () => {
  it('tells the tiers that see the user present and the user at the rename, and owes the rest', () => {
    const names = new OwedNames();
    const r = names.select(U, [change('public', 'offline'), change('friend', 'offline'), change('close_friend', 'online'), change('self', 'online')], true);
    expect(r.changed.map((c) => c.tier)).toEqual(['close_friend', 'self']);
    expect(r.named).toBe(bits('close_friend', 'self'));
    expect(names.owes(U)).toBe(true);
  });

  it('puts the names on the next frame of an owed tier only, once', () => {
    const names = new OwedNames();
    names.select(U, [change('friend', 'offline'), change('public', 'offline'), change('self', 'online')], true);
    const next = names.select(U, [change('friend', 'online'), change('close_friend', 'online')], false);
    expect(next.changed).toHaveLength(2);
    expect(next.named).toBe(bits('friend'));
    expect(names.owes(U)).toBe(true); // public still owed
    expect(names.select(U, [change('public', 'online')], false).named).toBe(bits('public'));
    expect(names.owes(U)).toBe(false);
    expect(names.select(U, [change('public', 'away')], false)).toEqual({ changed: [change('public', 'away')], named: 0 });
  });

  it('keeps what an earlier rename owed when another comes, and forgets a released user', () => {
    const names = new OwedNames();
    names.select(U, [change('friend', 'offline')], true);
    names.select(U, [change('friend', 'online'), change('public', 'offline')], true);
    expect(names.select(U, [change('public', 'online'), change('friend', 'online')], false).named).toBe(bits('public'));
    names.select(U, [change('friend', 'offline')], true);
    names.forget(U);
    expect(names.owes(U)).toBe(false);
    expect(names.select(U, [change('friend', 'online')], false).named).toBe(0);
  });
});
