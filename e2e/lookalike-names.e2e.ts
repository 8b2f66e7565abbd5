/**
 * Display names are not unique: a friend who renames themselves "Bo" must not pass for the
 * real Bo where Beacon asks the user to trust or act. In Chromium, the "is online" toast,
 * the screen-reader announcement of a status change and the game invitation (before Play)
 * name each with their @username, so the two Bos are told apart. So do the friend menu, the
 * Pending tab (rows' buttons, notices) and the followed list of the Notifications section,
 * each name in its own `.beacon-ugc` box as user text is everywhere.
 */
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, befriendOverApi, connectedFriend, openSocket, registerUser, type ApiUser } from './helpers/api-users.js';
import { friendCard, friendsTab, openFriendMenu } from './helpers/ui.js';
import { uncontained } from './helpers/user-text.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let uma: { token: string; id: number };
let bo: ApiUser;
let mal: { token: string; id: number };
let malSocket: WebSocket | null = null;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  uma = await registerUser(server.baseUrl, 'uma_look', 'Uma Look');
  bo = await connectedFriend(server.baseUrl, 'bo_real', 'Bo', uma.token);
  // Mallory, a friend too, offline for now; Uma asked to be told when she comes online.
  mal = await registerUser(server.baseUrl, 'mallory', 'Mallory');
  await befriendOverApi(server.baseUrl, mal, uma);
  await api(server.baseUrl, uma.token, 'PUT', `/users/me/notifications/watches/${mal.id}`);
  // …and renamed herself "Bo".
  await api(server.baseUrl, mal.token, 'PATCH', '/users/me', { display_name: 'Bo' });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  await friendCard(page, 'bo_real').waitFor();
});

afterAll(async () => {
  bo?.socket?.close();
  malSocket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('a friend renamed "Bo" is told apart from the real Bo', () => {
  it('in the toast, the status announcement and the invitation dialog', async () => {
    await page.getByRole('tab', { name: /^All/ }).click();
    await expect.poll(() => friendCard(page, 'mallory').locator('[data-part=name]').textContent(), FIVE_S).toBe('Bo');

    // The toast: Mallory comes online.
    malSocket = await openSocket(server.baseUrl, mal.token);
    const toast = page.locator('[data-part=toast]').filter({ hasText: 'is online' });
    await toast.waitFor(FIVE_S);
    expect(await toast.locator('p').textContent()).toBe('Bo (@mallory) is online');

    // The live region: each Bo goes away in turn; the announcements differ.
    const live = page.locator('beacon-friend-list > p.sr-only[role=status]');
    await api(server.baseUrl, bo.token, 'PUT', '/users/me/status', { status: 'away' });
    // Mallory coming online was the toast's to say: the list does not say it again.
    await expect.poll(() => live.textContent(), FIVE_S).toBe('Bo (@bo_real) is now away');
    await api(server.baseUrl, mal.token, 'PUT', '/users/me/status', { status: 'away' });
    await expect.poll(() => live.textContent(), FIVE_S).toBe('Bo (@mallory) is now away');
    // Both come back at once: one update says both (the second used to replace the first unsaid).
    await Promise.all([bo, mal].map((u) => api(server.baseUrl, u.token, 'PUT', '/users/me/status', { status: 'online' })));
    await expect.poll(() => live.textContent(), FIVE_S).toMatch(/^Bo \(@\w+\) is now online\. Bo \(@\w+\) is now online$/);
    expect((await live.textContent())!.match(/@\w+/g)!.sort()).toEqual(['@bo_real', '@mallory']);

    // The invitation: the @username is in the dialog's name and on screen before Play.
    await api(server.baseUrl, mal.token, 'POST', `/users/me/friends/${uma.id}/invite`);
    const dialog = page.getByRole('dialog', { name: 'Bo (@mallory) invites you to a Pong match' });
    await dialog.waitFor(FIVE_S);
    const title = dialog.getByRole('heading');
    expect(await title.textContent()).toBe('Bo (@mallory) invites you to a Pong match');
    expect(await dialog.getByText('@mallory').isVisible()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Play' }).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Not now' }).click();
  });

  it('in the friend menu, its notices, the Pending tab and the followed list', async () => {
    const notice = page.locator('[data-part=notice]');
    // The friend menu: every name in it, and what it says when used.
    const card = await openFriendMenu(page, 'mallory');
    const menu = card.locator('[data-part=friend-menu] + div');
    expect(await card.locator('[data-part=friend-menu]').getAttribute('aria-label')).toBe('Actions for Bo (@mallory)');
    await card.getByLabel('Bo (@mallory) is your…').waitFor(FIVE_S);
    for (const name of ['Invite Bo (@mallory) to Pong', 'Remove Bo (@mallory)', 'Block Bo (@mallory)']) {
      expect(await card.getByRole('button', { name, exact: true }).isVisible(), name).toBe(true);
    }
    const watch = card.getByRole('button', { name: 'Notify me when online' });
    await expect.poll(() => watch.getAttribute('aria-pressed'), FIVE_S).toBe('true');
    await watch.click();
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('You will no longer be notified when Bo (@mallory) comes online.');
    await watch.click();
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('You will be notified when Bo (@mallory) comes online.');
    expect(await uncontained(menu, 'Bo')).toEqual([]);
    expect(await uncontained(notice, 'Bo')).toEqual([]);
    await page.keyboard.press('Escape');

    // The Pending tab: a request from a third "Bo", and one sent to a fourth found by search.
    const asker = await registerUser(server.baseUrl, 'bo_asks', 'Bo');
    await api(server.baseUrl, asker.token, 'POST', '/users/me/friends/requests', { user_id: uma.id });
    await registerUser(server.baseUrl, 'bo_found', 'Bo');
    await friendsTab(page, 'Pending');
    const pending = page.locator('[data-part=pending]');
    await pending.getByRole('button', { name: 'Accept Bo (@bo_asks)', exact: true }).waitFor(FIVE_S);
    expect(await pending.getByRole('button', { name: 'Decline Bo (@bo_asks)', exact: true }).isVisible()).toBe(true);
    await page.getByLabel('Search by username').fill('bo_found');
    await pending.getByRole('button', { name: 'Add friend Bo (@bo_found)', exact: true }).click();
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('Friend request sent to Bo (@bo_found).');
    expect(await uncontained(notice, 'Bo')).toEqual([]);
    await pending.getByRole('button', { name: 'Cancel request to Bo (@bo_found)', exact: true }).waitFor(FIVE_S);
    await pending.getByRole('button', { name: 'Accept Bo (@bo_asks)', exact: true }).click();
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('You and Bo (@bo_asks) are now friends.');
    expect(await uncontained(notice, 'Bo')).toEqual([]);
    expect(await uncontained(pending, 'Bo')).toEqual([]);

    // The friends followed, on the Schedule page.
    await page.goto(`${server.baseUrl}/#/schedule`);
    const section = page.getByRole('region', { name: 'Notifications' });
    const stop = section.getByRole('button', { name: 'Stop notifying about Bo (@mallory)', exact: true });
    await stop.waitFor(FIVE_S);
    expect(await uncontained(section.locator('[data-part=watches]'), 'Bo')).toEqual([]);
    await stop.click();
    await section.getByText('You will no longer be notified when Bo (@mallory) comes online.').waitFor(FIVE_S);
    expect(await uncontained(section, 'Bo')).toEqual([]);
  });
});
