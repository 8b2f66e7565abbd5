/**
 * The elements' own styles, inside their shadow roots: the host page's CSS cannot break
 * them and they need none of Beacon's. Everything a page may want to change goes through
 * the documented `--beacon-*` custom properties (which do cross the shadow boundary) or
 * `::part()`. Defaults suit a light page; see docs/integration.md (Elements).
 */
export const BASE_CSS = `
:host {
  --_font: var(--beacon-font, inherit);
  --_text: var(--beacon-color-text, inherit);
  --_muted: var(--beacon-color-muted, #52525b);
  --_surface: var(--beacon-color-surface, #ffffff);
  --_border: var(--beacon-color-border, #d4d4d8);
  --_accent: var(--beacon-color-accent, #4338ca);
  --_on-accent: var(--beacon-color-on-accent, #ffffff);
  --_hover: var(--beacon-color-hover, rgba(0, 0, 0, 0.05));
  --_radius: var(--beacon-radius, 8px);
  --_space: var(--beacon-spacing, 8px);
  --_dot: var(--beacon-dot-size, 0.75em);
  --_error: var(--beacon-color-error, #b91c1c);
  font-family: var(--_font);
  color: var(--_text);
  /*
   * Inherited properties cross the shadow boundary: the page's text layout stops here (a header in
   * capitals showed a name as someone else's, "bo" as "BO"; a nowrap toolbar ran messages out of
   * the box). Font and colour stay the page's, as documented; a rule on the element itself still wins.
   */
  text-transform: none; letter-spacing: normal; word-spacing: normal;
  text-align: start; text-indent: 0; white-space: normal;
  display: block;
  box-sizing: border-box;
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: inherit; }
.dot { width: var(--_dot); height: var(--_dot); flex: none; display: inline-block; vertical-align: -0.1em; }
.dot.online { color: var(--beacon-color-online, #16a34a); }
.dot.away { color: var(--beacon-color-away, #ca8a04); }
.dot.busy { color: var(--beacon-color-busy, #9333ea); }
.dot.in_game { color: var(--beacon-color-in-game, #2563eb); }
.dot.offline { color: var(--beacon-color-offline, #71717a); }
/* A status that is not live (the last known one): grey, whatever the status, never a live colour. */
.dot.stale { color: var(--beacon-color-stale, var(--_muted)); }
.muted { color: var(--_muted); }
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
button, input { font: inherit; color: inherit; }
button {
  cursor: pointer; border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_surface); padding: calc(var(--_space) * 0.5) var(--_space);
}
button.primary { background: var(--_accent); color: var(--_on-accent); border-color: var(--_accent); }
:focus-visible { outline: 2px solid var(--beacon-color-focus, var(--_accent)); outline-offset: 2px; }
.state { margin: 0; padding: var(--_space); color: var(--_muted); }
.error { color: var(--_error); }
@media (prefers-reduced-motion: no-preference) {
  .flash { animation: beacon-flash 1s ease-out; }
}
@keyframes beacon-flash { from { background: var(--_hover); } to { background: transparent; } }
`;

const sheets = new Map<string, CSSStyleSheet>();

/**
 * Adopts `css` into `root` as a constructed stylesheet (shared by every instance, and
 * allowed under a strict style-src CSP); falls back to a <style> element without support.
 */
export function adoptStyles(root: ShadowRoot, ...css: string[]): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    root.adoptedStyleSheets = css.map((text) => {
      let sheet = sheets.get(text);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(text);
        sheets.set(text, sheet);
      }
      return sheet;
    });
    return;
  }
  for (const text of css) {
    const style = document.createElement('style');
    style.textContent = text;
    root.append(style);
  }
}
