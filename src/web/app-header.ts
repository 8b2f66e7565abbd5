/**
 * The signed-in header: brand, navigation (with the live request badge), connection
 * state, own status, logout. Two compact rows on phones (controls, then navigation, which
 * scrolls sideways, shows a fade and chevron on a side that hides links and brings the focused
 * link into view), one row from `md` up; nothing in it wraps inside a control.
 */
import type { PresenceClient } from '../client/presence-client.js';
import type { User } from './lib/label-types.js';
import type { Route } from './router.js';
import type { SettingsStore } from './lib/settings-store.js';
import { h, srOnly } from './lib/dom.js';
import { StatusMenuElement } from './elements/status-menu.js';
import { scrollCues } from './lib/scroll-cues.js';

const NAV: Array<{ route: Route; label: string }> = [
  { route: 'friends', label: 'Friends' },
  { route: 'privacy', label: 'Privacy' },
  { route: 'schedule', label: 'Schedule' },
  { route: 'account', label: 'Account' },
  { route: 'play', label: 'Play' },
];

export interface Header {
  element: HTMLElement;
  setRoute(route: Route): void;
  setRequestCount(n: number): void;
}

/** The frame's brand link, also used by the signed-out error frame. */
export function brand(): HTMLElement {
  return h(
    'a',
    { href: '#/friends', class: 'flex shrink-0 items-center gap-2 rounded-md font-bold text-white' },
    h('beacon-status-dot', { status: 'online', class: 'size-5', 'aria-hidden': 'true' }),
    h('span', { class: 'max-sm:sr-only' }, 'Beacon'),
  );
}

export function buildHeader(user: User, client: PresenceClient, settings: SettingsStore, onLogout: () => void): Header {
  const links = new Map<Route, HTMLAnchorElement>();
  const badge = h('span', { class: 'beacon-badge', hidden: true, 'data-part': 'request-badge' });
  const nav = h(
    'nav',
    // p-1 (given back by the box's -m-1): room inside the scrolling row for a link's focus ring
    // (outline 2 px at 2 px). scroll-px-8: a link the keyboard reaches is brought clear of the
    // scroll cues (w-6), ring and all.
    { 'aria-label': 'Main', class: 'flex min-w-0 flex-1 scroll-px-8 gap-0.5 overflow-x-auto p-1 md:gap-1' },
    ...NAV.map(({ route, label }) => {
      const a = h('a', { href: `#/${route}`, class: 'beacon-nav-link' }, label, route === 'friends' ? badge : null);
      links.set(route, a);
      return a;
    }),
  );
  // On a phone the row scrolls sideways, and Chromium leaves a link the keyboard reaches where it
  // is when a sliver of it shows (Play: 2 px at 320 px): bring it fully into view.
  nav.addEventListener('focusin', (e) => {
    if (e.target instanceof HTMLElement) e.target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  });
  // Nothing else says the row scrolls: a fade and chevron on each side that hides links.
  const cues = scrollCues(nav, 'nav');
  const navBox = h('div', { class: 'relative order-last -m-1 flex w-[calc(100%+0.5rem)] min-w-0 md:order-none md:w-auto' }, cues.start, nav, cues.end);
  const connection = document.createElement('beacon-connection-state');
  connection.client = client;
  const menu = new StatusMenuElement();
  menu.account = user.id;
  menu.client = client;
  menu.settings = settings;
  menu.classList.add('min-w-0');
  const logout = h('button', { type: 'button', class: 'beacon-btn shrink-0 text-sm whitespace-nowrap' }, 'Log out');
  logout.addEventListener('click', onLogout);

  const element = h(
    'header',
    { class: 'sticky top-0 z-20 border-b border-slate-800 bg-slate-950/90 backdrop-blur supports-[backdrop-filter]:bg-slate-950/75' },
    h(
      'div',
      { class: 'mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1.5 px-3 py-2 sm:px-6' },
      brand(),
      navBox,
      h(
        'div',
        // Below md the nav has its own row: this group takes what the brand leaves on the first (flex-1
        // from a zero basis), so long status words shrink inside it rather than wrap the header.
        { class: 'ml-auto flex min-w-0 items-center justify-end gap-2 max-md:flex-1' },
        connection,
        menu,
        h('span', { class: 'hidden text-sm text-slate-400 lg:inline', 'data-part': 'me' }, `@${user.username}`),
        logout,
      ),
    ),
  );

  return {
    element,
    setRoute(route) {
      const current = route === 'requests' ? 'friends' : route;
      for (const [r, a] of links) {
        if (r === current) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
    },
    setRequestCount(n) {
      badge.hidden = n === 0;
      badge.replaceChildren(String(n), srOnly(n === 1 ? ' pending request' : ' pending requests'));
    },
  };
}
