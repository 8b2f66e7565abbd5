/**
 * Blocking from the friend menu, in Chromium: two steps naming the friend, the card goes,
 * focus lands somewhere sensible, and the blocked user can no longer send a request. axe
 * audits the armed menu.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import { friendCard, openFriendMenu } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let uma: { token: string; id: number };
let vic: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'uma', password: 'correct horse battery', display_name: 'Uma Fox',
  });
  uma = { token: r.token, id: r.user.id };
  vic = await connectedFriend(server.baseUrl, 'vic', 'Vic Hale', uma.token);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('friend menu: block', () => {
  it('blocks in two steps; the friend leaves the list and can no longer ask again', async () => {
    await page.goto(`${server.baseUrl}/#/friends`);
    await friendCard(page, 'vic').waitFor();
    const card = await openFriendMenu(page, 'vic');
    const block = card.getByRole('button', { name: 'Block Vic Hale' });
    await block.click();
    await card.getByRole('button', { name: 'Confirm: block Vic Hale' }).waitFor();
    await expectAccessible(page, 'friend menu, block armed');
    await card.getByRole('button', { name: 'Confirm: block Vic Hale' }).click();
    await expect.poll(() => friendCard(page, 'vic').count(), { timeout: 5000 }).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement !== document.body)).toBe(true);
    const ask = await fetch(`${server.baseUrl}/api/v1/users/me/friends/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${vic.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: uma.id }),
    });
    expect(ask.status).toBe(403);
  });
});
