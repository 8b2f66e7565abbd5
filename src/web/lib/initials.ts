/**
 * The letters on a friend's avatar: the first character of each of the first two words ("Ada
 * Lovelace" → "AL"), or the first two of a single word ("Zed" → "ZE"), upper-cased; "?" when
 * there is none. A character is a whole grapheme (graphemes.ts): an accent stays on its letter,
 * an emoji with a skin tone or a family emoji stays whole, never half of one. What draws nothing
 * on its own (a combining mark with no letter before it, a joiner, a Hangul filler) is skipped.
 */
import { graphemes, hasVisibleCharacter } from './graphemes.js';

export function initials(name: string): string {
  const words = name.split(/\s+/).map((w) => graphemes(w).filter(hasVisibleCharacter)).filter((g) => g.length > 0);
  const [first, second] = words;
  const picked = second ? [first?.[0], second[0]] : (first ?? []).slice(0, 2);
  return picked.join('').toUpperCase() || '?';
}
