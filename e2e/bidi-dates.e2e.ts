/**
 * Dates and names inside English sentences for a reader whose locale writes right to left, in
 * real Chromium. The app's words are English; dates and times are in the reader's locale
 * (ar-EG here: "الاثنين، ٧ ديسمبر ٢٠٢٦"). Before, the friend menu said "Last seen " and the
 * Arabic date as one run of text, so the date's order mixed with the sentence around it; now
 * the date is its own <bdi>. Dates in tooltips (`title`, which holds no <bdi>) are isolated with
 * FSI … PDI (U+2068, U+2069) instead; the notice after an action, the calendar panel and the
 * devices list put theirs in a <bdi> too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
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
let lea: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  kai = await registerUser(server.baseUrl, 'kai_bidi', 'Kai');
  sam = await connectedFriend(server.baseUrl, 'sam_bidi', 'سامي', kai.token);
  lea = await connectedFriend(server.baseUrl, 'lea_bidi', 'Lea', kai.token);
  await api(server.baseUrl, lea.token, 'POST', '/users/me/activity', { activity: 'chatting' });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ar-EG', timezoneId: 'Africa/Cairo' });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), kai.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  lea?.socket?.close();
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

  it('tooltips isolate their dates with FSI … PDI: "last seen" and an activity\'s "since"', async () => {
    const seen = friendCard(page, 'sam_bidi').locator('[data-part=last-seen] time');
    const seenTitle = await seen.getAttribute('title');
    expect(seenTitle).toMatch(ARABIC);
    expect(seenTitle).toMatch(/^\u2068[^\u2068\u2069]+\u2069$/);
    const elapsed = friendCard(page, 'lea_bidi').locator('[data-part=elapsed]');
    await expect.poll(() => elapsed.getAttribute('title').catch(() => null), FIVE_S).toMatch(/^since \u2068[^\u2068\u2069]+\u2069$/);
    expect(await elapsed.getAttribute('title')).toMatch(ARABIC);
  });

  it("the notice after inviting a friend keeps the time until which it is open in its own <bdi>", async () => {
    await page.keyboard.press('Escape');
    const card = await openFriendMenu(page, 'lea_bidi');
    await card.getByRole('button', { name: /^Invite Lea .* to Pong$/ }).click();
    const said = page.locator('[data-part=notice-done]');
    await expect.poll(() => said.textContent(), FIVE_S).toMatch(/^Invitation sent to Lea \(@lea_bidi\)\. It is open until /);
    const time = said.locator('bdi');
    expect(await time.count()).toBe(1);
    expect(await time.textContent()).toMatch(ARABIC);
    expect(await said.textContent()).toContain(`It is open until ${await time.textContent()}; the match starts when they accept.`);
  });

  it("the calendar panel's last read and the devices list's sign-in keep their dates in their own <bdi>", async () => {
    const readAt = new Date(Date.now() - 5 * 60_000).toISOString();
    await page.route(/\/api\/v1\/users\/me\/calendar$/, (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify({ configured: true, host: 'https://cal.example', share_titles: false, refreshed_at: readAt, error: null }) }));
    await page.goto(`${server.baseUrl}/#/schedule`);
    const read = page.locator('[data-part=calendar-read]');
    await expect.poll(() => read.textContent().catch(() => null), { timeout: 10_000 }).toMatch(/^Connected to https:\/\/cal\.example\. Last read /);
    expect(await read.locator('bdi').count()).toBe(1);
    const date = await read.locator('bdi').textContent();
    expect(date).toMatch(ARABIC);
    expect(await read.textContent()).toBe(`Connected to https://cal.example. Last read ${date}.`);
    await expectAccessible(page, 'calendar panel, ar-EG dates');
    await page.goto(`${server.baseUrl}/#/account`);
    const device = page.locator('[data-part=device]').first();
    await device.waitFor({ timeout: 10_000 });
    const signedIn = device.locator('p.text-xs');
    expect(await signedIn.textContent()).toMatch(/^Signed in /);
    expect(await signedIn.locator('bdi').first().textContent()).toMatch(ARABIC);
    expect(await signedIn.textContent()).toMatch(new RegExp(`^Signed in ${await signedIn.locator('bdi').first().textContent()}`));
  });
});
