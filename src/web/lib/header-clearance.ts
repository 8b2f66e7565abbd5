/**
 * Room kept at the top of the page for the signed-in header, which is sticky: what keyboard
 * focus, an in-page link or scrollIntoView() brings into view is scrolled clear of it, not left
 * under it (WCAG 2.4.11). While the header shows, the root's `--beacon-header-clearance` is its
 * height and a gap for a focus ring; the styles make that the page's `scroll-padding-top`. The
 * header is one row from `md` up and two on phones (and a long status may wrap it), so its size
 * is followed by a ResizeObserver rather than written down.
 */

/** Room below the header too, so a focus ring (2 px, offset 2 px) shows clear of it. */
const GAP_PX = 8;

const VAR = '--beacon-header-clearance';

/** Keeps what is scrolled to clear of `header` (sticky at the top) while it shows; returns the function that stops. */
export function keepClearOfHeader(header: HTMLElement): () => void {
  const root = document.documentElement.style;
  const sizes = new ResizeObserver(() => {
    const height = header.getBoundingClientRect().height;
    root.setProperty(VAR, `${height > 0 ? Math.ceil(height) + GAP_PX : 0}px`);
  });
  sizes.observe(header);
  return () => {
    sizes.disconnect();
    root.removeProperty(VAR);
  };
}
