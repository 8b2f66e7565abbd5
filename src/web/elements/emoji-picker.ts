/**
 * <beacon-emoji-picker>: a disclosure button that opens a searchable emoji grid backed by
 * emojibase-data (the maintained Unicode emoji data set), loaded on first open. Picking
 * one fires `beacon:emoji` with the emoji as detail and returns focus to the button.
 * Enter in the search picks the first emoji shown: the picker sits inside the status menu's
 * message form, where Enter in a field would otherwise submit the form (it saved the message
 * without the emoji being looked for).
 */
import { h } from '../lib/dom.js';
import { searchEmoji, type Emoji } from '../lib/emoji-search.js';

let dataset: Promise<Emoji[]> | null = null;

function loadEmoji(): Promise<Emoji[]> {
  dataset ??= import('emojibase-data/en/compact.json').then((m) =>
    (m.default as Emoji[])
      // group 2 is "component" (skin tones, hair): not emoji on their own
      .filter((e) => typeof e.group === 'number' && e.group !== 2)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0)),
  );
  return dataset;
}

let nextId = 0;

export class EmojiPickerElement extends HTMLElement {
  static define(tag = 'beacon-emoji-picker', registry = customElements): typeof EmojiPickerElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  readonly #id = `beacon-emoji-${++nextId}`;
  #toggle = h('button', { type: 'button', class: 'beacon-btn', 'aria-expanded': 'false', 'aria-controls': this.#id, 'data-part': 'emoji-toggle' },
    h('span', { 'aria-hidden': 'true' }, '☺'), 'Emoji');
  #search = h('input', { type: 'search', id: `${this.#id}-search`, class: 'beacon-input w-full', autocomplete: 'off', placeholder: 'smile, heart, pong…' });
  #grid = h('div', { class: 'mt-2 grid grid-cols-8 gap-1', role: 'group', 'aria-label': 'Emoji', 'data-part': 'emoji-grid' });
  #status = h('p', { class: 'mt-1 text-xs text-slate-400', role: 'status' });
  #panel = h('div', { id: this.#id, hidden: true, class: 'mt-2 rounded-lg border border-slate-700 bg-slate-950 p-2' },
    h('label', { for: `${this.#id}-search`, class: 'mb-1 block text-xs text-slate-300' }, 'Search emoji'), this.#search, this.#grid, this.#status);
  #all: Emoji[] = [];

  connectedCallback(): void {
    if (this.firstChild) return;
    this.#toggle.addEventListener('click', () => this.#setOpen(this.#panel.hidden));
    this.#search.addEventListener('input', () => this.#render());
    this.#search.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      this.#grid.querySelector<HTMLButtonElement>('button')?.click();
    });
    this.#panel.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation(); // close the picker, not the whole status menu
      this.#setOpen(false);
      this.#toggle.focus();
    });
    this.append(this.#toggle, this.#panel);
  }

  #setOpen(open: boolean): void {
    this.#panel.hidden = !open;
    this.#toggle.setAttribute('aria-expanded', String(open));
    if (!open) return;
    this.#search.focus();
    if (this.#all.length > 0) return this.#render();
    this.#status.textContent = 'Loading emoji…';
    loadEmoji().then(
      (all) => {
        this.#all = all;
        this.#render();
      },
      () => {
        this.#status.textContent = 'Could not load the emoji list. Type an emoji with your keyboard instead.';
      },
    );
  }

  #render(): void {
    const shown = searchEmoji(this.#all, this.#search.value);
    this.#grid.replaceChildren(...shown.map((e) => {
      // The name is the emoji's label; the glyph itself is decoration for screen readers.
      const b = h('button', { type: 'button', class: 'grid size-9 cursor-pointer place-items-center rounded-md text-xl hover:bg-slate-700', title: e.label, 'data-emoji': e.unicode },
        h('span', { 'aria-hidden': 'true' }, e.unicode), h('span', { class: 'sr-only' }, e.label));
      b.addEventListener('click', () => {
        this.dispatchEvent(new CustomEvent('beacon:emoji', { detail: e.unicode, bubbles: true }));
        this.#setOpen(false);
      });
      return b;
    }));
    this.#status.textContent = shown.length === 0 ? 'No emoji match that.' : '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-emoji-picker': EmojiPickerElement;
  }
  interface HTMLElementEventMap {
    'beacon:emoji': CustomEvent<string>;
  }
}
