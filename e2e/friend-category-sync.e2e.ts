/**
 * A category given to a friend in one tab shows in the user's other tab at once, in Chromium:
 * the second tab's friend menu, left open, says the new category (in words, the labels the
 * menu uses, not a colour) without a reload. The menu reads the category only as it opens,
 * so without the socket's `friend_updated` the open one would keep the old category.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import { friendCard, openFriendMenu } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;
let wen: { token: string; id: number };
let xia: ApiUser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'wen', password: 'correct horse battery', display_name: 'Wen Ito',
  });
  wen = { token: r.token, id: r.user.id };
  xia = await connectedFriend(server.baseUrl, 'xia', 'Xia Lund', wen.token);
});

afterAll(async () => {
  xia?.socket?.close();
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.stop();
});

/** A tab of its own (a context, as a second window or device would be) signed in with `token`, on the Friends page. */
async function friendsTab(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  return page;
}

/** The category the open menu's control shows, as its words (the selected option's label). */
const shownCategory = (select: Locator): Promise<string | null> =>
  select.evaluate((s: HTMLSelectElement) => (s.value === '' ? null : (s.selectedOptions[0]?.textContent ?? null)));

describe('a category changed in one tab', () => {
  it('shows in the other tab’s open friend menu without a reload', async () => {
    const first = await friendsTab(wen.token);
    const second = await friendsTab(wen.token);
    await friendCard(first, 'xia').waitFor();
    await friendCard(second, 'xia').waitFor();

    // The second tab's menu is open, showing what it read when it opened.
    const card = await openFriendMenu(second, 'xia');
    const shown = card.getByLabel('Xia Lund (@xia) is your…');
    await expect.poll(() => shownCategory(shown), { timeout: 5000 }).toBe('Friend');
    await second.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    const changing = await openFriendMenu(first, 'xia');
    await changing.getByLabel('Xia Lund (@xia) is your…').selectOption({ label: 'Close friend' });
    await first.getByText('Xia Lund (@xia) is now in close friends.').waitFor();

    await expect.poll(() => shownCategory(shown), { timeout: 5000 }).toBe('Close friend');
    expect(await second.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await shown.isVisible()).toBe(true);
    const list = await api<Array<{ user_id: number; category: string }>>(server.baseUrl, wen.token, 'GET', '/users/me/friends');
    expect(list.find((f) => f.user_id === xia.id)?.category).toBe('close_friend');
  });
});
