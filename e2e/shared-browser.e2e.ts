/**
 * One browser, several people (a family computer): what the web app remembers about the
 * status menu (the last manual status, the visibility "Appear offline" returns to) belongs to
 * the account that chose it. Another account signing in on that browser starts from its own
 * settings; the same account signing in again keeps its choices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api } from './helpers/api-users.js';
import { logIn, openStatusMenu, PASSWORD } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000 };

let server: ServerHandle;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
});

async function register(username: string): Promise<string> {
  return (await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username, password: PASSWORD })).token;
}

const visibility = async (token: string) => (await api<{ status_visibility: string }>(server.baseUrl, token, 'GET', '/users/me/status/settings')).status_visibility;
const appearOffline = (p: Page) => p.locator('beacon-status-menu').getByRole('switch', { name: /Appear offline/ });

/** Signs `username` in through the login page and opens the status menu, its "Appear offline" switch read from the server. */
async function signInAndOpenMenu(username: string, hidden: boolean): Promise<void> {
  await logIn(page, server.baseUrl, username);
  await page.locator('[data-part=me]').filter({ hasText: `@${username}` }).waitFor(FIVE_S);
  await openStatusMenu(page);
  await expect.poll(() => appearOffline(page).isChecked(), FIVE_S).toBe(hidden);
}

async function logOut(): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('button', { name: 'Log in' }).waitFor(FIVE_S);
}

describe('one browser shared by two accounts', () => {
  it('the next person does not get the previous one’s remembered visibility; the previous one keeps it', async () => {
    const ann = await register('ann_shared');
    const ben = await register('ben_shared');
    // Ann shows her status to everyone; Ben hid himself on another device.
    await api(server.baseUrl, ann, 'PUT', '/users/me/status/settings', { status_visibility: 'public' });
    await api(server.baseUrl, ben, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });

    // Ann appears offline from this browser (it remembers "public" to return to), then logs out.
    await signInAndOpenMenu('ann_shared', false);
    await appearOffline(page).check();
    await expect.poll(() => visibility(ann), FIVE_S).toBe('hidden');
    await logOut();

    // Ben, on the same browser, stops appearing offline: not Ann's "public", but the audience he
    // had when he hid elsewhere (the server keeps it: POST /users/me/status/unhide).
    await signInAndOpenMenu('ben_shared', true);
    await appearOffline(page).uncheck();
    await expect.poll(() => visibility(ben), FIVE_S).not.toBe('hidden');
    expect(await visibility(ben)).toBe('friends');
    await logOut();

    // Ann again: her own choice is still remembered.
    await signInAndOpenMenu('ann_shared', true);
    await appearOffline(page).uncheck();
    await expect.poll(() => visibility(ann), FIVE_S).not.toBe('hidden');
    expect(await visibility(ann)).toBe('public');
    await logOut();
  });

  it('drops the preferences kept before they were per account: whose they were is unknown', async () => {
    const cal = await register('cal_shared');
    await api(server.baseUrl, cal, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
    // A browser of its own, whatever the test before left.
    await context.close();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    await page.goto(`${server.baseUrl}/#/login`);
    // Left by an earlier version of the app, by whoever used this browser then.
    await page.evaluate(() => {
      localStorage.setItem('beacon.previousVisibility', 'public');
      localStorage.setItem('beacon.manualStatus', 'busy');
    });
    await page.reload();
    await signInAndOpenMenu('cal_shared', true);
    expect(await page.evaluate(() => [localStorage.getItem('beacon.previousVisibility'), localStorage.getItem('beacon.manualStatus')])).toEqual([null, null]);
    await appearOffline(page).uncheck();
    await expect.poll(() => visibility(cal), FIVE_S).not.toBe('hidden');
    expect(await visibility(cal)).toBe('friends');
  });
});
