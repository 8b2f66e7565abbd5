/**
 * One Friends page: Online / All / Pending tabs with live counts (WAI-ARIA tabs: arrows
 * switch), a filter over the Online and All lists (display name or @username, case and accents
 * ignored; how many it shows is said once it settles, Escape clears it), the friend list with a
 * menu per friend, the Pending tab's requests and search,
 * and your own card beside it on wide screens showing what friends see of you. One notice
 * line says what the user's last action did (lib/notice.ts); switching tabs clears it. The tab
 * shown is in the address (`#/friends`, `#/friends/online`, `#/requests`: router.ts), so a
 * reload keeps it.
 */
import type { Page } from './page.js';
import type { FriendCardElement } from '../elements/friend-card.js';
import { FriendListElement } from '../elements/friend-list.js';
import { h } from '../lib/dom.js';
import { notice } from '../lib/notice.js';
import { onlineCount } from '../lib/status-order.js';
import { filterSummary } from '../lib/friend-filter.js';
import { friendMenu, type FriendMenu } from './friend-menu.js';
import { pendingPanel } from './pending-panel.js';
import { connectionLabel } from '../lib/labels.js';
import { NextDay } from '../lib/as-of.js';
import { showFriendsTab, type FriendsTab } from '../router.js';

type Tab = FriendsTab;
const TABS: Array<{ tab: Tab; label: string }> = [
  { tab: 'online', label: 'Online' },
  { tab: 'all', label: 'All' },
  { tab: 'pending', label: 'Pending' },
];

export const friendsPage: Page = (root, ctx, opts) => {
  const { client } = ctx;
  let tab: Tab = opts?.tab ?? 'all';
  const said = notice();
  const list = new FriendListElement();
  /** Each friend's card and its menu, by user id: categories changed on another device find the menu here. */
  const menus = new Map<number, { card: FriendCardElement; menu: FriendMenu }>();
  // Called when a card is new or its friend's view changed: a card keeps its menu, which
  // follows renames (the names in it must not stay the old ones).
  list.decorate = (card, view) => {
    const kept = menus.get(view.user_id);
    if (kept?.card === card) return kept.menu.update(view);
    const menu = friendMenu(view, {
      api: ctx.api,
      notify: (...parts) => said.say(...parts),
      afterRemove: () => tabs.get(tab)?.focus(),
    });
    menus.set(view.user_id, { card, menu });
    card.menu = menu.element;
  };
  list.source = client;
  const filter = friendFilterBox(list);
  /** The Online and All tabs' view: the filter over the list. */
  const listView = h('div', { 'data-part': 'friends-view' }, filter.element, list);
  const pending = h('div', { 'data-part': 'pending' });
  let leavePending: (() => void) | null = null;
  const panel = h('div', { id: 'friends-panel', role: 'tabpanel', class: 'mt-4' });
  const tabs = new Map<Tab, HTMLButtonElement>();
  const counts = new Map<Tab, HTMLElement>();
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Friends', class: 'flex gap-1 border-b border-slate-700' },
    ...TABS.map(({ tab: t, label }) => {
      const count = h('span', { class: 'beacon-count', 'data-part': `count-${t}` });
      counts.set(t, count);
      const b = h('button', { type: 'button', role: 'tab', id: `tab-${t}`, 'aria-controls': 'friends-panel', class: 'beacon-tab', 'data-tab': t }, label, count);
      b.addEventListener('click', () => select(t, false));
      b.addEventListener('keydown', (e) => {
        const i = TABS.findIndex((x) => x.tab === t);
        const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (!step) return;
        e.preventDefault();
        const next = TABS[(i + step + TABS.length) % TABS.length];
        if (next) select(next.tab, true);
      });
      tabs.set(t, b);
      return b;
    }));

  function select(t: Tab, focus: boolean): void {
    // What was said about the other tab's lists is not about this one.
    if (t !== tab) said.clear();
    tab = t;
    for (const [k, b] of tabs) {
      b.setAttribute('aria-selected', String(k === t));
      b.tabIndex = k === t ? 0 : -1;
    }
    panel.setAttribute('aria-labelledby', `tab-${t}`);
    // In the address too: a reload (or the address copied) opens this tab again, not All.
    showFriendsTab(t);
    if (t === 'pending') {
      if (!leavePending) leavePending = pendingPanel(pending, ctx, said);
      panel.replaceChildren(pending);
    } else {
      list.filter = t;
      panel.replaceChildren(listView);
    }
    if (focus) tabs.get(t)?.focus();
  }

  function renderCounts(): void {
    const friends = client.friends();
    const loaded = client.self !== null || friends.length > 0;
    counts.get('online')?.replaceChildren(loaded ? String(onlineCount(friends)) : '');
    counts.get('all')?.replaceChildren(loaded ? String(friends.length) : '');
    counts.get('pending')?.replaceChildren(ctx.requests.loaded ? String(ctx.requests.incoming.length) : '');
  }

  const me = document.createElement('beacon-friend-card');
  me.dataset.self = 'true';
  // What friends see of you depends on your settings, and is only known while the connection is live.
  const showOwn = (): void => {
    const state = connectionLabel(client);
    me.own = { settings: ctx.settings.value, connection: { state, lastSyncAt: client.lastSyncAt } };
    // Not live: drawn again after midnight, when the card's "as of" needs the date.
    if (state === 'connected') ownNextDay.disarm();
    else ownNextDay.arm();
  };
  const ownNextDay = new NextDay(showOwn);
  showOwn();
  const you = h('p', { class: 'text-sm text-slate-400', 'data-state': 'loading' }, 'Your card appears as soon as Beacon answers.');
  const showSelf = (): void => {
    const self = client.self;
    if (!self) return;
    me.view = self;
    if (you.isConnected) you.replaceWith(me);
  };

  root.replaceChildren(
    h(
      'div',
      { class: 'grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]' },
      h('div', { class: 'min-w-0' },
        h('h1', { class: 'text-xl font-bold text-white', tabindex: -1 }, 'Friends'), said.element, tablist, panel),
      h(
        'aside',
        { class: 'grid min-w-0 content-start gap-3', 'aria-labelledby': 'you-title' },
        h('h2', { id: 'you-title', class: 'text-sm font-semibold tracking-wide text-slate-400 uppercase' }, 'You, as friends see you'),
        you,
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
  select(tab, false);
  renderCounts();
  showSelf();
  const offs = [
    client.on('self', showSelf),
    client.on('friends', renderCounts),
    client.on('ready', renderCounts),
    client.on('friend_updated', ({ friend }) => menus.get(friend.user_id)?.menu.setCategory(friend.category)),
    client.on('friend_removed', ({ friendId }) => menus.delete(friendId)),
    ctx.requests.onChange(renderCounts),
    ctx.settings.onChange(showOwn),
    client.on('state', showOwn),
  ];
  return () => {
    ownNextDay.disarm();
    filter.dispose();
    said.clear();
    offs.forEach((off) => off());
    leavePending?.();
    list.source = null;
  };
};

/** After this pause in typing, the filter's result is said (once, not at every key). */
const SETTLE_MS = 600;

/**
 * The filter box over the friend list: a labelled search field; each change filters the list
 * (drawn at the next frame) and, once typing pauses, a polite status line says how many friends
 * it shows. Escape clears it (and says so); an empty field leaves Escape to the page.
 */
function friendFilterBox(list: FriendListElement): { element: HTMLElement; dispose(): void } {
  const input = h('input', {
    id: 'friend-filter', type: 'search', class: 'beacon-input w-full sm:max-w-xs', autocomplete: 'off',
    placeholder: 'Name or @username', spellcheck: 'false', autocapitalize: 'none', 'aria-controls': 'friends-panel',
  });
  const said = h('p', { class: 'sr-only', role: 'status', 'data-part': 'filter-count' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = (): void => {
    list.query = input.value;
    // What was said of the last text is not about this one; the new count comes when typing pauses.
    said.textContent = '';
    clearTimeout(timer);
    timer = setTimeout(() => (said.textContent = filterSummary(input.value, list.shownCount)), SETTLE_MS);
  };
  input.addEventListener('input', apply);
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || input.value === '') return;
    e.preventDefault();
    input.value = '';
    apply();
  });
  const element = h('div', { class: 'mb-3', 'data-part': 'friend-filter' },
    h('label', { for: 'friend-filter', class: 'mb-1.5 block text-sm text-slate-300' }, 'Filter friends'), input, said);
  return { element, dispose: () => clearTimeout(timer) };
}
