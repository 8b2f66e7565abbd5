/**
 * The Friends page's tab survives a reload, in Chromium. The tab chosen (Online, All, Pending)
 * was the page's own state: a reload, or the address copied into another tab, always opened All,
 * so a user reading their Pending requests who reloaded found the friend list instead. The tab is
 * now in the address (`#/friends`, `#/friends/online`, `#/requests`), replaced rather than pushed
 * (tabs are no navigation: Back still leaves the page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { newPage } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let page: Page;
let fay: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const ida = await registerUser(server.baseUrl, 'ida_tabs', 'Ida');
  fay = await connectedFriend(server.baseUrl, 'fay_tabs', 'Fay', ida.token);
  const gus = await registerUser(server.baseUrl, 'gus_tabs', 'Gus');
  await api(server.baseUrl, gus.token, 'POST', '/users/me/friends/requests', { user_id: ida.id });
  page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.context().addInitScript((t) => localStorage.setItem('beacon.token', t), ida.token);
});

afterAll(async () => {
  fay?.socket?.close();
  await page?.close();
  await browser?.close();
  await server?.stop();
});

/** The tab selected, and what its panel shows. */
async function shown(): Promise<{ tab: string | null; panel: string }> {
  const tab = await page.locator('[role=tab][aria-selected=true]').getAttribute('data-tab');
  const panel = page.locator('#friends-panel');
  const what = (await panel.locator('[data-part=incoming]').count()) > 0 ? 'requests' : (await panel.locator('beacon-friend-list').count()) > 0 ? 'friends' : 'nothing';
  return { tab, panel: what };
}

async function loaded(): Promise<void> {
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  await page.locator('[role=tab][aria-selected=true]').waitFor();
}

describe('the Friends tab chosen', () => {
  it('is open again after a reload: Pending and Online chosen by keyboard, then All', async () => {
    await page.goto(`${server.baseUrl}/#/friends`);
    await loaded();
    expect(await shown()).toEqual({ tab: 'all', panel: 'friends' });

    // By keyboard, as the tabs are meant to be used: the selected tab has focus, arrows switch.
    await page.locator('[role=tab][aria-selected=true]').focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('button', { name: 'Accept Gus (@gus_tabs)' }).waitFor(FIVE_S);
    expect(await shown()).toEqual({ tab: 'pending', panel: 'requests' });
    await page.reload();
    await loaded();
    // Before: All, the friend list, after every reload.
    expect(await shown()).toEqual({ tab: 'pending', panel: 'requests' });
    await page.getByRole('button', { name: 'Accept Gus (@gus_tabs)' }).waitFor(FIVE_S);

    await page.locator('[role=tab][aria-selected=true]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await shown()).toEqual({ tab: 'online', panel: 'friends' });
    await page.reload();
    await loaded();
    expect(await shown()).toEqual({ tab: 'online', panel: 'friends' });
    await page.locator('beacon-friend-card[data-username=fay_tabs]').waitFor(FIVE_S);

    await page.locator('[role=tab][aria-selected=true]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await shown()).toEqual({ tab: 'all', panel: 'friends' });
    await page.reload();
    await loaded();
    expect(await shown()).toEqual({ tab: 'all', panel: 'friends' });
  });

  it('a tab switch adds no history entry: Back leaves the Friends page, as it would have before the switch', async () => {
    await page.goto(`${server.baseUrl}/#/privacy`);
    await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor(FIVE_S);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Friends/ }).click();
    await loaded();
    await page.getByRole('tab', { name: /^Pending/ }).click();
    await page.getByRole('tab', { name: /^Online/ }).click();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor(FIVE_S);
  });
});
