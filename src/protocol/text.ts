/**
 * Text length as people see it: grapheme clusters (an emoji with a skin tone, or a family
 * emoji, is one character), via Intl.Segmenter. Shared by the server's validation and the
 * browser's counters, so both count the same way.
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
