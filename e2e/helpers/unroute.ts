/**
 * Removing a page's routes without ever turning its request interception off. When a page's last
 * route goes (page.unroute, or a `{ times }` route used up), Playwright turns interception off,
 * and a request the browser paused just then, before Playwright had matched it to its request, is
 * taken for one not intercepted and never continued: it never leaves the page (seen: a status
 * change sent as a held answer was read hung for good). So before a route goes, the page gets a
 * route of its own that passes every request on, and keeps it: its requests then go through
 * interception as they already did. (While a page has routes, Playwright also answers CORS
 * preflights itself and the HTTP cache is off: such a page proves nothing of Beacon's CORS.)
 */
import type { Page, Route } from 'playwright-core';

type Url = string | RegExp | ((url: URL) => boolean);

const kept = new WeakSet<Page>();

/** Gives `page` its pass-through route, once (before a `{ times }` route, which removes itself). */
export async function keepInterception(page: Page): Promise<void> {
  if (kept.has(page)) return;
  kept.add(page);
  await page.route(() => true, (route) => route.fallback());
}

/** page.unroute(url, handler), with the page's interception kept on. */
export async function unroute(page: Page, url: Url, handler?: (route: Route) => unknown): Promise<void> {
  await keepInterception(page);
  await page.unroute(url, handler);
}
