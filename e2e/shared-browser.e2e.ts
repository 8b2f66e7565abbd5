/**
 * One browser, several people (a family computer): what the web app remembers about the
 * status menu (the last manual status, the visibility "Appear offline" returns to) belongs to
 * the account that chose it. Another account signing in on that browser starts from its own
 * settings; the same account signing in again keeps its choices.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api } from './helpers/api-users.js';
import { logIn, openStatusMenu, PASSWORD } from './helpers/ui.js';
import { unroute } from './helpers/unroute.js';

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

describe('the page asked for before signing in', () => {
  const route = () => new URL(page.url()).hash;
  const heading = () => page.getByRole('heading', { level: 1 }).first().textContent();

  // Signed out, whatever the test before left.
  beforeEach(async () => {
    await page.goto(`${server.baseUrl}/#/login`);
    await page.evaluate(() => localStorage.removeItem('beacon.token'));
    await page.reload();
  });

  /** Logs in through the login page already shown, and waits for the app. */
  async function logInHere(username: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('[data-part=me]').filter({ hasText: `@${username}` }).waitFor(FIVE_S);
  }

  it('a link opened while signed out leads there once signed in', async () => {
    await register('dee_link');
    await page.goto(`${server.baseUrl}/#/privacy`);
    await page.getByRole('button', { name: 'Log in' }).waitFor(FIVE_S);
    expect(route()).toBe('#/login');
    await logInHere('dee_link');
    await expect.poll(route, FIVE_S).toBe('#/privacy');
    expect(await heading()).toBe('Privacy');
    await logOut();
  });

  it('an answer saying the session ended signs out at once, also while the socket stays open', async () => {
    // A browser of its own (its storage too), whose socket never passes Beacon's close on (a proxy
    // keeping it, a close lost on the way): only the answers to the page's calls can tell.
    const own = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const tab = await own.newPage();
      await tab.routeWebSocket(/\/ws\/status/, (ws) => {
        const beacon = ws.connectToServer();
        beacon.onClose(() => undefined);
      });
      await register('gil_link');
      await logIn(tab, server.baseUrl, 'gil_link');
      await tab.locator('[data-part=me]').filter({ hasText: '@gil_link' }).waitFor(FIVE_S);
      // The session is revoked elsewhere; then the Schedule page loads its panels.
      const token = await tab.evaluate(() => localStorage.getItem('beacon.token'));
      await api(server.baseUrl, token, 'POST', '/auth/logout');
      await tab.goto(`${server.baseUrl}/#/schedule`);
      await tab.getByText('Your session has ended. Please log in again.', { exact: true }).waitFor(FIVE_S);
      expect(new URL(tab.url()).hash).toBe('#/login');
      expect(await tab.getByText(/^Could not load/).count(), 'no panel says it in place').toBe(0);
      // The next sign-in comes back to the page the session ended on.
      await tab.getByLabel('Password').fill(PASSWORD);
      await tab.getByLabel('Username').fill('gil_link');
      await tab.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => new URL(tab.url()).hash, FIVE_S).toBe('#/schedule');
    } finally {
      await own.close();
    }
  });

  it('a session that ended on a page leads back to it at the next sign-in; a log out does not', async () => {
    await register('eve_link');
    await register('fin_link');
    await logIn(page, server.baseUrl, 'eve_link');
    await page.locator('[data-part=me]').filter({ hasText: '@eve_link' }).waitFor(FIVE_S);
    await page.goto(`${server.baseUrl}/#/schedule`);
    await expect.poll(heading, FIVE_S).toBe('Schedule');
    // The session is revoked elsewhere (another device signed it out).
    const token = await page.evaluate(() => localStorage.getItem('beacon.token'));
    await api(server.baseUrl, token, 'POST', '/auth/logout');
    await page.getByText('Your session has ended. Please log in again.', { exact: true }).waitFor(FIVE_S);
    await logInHere('eve_link');
    await expect.poll(route, FIVE_S).toBe('#/schedule');
    expect(await heading()).toBe('Schedule');
    // Logging out is leaving: the next person starts on Friends, not on the page left, also when
    // the logout's answer comes after the server closed the socket it revoked.
    await page.goto(`${server.baseUrl}/#/privacy`);
    await expect.poll(heading, FIVE_S).toBe('Privacy');
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/auth/logout', async (r) => {
      const response = await r.fetch();
      await released;
      await r.fulfill({ response });
    });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor(FIVE_S);
    // The socket's close came first: that was the logout, no session "ended" to tell of.
    expect(await page.getByText('Your session has ended. Please log in again.', { exact: true }).count()).toBe(0);
    const answered = page.waitForResponse('**/api/v1/auth/logout');
    release();
    await answered;
    await unroute(page, '**/api/v1/auth/logout');
    await logInHere('fin_link');
    await expect.poll(route, FIVE_S).toBe('#/friends');
    await logOut();
  });
});
