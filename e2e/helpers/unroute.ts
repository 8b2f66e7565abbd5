/**
 * Removing a page's routes without ever turning its request interception off. When the last
 * route of a page goes, Playwright turns interception off, and a request paused in it at that
 * moment never leaves the page (seen: a status change sent as a held answer was read hung for
 * good). So before a route goes, the page gets a route of its own that passes every request on,
 * and keeps it: the page's requests then go through the route they already went through.
 */
import type { Page, Route } from 'playwright-core';

type Url = string | RegExp | ((url: URL) => boolean);

const kept = new WeakSet<Page>();

/** Gives `page` its pass-through route, once. */
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
