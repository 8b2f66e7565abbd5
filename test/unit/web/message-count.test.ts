/** The custom message field's "too many" error reads right in the singular and the plural. */
import { describe, expect, it } from 'vitest';
import { tooManyCharacters } from '../../../src/web/lib/graphemes.js';

describe('tooManyCharacters', () => {
  it('says "1 character too many." for one, "N characters too many." otherwise', () => {
    expect(tooManyCharacters(1)).toBe('1 character too many.');
    expect(tooManyCharacters(2)).toBe('2 characters too many.');
    expect(tooManyCharacters(40)).toBe('40 characters too many.');
  });
});
