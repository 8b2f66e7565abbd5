import { describe, expect, it } from 'vitest';
import { hasUnsafeText } from '../../../src/protocol/index.js';
import { cleanDetails } from '../../../src/server/status/activity-details.js';

describe('activity details as friends see them', () => {
  it('keeps short scalar values and leaves out the rest', () => {
    expect(cleanDetails({ opponent: 'bob', score: 3, ranked: true, nested: { a: 1 }, list: [1], none: null, inf: Infinity })).toEqual({
      opponent: 'bob',
      score: 3,
      ranked: true,
    });
  });

  it('cuts long text, skips long keys, keeps at most 16 entries', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(cleanDetails(many)!)).toHaveLength(16);
    expect(cleanDetails({ text: 'x'.repeat(500) })!.text).toHaveLength(100);
    expect(cleanDetails({ ['k'.repeat(33)]: 1 })).toBeNull();
  });

  it('never cuts a character in half: an emoji across the limit goes whole, not as U+FFFD', () => {
    // "🏓" is two UTF-16 units; at units 100 and 101 it is past the limit, at 99 and 100 across it.
    expect(cleanDetails({ opponent: `${'a'.repeat(99)}🏓 and more` })!.opponent).toBe('a'.repeat(99));
    expect(cleanDetails({ opponent: `${'a'.repeat(98)}🏓 and more` })!.opponent).toBe(`${'a'.repeat(98)}🏓`);
    expect(cleanDetails({ opponent: `${'a'.repeat(100)}🏓` })!.opponent).toBe('a'.repeat(100));
  });

  it('makes line breaks, control characters and bidi controls spaces, in keys and text', () => {
    expect(cleanDetails({ 'map\u202e': 'Dust\n2\u2066x', mode: 'ranked\u0000' })).toEqual({ 'map ': 'Dust 2 x', mode: 'ranked ' });
    // Right-to-left text and its marks are not controls.
    expect(cleanDetails({ map: '\u200fמפה' })).toEqual({ map: '\u200fמפה' });
    // Half a character (an unpaired surrogate) becomes U+FFFD; a whole emoji stays.
    expect(cleanDetails({ 'k\ud800': 'x\udc00y', emoji: '🏓' })).toEqual({ 'k\ufffd': 'x\ufffdy', emoji: '🏓' });
  });

  it('cleans every key the same way, whatever its value: a number or a boolean too', () => {
    // The tester's payload: before, only keys with text values were cleaned, so "score\u202e"
    // reached friends and reversed their friend list.
    const cleaned = cleanDetails({ 'score\u202e': 3, 'mode\u202e': 'ranked', 'line\nbreak\u0007': true, 'ok\u2066': false, 'sep\u2028': 0 });
    expect(cleaned).toEqual({ 'score ': 3, 'mode ': 'ranked', 'line break ': true, 'ok ': false, 'sep ': 0 });
    for (const key of Object.keys(cleaned!)) expect(hasUnsafeText(key), JSON.stringify(key)).toBe(false);
  });

  it('counts two keys that clean to the same one once, the later value shown', () => {
    const many = { 'a\n': 1, 'a\t': 2, ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])) };
    const cleaned = cleanDetails(many)!;
    expect(cleaned['a ']).toBe(2);
    expect(Object.keys(cleaned)).toHaveLength(16);
    expect(cleaned.k14).toBe(14);
  });

  it('answers null for nothing to show', () => {
    expect(cleanDetails(undefined)).toBeNull();
    expect(cleanDetails({})).toBeNull();
  });
});
