/**
 * Keeps one element where it is on screen while its list changes around it: the row the user is
 * on (keyboard focus, or under the mouse) must not slide away when rows above it come and go
 * (200 friends changing status put the focused card 80,000 px off screen, and another card under
 * the mouse). The browser's own scroll anchoring picks the first visible node, which may be a row
 * that moved itself.
 */

/** The element that scrolls `el`: its nearest scrolling ancestor (across shadow roots), else the page. */
function scrollerOf(el: Element): Element | null {
  for (let node = parentOf(el); node; node = parentOf(node)) {
    if (node === document.documentElement || node === document.body) return null;
    const { overflowY } = getComputedStyle(node);
    if ((overflowY === 'auto' || overflowY === 'scroll') && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
}

function parentOf(el: Element): Element | null {
  if (el.parentElement) return el.parentElement;
  const root = el.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
}

/** Runs `change`, then scrolls so `anchor` (when given and still in the page) is where it was on screen. */
export function keepInPlace(anchor: Element | null, change: () => void): void {
  const top = anchor?.isConnected ? anchor.getBoundingClientRect().top : null;
  change();
  if (!anchor || top === null || !anchor.isConnected) return;
  const shift = anchor.getBoundingClientRect().top - top;
  if (Math.abs(shift) < 1) return;
  const scroller = scrollerOf(anchor);
  if (scroller) scroller.scrollTop += shift;
  else window.scrollBy(0, shift);
}
