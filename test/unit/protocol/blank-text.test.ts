/**
 * isBlankText decides whether a custom message is none (status-commands.ts); the web app's
 * message form decides so by hasVisibleCharacter. One rule: a message the form sends is one the
 * server keeps, and what shows nothing is none whichever client sent it.
 */
import { describe, expect, it } from 'vitest';
import { hasVisibleCharacter, isBlankText } from '../../../src/protocol/text.js';

describe('isBlankText', () => {
  it.each([
    ['the Arabic end of ayah', '\u06dd'],
    ['the Arabic number sign', '\u0600'],
    ['the Syriac abbreviation mark', '\u070f'],
    ['an emoji with a zero-width joiner', '👩\u200d💻'],
    ['right-to-left text after a mark', '\u200fשלום'],
    ['a word with a variation selector', 'ok\ufe0f'],
  ])('keeps %s as a message: it is drawn', (_what, text) => {
    expect(isBlankText(text)).toBe(false);
  });

  it.each([
    ['a variation selector', '\ufe0f'],
    ['an ideographic variation selector', '\u{e0100}'],
    ['the Mongolian free variation selector', '\u180b'],
    ['a Khmer inherent vowel', '\u17b4'],
    ['the musical null notehead', '\u{1d159}'],
    ['a zero-width space', '\u200b'],
    ['spaces and a right-to-left mark', ' \u200f '],
  ])('takes %s alone for no message: it shows nothing', (_what, text) => {
    expect(isBlankText(text)).toBe(true);
  });

  it('says what the web app’s message form says', () => {
    for (const text of ['', ' ', '\u06dd', '\ufe0f', '\u0301', '\u3164', 'a', '\u200b\u2060', '\u2800']) {
      expect(isBlankText(text), JSON.stringify(text)).toBe(!hasVisibleCharacter(text));
    }
  });
});
