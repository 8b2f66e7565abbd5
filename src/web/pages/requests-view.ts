/**
 * Rendering helpers of the Requests page: person rows, sections and their states. A person is
 * named with their @username (display names are not unique: someone renamed "Bo" must not pass
 * for Bo), their text contained (`userText`).
 */
import { h, userText } from '../lib/dom.js';
import { nameWithUsername } from '../lib/labels.js';

export interface Person {
  id: number;
  username: string;
  display_name: string;
}

/** Someone whose name is not read (yet): what the row says instead ("Loading…"). */
export interface Unnamed {
  id: number;
  placeholder: string;
}

/** A person in a sentence or a button's name: "Bo (@bo)", or the placeholder. */
export function nameOf(p: Person | Unnamed): string {
  return 'placeholder' in p ? p.placeholder : nameWithUsername(p);
}

export function section(title: string, id: string, ...children: Array<Node | null>): HTMLElement {
  return h(
    'section',
    { class: 'beacon-panel p-4 sm:p-5', 'aria-labelledby': id },
    h('h2', { id, class: 'mb-3 text-base font-semibold text-white' }, title),
    ...children,
  );
}

/** One person with their actions on the right; they wrap under the name on phones. */
export function personRow(p: Person | Unnamed, ...actions: Array<Node | null>): HTMLLIElement {
  const name = 'placeholder' in p
    ? [h('p', { class: 'font-medium text-slate-300' }, p.placeholder)]
    : [
        h('p', { class: 'font-medium text-slate-100' }, userText(p.display_name)),
        h('p', { class: 'text-xs text-slate-400' }, userText(`@${p.username}`)),
      ];
  return h(
    'li',
    { class: 'flex flex-wrap items-center justify-between gap-2 py-2.5', 'data-username': 'placeholder' in p ? null : p.username },
    // Grows into the row's free width (a bare min-w-0 item was squeezed to a few letters, its
    // @username broken mid-word); below 12rem beside the actions, these wrap under it instead.
    h('div', { class: 'min-w-0 grow basis-48' }, ...name),
    h('div', { class: 'flex flex-wrap items-center gap-2' }, ...actions),
  );
}

export function button(label: string, onClick: () => void, variant: 'primary' | 'plain' | 'danger' = 'plain', accessibleName?: string): HTMLButtonElement {
  const cls = { primary: 'beacon-btn-primary', plain: 'beacon-btn', danger: 'beacon-btn-danger' }[variant];
  const b = h('button', { type: 'button', class: cls, 'aria-label': accessibleName ?? null }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function list(items: HTMLLIElement[], empty: string): HTMLElement {
  if (items.length === 0) return h('p', { class: 'text-sm text-slate-400', 'data-state': 'empty' }, empty);
  return h('ul', { class: 'divide-y divide-slate-700/70' }, ...items);
}

export function loading(): HTMLElement {
  return h('p', { class: 'text-sm text-slate-400', role: 'status', 'data-state': 'loading' }, 'Loading…');
}

export function failure(message: string, retry: () => void): HTMLElement {
  return h(
    'div',
    { class: 'beacon-empty', role: 'alert', 'data-state': 'error' },
    h('p', { class: 'text-slate-200' }, message),
    button('Retry', retry, 'primary'),
  );
}
