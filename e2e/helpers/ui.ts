/** Page objects for the Beacon UI, in the words a user would use. */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from './server.js';

export const SCREENSHOTS = join(REPO_ROOT, 'e2e/screenshots');
export const PASSWORD = 'correct horse battery';

export async function signUp(page: Page, baseUrl: string, username: string, displayName: string): Promise<void> {
  await page.goto(`${baseUrl}/#/signup`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name (optional)').fill(displayName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('beacon-friend-list').waitFor();
}

export async function logIn(page: Page, baseUrl: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/#/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function goTo(page: Page, label: 'Friends' | 'Privacy' | 'Play'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${label}`) }).click();
}

/** Friends page tab: Online, All or Pending. */
export async function friendsTab(page: Page, tab: 'Online' | 'All' | 'Pending'): Promise<void> {
  await goTo(page, 'Friends');
  await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
}

/** The friend's card menu, opened. */
export async function openFriendMenu(page: Page, username: string): Promise<Locator> {
  const card = friendCard(page, username);
  await card.locator('[data-part=friend-menu]').click();
  return card;
}

export function friendCard(page: Page, username: string): Locator {
  return page.locator(`beacon-friend-card[data-username="${username}"]`);
}

export function connectionState(page: Page): Promise<string | null> {
  return page.locator('beacon-connection-state').getAttribute('data-state');
}

export async function openStatusMenu(page: Page): Promise<Locator> {
  const menu = page.locator('beacon-status-menu');
  if ((await menu.locator('[data-part=trigger]').getAttribute('aria-expanded')) !== 'true') {
    await menu.locator('[data-part=trigger]').click();
  }
  return menu;
}

export async function setManualStatus(page: Page, status: 'online' | 'away' | 'busy'): Promise<void> {
  const menu = await openStatusMenu(page);
  await menu.locator(`[role=radio][value=${status}]`).click();
  await expect.poll(() => menu.locator(`[role=radio][value=${status}]`).getAttribute('aria-checked')).toBe('true');
}

export async function closeStatusMenu(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
}

export async function shot(page: Page, name: string, publish = false): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (publish) {
    mkdirSync(join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
    copyFileSync(file, join(REPO_ROOT, 'docs/screenshots', `${name}.png`));
  }
}

/** Milliseconds since `start`, for the timing report. */
export const since = (start: number): number => Date.now() - start;

/** A page in its own context (axe needs one); closing the page closes the context. */
export async function newPage(browser: Browser, opts: BrowserContextOptions): Promise<Page> {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  // The browser may already be closing (afterAll): a context that is gone is fine, never an unhandled rejection.
  page.on('close', () => {
    context.close().catch(() => undefined);
  });
  return page;
}

/** One text a live line took, and when (performance.now()). */
export interface LineText {
  text: string;
  at: number;
}

/**
 * Records, from now on, each text the live line `line` takes. `log()`: the texts in order with
 * when, repeats folded (one written twice in one task, which no screen reader hears again, shows
 * as one); `said()`: the texts alone.
 */
export async function recordLiveLine(line: Locator): Promise<{ log: () => Promise<LineText[]>; said: () => Promise<string[]> }> {
  type Recorded = HTMLElement & { beaconSaid?: LineText[] };
  await line.evaluate((el: Recorded) => {
    const texts: LineText[] = [];
    el.beaconSaid = texts;
    new MutationObserver(() => texts.push({ text: el.textContent ?? '', at: performance.now() })).observe(el, { childList: true, characterData: true, subtree: true });
  });
  const log = () => line.evaluate((el: Recorded) => (el.beaconSaid ?? []).filter((t, i, all) => t.text !== all[i - 1]?.text));
  return { log, said: async () => (await log()).map((t) => t.text) };
}

/** A browser context signed in to the web app as the token's user (its pages start signed in). */
export async function signedInContext(browser: Browser, token: string, opts: BrowserContextOptions = { viewport: { width: 1280, height: 800 } }): Promise<BrowserContext> {
  const context = await browser.newContext(opts);
  await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
  return context;
}

/** The server refuses (429 RATE_LIMITED) the page's next `count` status changes (PUT /users/me/status); the rest pass. */
export async function refuseStatusChanges(page: Page, count: number): Promise<void> {
  let left = count;
  await page.route('**/api/v1/users/me/status', (r) => {
    if (r.request().method() !== 'PUT' || left === 0) return r.fallback();
    left--;
    return r.fulfill({ status: 429, contentType: 'application/json', body: JSON.stringify({ code: 'RATE_LIMITED', message: 'Too many requests' }) });
  });
}
