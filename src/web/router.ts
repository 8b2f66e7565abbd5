/** Hash routes, so the server needs no SPA fallback and deep links still work. */
export const ROUTES = ['friends', 'requests', 'privacy', 'schedule', 'play', 'login', 'signup'] as const;
export type Route = (typeof ROUTES)[number];

export const PUBLIC_ROUTES: ReadonlySet<Route> = new Set(['login', 'signup']);

/** `#/requests` → 'requests'; anything unknown → null. */
export function parseRoute(hash: string): Route | null {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : null;
}

export function navigate(route: Route): void {
  if (parseRoute(location.hash) === route) return;
  location.hash = `#/${route}`;
}
