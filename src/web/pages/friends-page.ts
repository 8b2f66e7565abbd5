/** The live friend list, with your own card beside it on wide screens. */
import type { Page } from './page.js';
import { h } from '../lib/dom.js';

export const friendsPage: Page = (root, ctx) => {
  const list = document.createElement('beacon-friend-list');
  list.source = ctx.client;
  const me = document.createElement('beacon-friend-card');
  me.dataset.self = 'true';
  const pending = h('p', { class: 'text-sm text-slate-400' }, 'Connecting…');
  const showSelf = (): void => {
    const self = ctx.client.self;
    if (!self) return;
    me.view = self;
    if (pending.isConnected) pending.replaceWith(me);
  };

  root.replaceChildren(
    h(
      'div',
      { class: 'grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]' },
      list,
      h(
        'aside',
        { class: 'grid content-start gap-3', 'aria-labelledby': 'you-title' },
        h('h2', { id: 'you-title', class: 'text-sm font-semibold tracking-wide text-slate-400 uppercase' }, 'You'),
        pending,
        h(
          'p',
          { class: 'text-sm text-slate-400' },
          'Change your status from the menu at the top. Choose who sees it on the ',
          h('a', { href: '#/privacy', class: 'beacon-link' }, 'Privacy'),
          ' page.',
        ),
      ),
    ),
  );
  showSelf();
  const off = ctx.client.on('self', showSelf);
  return () => {
    off();
    list.source = null;
  };
};
