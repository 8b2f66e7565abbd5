/**
 * The friend menu's "usual hours" line follows what the friend shares, while the menu is open,
 * in real Chromium. Before, it was read when the menu opened and then stayed: Lea stopped
 * sharing her usual hours (pattern_visibility) and Kai's open menu still showed them; she
 * shared them again, or moved Kai into the audience, and nothing came until he reopened it.
 * Now her view says whether Kai may read them (`pattern_shared`), pushed like any view change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { friendCard, openFriendMenu } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

const FIVE_S = { timeout: 5_000, interval: 100 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let kai: { token: string; id: number };
let lea: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  kai = await registerUser(server.baseUrl, 'kai_hours', 'Kai');
  lea = await connectedFriend(server.baseUrl, 'lea_hours', 'Lea', kai.token);
  await api(server.baseUrl, lea.token, 'PUT', '/users/me/status/settings', { pattern_visibility: 'friends' });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), kai.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  lea?.socket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

const shares = (audience: 'friends' | 'close_friends' | 'nobody') => api(server.baseUrl, lea.token, 'PUT', '/users/me/status/settings', { pattern_visibility: audience });
const shown = (line: Locator) => line.evaluate((el) => !(el as HTMLElement).hidden && (el.textContent ?? '').includes('Lea'));

describe("the friend menu's usual hours", () => {
  it('go from the open menu when the friend stops sharing them, and come back when she shares them again', async () => {
    await page.goto(server.baseUrl);
    await expect.poll(() => friendCard(page, 'lea_hours').getAttribute('data-status'), FIVE_S).toBe('online');
    const card = await openFriendMenu(page, 'lea_hours');
    const line = card.locator('[data-part=pattern]');
    await expect.poll(() => shown(line), FIVE_S).toBe(true);
    await expectAccessible(page, 'friend menu with usual hours');

    await shares('nobody');
    await expect.poll(() => shown(line), FIVE_S).toBe(false);
    expect(await card.locator('[data-part=friend-menu]').getAttribute('aria-expanded')).toBe('true');

    await shares('friends');
    await expect.poll(() => shown(line), FIVE_S).toBe(true);
  });

  it('follow the category she gives him: out of her close friends, then in', async () => {
    const card = friendCard(page, 'lea_hours');
    const line = card.locator('[data-part=pattern]');
    expect(await card.locator('[data-part=friend-menu]').getAttribute('aria-expanded')).toBe('true');
    await shares('close_friends');
    await expect.poll(() => shown(line), FIVE_S).toBe(false);
    await api(server.baseUrl, lea.token, 'PATCH', `/users/me/friends/${kai.id}`, { category: 'close_friend' });
    await expect.poll(() => shown(line), FIVE_S).toBe(true);
    // Shown again: read again, still there.
    const toggle = card.locator('[data-part=friend-menu]');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await expect.poll(() => shown(line), FIVE_S).toBe(true);
  });
});
