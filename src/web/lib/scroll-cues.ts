/**
 * Cues that a sideways-scrolling row hides some of its items (the header's nav at 320 px):
 * on each side with more to scroll to, a fade over the edge and a chevron, a shape and not
 * colour alone. They follow the row as it scrolls and as it or its items change size (a
 * resize, the request badge appearing), and are gone at either end and when everything fits.
 * Visual only (aria-hidden, no pointer events): a screen reader reads every item anyway, and
 * the keyboard brings each item into view clear of them, the row's scroll-padding being wider
 * than a cue (styles.css .beacon-scroll-cue).
 */
import { h } from './dom.js';

/** Less than this hidden (subpixel layout) is no more to see. */
const SLACK_PX = 1;

/**
 * The two cues for `row`, marked `data-part="<part>-more-start"` / `-end`: put them beside it in a
 * positioned box of its size, where the styles lay them over its edges.
 */
export function scrollCues(row: HTMLElement, part: string): { start: HTMLElement; end: HTMLElement } {
  const cue = (side: 'start' | 'end', chevron: string): HTMLElement =>
    h('span', { class: `beacon-scroll-cue beacon-scroll-cue-${side}`, 'aria-hidden': 'true', hidden: true, 'data-part': `${part}-more-${side}` }, chevron);
  const start = cue('start', '‹');
  const end = cue('end', '›');
  const update = (): void => {
    // Negative from the start in a right-to-left row.
    const before = Math.abs(row.scrollLeft);
    const after = row.scrollWidth - row.clientWidth - before;
    start.hidden = before <= SLACK_PX;
    end.hidden = after <= SLACK_PX;
  };
  row.addEventListener('scroll', update, { passive: true });
  // The row's own size (a resize) and each item's (the scroll width with it); also the first
  // layout, when the row is put on the page.
  const sizes = new ResizeObserver(update);
  sizes.observe(row);
  for (const item of row.children) sizes.observe(item);
  return { start, end };
}
