/**
 * Two people, two browser contexts, the real server: they sign up and befriend each other
 * through the UI, then every presence promise of the seed is checked within 5 seconds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import {
  SCREENSHOTS, closeStatusMenu, connectionState, friendCard, friendsTab, goTo, logIn, openFriendMenu, openStatusMenu, setManualStatus, shot, signUp, since,
} from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

const FIVE_S = { timeout: 5_000, interval: 100 };
const A = { username: 'alice_e2e', name: 'Alice Martin' };
const B = { username: 'bob_e2e', name: 'Bob Keller' };
const timings: Record<string, number> = {};

let server: ServerHandle;
let browser: Browser;
let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
const extras: ApiUser[] = [];

const statusOf = (page: Page, username: string) => () => friendCard(page, username).getAttribute('data-status', { timeout: 1_000 }).catch(() => null);
const textOf = (page: Page, username: string, part: string) => () =>
  friendCard(page, username).locator(`[data-part=${part}]`).textContent({ timeout: 1_000 }).catch(() => null);

async function tokenOf(page: Page): Promise<string> {
  const token = await page.evaluate(() => localStorage.getItem('beacon.token'));
  if (!token) throw new Error('no token in localStorage');
  return token;
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  ctxA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  ctxB = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  pageA = await ctxA.newPage();
  pageB = await ctxB.newPage();
});

afterAll(async () => {
  for (const u of extras) u.socket?.close();
  await browser?.close();
  await server?.stop();
  writeFileSync(join(SCREENSHOTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  console.log('e2e timings (ms):', timings);
});

describe('Beacon in two browsers', () => {
  it('lets two players sign up and become friends through the UI', async () => {
    await signUp(pageA, server.baseUrl, A.username, A.name);
    await signUp(pageB, server.baseUrl, B.username, B.name);
    await expect.poll(() => pageB.locator('[data-state=empty]').textContent()).toContain('No friends yet');
    await shot(pageB, 'empty-friend-list');

    await expectAccessible(pageB, 'empty friend list');
    await friendsTab(pageA, 'Pending');
    await pageA.getByLabel('Search by username').fill('bob_');
    const add = pageA.getByRole('button', { name: `Add friend ${B.name}` });
    await add.click();
    await expect.poll(() => pageA.locator('[data-part=notice]').textContent()).toContain('Friend request sent');
    // Changed their mind: cancel from "Sent requests", then ask again.
    await pageA.getByRole('button', { name: `Cancel request to ${B.name}` }).click();
    await expect.poll(() => pageA.locator('[data-part=notice]').textContent()).toContain('Cancelled');
    await add.click();
    await expect.poll(() => pageA.locator('[data-part=notice]').textContent()).toContain('Friend request sent');
    await expectAccessible(pageA, 'pending tab with a sent request');

    // B declines a stranger's request and accepts A's.
    const bob = await api<{ id: number }>(server.baseUrl, await tokenOf(pageB), 'GET', '/users/me');
    const eve = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', {
      username: 'eve_spam', password: 'correct horse battery', display_name: 'Eve Spammer',
    });
    await api(server.baseUrl, eve.token, 'POST', '/users/me/friends/requests', { user_id: bob.id });
    await friendsTab(pageB, 'Pending');
    await pageB.getByRole('button', { name: 'Decline Eve Spammer' }).click();
    await expect.poll(() => pageB.locator('li[data-username=eve_spam]').count()).toBe(0);
    // Focus moves to the next request's first button, not to the page body.
    await expect.poll(() => pageB.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Accept ${A.name} (@${A.username})`);
    await pageB.keyboard.press('Enter');
    await expect.poll(() => pageB.locator(`li[data-username=${A.username}]`).count()).toBe(0);
    await expect.poll(() => pageB.evaluate(() => document.activeElement?.id)).toBe('incoming-title');
    await shot(pageB, 'requests');
    await friendsTab(pageA, 'All');
    await friendsTab(pageB, 'All');
  });

  it('shows A online, busy with a message, playing Pong, then offline "last seen just now"', async () => {
    let t = Date.now();
    await expect.poll(statusOf(pageB, A.username), FIVE_S).toBe('online');
    timings.seeFriendOnline = since(t);

    // A few more friends so the list (and the README screenshot) looks like real use.
    const tokenB = await tokenOf(pageB);
    const carol = await connectedFriend(server.baseUrl, 'carol', 'Carol Nguyen', tokenB);
    await api(server.baseUrl, carol.token, 'PUT', '/users/me/status', { status: 'away', custom_message: 'Back after dinner' });
    const dave = await connectedFriend(server.baseUrl, 'dave', 'Dave Okafor', tokenB);
    await api(server.baseUrl, dave.token, 'POST', '/users/me/activity', { activity: 'watching_match' });
    extras.push(carol, dave);

    t = Date.now();
    await setManualStatus(pageA, 'busy');
    await pageA.getByLabel('Custom message').fill('Grinding ranked, back at 9');
    await pageA.getByRole('button', { name: 'Save message' }).click();
    await expect.poll(statusOf(pageB, A.username), FIVE_S).toBe('busy');
    await expect.poll(textOf(pageB, A.username, 'message'), FIVE_S).toContain('Grinding ranked, back at 9');
    timings.busyWithMessage = since(t);
    await expect.poll(textOf(pageB, A.username, 'status-label')).toBe('Busy — Do Not Disturb');
    await shot(pageA, 'status-menu');
    await expectAccessible(pageA, 'status menu open');
    await closeStatusMenu(pageA);

    await goTo(pageA, 'Play');
    t = Date.now();
    await pageA.getByRole('button', { name: 'Start match' }).click();
    await expect.poll(textOf(pageB, A.username, 'activity'), FIVE_S).toBe('Playing Pong');
    timings.playingPong = since(t);
    expect(await statusOf(pageB, A.username)()).toBe('in_game');
    await pageA.waitForTimeout(700); // let the ball move for the screenshot
    await shot(pageA, 'practice-match');
    await shot(pageB, 'friend-list-in-game');

    t = Date.now();
    await pageA.close();
    await expect.poll(statusOf(pageB, A.username), FIVE_S).toBe('offline');
    // Others see last_seen to the minute (docs/protocol.md §9): read as such, a friend who just
    // left is "just now" (never "1 minute ago" seconds after leaving a minute that began earlier).
    await expect.poll(textOf(pageB, A.username, 'last-seen'), FIVE_S).toBe('last seen just now');
    timings.offlineAfterTabClose = since(t);
    const title = await friendCard(pageB, A.username).locator('time').getAttribute('title');
    expect(title).toMatch(/\d{2}:\d{2}/); // the time on hover, to the minute: its seconds are not known
    expect(title).not.toMatch(/\d{2}:\d{2}:\d{2}/);
    await expect.poll(() => pageB.locator('.beacon-changed').count(), FIVE_S).toBe(0); // let the highlight fade
    await shot(pageB, 'friend-list', true);
  });

  it('hides A from B once A limits the status to close friends', async () => {
    pageA = await ctxA.newPage(); // the token survives in localStorage
    await pageA.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(statusOf(pageB, A.username), FIVE_S).not.toBe('offline');

    await goTo(pageA, 'Privacy');
    const t = Date.now();
    await pageA.getByLabel('Online status').selectOption('close_friends');
    await expect.poll(() => pageA.locator('[data-part=saved]').textContent()).toContain('Saved');
    await expect.poll(statusOf(pageB, A.username), FIVE_S).toBe('offline');
    timings.privacyHidesStatus = since(t);
    expect(await friendCard(pageB, A.username).locator('[data-part=message]').count()).toBe(0);
    await pageA.getByRole('button', { name: 'As a friend' }).click();
    await shot(pageA, 'privacy');
    await expectAccessible(pageA, 'privacy page');

    // Marking B as a close friend (in B's card menu) lets B see A again.
    await friendsTab(pageA, 'All');
    const card = await openFriendMenu(pageA, B.username);
    await card.getByLabel(`${B.name} (@${B.username}) is your…`).selectOption('close_friend');
    await expect.poll(statusOf(pageB, A.username), FIVE_S).not.toBe('offline');
    await card.getByLabel(`${B.name} (@${B.username}) is your…`).selectOption('friend');
    await expect.poll(statusOf(pageB, A.username), FIVE_S).toBe('offline');
    await pageA.keyboard.press('Escape');

    await goTo(pageA, 'Privacy');
    await pageA.getByLabel('Online status').selectOption('friends');
    await expect.poll(statusOf(pageB, A.username), FIVE_S).not.toBe('offline');

    // "Appear offline" in the header hides A, and turning it off restores "Friends".
    const menu = await openStatusMenu(pageA);
    await menu.getByRole('switch', { name: /Appear offline/ }).check();
    await expect.poll(statusOf(pageB, A.username), FIVE_S).toBe('offline');
    await expect.poll(() => pageA.getByLabel('Online status').inputValue()).toBe('hidden');
    await menu.getByRole('switch', { name: /Appear offline/ }).uncheck();
    await expect.poll(statusOf(pageB, A.username), FIVE_S).not.toBe('offline');
    await expect.poll(() => pageA.getByLabel('Online status').inputValue()).toBe('friends');
    await closeStatusMenu(pageA);
  });

  it('falls back to polling when the WebSocket is blocked, and still delivers B’s changes', async () => {
    await pageA.close();
    pageA = await ctxA.newPage();
    await pageA.routeWebSocket(/\/ws\/status/, (ws) => ws.close());
    const t = Date.now();
    await pageA.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(() => connectionState(pageA), { timeout: 30_000, interval: 100 }).toBe('polling');
    timings.fallbackToPolling = since(t);
    expect(await pageA.locator('beacon-connection-state').textContent()).toContain('Polling');
    await expect.poll(statusOf(pageA, B.username), FIVE_S).toBe('online');

    const t2 = Date.now();
    await setManualStatus(pageB, 'away');
    await expect.poll(statusOf(pageA, B.username), FIVE_S).toBe('away');
    timings.changeSeenWhilePolling = since(t2);
    await closeStatusMenu(pageB);
    await shot(pageA, 'polling-fallback');
  });

  it('reconnects by itself after a server restart, and updates flow again', async () => {
    await pageA.close();
    const ctxA2 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    pageA = await ctxA2.newPage();
    await logIn(pageA, server.baseUrl, A.username, 'wrong password!');
    await expect.poll(() => pageA.locator('[data-part=error]').textContent()).toBe('Wrong username or password.');
    await shot(pageA, 'login-error');
    await logIn(pageA, server.baseUrl, A.username);
    await expect.poll(() => connectionState(pageA), FIVE_S).toBe('connected');
    await expect.poll(() => connectionState(pageB), FIVE_S).toBe('connected');

    await server.restart();
    const t = Date.now();
    await expect.poll(() => connectionState(pageA), { timeout: 20_000, interval: 100 }).toBe('connected');
    timings.reconnectAfterRestartA = since(t);
    await expect.poll(() => connectionState(pageB), { timeout: 20_000, interval: 100 }).toBe('connected');
    timings.reconnectAfterRestartB = since(t);

    const t2 = Date.now();
    await setManualStatus(pageB, 'busy');
    await expect.poll(statusOf(pageA, B.username), FIVE_S).toBe('busy');
    timings.changeAfterRestart = since(t2);
    await closeStatusMenu(pageB);
    await openStatusMenu(pageB);
    await closeStatusMenu(pageB);
    await shot(pageA, 'after-restart');

    // Removing a friend (two-step confirm) takes them off the list at once.
    await friendsTab(pageB, 'All');
    const dave = await openFriendMenu(pageB, 'dave');
    await dave.getByRole('button', { name: 'Remove Dave Okafor' }).click();
    await dave.getByRole('button', { name: 'Confirm: remove Dave Okafor' }).click();
    await expect.poll(() => friendCard(pageB, 'dave').count(), FIVE_S).toBe(0);

    // Logging out skips the offline grace period and forgets the token.
    const t3 = Date.now();
    await pageB.getByRole('button', { name: 'Log out' }).click();
    await pageB.getByRole('heading', { name: 'Welcome back' }).waitFor();
    expect(await pageB.evaluate(() => localStorage.getItem('beacon.token'))).toBeNull();
    await expect.poll(statusOf(pageA, B.username), FIVE_S).toBe('offline');
    timings.offlineAfterLogout = since(t3);
    await ctxA2.close();
  });
});
