/**
 * The status menu's emoji picker used with the keyboard alone, in Chromium against the real
 * server: Tab to "Emoji", Enter, type a word, Enter. The picker sits inside the message form,
 * where Enter in its search field used to submit the form: the message was saved (and shown to
 * friends) without the emoji being looked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, registerUser } from './helpers/api-users.js';
import { openStatusMenu, signedInContext } from './helpers/ui.js';
import type { View } from '../src/protocol/index.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let ann: { token: string; id: number };

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  ann = await registerUser(server.baseUrl, 'ann', 'Ann Lee');
  ctx = await signedInContext(browser, ann.token);
  page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('the emoji picker with the keyboard alone', () => {
  it('Enter in the search puts the first match in the message and saves nothing; Enter in the message then saves it', async () => {
    const statusPuts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT' && r.url().endsWith('/users/me/status')) statusPuts.push(r.postData() ?? '');
    });
    const menu = await openStatusMenu(page);
    const field = menu.getByLabel('Custom message');
    await field.fill('GG ');
    await field.press('End');
    await page.keyboard.press('Tab');
    expect(await menu.getByRole('button', { name: 'Emoji' }).evaluate((e) => e === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    const search = menu.getByLabel('Search emoji');
    expect(await search.evaluate((e) => e === document.activeElement)).toBe(true);

    // A word nothing matches: Enter picks nothing, and sends nothing either.
    await page.keyboard.type('qqqq');
    await expect.poll(() => menu.getByText('No emoji match that.').count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.press('Enter');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    expect(statusPuts).toEqual([]);
    expect(await search.isVisible()).toBe(true);

    await search.fill('');
    await page.keyboard.type('fire');
    // The first match shown is the one Enter takes.
    await expect.poll(() => menu.locator('[data-part=emoji-grid] button').first().getAttribute('title'), { timeout: 10_000 }).toBe('fire');
    await page.keyboard.press('Enter');
    expect(await field.inputValue()).toBe('GG 🔥');
    expect(await field.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await search.isVisible()).toBe(false);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    expect(statusPuts).toEqual([]);

    // Enter in the message field saves it, emoji and all.
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await api<View>(server.baseUrl, ann.token, 'GET', `/users/${ann.id}/status`)).custom_message, FIVE_S).toBe('GG 🔥');
    expect(statusPuts).toHaveLength(1);
  });
});
