/**
 * Text length as people see it: grapheme clusters (one emoji with skin tone or a family
 * emoji is one character), via Intl.Segmenter.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** The first `max` grapheme clusters of `text` (never splits an emoji). */
export function takeGraphemes(text: string, max: number): string {
  let out = '';
  let n = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (n++ >= max) break;
    out += segment;
  }
  return out;
}

/** Inserts `insert` at the caret (or over the selection) of a text field's value. */
export function insertAt(value: string, start: number | null, end: number | null, insert: string): { value: string; caret: number } {
  const s = start ?? value.length;
  const e = end ?? s;
  return { value: value.slice(0, s) + insert + value.slice(e), caret: s + insert.length };
}
