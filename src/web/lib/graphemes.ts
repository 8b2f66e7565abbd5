/** Text length as people see it: the protocol's own counting, so the counter and the server agree. */
export { countGraphemes, graphemes, hasUnsafeText, hasVisibleCharacter, takeGraphemes } from '../../protocol/text.js';

/** Inserts `insert` at the caret (or over the selection) of a text field's value. */
export function insertAt(value: string, start: number | null, end: number | null, insert: string): { value: string; caret: number } {
  const s = start ?? value.length;
  const e = end ?? s;
  return { value: value.slice(0, s) + insert + value.slice(e), caret: s + insert.length };
}

/** The message field's error when `over` characters past the limit: "1 character too many." */
export function tooManyCharacters(over: number): string {
  return `${over} ${over === 1 ? 'character' : 'characters'} too many.`;
}

/** From this many characters left, the message field tells screen readers how many remain. */
export const NEAR_LIMIT = 10;

/**
 * What the message field announces when its count goes from `before` to `after` characters
 * (limit `max`), or null: only on coming near the limit, reaching it, passing it, or coming
 * back under it; never at each key (the count itself is read with the field).
 */
export function limitNotice(before: number, after: number, max: number): string | null {
  const left = (n: number): string => (n === 0 ? 'No characters left.' : `${n} ${n === 1 ? 'character' : 'characters'} left.`);
  if (after > max) return before > max ? null : tooManyCharacters(after - max);
  if (before > max) return `Within the limit again: ${left(max - after)}`;
  if (after === max && before < max) return left(0);
  if (after >= max - NEAR_LIMIT && before < max - NEAR_LIMIT) return left(max - after);
  return null;
}
