/**
 * Dates and names inside English sentences for a reader whose locale writes right to left, in
 * real Chromium. The app's words are English; dates and times are in the reader's locale
 * (ar-EG here: "الاثنين، ٧ ديسمبر ٢٠٢٦"). Before, the friend menu said "Last seen " and the
 * Arabic date as one run of text, so the date's order mixed with the sentence around it; now
 * the date is its own <bdi>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { friendCard, openFriendMenu } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

const FIVE_S = { timeout: 5_000, interval: 100 };
const ARABIC = /[\u0600-\u06FF]/;

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let kai: { token: string; id: number };
let sam: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  kai = await registerUser(server.baseUrl, 'kai_bidi', 'Kai');
  sam = await connectedFriend(server.baseUrl, 'sam_bidi', 'سامي', kai.token);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ar-EG', timezoneId: 'Africa/Cairo' });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), kai.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('dates in a right-to-left locale', () => {
  it("the friend menu's exact last seen keeps the Arabic date in its own <bdi>", async () => {
    await page.goto(server.baseUrl);
    await page.getByRole('tab', { name: /All/ }).click();
    sam.socket!.close();
    const card = friendCard(page, 'sam_bidi');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('offline');
    await openFriendMenu(page, 'sam_bidi');
    const line = card.locator('[data-part=exact-time]');
    await expect.poll(() => line.textContent(), FIVE_S).toMatch(/^Last seen /);
    const date = line.locator('bdi');
    expect(await date.count()).toBe(1);
    expect(await date.textContent()).toMatch(ARABIC);
    expect(await line.textContent()).toBe(`Last seen ${await date.textContent()}`);
    await expectAccessible(page, 'friend menu, ar-EG dates');
  });
});
