/** Hash routes, so the server needs no SPA fallback and deep links still work. */
export const ROUTES = ['friends', 'requests', 'privacy', 'schedule', 'account', 'play', 'login', 'signup'] as const;
export type Route = (typeof ROUTES)[number];

export const PUBLIC_ROUTES: ReadonlySet<Route> = new Set(['login', 'signup']);

/** `#/requests` → 'requests'; anything unknown → null. */
export function parseRoute(hash: string): Route | null {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : null;
}

/**
 * The Friends page's tabs as addresses: `#/friends` (All), `#/friends/online` and `#/requests`
 * (Pending). A tab chosen on the page is written into the address (replaced, not a new history
 * entry: tabs are no navigation), so a reload, or a link copied from the address bar, opens it again.
 */
export type FriendsTab = 'online' | 'all' | 'pending';
const FRIENDS_TAB_HASH: Readonly<Record<FriendsTab, string>> = { all: '#/friends', online: '#/friends/online', pending: '#/requests' };

/** The Friends tab an address names: Pending for `#/requests`, Online for `#/friends/online`, else All. */
export function friendsTabOf(hash: string): FriendsTab {
  const route = parseRoute(hash);
  if (route === 'requests') return 'pending';
  return route === 'friends' && /^#?\/?friends\/online(?:[/?]|$)/.test(hash) ? 'online' : 'all';
}

/** Writes `tab` into the address without a `hashchange` (the page is already showing it). */
export function showFriendsTab(tab: FriendsTab): void {
  const hash = FRIENDS_TAB_HASH[tab];
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

export function navigate(route: Route): void {
  if (parseRoute(location.hash) === route) return;
  location.hash = `#/${route}`;
}
