/**
 * Room kept clear of the boxes fixed or sticky over the page, so keyboard focus, an in-page
 * link or scrollIntoView() never leaves what it brings into view under them (WCAG 2.4.11).
 * Each box's size is followed by a ResizeObserver (a card shown, hidden or growing; a header
 * wrapping to two rows on a phone) and published as a root CSS variable the styles use:
 *
 * - At the bottom (keepClearOf): the boxes fixed over the bottom-right corner (the invitations
 *   card, the notification toasts). `--beacon-corner-clearance` is the height they take up from
 *   the bottom of the viewport (the largest, when both show), 0 when none shows; the styles
 *   make it the page's bottom padding (the last rows scroll clear of the box) and its
 *   `scroll-padding-bottom` (what is tabbed to is scrolled into view above the box). A box may
 *   also say how much room it takes in a variable of its own (`stackVar`), for a box stacked
 *   above it: the toasts sit above the invitations card (INVITES_ROOM) rather than over its buttons.
 * - At the top (keepClearOfHeader): the signed-in header, which is sticky.
 *   `--beacon-header-clearance` is its height, which the styles make the `scroll-padding-top`.
 */

/** Room beside a box too, so a focus ring (2 px, offset 2 px) shows clear of it. */
const GAP_PX = 8;

/**
 * The invitations card's room from the bottom of the viewport, for the toasts above it. The
 * toasts' Tailwind class spells it out (`bottom-[max(1rem,var(--beacon-invites-room,0px))]`:
 * Tailwind reads class names as written), which a unit test holds to this name.
 */
export const INVITES_ROOM = '--beacon-invites-room';

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

/** Keeps what is scrolled to clear of `header` (sticky at the top) while it shows; returns the function that stops. */
export function keepClearOfHeader(header: HTMLElement): () => void {
  const root = document.documentElement.style;
  const sizes = new ResizeObserver(() => {
    const height = header.getBoundingClientRect().height;
    root.setProperty('--beacon-header-clearance', `${height > 0 ? Math.ceil(height) + GAP_PX : 0}px`);
  });
  sizes.observe(header);
  return () => {
    sizes.disconnect();
    root.removeProperty('--beacon-header-clearance');
  };
}
