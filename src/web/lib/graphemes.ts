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
