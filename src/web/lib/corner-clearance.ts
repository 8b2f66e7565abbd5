/**
 * Room kept at the bottom of the page for the boxes fixed over its bottom-right corner (the
 * invitations card, the notification toasts), so keyboard focus is never hidden under them
 * (WCAG 2.4.11). While one shows, the root's `--beacon-corner-clearance` is the height it
 * takes up from the bottom of the viewport (the largest, when both do), and 0 when none
 * shows; the styles make that the page's bottom padding (the last rows scroll clear of the
 * box) and its `scroll-padding-bottom` (what is tabbed to is scrolled into view above the box).
 * Kept in step with the boxes' size by a ResizeObserver: a card shown, hidden, or growing.
 */

/** Room above a box too, so a focus ring (2 px, offset 2 px) shows clear of it. */
const GAP_PX = 8;

/** Each box's room, in px. */
const room = new Map<Element, number>();

function apply(): void {
  const px = Math.max(0, ...room.values());
  document.documentElement.style.setProperty('--beacon-corner-clearance', `${px}px`);
}

/** Keeps the page clear of `box` (fixed at the bottom of the viewport) while it shows; returns the function that stops. */
export function keepClearOf(box: HTMLElement): () => void {
  const sizes = new ResizeObserver(() => {
    const r = box.getBoundingClientRect();
    room.set(box, r.height > 0 ? Math.ceil(window.innerHeight - r.top) + GAP_PX : 0);
    apply();
  });
  sizes.observe(box);
  return () => {
    sizes.disconnect();
    room.delete(box);
    apply();
  };
}
