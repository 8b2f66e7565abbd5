/**
 * The custom message field's count: its "too many" error reads right in the singular and the
 * plural, and screen readers are told about the limit only when it is near or passed, not at
 * every key.
 */
import { describe, expect, it } from 'vitest';
import { limitNotice, NEAR_LIMIT, tooManyCharacters } from '../../../src/web/lib/graphemes.js';

describe('tooManyCharacters', () => {
  it('says "1 character too many." for one, "N characters too many." otherwise', () => {
    expect(tooManyCharacters(1)).toBe('1 character too many.');
    expect(tooManyCharacters(2)).toBe('2 characters too many.');
    expect(tooManyCharacters(40)).toBe('40 characters too many.');
  });
});

describe('limitNotice', () => {
  const MAX = 128;

  it('says nothing while typing well within the limit', () => {
    for (let n = 0; n < MAX - NEAR_LIMIT - 1; n++) expect(limitNotice(n, n + 1, MAX)).toBeNull();
  });

  it('says how many are left once, on coming within ten of the limit, however it got there', () => {
    expect(limitNotice(117, 118, MAX)).toBe('10 characters left.');
    expect(limitNotice(118, 119, MAX)).toBeNull();
    expect(limitNotice(14, 120, MAX)).toBe('8 characters left.'); // pasted
    expect(limitNotice(100, 127, MAX)).toBe('1 character left.');
  });

  it('says when the limit is reached, passed, and when the text is back within it', () => {
    expect(limitNotice(127, 128, MAX)).toBe('No characters left.');
    expect(limitNotice(128, 129, MAX)).toBe('1 character too many.');
    expect(limitNotice(129, 131, MAX)).toBeNull();
    expect(limitNotice(131, 126, MAX)).toBe('Within the limit again: 2 characters left.');
    expect(limitNotice(126, 125, MAX)).toBeNull();
    expect(limitNotice(120, 30, MAX)).toBeNull();
  });
});
