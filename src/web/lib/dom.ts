/**
 * A tiny element builder. User-provided text only ever goes through textContent, so no
 * screen can be tricked into rendering a display name as HTML.
 */
type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Visually hidden text for screen readers (Tailwind's sr-only). */
export function srOnly(text: string): HTMLSpanElement {
  return h('span', { class: 'sr-only' }, text);
}

/** Replaces all children at once, so screen readers and layout see one change. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => Boolean(c)));
}

/**
 * A date or time formatted in the viewer's locale, inside an English sentence: isolated for bidi
 * (`<bdi>`), so a right-to-left locale's date ("الاثنين، ٧ ديسمبر") keeps its own order and does
 * not pull the sentence's punctuation or words into it.
 */
export function bdi(text: string): HTMLElement {
  return h('bdi', {}, text);
}

/**
 * A date or time in the viewer's locale inside an attribute's sentence (a `title`, whose text
 * cannot hold a `<bdi>`): isolated with FSI … PDI (U+2068, U+2069), as `<bdi>` isolates it in
 * the page, so a right-to-left locale's date keeps its own order in the tooltip's sentence.
 */
export function isolated(text: string): string {
  return `\u2068${text}\u2069`;
}

/**
 * Text a user controls (a name, a message) inside a sentence: clipped to its own box
 * (`beacon-ugc`, so combining-mark stacks never paint over the rest) and isolated for bidi.
 */
export function userText(text: string): HTMLSpanElement {
  return h('span', { class: 'beacon-ugc', dir: 'auto' }, text);
}
