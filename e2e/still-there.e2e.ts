/**
 * The "Still there?" dialog tells the truth once the probe is answered, in real Chromium,
 * with the idle timers of e2e/idle.e2e.ts (idle 90 s, over 3 × the app's longest background
 * timer; probe 20 s):
 * - Tia has two tabs and a second device; all three ask. She answers in tab 1: tab 2 and the
 *   other device, untouched, close by themselves (they no longer say "will soon see you as
 *   away" while the server keeps her online). The tab hears it from tab 1 and from the server
 *   (`probe_answered`), the other device from the server alone.
 * - Uma moves the pointer and presses a key but does not click: that input answers the
 *   probe, so the dialog says friends still see her online, and stays until she clicks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, befriendOverApi, registerUser } from './helpers/api-users.js';
import { IDLE_ENV, IDLE_MS, PROBE_MS } from './helpers/idle-timers.js';


let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(IDLE_ENV);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const user = (username: string) => registerUser(server.baseUrl, username);

async function open(page: Page): Promise<void> {
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
}

describe('"Still there?" after the probe is answered', () => {
  it('closes in an untouched tab when another tab answered, and says "still online" after input without a click', async () => {
    const [tia, uma, fay] = await Promise.all([user('tia_two_tabs'), user('uma_no_click'), user('fay_friend')]);
    const seenBy = (id: number) => async () => (await api<{ status: string }>(server.baseUrl, fay.token, 'GET', `/users/${id}/status`)).status;
    for (const u of [tia, uma]) await befriendOverApi(server.baseUrl, u, fay);

    const tiaCtx = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    await tiaCtx.addInitScript((t) => localStorage.setItem('beacon.token', t), tia.token);
    const [tab1, tab2] = [await tiaCtx.newPage(), await tiaCtx.newPage()];
    // Another device: its own browser profile, so no BroadcastChannel reaches it from tab 1.
    const phoneCtx = await browser.newContext({ viewport: { width: 390, height: 700 } });
    await phoneCtx.addInitScript((t) => localStorage.setItem('beacon.token', t), tia.token);
    const phone = await phoneCtx.newPage();
    const umaCtx = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    await umaCtx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
    const umaPage = await umaCtx.newPage();
    await Promise.all([open(tab1), open(tab2), open(phone), open(umaPage)]);
    const dialog = (p: Page) => p.getByRole('dialog', { name: 'Still there?' });

    const tiaRun = (async () => {
      await Promise.all([tab1, tab2, phone].map((p) => dialog(p).waitFor({ timeout: IDLE_MS + 30_000 })));
      await dialog(tab1).getByRole('button', { name: "I'm here" }).click();
      await dialog(tab1).waitFor({ state: 'hidden', timeout: 5_000 });
      // Tab 2 and the phone had no input: nothing is under a pointer there, so they close by themselves.
      await dialog(tab2).waitFor({ state: 'hidden', timeout: 5_000 });
      await dialog(phone).waitFor({ state: 'hidden', timeout: 5_000 });
      await tab1.waitForTimeout(PROBE_MS + 2_000); // past the probe: she stayed online, as both tabs now imply
      expect(await seenBy(tia.id)()).toBe('online');
      expect(await dialog(tab2).isVisible()).toBe(false);
      expect(await dialog(phone).isVisible()).toBe(false);
    })();

    const umaRun = (async () => {
      await dialog(umaPage).waitFor({ timeout: IDLE_MS + 30_000 });
      const text = dialog(umaPage).locator('#beacon-still-there-text');
      expect(await text.textContent()).toContain('will soon see you as away');
      // Back, but no click: the pointer moves and a key is pressed.
      await umaPage.mouse.move(100, 100);
      await umaPage.mouse.move(160, 140, { steps: 3 });
      await umaPage.keyboard.press('Shift');
      await expect.poll(() => text.textContent(), { timeout: 5_000, interval: 50 }).toBe('Welcome back. Your friends still see you online.');
      expect(await text.getAttribute('aria-live')).toBe('polite');
      await umaPage.waitForTimeout(PROBE_MS + 2_000); // past the probe: the server took the input as her answer
      expect(await seenBy(uma.id)()).toBe('online');
      expect(await text.textContent()).toBe('Welcome back. Your friends still see you online.');
      expect(await dialog(umaPage).isVisible()).toBe(true); // open until answered: never closed under her pointer
      await dialog(umaPage).getByRole('button', { name: "I'm here" }).click();
      await dialog(umaPage).waitFor({ state: 'hidden', timeout: 5_000 });
    })();

    await Promise.all([tiaRun, umaRun]);
    await tiaCtx.close();
    await phoneCtx.close();
    await umaCtx.close();
  }, IDLE_MS + 120_000);
});
