/**
 * The "Still there?" dialog follows what happens after it asked, with short idle timers on
 * the server: once the user is auto-away it says friends see them away (not "soon"), and
 * once they are back from elsewhere (another tab, another device) it goes away by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api } from './helpers/api-users.js';
import { newPage } from './helpers/ui.js';

const IDLE_MS = 3_000;
const PROBE_MS = 3_000;

let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ BEACON_IDLE_TIMEOUT_MS: String(IDLE_MS), BEACON_IDLE_PROBE_TIMEOUT_MS: String(PROBE_MS) });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openAs(token: string): Promise<Page> {
  const page = await newPage(browser, { viewport: { width: 1024, height: 700 } });
  await page.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  return page;
}

describe('"Still there?" after it asked', () => {
  it('says friends now see you away once you are, and closes when you come back from elsewhere', async () => {
    const sid = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'sid', password: 'correct horse battery' });
    const page = await openAs(sid.token);
    const dialog = page.getByRole('dialog', { name: 'Still there?' });
    await dialog.waitFor({ timeout: IDLE_MS + 10_000 });
    await dialog.getByText('Your friends will soon see you as away.', { exact: false }).waitFor();
    // Unanswered: the server makes the user away.
    await expect.poll(() => page.locator('[data-part=self-status]').textContent(), { timeout: PROBE_MS + 5_000 }).toMatch(/away/i);
    await dialog.getByText('Your friends now see you as away.', { exact: false }).waitFor({ timeout: 2_000 });
    // The user is back at another tab or device: this one's question is answered.
    await api(server.baseUrl, sid.token, 'POST', '/users/me/interaction');
    await expect.poll(() => page.locator('[data-part=self-status]').textContent(), { timeout: 5_000 }).toMatch(/online/i);
    await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(0);
    await page.close();
  });
});
