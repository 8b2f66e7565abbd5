/**
 * What the screen keeps showing after the facts changed elsewhere: each test changes something
 * over the API (another person, another tab) while the page shows it, and checks the page
 * stops claiming what is no longer true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import { friendCard, openFriendMenu } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

const FIVE_S = { timeout: 5_000 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let uma: { token: string; id: number };
const friends: ApiUser[] = [];

/** A new friend of Uma's, connected over a socket, whose card Uma's page shows. */
async function newFriend(username: string, displayName: string): Promise<ApiUser> {
  const friend = await connectedFriend(server.baseUrl, username, displayName, uma.token);
  friends.push(friend);
  // A fresh page per test: nothing left open by the one before.
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.reload();
  await friendCard(page, username).waitFor();
  return friend;
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'uma', password: 'correct horse battery', display_name: 'Uma Fox',
  });
  uma = { token: r.token, id: r.user.id };
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  for (const f of friends) f.socket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('a game invitation whose inviter is no longer a friend', () => {
  it('says so in the dialog, without Play, when the inviter unfriends you', async () => {
    const vic = await newFriend('vic', 'Vic Hale');
    await api(server.baseUrl, vic.token, 'POST', `/users/me/friends/${uma.id}/invite`);
    await page.getByRole('dialog', { name: 'Vic Hale invites you to a Pong match' }).waitFor(FIVE_S);
    await api(server.baseUrl, vic.token, 'DELETE', `/users/me/friends/${uma.id}`);
    const dialog = page.getByRole('dialog', { name: 'Vic Hale’s invitation is no longer open' });
    await dialog.waitFor(FIVE_S);
    await dialog.getByText('You are no longer friends, so the match cannot start.').waitFor();
    expect(await dialog.getByRole('button', { name: 'Play' }).count()).toBe(0);
    // Focus stays in the dialog, on the one way out.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    await expectAccessible(page, 'game invitation withdrawn');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('says so in the quiet card of a busy user, without Play, when the inviter blocks you', async () => {
    const wes = await newFriend('wes', 'Wes Lane');
    await api(server.baseUrl, uma.token, 'PUT', '/users/me/status', { status: 'busy' });
    try {
      await expect.poll(() => page.locator('[data-part=self-status]').first().textContent(), FIVE_S).toMatch(/busy|do not disturb/i);
      await api(server.baseUrl, wes.token, 'POST', `/users/me/friends/${uma.id}/invite`);
      const quiet = page.getByRole('region', { name: 'Game invitation' });
      await quiet.getByText('Wes Lane invited you to a Pong match while you were busy.').waitFor(FIVE_S);
      await api(server.baseUrl, wes.token, 'POST', '/users/me/blocks', { user_id: uma.id });
      await quiet.getByText('Wes Lane’s invitation is no longer open: you are no longer friends.').waitFor(FIVE_S);
      expect(await quiet.getByRole('button', { name: 'Play' }).count()).toBe(0);
      await quiet.getByRole('button', { name: 'Dismiss' }).click();
      expect(await quiet.isHidden()).toBe(true);
    } finally {
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status', { status: 'online' });
    }
  });
});

describe('a friend who changes while their menu is open', () => {
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return el === document.body || !el ? 'body' : `${el.closest('beacon-friend-card')?.getAttribute('data-username') ?? '-'} ${el.getAttribute('data-part') ?? el.tagName}`;
  });

  it('keeps focus in the menu when the friend’s card changes and moves up the list', async () => {
    await newFriend('zed', 'Zed Cole');
    const yan = await newFriend('yan', 'Yan Park');
    await api(server.baseUrl, yan.token, 'PUT', '/users/me/status', { status: 'away' });
    await expect.poll(() => friendCard(page, 'yan').getAttribute('data-status'), FIVE_S).toBe('away');
    const card = await openFriendMenu(page, 'yan');
    await expect.poll(focused).toBe('yan category');
    // Online sorts before away: Yan's card moves above Zed's.
    await api(server.baseUrl, yan.token, 'PUT', '/users/me/status', { status: 'online' });
    await expect.poll(() => friendCard(page, 'yan').getAttribute('data-status'), FIVE_S).toBe('online');
    expect(await focused()).toBe('yan category');
    expect(await card.locator('[data-part=friend-menu]').getAttribute('aria-expanded')).toBe('true');
  });

  it('moves focus to the next friend’s menu button when the friend leaves the list', async () => {
    const abe = await newFriend('abe', 'Abe Ross');
    await newFriend('amo', 'Amo Diaz');
    // Online friends sort by username: Abe's card, then Amo's.
    await openFriendMenu(page, 'abe');
    await expect.poll(focused).toBe('abe category');
    await api(server.baseUrl, abe.token, 'DELETE', `/users/me/friends/${uma.id}`);
    await expect.poll(() => friendCard(page, 'abe').count(), FIVE_S).toBe(0);
    await expect.poll(focused).toBe('amo friend-menu');
  });
});
