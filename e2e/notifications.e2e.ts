/**
 * "Notify me when online" in Chromium: the toggle in the friend menu, the in-page toast
 * (from the socket's notification frame) when the friend comes online, the friend's usual
 * hours when shared, the service worker registering at /sw.js, and the Notifications
 * section of the Schedule page. axe audits each state.
 *
 * The toast is said once: the friend list does not announce the same coming online. It stays
 * while the pointer is over it or focus is in it (WCAG 2.2.1), and dismissing it from the
 * keyboard puts focus back where the user came from (or on the next toast), not on the page
 * body. The page's clock is Playwright's, so the toast's ten seconds pass at once. It goes, held
 * or not, once the friend shows offline: "is online" over a card reading "Offline" is false.
 */
import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type WebSocket from 'ws';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, openSocket } from './helpers/api-users.js';
import { friendCard, logIn, openFriendMenu } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';
import type { NotificationToastElement } from '../src/web/elements/notification-toast.js';

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let nia: { token: string; id: number };
let otto: { token: string; id: number };
let ottoSocket: WebSocket | null = null;

const register = async (username: string, display_name: string) => {
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username, password: 'correct horse battery', display_name });
  return { token: r.token, id: r.user.id };
};

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  nia = await register('nia', 'Nia Park');
  otto = await register('otto', 'Otto Lane');
  const sent = await api<{ request: { id: number } }>(server.baseUrl, otto.token, 'POST', '/users/me/friends/requests', { user_id: nia.id });
  await api(server.baseUrl, nia.token, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
  await api(server.baseUrl, otto.token, 'PUT', '/users/me/status/settings', { pattern_visibility: 'friends' });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), nia.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  ottoSocket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('notifications', () => {
  it('turns on "Notify me when online" for an offline friend, then shows a toast when they come online', async () => {
    await page.clock.install();
    await page.goto(`${server.baseUrl}/#/friends`);
    await page.getByRole('tab', { name: /^All/ }).click();
    await friendCard(page, 'otto').waitFor();
    const card = await openFriendMenu(page, 'otto');
    // Otto shares his usual hours with friends: the menu says what they are.
    await expect.poll(() => card.locator('[data-part=pattern]').textContent()).toBe('Otto Lane (@otto): not enough history yet (UTC)');
    const toggle = card.getByRole('button', { name: 'Notify me when online' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await page.getByText('You will be notified when Otto Lane (@otto) comes online.').waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await expectAccessible(page, 'friend menu with notify toggle on');
    await page.keyboard.press('Escape');
    // Everything the friend list's live region says from now on.
    await page.evaluate(() => {
      const w = window as unknown as { listSaid: string[] };
      w.listSaid = [];
      const live = document.querySelector('beacon-friend-list p.sr-only[aria-live]')!;
      new MutationObserver(() => w.listSaid.push(live.textContent ?? '')).observe(live, { childList: true, characterData: true, subtree: true });
    });

    ottoSocket = await openSocket(server.baseUrl, otto.token);
    const toast = page.getByRole('status').filter({ hasText: 'Otto Lane (@otto) is online' });
    await toast.waitFor({ timeout: 5000 });
    const toasts = page.locator('[data-part=toast]');
    expect(await toasts.count()).toBe(1);
    await expectAccessible(page, 'online notification toast');
    // Said once: the list, which has Otto online too, does not say it again.
    await expect.poll(() => friendCard(page, 'otto').getAttribute('data-status')).toBe('online');
    await page.clock.fastForward(2_000);
    expect(await page.evaluate(() => (window as unknown as { listSaid: string[] }).listSaid.filter((t) => t.includes('@otto')))).toEqual([]);

    // A keyboard user comes to the toast from the All tab: it stays while focus is on it.
    const allTab = page.getByRole('tab', { name: /^All/ });
    await allTab.focus();
    const dismiss = page.getByRole('button', { name: 'Dismiss: Otto Lane (@otto) is online' });
    await dismiss.focus();
    await page.clock.fastForward(30_000);
    expect(await toasts.count()).toBe(1);
    // Dismissed from the keyboard: focus goes back where the user came from, not to the page body.
    await page.keyboard.press('Enter');
    await expect.poll(() => toasts.count()).toBe(0);
    expect(await allTab.evaluate((el) => el === document.activeElement)).toBe(true);

    // Two toasts: the one the pointer is over stays, the other leaves; it goes once the pointer does.
    const show = (...texts: string[]) => page.locator('beacon-notification-toast').evaluate((el, t) => t.forEach((x) => (el as NotificationToastElement).show(x)), texts);
    await show('First toast', 'Second toast');
    await toasts.filter({ hasText: 'First toast' }).hover();
    await page.clock.fastForward(30_000);
    expect(await toasts.allTextContents()).toEqual(['First toastDismiss']);
    await page.mouse.move(0, 0);
    await page.clock.fastForward(30_000);
    expect(await toasts.count()).toBe(0);
    // Dismissing one of two from the keyboard puts focus on the other's Dismiss.
    await show('Third toast', 'Fourth toast');
    await page.getByRole('button', { name: 'Dismiss: Third toast' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => toasts.count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Dismiss: Fourth toast' }).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => toasts.count()).toBe(0);
    expect(await allTab.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('registers the service worker at /sw.js without errors', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'warning' && m.text().includes('service worker') && errors.push(m.text()));
    await page.reload();
    await friendCard(page, 'otto').waitFor();
    const worker = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return { script: reg.active?.scriptURL ?? null, scope: reg.scope };
    });
    expect(worker).toEqual({ script: `${server.baseUrl}/sw.js`, scope: `${server.baseUrl}/` });
    expect(errors).toEqual([]);
  });

  it('lists followed friends on the Schedule page, with this browser’s push state and the period', async () => {
    await page.goto(`${server.baseUrl}/#/schedule`);
    const section = page.getByRole('region', { name: 'Notifications' });
    await section.locator('[data-part=notifications]').waitFor();
    await section.locator('[data-part=watches]').getByText('Otto Lane @otto').waitFor();
    expect(await section.locator('[data-part=push-state]').textContent()).toMatch(/in this browser|cannot show notifications|blocked/);
    expect(await section.getByLabel('At most one per friend every').inputValue()).toBe('30');
    await expectAccessible(page, 'schedule page notifications section');
    await section.getByLabel('At most one per friend every').selectOption('60');
    await section.getByText('Saved: at most one notification per friend every 1 hour.').waitFor();
    await section.getByRole('button', { name: 'Stop notifying about Otto Lane (@otto)' }).click();
    await section.getByText('You follow no one yet.', { exact: false }).waitFor();
    expect(await api<unknown[]>(server.baseUrl, nia.token, 'GET', '/users/me/notifications/watches')).toEqual([]);
  });

  it('keeps the followed list true while the page is open: a rename shows, an unfriending takes the friend off', async () => {
    const pat = await register('pat', 'Pat Quinn');
    const sent = await api<{ request: { id: number } }>(server.baseUrl, pat.token, 'POST', '/users/me/friends/requests', { user_id: nia.id });
    await api(server.baseUrl, nia.token, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
    await api(server.baseUrl, nia.token, 'PUT', `/users/me/notifications/watches/${pat.id}`);
    // Pat is online, so Nia's page gets Pat's rename live.
    const patSocket = await openSocket(server.baseUrl, pat.token);
    try {
      await page.goto(`${server.baseUrl}/#/friends`);
      await friendCard(page, 'pat').waitFor();
      await page.goto(`${server.baseUrl}/#/schedule`);
      const watches = page.getByRole('region', { name: 'Notifications' }).locator('[data-part=watches]');
      await watches.getByText('Pat Quinn @pat').waitFor();
      await api(server.baseUrl, pat.token, 'PATCH', '/users/me', { display_name: 'Pat Rivera' });
      await watches.getByText('Pat Rivera @pat').waitFor({ timeout: 5_000 });
      // Unfriending ends the watch on the server: the page must not keep offering to stop it.
      await api(server.baseUrl, pat.token, 'DELETE', `/users/me/friends/${nia.id}`);
      await expect.poll(() => watches.getByText('@pat').count(), { timeout: 5_000 }).toBe(0);
      await page.getByText('You follow no one yet.', { exact: false }).waitFor();
    } finally {
      patSocket.close();
    }
  });

  it('takes the toast away once the friend shows offline, though focus holds it; focus goes back where it came from', async () => {
    const rio = await register('rio', 'Rio Vale');
    const sent = await api<{ request: { id: number } }>(server.baseUrl, rio.token, 'POST', '/users/me/friends/requests', { user_id: nia.id });
    await api(server.baseUrl, nia.token, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
    await api(server.baseUrl, nia.token, 'PUT', `/users/me/notifications/watches/${rio.id}`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), nia.token);
    const here = await context.newPage();
    try {
      await here.goto(`${server.baseUrl}/#/friends`);
      await friendCard(here, 'rio').waitFor();
      const rioSocket = await openSocket(server.baseUrl, rio.token);
      const dismiss = here.getByRole('button', { name: 'Dismiss: Rio Vale (@rio) is online' });
      await dismiss.waitFor({ timeout: 5_000 });
      const allTab = here.getByRole('tab', { name: /^All/ });
      await allTab.focus();
      // Held by keyboard focus, as a screen-reader user reading it holds it.
      await dismiss.focus();
      rioSocket.close();
      await expect.poll(() => friendCard(here, 'rio').getAttribute('data-status'), { timeout: 10_000 }).toBe('offline');
      // Before: "Rio Vale (@rio) is online" stayed, over Rio's card reading "Offline".
      await expect.poll(() => here.locator('[data-part=toast]').count(), { timeout: 2_000 }).toBe(0);
      expect(await allTab.evaluate((el) => el === document.activeElement)).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('says push is off in this browser once its login ended elsewhere, and turning it on saves it again', async () => {
    await register('quin', 'Quin Avery');
    const phone = (await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/login', { username: 'quin', password: 'correct horse battery' })).token;
    const endpoint = 'https://push.example.com/e2e/quin';
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const endpoints = async () => (await api<{ push_endpoints: string[] }>(server.baseUrl, phone, 'GET', '/users/me/notifications/settings')).push_endpoints;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // The browser's push service, faked (headless Chromium has none): permission granted, and a
    // subscription that lives in this context's storage, as a real one lives in the browser's.
    await context.addInitScript(
      ({ endpoint, keys }) => {
        const KEY = 'e2e.push-subscription';
        Object.defineProperty(Notification, 'permission', { get: () => 'granted' });
        Notification.requestPermission = () => Promise.resolve('granted');
        const subscription = () => ({
          endpoint,
          expirationTime: null,
          toJSON: () => ({ endpoint, expirationTime: null, keys }),
          unsubscribe: () => Promise.resolve(localStorage.removeItem(KEY) ?? true),
        });
        PushManager.prototype.getSubscription = function () {
          return Promise.resolve((localStorage.getItem(KEY) ? subscription() : null) as unknown as PushSubscription);
        };
        PushManager.prototype.subscribe = function () {
          localStorage.setItem(KEY, '1');
          return Promise.resolve(subscription() as unknown as PushSubscription);
        };
      },
      { endpoint, keys },
    );
    const laptop = await context.newPage();
    try {
      const pushState = () => laptop.getByRole('region', { name: 'Notifications' }).locator('[data-part=push-state]');
      const openSchedule = async () => {
        await laptop.goto(`${server.baseUrl}/#/schedule`);
        await laptop.getByRole('region', { name: 'Notifications' }).locator('[data-part=notifications]').waitFor();
      };
      await logIn(laptop, server.baseUrl, 'quin');
      await laptop.locator('beacon-friend-list').waitFor();
      await openSchedule();
      expect(await pushState().textContent()).toBe('Off in this browser: you see notifications only while Beacon is open.');
      await laptop.getByRole('button', { name: 'Turn on in this browser' }).click();
      await laptop.getByText('On in this browser: you are notified even when Beacon is closed.').waitFor();
      expect(await endpoints()).toEqual([endpoint]);

      // Signed out from the phone: the server forgets the laptop's subscription with its login.
      await api(server.baseUrl, phone, 'DELETE', '/users/me/sessions');
      await laptop.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 5_000 });
      expect(await endpoints()).toEqual([]);

      // Back on the laptop (the sign-in returns to the Schedule page): the browser still holds
      // its subscription, but nothing is pushed to it.
      await logIn(laptop, server.baseUrl, 'quin');
      await laptop.getByRole('navigation', { name: 'Main' }).waitFor();
      await openSchedule();
      expect(await pushState().textContent()).toBe('Off in this browser: you see notifications only while Beacon is open.');
      await expectAccessible(laptop, 'schedule page, push off after the login ended elsewhere');
      await laptop.getByRole('button', { name: 'Turn on in this browser' }).click();
      await laptop.getByText('On in this browser: you are notified even when Beacon is closed.').waitFor();
      expect(await endpoints()).toEqual([endpoint]);
    } finally {
      await context.close();
    }
  });
});
