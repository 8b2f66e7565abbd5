/**
 * Room kept at the bottom of the page for the boxes fixed over its bottom-right corner (the
 * invitations card, the notification toasts), so keyboard focus is never hidden under them
 * (WCAG 2.4.11). While one shows, the root's `--beacon-corner-clearance` is the height it
 * takes up from the bottom of the viewport (the largest, when both do), and 0 when none
 * shows; the styles make that the page's bottom padding (the last rows scroll clear of the
 * box) and its `scroll-padding-bottom` (what is tabbed to is scrolled into view above the box).
 * A box may also say how much room it takes in a variable of its own (`stackVar`), for a box
 * stacked above it: the toasts sit above the invitations card rather than over its buttons.
 * Kept in step with the boxes' size by a ResizeObserver: a card shown, hidden, or growing.
 */

/** Room above a box too, so a focus ring (2 px, offset 2 px) shows clear of it. */
const GAP_PX = 8;

/** The boxes kept clear of, with the variable each publishes its room in (if any). */
const boxes = new Map<HTMLElement, string | null>();

/** `box`'s room from the bottom of the viewport, in px (0 while it shows nothing). */
function roomOf(box: HTMLElement): number {
  const r = box.getBoundingClientRect();
  return r.height > 0 ? Math.ceil(window.innerHeight - r.top) + GAP_PX : 0;
}

/**
 * Measures every box again: one moving (a card shown under the toasts) moves the boxes stacked
 * above it without resizing them. The boxes others stack on first, so those are measured where
 * the new room puts them.
 */
function apply(): void {
  const root = document.documentElement.style;
  for (const [box, stackVar] of boxes) if (stackVar) root.setProperty(stackVar, `${roomOf(box)}px`);
  const px = Math.max(0, ...[...boxes.keys()].map(roomOf));
  root.setProperty('--beacon-corner-clearance', `${px}px`);
}

/**
 * Keeps the page clear of `box` (fixed at the bottom of the viewport) while it shows; returns
 * the function that stops. `stackVar`: the root variable that holds its room too (0px when it
 * shows nothing), for a box placed above it.
 */
export function keepClearOf(box: HTMLElement, stackVar: string | null = null): () => void {
  boxes.set(box, stackVar);
  const sizes = new ResizeObserver(apply);
  sizes.observe(box);
  return () => {
    sizes.disconnect();
    boxes.delete(box);
    if (stackVar) document.documentElement.style.removeProperty(stackVar);
    apply();
  };
}
