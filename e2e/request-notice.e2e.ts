/**
 * The Friends page's notice ("Friend request sent to Ben (@ben_note).") says what the last
 * action did, in a live region, and then goes: when the user types a new name, when they
 * switch tabs, and by itself after a while (lib/notice.ts). It never stays for good.
 * Nor does it stay untrue: a request that became a friendship while it shows (the other
 * asked at the same moment) is said as one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, registerUser } from './helpers/api-users.js';
import { friendsTab } from './helpers/ui.js';
import { keepInterception } from './helpers/unroute.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let umaId: number;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const uma = await registerUser(server.baseUrl, 'uma_note', 'Uma Note');
  umaId = uma.id;
  for (const [username, name] of [['ben_note', 'Ben'], ['cat_note', 'Cat'], ['dan_note', 'Dan']] as const) await registerUser(server.baseUrl, username, name);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  await friendsTab(page, 'Pending');
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

/** Finds `username` and sends them a request; the notice (a live region) then says so. */
async function sendRequest(username: string, name: string): Promise<void> {
  await page.getByLabel('Search by username').fill(username);
  await page.getByRole('button', { name: `Add friend ${name} (@${username})`, exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Friend request sent to ${name} (@${username}).` }).waitFor(FIVE_S);
}

const notice = () => page.locator('[data-part=notice]').textContent();

describe('the notice after sending a friend request', () => {
  it('clears when the user types a new name', async () => {
    await sendRequest('ben_note', 'Ben');
    await page.getByLabel('Search by username').pressSequentially('x');
    await expect.poll(notice, FIVE_S).toBe('');
  });

  it('clears when the user switches tabs', async () => {
    await sendRequest('cat_note', 'Cat');
    await page.getByRole('tab', { name: /^All/ }).click();
    await expect.poll(notice, FIVE_S).toBe('');
    await page.getByRole('tab', { name: /^Pending/ }).click();
    expect(await notice()).toBe('');
  });

  it('clears by itself after about ten seconds, not at once', async () => {
    await sendRequest('dan_note', 'Dan');
    const shown = Date.now();
    await expect.poll(notice, { timeout: 15_000, interval: 100 }).toBe('');
    expect(Date.now() - shown).toBeGreaterThan(8_000);
  });
});

describe('the notice when sending a request makes friends at once', () => {
  it('says "You and … are now friends." (the other had asked first, and this page had not heard yet)', async () => {
    const eve = await registerUser(server.baseUrl, 'eve_note', 'Eve');
    const fay = await registerUser(server.baseUrl, 'fay_note', 'Fay');
    const eveCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await eveCtx.addInitScript((t) => localStorage.setItem('beacon.token', t), eve.token);
      const evePage = await eveCtx.newPage();
      // Eve's page does not hear of Fay's request (a frame lost, the socket between reconnects):
      // the search still offers "Add friend".
      const unheard = (text: string) => {
        const frame = JSON.parse(text) as { type: string; messages?: Array<{ type: string }> };
        if (frame.type === 'friend_request_received') return null;
        if (frame.type === 'batch') return JSON.stringify({ ...frame, messages: frame.messages!.filter((e) => e.type !== 'friend_request_received') });
        return text;
      };
      await evePage.routeWebSocket(/\/ws\/status/, (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((m) => {
          const kept = typeof m === 'string' ? unheard(m) : m;
          if (kept !== null) ws.send(kept);
        });
      });
      await evePage.goto(`${server.baseUrl}/#/friends`);
      await evePage.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
      await friendsTab(evePage, 'Pending');
      await evePage.getByLabel('Search by username').fill('fay_note');
      const add = evePage.getByRole('button', { name: 'Add friend Fay (@fay_note)', exact: true });
      await add.waitFor(FIVE_S);
      await api(server.baseUrl, fay.token, 'POST', '/users/me/friends/requests', { user_id: eve.id });
      await add.click();
      await evePage.getByRole('status').filter({ hasText: 'You and Fay (@fay_note) are now friends.' }).waitFor(FIVE_S);
      expect(await evePage.locator('[data-part=notice]').textContent()).toBe('You and Fay (@fay_note) are now friends.');
    } finally {
      await eveCtx.close();
    }
  });
});

describe('the notice when both ask each other at the same moment', () => {
  it('says "You and … are now friends." instead of "Friend request sent", whichever comes first: the answer or friend_added', async () => {
    const notice = page.locator('[data-part=notice]');
    // Gil's request comes just after Uma's answer (the socket then says they are friends);
    // Hal's comes while Uma's answer is still on its way (friend_added before it).
    const gil = await registerUser(server.baseUrl, 'gil_note', 'Gil');
    await sendRequest('gil_note', 'Gil');
    await api(server.baseUrl, gil.token, 'POST', '/users/me/friends/requests', { user_id: umaId });
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('You and Gil (@gil_note) are now friends.');

    const hal = await registerUser(server.baseUrl, 'hal_note', 'Hal');
    await page.getByLabel('Search by username').fill('hal_note');
    let answered = false;
    await keepInterception(page); // the route below removes itself (helpers/unroute.ts)
    await page.route('**/api/v1/users/me/friends/requests', async (route) => {
      const res = await route.fetch();
      await api(server.baseUrl, hal.token, 'POST', '/users/me/friends/requests', { user_id: umaId });
      // Uma's page hears of the friendship before the answer to her own request.
      await page.locator('li[data-username="hal_note"]').getByText('✓ Friends').waitFor(FIVE_S);
      await route.fulfill({ response: res });
      answered = true;
    }, { times: 1 });
    await page.getByRole('button', { name: 'Add friend Hal (@hal_note)', exact: true }).click();
    await expect.poll(() => answered, FIVE_S).toBe(true);
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('You and Hal (@hal_note) are now friends.');
  });
});

