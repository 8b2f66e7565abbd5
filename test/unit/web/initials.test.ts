import { describe, expect, it } from 'vitest';
import { initials } from '../../../src/web/lib/initials.js';

const ACUTE = '\u0301';
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';

describe('avatar initials', () => {
  it('takes the first letter of two words, or the first two of one, upper-cased', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  zed  ')).toBe('ZE');
    expect(initials('Bo')).toBe('BO');
    expect(initials('')).toBe('?');
  });

  it('keeps a letter with its combining marks whole, however many', () => {
    expect(initials(`e${ACUTE}mile zola`)).toBe(`E${ACUTE}Z`);
    expect(initials(`Z${ACUTE}${ACUTE}${ACUTE}ed`)).toBe(`Z${ACUTE}${ACUTE}${ACUTE}E`);
    expect(initials(`Z${ACUTE.repeat(12)}`.repeat(3))).toBe(`Z${ACUTE.repeat(12)}`.repeat(2));
  });

  it('keeps an emoji whole: a skin tone, a family, a flag, never half a surrogate pair', () => {
    expect(initials('👍🏽 Thumbs')).toBe('👍🏽T');
    expect(initials(FAMILY)).toBe(FAMILY);
    expect(initials(`${FAMILY}x`)).toBe(`${FAMILY}X`);
    expect(initials('🇫🇷🇩🇪')).toBe('🇫🇷🇩🇪');
    expect(initials('🎉 Party')).toBe('🎉P');
  });

  it('skips what draws nothing alone: a leading combining mark, a joiner, a filler', () => {
    expect(initials(`${ACUTE}abc`)).toBe('AB');
    expect(initials('\u200Dbo \u3164cy')).toBe('BC');
    expect(initials(`${ACUTE} Bo`)).toBe('BO');
  });
});
