/**
 * A friend request sent on one device shows in the user's other device at once, in Chromium:
 * two signed-in sessions of one user (two browser contexts, two logins), both on the Pending
 * tab. Device 1 sends a request; device 2's "Sent requests" lists it without a reload (the
 * socket's `friend_request_sent`). Cancelling it on device 2 removes it from device 1, and a
 * request the recipient accepts leaves both lists (`friend_request_closed` to both sides).
 * A page that missed those frames still shows the request, in the Incoming list, the Pending
 * tab's count and the header's badge, and drops it once closed: while it polls (its WebSocket
 * blocked) and when the frame was lost on its open socket (read again after the `seq` gap).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, registerUser } from './helpers/api-users.js';
import { friendsTab, PASSWORD } from './helpers/ui.js';
import { losingFrames } from './helpers/lost-event.js';

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

describe('a friend request this page missed the frame of', () => {
  const SOCKET = /\/ws\/status/;
  let pia: { token: string; id: number };
  let sam: { token: string; id: number };
  let tom: { token: string; id: number };
  beforeAll(async () => {
    pia = await registerUser(server.baseUrl, 'pia_misses', 'Pia');
    sam = await registerUser(server.baseUrl, 'sam_asks', 'Sam');
    tom = await registerUser(server.baseUrl, 'tom_asks', 'Tom');
  });

  /** Pia's page on the Pending tab, with `block` set up on its context before it opens. */
  async function piaPage(block: (context: BrowserContext) => Promise<void>, state: 'polling' | 'connected'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), pia.token);
    await block(context);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/#/friends`);
    await page.locator(`beacon-connection-state[data-state=${state}]`).waitFor({ timeout: 30_000 });
    await friendsTab(page, 'Pending');
    await page.locator('[data-part=incoming]').getByText('No pending requests.').waitFor(FIVE_S);
    return page;
  }

  const accept = (page: Page, name: string) => page.locator('[data-part=incoming]').getByRole('button', { name: `Accept ${name}`, exact: true });
  const shown = async (page: Page, name: string) => ({
    row: await accept(page, name).count(),
    tabCount: await page.locator('[data-part=count-pending]').textContent(),
    badge: (await page.locator('[data-part=request-badge]').isHidden()) ? null : await page.locator('[data-part=request-badge]').textContent(),
  });
  /** `from` asks Pia; returns the request's id. */
  const ask = async (from: { token: string }): Promise<number> => {
    const r = await api<{ request: { id: number } }>(server.baseUrl, from.token, 'POST', '/users/me/friends/requests', { user_id: pia.id });
    return r.request.id;
  };

  it('shows while this page polls (its WebSocket blocked): listed, counted and badged, and gone once its sender cancels', async () => {
    const page = await piaPage((c) => c.routeWebSocket(SOCKET, (ws) => ws.close()), 'polling');
    const id = await ask(sam);
    const TWO_POLLS = { timeout: 8_000, interval: 50 };
    await expect.poll(() => shown(page, 'Sam (@sam_asks)'), TWO_POLLS).toEqual({ row: 1, tabCount: '1', badge: '1 pending request' });
    // Polls that find nothing new draw nothing again: the row shown stays the same element.
    await accept(page, 'Sam (@sam_asks)').evaluate((b) => ((b as unknown as { drawn: boolean }).drawn = true));
    let polls = 0;
    page.on('request', (r) => void (r.url().includes('/friends/status') && polls++));
    await expect.poll(() => polls, TWO_POLLS).toBeGreaterThanOrEqual(2);
    expect(await accept(page, 'Sam (@sam_asks)').evaluate((b) => (b as unknown as { drawn?: boolean }).drawn)).toBe(true);
    await api(server.baseUrl, sam.token, 'POST', `/users/me/friends/requests/${id}/decline`);
    await expect.poll(() => shown(page, 'Sam (@sam_asks)'), TWO_POLLS).toEqual({ row: 0, tabCount: '0', badge: null });
    expect(await page.locator('beacon-connection-state').getAttribute('data-state')).toBe('polling');
    await page.context().close();
  });

  it('shows when its friend_request_received was lost on the open socket: read again after the gap', async () => {
    const page = await piaPage((c) => losingFrames(c, SOCKET, ['friend_request_received', 'friend_request_closed']), 'connected');
    const id = await ask(tom);
    // The next frame (her own message, set on another device) shows that one was lost.
    const mark = async (text: string) => {
      await api(server.baseUrl, pia.token, 'PUT', '/users/me/status', { status: 'online', custom_message: text });
      await expect.poll(() => page.locator('[data-part=self-message]').textContent(), FIVE_S).toBe(`“${text}”`);
    };
    await mark('one lost before');
    await expect.poll(() => shown(page, 'Tom (@tom_asks)'), FIVE_S).toEqual({ row: 1, tabCount: '1', badge: '1 pending request' });
    await api(server.baseUrl, tom.token, 'POST', `/users/me/friends/requests/${id}/decline`);
    await mark('another lost before');
    await expect.poll(() => shown(page, 'Tom (@tom_asks)'), FIVE_S).toEqual({ row: 0, tabCount: '0', badge: null });
    expect(await page.locator('beacon-connection-state').getAttribute('data-state')).toBe('connected');
    await page.context().close();
  });
});
