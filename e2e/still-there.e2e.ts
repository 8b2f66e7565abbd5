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
 * - It says who really sees the user: Hal appears offline, so it never says friends see him
 *   away (they keep seeing him offline); Cleo shows her status to close friends only, so it
 *   never says "your friends" see it. Ned comes back by moving the pointer, then loses the
 *   network: while not connected the dialog stops saying friends see him online (they soon
 *   see him offline), and says it again once he is back.
 * The two tests run side by side: each waits out the idle timeout and the probe.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
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
const INACTIVE = 'You have been inactive for a while.';
/** Who sees the status under the default settings, in the Privacy page's words. */
const FRIENDS = 'Your friends (except those you marked as acquaintances)';
const FRIENDS_STILL = `Welcome back. ${FRIENDS} still see you online.`;

async function open(page: Page): Promise<void> {
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
}

describe.concurrent('"Still there?" after the probe is answered', () => {
  it('closes in an untouched tab when another tab answered, and says "still online" after input without a click', async ({ expect }) => {
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
      await expect.poll(() => text.textContent(), { timeout: 5_000, interval: 50 }).toBe(FRIENDS_STILL);
      expect(await text.getAttribute('aria-live')).toBe('polite');
      await umaPage.waitForTimeout(PROBE_MS + 2_000); // past the probe: the server took the input as her answer
      expect(await seenBy(uma.id)()).toBe('online');
      expect(await text.textContent()).toBe(FRIENDS_STILL);
      expect(await dialog(umaPage).isVisible()).toBe(true); // open until answered: never closed under her pointer
      await dialog(umaPage).getByRole('button', { name: "I'm here" }).click();
      await dialog(umaPage).waitFor({ state: 'hidden', timeout: 5_000 });
    })();

    await Promise.all([tiaRun, umaRun]);
    await tiaCtx.close();
    await phoneCtx.close();
    await umaCtx.close();
  }, IDLE_MS + 120_000);

  it('says what friends really see: nothing about "away" while hidden, only close friends when only they see, nothing while not connected', async ({ expect }) => {
    const [hal, cleo, ned, fay] = await Promise.all([user('hal_hidden'), user('cleo_close'), user('ned_netloss'), user('fay_sees')]);
    const seenBy = (id: number) => async () => (await api<{ status: string }>(server.baseUrl, fay.token, 'GET', `/users/${id}/status`)).status;
    // Fay stays a plain friend of all three: not one of Cleo's close friends.
    for (const u of [hal, cleo, ned]) await befriendOverApi(server.baseUrl, u, fay);
    await api(server.baseUrl, hal.token, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
    await api(server.baseUrl, cleo.token, 'PUT', '/users/me/status/settings', { status_visibility: 'close_friends' });
    const pages = await Promise.all(
      [hal, cleo, ned].map(async (u) => {
        const ctx = await browser.newContext({ viewport: { width: 1024, height: 700 } });
        await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), u.token);
        return ctx.newPage();
      }),
    );
    const [halPage, cleoPage, nedPage] = pages as [Page, Page, Page];
    await Promise.all(pages.map((p) => open(p)));
    const dialog = (p: Page) => p.getByRole('dialog', { name: 'Still there?' });
    const text = (p: Page) => dialog(p).locator('#beacon-still-there-text');

    const halRun = (async () => {
      await dialog(halPage).waitFor({ timeout: IDLE_MS + 30_000 });
      const hidden = 'You appear offline, so everyone keeps seeing you as offline.';
      expect(await text(halPage).textContent()).toBe(`${INACTIVE} You will soon be away. ${hidden}`);
      // Unanswered: the server makes him away; friends still see him offline, and the dialog says so.
      await expect.poll(() => text(halPage).textContent(), { timeout: PROBE_MS + 10_000, interval: 250 }).toBe(`${INACTIVE} You are now away. ${hidden}`);
      expect(await seenBy(hal.id)()).toBe('offline');
    })();

    const cleoRun = (async () => {
      await dialog(cleoPage).waitFor({ timeout: IDLE_MS + 30_000 });
      expect(await text(cleoPage).textContent()).toBe(`${INACTIVE} Your close friends will soon see you as away. Other friends see you offline.`);
      await expect
        .poll(() => text(cleoPage).textContent(), { timeout: PROBE_MS + 10_000, interval: 250 })
        .toBe(`${INACTIVE} Your close friends now see you as away. Other friends see you offline.`);
      expect(await seenBy(cleo.id)()).toBe('offline'); // Fay, a plain friend
    })();

    const nedRun = (async () => {
      await dialog(nedPage).waitFor({ timeout: IDLE_MS + 30_000 });
      const self = nedPage.locator('beacon-status-menu [data-part=self-status]');
      await expect.poll(() => self.textContent(), { timeout: PROBE_MS + 10_000, interval: 250 }).toBe('Away');
      expect(await seenBy(ned.id)()).toBe('away');
      // Back: the pointer moves (no click), and the dialog says so.
      await nedPage.mouse.move(100, 100);
      await nedPage.mouse.move(160, 140, { steps: 3 });
      await expect.poll(() => self.textContent(), { timeout: 5_000, interval: 50 }).toBe('Online');
      await expect.poll(() => text(nedPage).textContent(), { timeout: 5_000, interval: 50 }).toMatch(/^Welcome back\. .* see you online again\.$/);
      // The network goes: the header says why his status is unavailable, and so does the dialog,
      // which no longer says friends see him online (past the offline grace they see him offline).
      await nedPage.context().setOffline(true);
      await expect.poll(() => self.textContent(), { timeout: 10_000, interval: 100 }).toBe('Status unavailable (offline)');
      await expect
        .poll(() => text(nedPage).textContent(), { timeout: 5_000, interval: 100 })
        .toBe('Welcome back. Status unavailable (offline). Friends may already see you as offline.');
      await expect.poll(seenBy(ned.id), { timeout: 30_000, interval: 500 }).toBe('offline');
      expect(await text(nedPage).textContent()).not.toMatch(/see you online/);
      expect(await dialog(nedPage).isVisible()).toBe(true); // still under his pointer
      // Connected again: friends see him online (his input was recent), and the dialog says so.
      await nedPage.context().setOffline(false);
      await expect.poll(() => nedPage.locator('beacon-connection-state').getAttribute('data-state'), { timeout: 30_000, interval: 250 }).toBe('connected');
      await expect.poll(() => text(nedPage).textContent(), { timeout: 5_000, interval: 100 }).toBe(`Welcome back. ${FRIENDS} see you online again.`);
      await expect.poll(seenBy(ned.id), { timeout: 5_000, interval: 250 }).toBe('online');
      await dialog(nedPage).getByRole('button', { name: "I'm here" }).click();
      await dialog(nedPage).waitFor({ state: 'hidden', timeout: 5_000 });
    })();

    // Each user's failure is reported, not only the first, with the text seen in full.
    const why = (e: unknown): string => (e instanceof Error && 'actual' in e ? `${e.message}: got ${JSON.stringify(e.actual)}` : String(e));
    const failed = (await Promise.allSettled([halRun, cleoRun, nedRun])).flatMap((r, i) => (r.status === 'rejected' ? [`${['Hal', 'Cleo', 'Ned'][i]}: ${why(r.reason)}`] : []));
    await Promise.all(pages.map((p) => p.context().close()));
    expect(failed).toEqual([]);
  }, IDLE_MS + 120_000);
});
