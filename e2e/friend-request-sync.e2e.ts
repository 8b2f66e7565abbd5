/**
 * A friend request sent on one device shows in the user's other device at once, in Chromium:
 * two signed-in sessions of one user (two browser contexts, two logins), both on the Pending
 * tab. Device 1 sends a request; device 2's "Sent requests" lists it without a reload (the
 * socket's `friend_request_sent`). Cancelling it on device 2 removes it from device 1, and a
 * request the recipient accepts leaves both lists (`friend_request_closed` to both sides).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, registerUser } from './helpers/api-users.js';
import { friendsTab, PASSWORD } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 50 };
const NONE_SENT = 'You have no requests waiting for an answer.';

let server: ServerHandle;
let browser: Browser;
const contexts: BrowserContext[] = [];
let ana: { token: string; id: number };

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  await registerUser(server.baseUrl, 'wen_devices', 'Wen Devices');
  ana = await registerUser(server.baseUrl, 'ana_devices', 'Ana');
  await registerUser(server.baseUrl, 'ben_devices', 'Ben');
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

/** A device of Wen's: a context of its own with a login of its own, on the Pending tab, live. */
async function device(): Promise<Page> {
  const { token } = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/login', { username: 'wen_devices', password: PASSWORD });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  await friendsTab(page, 'Pending');
  await sent(page).getByText(NONE_SENT).waitFor(FIVE_S);
  // Set once; a reload would drop it.
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  return page;
}

const sent = (page: Page) => page.locator('[data-part=outgoing]');
const cancelButton = (page: Page, name: string, username: string) =>
  sent(page).getByRole('button', { name: `Cancel request to ${name} (@${username})`, exact: true });
const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded);

/** Finds `username` on `page` and sends them a request; the notice says so. */
async function sendRequest(page: Page, username: string, name: string): Promise<void> {
  await page.getByLabel('Search by username').fill(username);
  await page.getByRole('button', { name: `Add friend ${name} (@${username})`, exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Friend request sent to ${name} (@${username}).` }).waitFor(FIVE_S);
}

describe('a friend request sent on one device', () => {
  let one: Page;
  let two: Page;
  beforeAll(async () => {
    one = await device();
    two = await device();
  });

  it('is listed in the other device’s Sent requests at once, with the name, without a reload; cancelling it there removes it here', async () => {
    expect(await cancelButton(two, 'Ana', 'ana_devices').count()).toBe(0);
    await sendRequest(one, 'ana_devices', 'Ana');
    await cancelButton(one, 'Ana', 'ana_devices').waitFor(FIVE_S);

    // Device 2 heard of it over its socket: the row, named, with its Cancel button.
    await cancelButton(two, 'Ana', 'ana_devices').waitFor(FIVE_S);
    expect(await sent(two).getByText(NONE_SENT).count()).toBe(0);
    expect(await sent(two).getByRole('listitem').count()).toBe(1);
    expect(await notReloaded(two)).toBe(true);

    // Cancelled on device 2 (keyboard): device 1's list loses it too.
    await cancelButton(two, 'Ana', 'ana_devices').focus();
    await two.keyboard.press('Enter');
    await two.getByRole('status').filter({ hasText: 'Cancelled your request to Ana (@ana_devices).' }).waitFor(FIVE_S);
    await sent(one).getByText(NONE_SENT).waitFor(FIVE_S);
    expect(await cancelButton(one, 'Ana', 'ana_devices').count()).toBe(0);
    expect(await notReloaded(one)).toBe(true);
  });

  it('leaves both devices’ lists when the recipient accepts it', async () => {
    await sendRequest(two, 'ben_devices', 'Ben');
    await cancelButton(one, 'Ben', 'ben_devices').waitFor(FIVE_S);
    const ben = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/login', { username: 'ben_devices', password: PASSWORD });
    const { incoming } = await api<{ incoming: Array<{ id: number }> }>(server.baseUrl, ben.token, 'GET', '/users/me/friends/requests');
    expect(incoming).toHaveLength(1);
    await api(server.baseUrl, ben.token, 'POST', `/users/me/friends/requests/${incoming[0]!.id}/accept`);
    for (const page of [one, two]) {
      await sent(page).getByText(NONE_SENT).waitFor(FIVE_S);
      expect(await notReloaded(page)).toBe(true);
    }
    // Ana was never asked again.
    const { incoming: anas } = await api<{ incoming: unknown[] }>(server.baseUrl, ana.token, 'GET', '/users/me/friends/requests');
    expect(anas).toEqual([]);
  });
});
