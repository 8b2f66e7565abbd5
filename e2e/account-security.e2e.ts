/**
 * The Account page's "Change password" and "Signed-in devices" in real Chromium (audit finding:
 * a user could neither change their password nor see or end their other logins). The list
 * names each device, marks this one, signs one out by keyboard (focus stays in the list) or
 * every other at once; a password change says each field's problem beside it, and on success
 * says the other devices were signed out: another browser signed in as the user is signed out
 * at once, this one stays, and the login page it lands on says whom to ask about a forgotten
 * password. Loading, error and "no other device" states; axe on each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { openSocket } from './helpers/api-users.js';
import { expectAccessible } from './helpers/axe.js';
import { logIn, newPage, PASSWORD, signUp } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** Logs in over the API as another device (its User-Agent); answers the token. */
async function loginAs(username: string, userAgent: string, password = PASSWORD): Promise<string> {
  const res = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const meStatus = async (token: string) => (await fetch(`${server.baseUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } })).status;
const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(-1) : ws.once('close', (code) => resolve(code))));

async function openAccount(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
}

const devices = (page: Page) => page.getByRole('list', { name: 'Signed-in devices' }).getByRole('listitem');
/** Each row's text: the device and, for this one, "This device". */
const rows = (page: Page) => devices(page).evaluateAll((items) => items.map((li) => [li.querySelector('.beacon-ugc')?.textContent, li.querySelector('[data-part=this-device]')?.textContent ?? null]));
const devicesStatus = (page: Page) => page.locator('[data-part=devices-status]').textContent();
const focusedText = (page: Page) => page.evaluate(() => [document.activeElement?.tagName ?? null, document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? null]);

describe('signed-in devices', () => {
  it('lists them, signs one out by keyboard (its socket closes with 4000), then every other one', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    await signUp(page, server.baseUrl, 'pia_sec', 'Pia');
    const firefox = await loginAs('pia_sec', FIREFOX_WINDOWS);
    const firefoxSocket = await openSocket(server.baseUrl, firefox);
    const firefoxClosed = closeCode(firefoxSocket);
    const iphone = await loginAs('pia_sec', SAFARI_IPHONE);
    await openAccount(page);
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual([
      ['Chrome on Linux', 'This device'],
      ['Safari on iPhone', null],
      ['Firefox on Windows', null],
    ]);
    expect(await devices(page).nth(1).textContent()).toMatch(/Signed in .+ · Last used just now/);
    // This device has no "Sign out" of its own (the header's Log out is that).
    expect(await devices(page).nth(0).getByRole('button').count()).toBe(0);
    await expectAccessible(page, 'account page, signed-in devices');

    // Keyboard only: the Firefox row's button, Enter.
    const firefoxButton = page.getByRole('button', { name: /^Sign out Firefox on Windows, signed in / });
    await firefoxButton.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => devicesStatus(page), { timeout: 5_000 }).toBe('Signed out Firefox on Windows.');
    expect(await rows(page)).toEqual([['Chrome on Linux', 'This device'], ['Safari on iPhone', null]]);
    // Focus moved to the row that took its place, not to the page.
    expect(await focusedText(page)).toEqual(['BUTTON', expect.stringMatching(/^Sign out Safari on iPhone, signed in /)]);
    expect(await firefoxClosed).toBe(4000);
    expect(await meStatus(firefox)).toBe(401);
    expect(await meStatus(iphone)).toBe(200);

    await page.getByRole('button', { name: 'Sign out all other devices' }).click();
    await expect.poll(() => devicesStatus(page), { timeout: 5_000 }).toBe('Signed out 1 other device.');
    await page.getByText('No other device is signed in.').waitFor();
    expect(await rows(page)).toEqual([['Chrome on Linux', 'This device']]);
    expect(await page.getByRole('button', { name: 'Sign out all other devices' }).count()).toBe(0);
    expect(await focusedText(page)).toEqual(['H2', 'Signed-in devices']);
    expect(await meStatus(iphone)).toBe(401);
    // This one goes on.
    expect(await meStatus((await page.evaluate(() => localStorage.getItem('beacon.token')))!)).toBe(200);
    await expectAccessible(page, 'account page, no other device');
    await page.close();
  });

  it('keeps another device’s "Last used" true while the page stays open', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    // A page clock the test can move on (the page left open); it runs as usual until then.
    await page.clock.install();
    await signUp(page, server.baseUrl, 'ola_sec', 'Ola');
    await loginAs('ola_sec', FIREFOX_WINDOWS);
    await openAccount(page);
    const firefox = () => devices(page).filter({ hasText: 'Firefox on Windows' }).textContent();
    await expect.poll(firefox, { timeout: 5_000 }).toMatch(/Signed in .+ · Last used just nowSign out$/);
    // Twenty minutes later, the page still open and nobody using that device.
    await page.clock.fastForward('20:00');
    await expect.poll(firefox, { timeout: 5_000 }).toMatch(/Signed in .+ · Last used 20 minutes agoSign out$/);
    await page.close();
  });

  it('shows loading, then an error with "Try again", then the list', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    await signUp(page, server.baseUrl, 'rex_sec', 'Rex');
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let failing = true;
    await page.route('**/api/v1/users/me/sessions', async (route) => {
      if (route.request().method() !== 'GET' || !failing) return route.fallback();
      await held;
      return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unreachable; try again shortly' }) });
    });
    await openAccount(page);
    const body = page.locator('[data-part=devices]');
    await page.getByText('Loading your devices…').waitFor();
    expect(await body.getAttribute('aria-busy')).toBe('true');
    release();
    const error = page.getByRole('alert').filter({ hasText: 'Could not load your devices.' });
    await error.waitFor({ timeout: 5_000 });
    expect(await error.textContent()).toContain('Could not load your devices. Beacon is temporarily unavailable. Try again in a moment.');
    expect(await body.getAttribute('aria-busy')).toBeNull();
    await expectAccessible(page, 'account page, devices failed to load');
    failing = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual([['Chrome on Linux', 'This device']]);
    expect(await focusedText(page)).toEqual(['H2', 'Signed-in devices']);
    await page.close();
  });
});

describe('change password', () => {
  it('says each field’s problem beside it, then changes it: the other browser is signed out, this one stays', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    const other = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    await signUp(page, server.baseUrl, 'sam_sec', 'Sam');
    await logIn(other, server.baseUrl, 'sam_sec');
    await other.locator('beacon-friend-list').waitFor();
    await openAccount(page);
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual([['Chrome on Linux', 'This device'], ['Chrome on Linux', null]]);

    const current = page.getByLabel('Current password');
    const next = page.getByLabel('New password', { exact: true });
    const confirm = page.getByLabel('Confirm new password');
    const errorOf = (id: string) => page.locator(`#${id}-password-error`).textContent();
    const invalid = () => Promise.all([current, next, confirm].map((f) => f.getAttribute('aria-invalid')));
    const alert = page.locator('[data-part=password-alert]');

    // Nothing entered, Enter in the first field: every field says what it needs; focus stays on the first.
    await current.press('Enter');
    await expect.poll(() => errorOf('current')).toBe('Enter your current password.');
    expect(await errorOf('new')).toBe('Passwords are 8 to 128 characters long.');
    expect(await errorOf('confirm')).toBe('Enter the new password again.');
    expect(await invalid()).toEqual(['true', 'true', 'true']);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('current-password');
    await expect.poll(() => alert.textContent()).toBe('Current password: Enter your current password. New password: Passwords are 8 to 128 characters long. Confirm new password: Enter the new password again.');
    // Each error line is the field's description.
    expect((await confirm.getAttribute('aria-describedby'))?.split(' ')).toContain('confirm-password-error');

    await current.fill('not my password');
    await next.fill('a-new-passphrase-42');
    await confirm.fill('a-new-passphrase-24');
    await confirm.press('Enter');
    await expect.poll(() => errorOf('confirm')).toBe('The two new passwords do not match.');
    expect(await errorOf('current')).toBe('');
    expect(await invalid()).toEqual([null, null, 'true']);

    await confirm.fill('a-new-passphrase-42');
    await confirm.press('Enter');
    await expect.poll(() => errorOf('current'), { timeout: 5_000 }).toBe('Wrong password.');
    expect(await invalid()).toEqual(['true', null, null]);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('current-password');

    // The server's rules, in its words, at the new password.
    await current.fill(PASSWORD);
    await next.fill('password1');
    await confirm.fill('password1');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => errorOf('new'), { timeout: 5_000 }).toBe('This password is one of the most common ones and easy to guess; choose another.');
    expect(await invalid()).toEqual([null, 'true', null]);
    await expectAccessible(page, 'account page, new password refused');
    // Nothing changed meanwhile: the other browser is still signed in.
    expect(await other.locator('beacon-friend-list').count()).toBe(1);

    const deviceToken = () => page.evaluate(() => (JSON.parse(localStorage.getItem('beacon.devices') ?? '{}') as Record<string, string>).sam_sec);
    const oldDevice = await deviceToken();
    expect(oldDevice).toMatch(/^d2\./);
    await next.fill('a-new-passphrase-42');
    await confirm.fill('a-new-passphrase-42');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => page.locator('[data-part=password-status]').textContent(), { timeout: 5_000 })
      .toBe('Password changed. You stay signed in here; 1 other device was signed out.');
    // The device token kept for the old password names no known device now: this browser keeps the change's.
    const newDevice = await deviceToken();
    expect(newDevice).toMatch(/^d2\./);
    expect(newDevice).not.toBe(oldDevice);
    expect(await Promise.all([current, next, confirm].map((f) => f.inputValue()))).toEqual(['', '', '']);
    expect(await invalid()).toEqual([null, null, null]);
    // The other browser is signed out at once (its socket closed with 4000), this one is not.
    await other.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 5_000 });
    expect(await other.locator('[data-part=error]').textContent()).toBe('Your session has ended. Please log in again.');
    // A forgotten password has a way back too: the login page says whom to ask (docs/operations.md).
    expect(await other.locator('[data-part=forgot]').textContent()).toBe('Forgot your password? Ask whoever runs this Beacon to reset it for you.');
    await expect.poll(() => rows(page), { timeout: 5_000 }).toEqual([['Chrome on Linux', 'This device']]);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Friends' }).click();
    await page.locator('beacon-friend-list').waitFor();
    expect(await page.getByRole('button', { name: 'Log in' }).count()).toBe(0);
    await expectAccessible(page, 'friends page after a password change');
    // The new password is the one that works now.
    await logIn(other, server.baseUrl, 'sam_sec', PASSWORD);
    await expect.poll(() => other.locator('[data-part=error]').textContent(), { timeout: 5_000 }).toBe('Wrong username or password.');
    await logIn(other, server.baseUrl, 'sam_sec', 'a-new-passphrase-42');
    await other.locator('beacon-friend-list').waitFor();
    // It is a known device: a login with it answers the same token (an unknown device gets a new one).
    const known = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sam_sec', password: 'a-new-passphrase-42', device_token: newDevice }),
    });
    expect(((await known.json()) as { device_token: string }).device_token).toBe(newDevice);
    await page.close();
    await other.close();
  });
});
