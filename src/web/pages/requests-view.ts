/** Rendering helpers of the Requests page: person rows, sections and their states. */
import { h } from '../lib/dom.js';

export interface Person {
  id: number;
  username: string;
  display_name: string;
}

export function section(title: string, id: string, ...children: Array<Node | null>): HTMLElement {
  return h(
    'section',
    { class: 'beacon-panel p-4 sm:p-5', 'aria-labelledby': id },
    h('h2', { id, class: 'mb-3 text-base font-semibold text-white' }, title),
    ...children,
  );
}

/** One person with their actions on the right; wraps under the name on phones. */
export function personRow(p: Person, ...actions: Array<Node | null>): HTMLLIElement {
  return h(
    'li',
    { class: 'flex flex-wrap items-center justify-between gap-2 py-2.5', 'data-username': p.username },
    h(
      'div',
      { class: 'min-w-0' },
      h('p', { class: 'truncate font-medium text-slate-100' }, p.display_name),
      h('p', { class: 'truncate text-xs text-slate-400' }, `@${p.username}`),
    ),
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
