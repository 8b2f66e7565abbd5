/**
 * Blocking and unblocking in Chromium. Blocking a friend from their card's menu says where it
 * can be undone (Privacy → Blocked users); that section lists the user blocked (name as text,
 * "blocked just now"); the Pending tab's search shows them as "Blocked", with a link to that
 * section, not an "Add friend" that the server refuses. An add the page did not know to be
 * blocked (blocked on another device) says the server's reason, not "already friends". Unblock
 * in the section (keyboard only) says what it did, keeps focus in the list, and empties it;
 * the search then offers "Add friend" again, and the request reaches the other user. The
 * section's loading and error states; the page on a phone has no sideways scroll. axe audits
 * each state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { expectAccessible } from './helpers/axe.js';
import { holdAnswer } from './helpers/held-answer.js';
import { friendCard, friendsTab, newPage, openFriendMenu, shot } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let page: Page;
let alice: { token: string; id: number };
let carol: ApiUser;
let dave: { token: string; id: number };

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  alice = await registerUser(server.baseUrl, 'alice', 'Alice');
  // A display name that would be markup if it were ever written as HTML.
  carol = await connectedFriend(server.baseUrl, 'carol', 'Carol <b>Ray</b>', alice.token);
  dave = await registerUser(server.baseUrl, 'dave', 'Dave');
  page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.context().addInitScript((t) => localStorage.setItem('beacon.token', t), alice.token);
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  carol?.socket?.close();
  await page?.close();
  await browser?.close();
  await server?.stop();
});

const notice = () => page.locator('[data-part=notice]');
const blockedSection = () => page.getByRole('region', { name: 'Blocked users' });

/** Searches for `name` and waits for ITS row: the count line still says the last search's "found" meanwhile. */
async function search(name: string): Promise<void> {
  await page.getByLabel('Search by username').fill(name);
  await page.locator(`li[data-username="${name}"]`).waitFor(FIVE_S);
}

describe('blocking, then unblocking in the web app', () => {
  it('blocking from the friend menu says where it is undone; the search shows them Blocked, with a way there', async () => {
    await friendCard(page, 'carol').waitFor(FIVE_S);
    const card = await openFriendMenu(page, 'carol');
    await card.getByRole('button', { name: 'Block Carol <b>Ray</b> (@carol)' }).click();
    await card.getByRole('button', { name: 'Confirm: block Carol <b>Ray</b> (@carol)' }).click();
    await expect.poll(() => notice().textContent(), FIVE_S).toMatch(/^Carol <b>Ray<\/b> \(@carol\) is blocked: .*Privacy → Blocked users\.$/);
    await expect.poll(() => friendCard(page, 'carol').count(), FIVE_S).toBe(0);

    await friendsTab(page, 'Pending');
    await search('carol');
    const row = page.locator('li[data-username="carol"]');
    await row.getByText('Blocked', { exact: true }).waitFor(FIVE_S);
    expect(await row.getByRole('button', { name: /Add friend/ }).count()).toBe(0);
    const link = row.getByRole('link', { name: 'Unblock in Privacy: Carol <b>Ray</b> (@carol)', exact: true });
    expect(await link.getAttribute('href')).toBe('#/privacy/blocked');
    await expectAccessible(page, 'pending search, a blocked user');
    await page.setViewportSize({ width: 390, height: 844 });
    await row.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shot(page, 'blocked-in-search-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('an add the page did not know was blocked says the server’s reason, and the row turns Blocked', async () => {
    await search('dave');
    const add = page.getByRole('button', { name: 'Add friend Dave (@dave)', exact: true });
    await add.waitFor(FIVE_S);
    // Blocked meanwhile on another device: this page still offers Add friend.
    await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: dave.id });
    await add.click();
    // Said as a failure (lib/notice.ts fail(): "Not done: ", in the alert region), with the server's reason.
    await expect.poll(() => notice().textContent(), FIVE_S).toBe('Not done: You blocked this user; unblock them first.');
    expect(await page.getByRole('alert').filter({ hasText: 'You blocked this user' }).count()).toBe(1);
    const row = page.locator('li[data-username="dave"]');
    await row.getByText('Blocked', { exact: true }).waitFor(FIVE_S);
    expect(await add.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
  });

  it('the link leads to Privacy → Blocked users, which lists each blocked user as text, with when', async () => {
    await search('carol');
    await page.locator('li[data-username="carol"]').getByRole('link', { name: /Unblock/ }).click();
    const section = blockedSection();
    const rows = section.getByRole('listitem');
    await expect.poll(() => rows.count(), FIVE_S).toBe(2);
    const lines = async (i: number) => (await rows.nth(i).innerText()).split('\n').filter((l) => l.trim() !== '');
    expect(await lines(0)).toEqual(['Carol <b>Ray</b>', '@carol', 'blocked just now', 'Unblock']);
    expect(await lines(1)).toEqual(['Dave', '@dave', 'blocked just now', 'Unblock']);
    // Shown as text: no element came out of the name.
    expect(await section.locator('b').count()).toBe(0);
    // Brought there: focus on the section's heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), FIVE_S).toBe('blocked-title');
    const unblock = section.getByRole('button', { name: 'Unblock Carol <b>Ray</b> (@carol)' });
    // The button says what unblocking does, without asking anything more.
    expect(await unblock.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')!)?.textContent)).toMatch(
      /send you friend requests again.*friendship.*does not come back/,
    );
    await expectAccessible(page, 'privacy, blocked users listed');

    await page.setViewportSize({ width: 390, height: 844 });
    await section.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shot(page, 'blocked-users-phone');
    await expectAccessible(page, 'privacy, blocked users listed');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('Unblock (keyboard) says what it did, keeps focus in the list, and the empty list says so', async () => {
    const section = blockedSection();
    const said = section.locator('[data-part=blocked-notice]');
    await section.getByRole('button', { name: 'Unblock Carol <b>Ray</b> (@carol)' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => said.textContent(), FIVE_S).toBe(
      'Unblocked Carol <b>Ray</b> (@carol). They can send you friend requests again; you are not friends again.',
    );
    await expect.poll(() => section.getByRole('listitem').count(), FIVE_S).toBe(1);
    // Focus went to the next row's button, not to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')), FIVE_S).toBe('Unblock Dave (@dave)');
    await page.keyboard.press('Enter');
    await expect.poll(() => said.textContent(), FIVE_S).toMatch(/^Unblocked Dave \(@dave\)\./);
    await section.getByText('You have not blocked anyone.').waitFor(FIVE_S);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), FIVE_S).toBe('blocked-title');
    expect(await api<unknown[]>(server.baseUrl, alice.token, 'GET', '/users/me/blocks')).toEqual([]);
    await expectAccessible(page, 'privacy, no blocked users');
  });

  it('the search offers Add friend again, and the request reaches the other user', async () => {
    await friendsTab(page, 'Pending');
    await search('carol');
    await page.getByRole('button', { name: 'Add friend Carol <b>Ray</b> (@carol)', exact: true }).click();
    await expect.poll(() => notice().textContent(), FIVE_S).toBe('Friend request sent to Carol <b>Ray</b> (@carol).');
    const requests = await api<{ incoming: Array<{ from_user_id: number }> }>(server.baseUrl, carol.token, 'GET', '/users/me/friends/requests');
    expect(requests.incoming.map((r) => r.from_user_id)).toEqual([alice.id]);
  });
});

describe('the Blocked users section while it loads, and when it cannot', () => {
  it('says it is loading, then on a failure says so with Retry, which loads the list', async () => {
    await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: dave.id });
    let refuse = true;
    await page.route('**/api/v1/users/me/blocks', (route) =>
      refuse ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"SERVICE_UNAVAILABLE","message":"down"}' }) : route.fallback());
    await page.goto(`${server.baseUrl}/#/privacy`);
    const section = blockedSection();
    await section.getByRole('alert').getByText(/^Could not load your blocked users\./).waitFor(FIVE_S);
    await expectAccessible(page, 'privacy, blocked users not loaded');
    refuse = false;
    const held = await holdAnswer(page, '**/api/v1/users/me/blocks', { method: 'GET' });
    await section.getByRole('button', { name: 'Retry' }).click();
    await held.reached;
    await section.getByRole('status').getByText('Loading blocked users…').waitFor(FIVE_S);
    held.release();
    await section.getByRole('button', { name: 'Unblock Dave (@dave)' }).waitFor(FIVE_S);
    await page.unrouteAll();
  });
});
